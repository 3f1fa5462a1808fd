import type { IDataObject } from 'n8n-workflow';

import { readBinary, runPoll } from '../harness/engine';
import { byId, SECRETS, useLocalApi } from './setup';

const local = useLocalApi();
beforeEach(() => {
	local.api.clearRequests();
	local.api.faults.clear();
});

/** A fresh store per test with three records; returns its ID. */
function watchedStore(name: string): string {
	const store = local.api.addStore({ name });
	local.api.putRecord(store.id, 'a-json', '{"n":1}', { contentType: 'application/json' });
	local.api.putRecord(store.id, 'b-text', 'hello', { contentType: 'text/plain' });
	local.api.putRecord(store.id, 'c-file', Buffer.from([1, 2, 3]), { contentType: 'image/png' });
	return store.id;
}

const triggerParameters = (storeId: string, extra: IDataObject = {}): IDataObject => ({
	storeId: byId(storeId),
	events: ['added', 'changed', 'deleted'],
	...extra,
});

const changesOf = (items: Array<{ json: IDataObject }>) => items.map((item) => [item.json.key, item.json.change]);

describe('Apify Key-Value Store Trigger', () => {
	it('sets a baseline on the first poll, then fires once per add, edit and delete, across restarts', async () => {
		const storeId = watchedStore('trigger-basic');
		const parameters = triggerParameters(storeId);
		const first = await runPoll(parameters);
		expect(first.items).toEqual([]);
		expect(first.staticData).not.toEqual({});

		const quiet = await runPoll(parameters, first.staticData);
		expect(quiet.items).toEqual([]);

		local.api.putRecord(storeId, 'd-new', 'new one', { contentType: 'text/plain' });
		local.api.putRecord(storeId, 'b-text', 'hello, longer now', { contentType: 'text/plain' });
		local.api.deleteRecord(storeId, 'c-file');
		const changed = await runPoll(parameters, quiet.staticData);
		expect(changesOf(changed.items)).toEqual([
			['b-text', 'changed'],
			['c-file', 'deleted'],
			['d-new', 'added'],
		]);
		expect(changed.items[0].json).toMatchObject({ storeId, key: 'b-text', size: 17, previousSize: 5 });
		expect(changed.items[1].json).toMatchObject({ key: 'c-file', size: 3 });

		// Each change fires once: the polls after it, each as after a restart, are quiet.
		const after = await runPoll(parameters, changed.staticData);
		expect(after.items).toEqual([]);
		expect((await runPoll(parameters, after.staticData)).items).toEqual([]);
		const serialised = JSON.stringify(changed);
		for (const secret of SECRETS) expect(serialised).not.toContain(secret);
	});

	it('watches only the keys under the prefix and only the chosen events', async () => {
		const storeId = watchedStore('trigger-filter');
		const parameters = triggerParameters(storeId, { prefix: 'b-', events: ['deleted'] });
		const baseline = await runPoll(parameters);
		local.api.putRecord(storeId, 'a-json', '{"n":12345}', { contentType: 'application/json' });
		local.api.putRecord(storeId, 'b-added', 'x', { contentType: 'text/plain' });
		local.api.deleteRecord(storeId, 'b-text');
		const next = await runPoll(parameters, baseline.staticData);
		expect(changesOf(next.items)).toEqual([['b-text', 'deleted']]);
		const listing = local.api.requests.filter((request) => request.path.endsWith('/keys'));
		expect(listing.every((request) => request.query.prefix === 'b-')).toBe(true);
	});

	it('with Include Record Value, gives JSON as value, text as text and files as binary data', async () => {
		const storeId = local.api.addStore({ name: 'trigger-values' }).id;
		const parameters = triggerParameters(storeId, { includeValue: true });
		const baseline = await runPoll(parameters);
		local.api.putRecord(storeId, 'a-json', '{"n":1}', { contentType: 'application/json' });
		local.api.putRecord(storeId, 'b-text', 'hello', { contentType: 'text/plain' });
		local.api.putRecord(storeId, 'c-file', Buffer.from([1, 2, 3]), { contentType: 'image/png' });
		const { items } = await runPoll(parameters, baseline.staticData);
		expect(items.map((item) => item.json.key)).toEqual(['a-json', 'b-text', 'c-file']);
		expect(items[0].json).toMatchObject({ change: 'added', value: { n: 1 }, contentType: 'application/json' });
		expect(items[1].json).toMatchObject({ change: 'added', text: 'hello' });
		expect(items[2].json).toMatchObject({ change: 'added', fileName: 'c-file.png', size: 3 });
		expect(items[2].binary?.data?.mimeType).toBe('image/png');
		expect([...(await readBinary(items[2]))]).toEqual([1, 2, 3]);
	});

	it('starts a new baseline, without firing, when the store or prefix changes', async () => {
		const first = watchedStore('trigger-scope-a');
		const second = watchedStore('trigger-scope-b');
		const baseline = await runPoll(triggerParameters(first));
		const moved = await runPoll(triggerParameters(second), baseline.staticData);
		expect(moved.items).toEqual([]);
		const narrowed = await runPoll(triggerParameters(second, { prefix: 'a-' }), moved.staticData);
		expect(narrowed.items).toEqual([]);
		local.api.putRecord(second, 'a-more', '1', { contentType: 'text/plain' });
		expect(changesOf((await runPoll(triggerParameters(second, { prefix: 'a-' }), narrowed.staticData)).items)).toEqual([
			['a-more', 'added'],
		]);
	});

	it('notices an edit that keeps the size only with Detect Same-Size Edits, asking with ETags', async () => {
		const storeId = watchedStore('trigger-etags');
		const bySize = triggerParameters(storeId);
		const byEtag = triggerParameters(storeId, { checkEtags: true });
		const sizeBaseline = await runPoll(bySize);
		const etagBaseline = await runPoll(byEtag);
		local.api.putRecord(storeId, 'b-text', 'HELLO', { contentType: 'text/plain' });
		local.api.clearRequests();

		expect((await runPoll(bySize, sizeBaseline.staticData)).items).toEqual([]);
		const noticed = await runPoll(byEtag, etagBaseline.staticData);
		expect(changesOf(noticed.items)).toEqual([['b-text', 'changed']]);
		const heads = local.api.requests.filter((request) => request.method === 'HEAD');
		expect(heads).toHaveLength(3);
		expect(heads.every((request) => String(request.headers['if-none-match']).startsWith('"'))).toBe(true);
		expect(local.api.requests.some((request) => request.method === 'GET' && request.path.includes('/records/'))).toBe(false);
		expect((await runPoll(byEtag, noticed.staticData)).items).toEqual([]);
	});

	it('shows a sample of the store as added records when tested before any baseline', async () => {
		const storeId = watchedStore('trigger-manual');
		const { items } = await runPoll(triggerParameters(storeId), {}, 'manual');
		expect(changesOf(items)).toEqual([
			['a-json', 'added'],
			['b-text', 'added'],
			['c-file', 'added'],
		]);
	});

	it('keeps the last baseline when a poll fails, so the change is reported by the next one', async () => {
		const storeId = watchedStore('trigger-failure');
		const parameters = triggerParameters(storeId, { includeValue: true });
		const baseline = await runPoll(parameters);
		local.api.putRecord(storeId, 'd-new', 'new', { contentType: 'text/plain' });
		local.api.faults.add({ kind: 'status', status: 401, path: /\/records\/d-new$/ });
		await expect(runPoll(parameters, baseline.staticData)).rejects.toThrow(/401/);
		const retried = await runPoll(parameters, baseline.staticData);
		expect(changesOf(retried.items)).toEqual([['d-new', 'added']]);
	});
});
