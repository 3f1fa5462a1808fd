/**
 * Only If Changed remembering in a named Apify store, as queue mode needs: every run starts without
 * the workflow's static data, as n8n's workers start every execution.
 */
import type { IDataObject } from 'n8n-workflow';

import { runNode, type RunOptions } from '../../dev/harness/engine';
import type { LocalStore } from '../../dev/local-api/store-data';
import { API_MODES, byId, expectNoSecrets, useApiMode, useLocalApi } from './setup';

const local = useLocalApi();

const MEMORY_STORE = 'n8n-only-if-changed';

let workflowCounter = 0;
/** A saved workflow's ID, the same for all its runs. */
const newWorkflowId = () => `memoryWf${++workflowCounter}`;

function watchedStore(): LocalStore {
	return local.api.addStore({ name: `watched-${Math.random().toString(36).slice(2, 10)}` });
}

function getParameters(storeId: string, key: string, options: IDataObject = {}): IDataObject {
	return {
		resource: 'record',
		operation: 'get',
		storeId: byId(storeId),
		key: byId(key),
		outputFormat: 'auto',
		options: { onlyChanged: true, changeMemory: 'apifyStore', ...options },
	};
}

/** A production run (as a webhook starts it) with no static data: what a queue-mode worker does. */
async function runOnWorker(options: RunOptions) {
	const result = await runNode({ mode: 'webhook', ...options });
	expect(result.staticData).toEqual({});
	return result;
}

/** The memory store's records, parsed, by key. */
function memoryRecords(name = MEMORY_STORE): Record<string, IDataObject> {
	let store: LocalStore;
	try {
		store = local.api.findStore(name);
	} catch {
		return {};
	}
	return Object.fromEntries(
		store.keys().map((key) => {
			const record = store.getRecord(key);
			const body = record && 'stored' in record ? record.stored.toString() : '';
			return [key, JSON.parse(body) as IDataObject];
		}),
	);
}

afterEach(() => {
	try {
		local.api.deleteStore(MEMORY_STORE);
	} catch {
		// Not made by this test.
	}
});

