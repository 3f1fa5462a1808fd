/**
 * The node against an API that does only what Apify documents and against one with the behaviours
 * no Apify source confirms: each behaviour that could lean on them works both ways.
 */
import type { IDataObject, INode, INodeExecutionData } from 'n8n-workflow';

import { apifyNode, readBinary, runNode, runPoll, runWorkflow } from '../../dev/harness/engine';
import { DEMO_STORE, fixtureRecord, SUCCEEDED_RUN } from '../../dev/local-api/fixtures';
import { createRecordSignature } from '../../dev/local-api/signature';
import {
	API_MODES,
	byId,
	expectNoSecrets,
	recordGetParameters,
	useApiMode,
	useLocalApi,
} from './setup';

const local = useLocalApi();

const existsParameters = (key: string, store: IDataObject = { storeId: byId(DEMO_STORE.id) }) => ({
	resource: 'record',
	operation: 'exists',
	key: byId(key),
	...store,
});

describe.each(API_MODES)('with an API %s', (_mode, settings) => {
	useApiMode(local, settings);

	describe('a URL-signature credential', () => {
		it('gets JSON and file records of its store', async () => {
			const json = await runNode({
				parameters: recordGetParameters('OUTPUT'),
				credentialId: 'signature',
			});
			expect(json.error).toBeUndefined();
			expect(json.items[0].json).toEqual(
				JSON.parse(fixtureRecord(DEMO_STORE.id, 'OUTPUT').body.toString()),
			);
			const file = await runNode({
				parameters: recordGetParameters('screenshot'),
				credentialId: 'signature',
			});
			expect(file.error).toBeUndefined();
			expect(
				(await readBinary(file.items[0])).equals(fixtureRecord(DEMO_STORE.id, 'screenshot').body),
			).toBe(true);
			expectNoSecrets(json);
			expectNoSecrets(file);
			if (!settings.storeSignatureGrantsRecords) {
				// Refused with the store signature, then read through the record's own signed link.
				const signed = local.api.requests.filter(
					(request) =>
						request.query.signature ===
						createRecordSignature(DEMO_STORE.urlSigningSecretKey, 'screenshot'),
				);
				expect(signed).toHaveLength(1);
			}
		});

		it('tells a missing record with a 404 that names it', async () => {
			const { error } = await runNode({
				parameters: recordGetParameters('no-such-key'),
				credentialId: 'signature',
			});
			expect(error?.httpCode).toBe('404');
			expect(error?.description).toMatch(/has no record with key "no-such-key"/);
		});

		it('checks whether records exist through the key listing, without HEAD', async () => {
			const results = [];
			for (const key of ['OUTPUT', 'OUT', 'no-such-key']) {
				const { items, error } = await runNode({
					parameters: existsParameters(key),
					credentialId: 'signature',
				});
				expect(error).toBeUndefined();
				results.push(items[0].json.exists);
			}
			expect(results).toEqual([true, false, false]);
			expect(local.api.requests.filter((request) => request.method === 'HEAD')).toEqual([]);
		});

		it("gets the values of the trigger's changed records", async () => {
			const parameters = {
				storeId: byId(DEMO_STORE.id),
				prefix: 'sig-trigger-',
				includeValue: true,
			};
			const baseline = await runPoll(parameters, {}, 'trigger', 'signature');
			local.api.putRecord(DEMO_STORE.id, 'sig-trigger-a', 'hello', { contentType: 'text/plain' });
			try {
				const { items } = await runPoll(parameters, baseline.staticData, 'trigger', 'signature');
				expect(items.map((item) => [item.json.key, item.json.change, item.json.text])).toEqual([
					['sig-trigger-a', 'added', 'hello'],
				]);
			} finally {
				local.api.findStore(DEMO_STORE.id).deleteRecord('sig-trigger-a');
			}
		});
	});

	it("checks whether a record of a run's store exists without HEAD on the run alias", async () => {
		const store = { storeSource: 'run', runId: SUCCEEDED_RUN.run.id };
		const found = await runNode({ parameters: existsParameters('OUTPUT', store) });
		const missing = await runNode({ parameters: existsParameters('no-such-key', store) });
		expect([found.items[0].json.exists, missing.items[0].json.exists]).toEqual([true, false]);
		expect(found.items[0].json).toMatchObject({ runId: SUCCEEDED_RUN.run.id });
		const heads = local.api.requests.filter((request) => request.method === 'HEAD');
		expect(heads.map((request) => request.path)).toEqual([
			`/v2/key-value-stores/${SUCCEEDED_RUN.store.id}/records/OUTPUT`,
			`/v2/key-value-stores/${SUCCEEDED_RUN.store.id}/records/no-such-key`,
		]);
	});
});

describe('a record written a moment ago that the API does not show yet', () => {
	useApiMode(local, { writeVisibilityDelayMs: 1500 });

	const node = (name: string, parameters: IDataObject): INode => ({
		...apifyNode(parameters),
		id: name,
		name,
	});
	const recordParameters = (operation: string, key: string, extra: IDataObject = {}) => ({
		resource: 'record',
		operation,
		storeId: byId(DEMO_STORE.id),
		key: byId(key),
		...extra,
	});
	const outputOf = (run: Awaited<ReturnType<typeof runWorkflow>>, name: string) =>
		run.data.resultData.runData[name][0].data?.main[0] as INodeExecutionData[];

	it('is waited for by a Get and an Exists after the Put, in one workflow', async () => {
		const key = `visible-later-${Date.now()}`;
		const run = await runWorkflow({
			nodes: [
				node('Put', recordParameters('put', key)),
				node('Exists', recordParameters('exists', key)),
				node('Get', recordParameters('get', key)),
			],
			connections: {
				Put: { main: [[{ node: 'Exists', type: 'main', index: 0 }]] },
				Exists: { main: [[{ node: 'Get', type: 'main', index: 0 }]] },
			},
			input: [{ json: { written: 'now' } }],
		});
		expect(run.data.resultData.error).toBeUndefined();
		expect(outputOf(run, 'Exists')[0].json.exists).toBe(true);
		expect(outputOf(run, 'Get')[0].json).toEqual({ written: 'now' });
		// The first reads found nothing and were asked again.
		const reads = local.api.requests.filter(
			(request) => request.path.endsWith(`/records/${key}`) && request.method !== 'PUT',
		);
		expect(reads.length).toBeGreaterThan(2);
	});

	it('does not make a Get of a record nobody here wrote wait', async () => {
		const { error } = await runNode({ parameters: recordGetParameters('never-written') });
		expect(error?.httpCode).toBe('404');
		expect(local.api.requests).toHaveLength(1);
	});

	it('is not waited for after this process deleted it', async () => {
		const key = `deleted-${Date.now()}`;
		local.api.putRecord(DEMO_STORE.id, key, 'x', { contentType: 'text/plain' });
		await runNode({ parameters: recordParameters('put', key) });
		await runNode({ parameters: recordParameters('delete', key) });
		local.api.clearRequests();
		const { items } = await runNode({ parameters: recordParameters('exists', key) });
		expect(items[0].json.exists).toBe(false);
		expect(local.api.requests).toHaveLength(1);
	});
});