describe('Only If Changed, remembered in an Apify store', () => {
	describe.each(API_MODES)('with an API %s', (_mode, settings) => {
		useApiMode(local, settings);

		it('outputs a record once across runs that share no static data, and again after each change', async () => {
			const { id } = watchedStore();
			const workflowId = newWorkflowId();
			local.api.putRecord(id, 'STATE', '{"step":1}', { contentType: 'application/json' });
			const run = () => runOnWorker({ parameters: getParameters(id, 'STATE'), workflowId });

			const first = await run();
			expect(first.error).toBeUndefined();
			expect(first.items.map((item) => item.json)).toEqual([{ step: 1 }]);
			expectNoSecrets(first);
			const entries = Object.entries(memoryRecords());
			expect(entries).toHaveLength(1);
			const [memoryKey, entry] = entries[0];
			expect(memoryKey).toMatch(new RegExp(`^${workflowId}\\.[0-9a-f]{40}$`));
			expect(entry).toMatchObject({
				workflowId,
				node: 'Apify Key-Value Store',
				key: 'STATE',
				storeId: id,
			});
			// The ETag where the API sends one, else the content's hash: never both, never the content.
			expect(Object.keys(entry).filter((field) => ['etag', 'sha256'].includes(field))).toEqual([
				settings.etags ? 'etag' : 'sha256',
			]);
			expect(JSON.stringify(entry)).not.toContain('step');

			const second = await run();
			expect(second.error).toBeUndefined();
			expect(second.items).toEqual([]);

			local.api.putRecord(id, 'STATE', '{"step":2}', { contentType: 'application/json' });
			const third = await run();
			expect(third.items.map((item) => item.json)).toEqual([{ step: 2 }]);
			expect((await run()).items).toEqual([]);
			// One memory record, rewritten.
			expect(Object.keys(memoryRecords())).toEqual([memoryKey]);
		});
	});

	it('waits until the API shows its write, so the next run on another worker finds it', async () => {
		const { id } = watchedStore();
		const workflowId = newWorkflowId();
		local.api.putRecord(id, 'page', 'one', { contentType: 'text/plain' });
		local.api.configure({ writeVisibilityDelayMs: 1500 });
		try {
			const parameters = getParameters(id, 'page');
			const startedAt = Date.now();
			const first = await runOnWorker({ parameters, workflowId });
			expect(first.items.map((item) => item.json.text)).toEqual(['one']);
			expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1400);
			const second = await runOnWorker({ parameters, workflowId });
			expect(second.items).toEqual([]);
		} finally {
			local.api.configure({ writeVisibilityDelayMs: 0 });
		}
	});

	it('keeps each workflow, node, store and key apart, asks for the memory store once per run, and remembers within a run', async () => {
		const { id } = watchedStore();
		local.api.putRecord(id, 'a', 'A', { contentType: 'text/plain' });
		local.api.putRecord(id, 'b', 'B', { contentType: 'text/plain' });
		const parameters = { ...getParameters(id, 'a'), key: byId('={{ $json.key }}') };
		const input = ['a', 'b', 'a'].map((key) => ({ json: { key } }));
		const workflowId = newWorkflowId();

		local.api.clearRequests();
		const first = await runOnWorker({ parameters, input, workflowId });
		expect(first.items.map((item) => [item.json.text, item.pairedItem])).toEqual([
			['A', { item: 0 }],
			['B', { item: 1 }],
		]);
		const creates = local.api.requests.filter(
			(request) => request.method === 'POST' && request.path === '/v2/key-value-stores',
		);
		expect(creates.map((request) => request.query.name)).toEqual([MEMORY_STORE]);

		local.api.putRecord(id, 'b', 'B2', { contentType: 'text/plain' });
		const second = await runOnWorker({ parameters, input, workflowId });
		expect(second.items.map((item) => [item.json.text, item.pairedItem])).toEqual([
			['B2', { item: 1 }],
		]);
		// Another workflow has a memory of its own.
		const other = await runOnWorker({ parameters, input, workflowId: newWorkflowId() });
		expect(other.items.map((item) => item.json.text)).toEqual(['A', 'B2']);
		expect(Object.keys(memoryRecords())).toHaveLength(4);
	});

	it('does not remember a record that failed to parse, so the next run fails again instead of outputting nothing', async () => {
		const { id } = watchedStore();
		local.api.putRecord(id, 'broken', '{"cut', { contentType: 'application/json' });
		const parameters = { ...getParameters(id, 'broken'), outputFormat: 'json' };
		const workflowId = newWorkflowId();
		for (const attempt of [1, 2]) {
			const result = await runOnWorker({ parameters, workflowId });
			expect([attempt, result.error?.message]).toEqual([
				attempt,
				expect.stringMatching(/^Record "broken" is not valid JSON/),
			]);
		}
		expect(memoryRecords()).toEqual({});
	});

	it('uses the Memory Store Name given', async () => {
		const { id } = watchedStore();
		local.api.putRecord(id, 'k', 'v', { contentType: 'text/plain' });
		const parameters = getParameters(id, 'k', { memoryStoreName: 'team-memory' });
		const workflowId = newWorkflowId();
		expect((await runOnWorker({ parameters, workflowId })).items).toHaveLength(1);
		expect(Object.keys(memoryRecords('team-memory'))).toHaveLength(1);
		expect(memoryRecords()).toEqual({});
		expect((await runOnWorker({ parameters, workflowId })).items).toEqual([]);
		local.api.deleteStore('team-memory');
	});

	it('reads but does not write the memory in runs started by hand in the editor', async () => {
		const { id } = watchedStore();
		local.api.putRecord(id, 'k', 'v1', { contentType: 'text/plain' });
		const parameters = getParameters(id, 'k');
		const workflowId = newWorkflowId();
		// Within the run it remembers, as static data does: the second item of the same key outputs nothing.
		const manual = await runNode({
			parameters: { ...parameters, key: byId('={{ $json.key }}') },
			input: [{ json: { key: 'k' } }, { json: { key: 'k' } }],
			workflowId,
			mode: 'manual',
		});
		expect(manual.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }]);
		expect(memoryRecords()).toEqual({});
		// The active workflow still sees the record as new …
		expect((await runOnWorker({ parameters, workflowId })).items).toHaveLength(1);
		// … and a test in the editor now finds it remembered.
		expect((await runNode({ parameters, workflowId, mode: 'manual' })).items).toEqual([]);
	});

	it('refuses a URL signature credential and a bad store name before any request', async () => {
		const { id } = watchedStore();
		local.api.clearRequests();
		const signed = await runOnWorker({
			parameters: getParameters(id, 'k'),
			credentialId: 'signature',
			workflowId: newWorkflowId(),
		});
		expect(signed.error?.message).toBe(
			'Only If Changed with Remember Changes In set to Apify Store needs an API token, not a URL signature',
		);
		expect(signed.error?.description).toContain('Workflow Static Data');
		const badName = await runOnWorker({
			parameters: getParameters(id, 'k', { memoryStoreName: 'no spaces allowed' }),
			workflowId: newWorkflowId(),
		});
		expect(badName.error?.message).toBe(
			'The Memory Store Name parameter "no spaces allowed" is not a valid store name',
		);
		expect(local.api.requests).toEqual([]);
	});

	it('does not count a record as remembered when writing its memory failed', async () => {
		const { id } = watchedStore();
		local.api.putRecord(id, 'k', 'v', { contentType: 'text/plain' });
		const workflowId = newWorkflowId();
		local.api.faults.add({
			method: 'PUT',
			path: new RegExp(`/records/${workflowId}\\.`),
			kind: 'status',
			status: 500,
		});
		const result = await runOnWorker({
			parameters: {
				...getParameters(id, 'k', { maxRetries: 0 }),
				key: byId('={{ $json.key }}'),
			},
			input: [{ json: { key: 'k' } }, { json: { key: 'k' } }],
			continueOnFail: true,
			workflowId,
		});
		// The first item's write failed; the second finds nothing remembered and outputs the record.
		expect(result.items.map((item) => [item.json.error === undefined, item.pairedItem])).toEqual([
			[false, { item: 0 }],
			[true, { item: 1 }],
		]);
		expect(result.items[1].json.text).toBe('v');
	});

	it('says when the token may not write the memory store, and with Continue On Fail keeps the other items', async () => {
		const { id } = watchedStore();
		local.api.putRecord(id, 'k', 'v', { contentType: 'text/plain' });
		const result = await runOnWorker({
			parameters: { ...getParameters(id, 'k'), key: byId('={{ $json.key }}') },
			input: [{ json: { key: 'k' } }, { json: { key: 'k' } }],
			credentialId: 'readOnly',
			continueOnFail: true,
			workflowId: newWorkflowId(),
		});
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.json.error)).toEqual([
			expect.stringMatching(/^Apify API error 403 insufficient-permissions/),
			expect.stringMatching(/^Apify API error 403 insufficient-permissions/),
		]);
		expectNoSecrets(result);
	});
});
