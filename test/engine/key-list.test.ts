import type { IDataObject } from 'n8n-workflow';

import { runNode } from '../../dev/harness/engine';
import {
	DEMO_STORE,
	fixtureKeys,
	PAGING_RECORD_COUNT,
	PAGING_STORE,
} from '../../dev/local-api/fixtures';
import { byId, expectNoSecrets, useLocalApi } from './setup';

const local = useLocalApi();
beforeEach(() => {
	local.api.clearRequests();
	local.api.faults.clear();
});

const listParameters = (extra: IDataObject = {}): IDataObject => ({
	resource: 'key',
	operation: 'list',
	storeId: byId(PAGING_STORE.id),
	...extra,
});
const keysRequests = () => local.api.requests.filter((request) => request.path.endsWith('/keys'));

describe('Key → List', () => {
	it('returns all keys in the API byte order, each once, paging 1000 at a time', async () => {
		const result = await runNode({ parameters: listParameters({ returnAll: true }) });
		expect(result.error).toBeUndefined();
		const keys = result.items.map((item) => item.json.key);
		expect(keys).toHaveLength(PAGING_RECORD_COUNT);
		expect(keys).toEqual(fixtureKeys(PAGING_STORE.id));
		expect(new Set(keys).size).toBe(keys.length);
		expect(keysRequests().map((request) => request.query.limit)).toEqual(['1000', '1000', '1000']);
		expect(keysRequests()[1].query.exclusiveStartKey).toBe(keys[999]);
		expect(result.items[0].pairedItem).toEqual({ item: 0 });
		expectNoSecrets(result);
	});

	it('stops at the limit, asking only for what it needs', async () => {
		const { items } = await runNode({
			parameters: listParameters({ returnAll: false, limit: 1500 }),
		});
		expect(items.map((item) => item.json.key)).toEqual(fixtureKeys(PAGING_STORE.id).slice(0, 1500));
		expect(keysRequests().map((request) => request.query.limit)).toEqual(['1000', '500']);
	});

	it('uses 50 as the default limit', async () => {
		const { items } = await runNode({ parameters: listParameters() });
		expect(items).toHaveLength(50);
	});

	it('lists keys after Start After Key', async () => {
		const all = fixtureKeys(PAGING_STORE.id);
		const { items } = await runNode({
			parameters: listParameters({ limit: 10, options: { exclusiveStartKey: all[41] } }),
		});
		expect(items.map((item) => item.json.key)).toEqual(all.slice(42, 52));
	});

	it('filters by prefix', async () => {
		const { items } = await runNode({
			parameters: listParameters({ returnAll: true, recordFilter: 'prefix', prefix: 'p-' }),
		});
		const expected = fixtureKeys(PAGING_STORE.id).filter((key) => key.startsWith('p-'));
		expect(expected).toHaveLength(300);
		expect(items.map((item) => item.json.key)).toEqual(expected);
	});

	it('filters by a collection of the store schema and gives sizes and public URLs', async () => {
		const { items } = await runNode({
			parameters: listParameters({
				storeId: byId(DEMO_STORE.id),
				returnAll: true,
				recordFilter: 'collection',
				collection: 'images',
			}),
		});
		expect(items.map((item) => item.json.key)).toEqual(['img-001', 'img-002', 'img-003']);
		for (const item of items) {
			expect(item.json.size).toEqual(expect.any(Number));
			expect(item.json.recordPublicUrl).toMatch(
				new RegExp(`/v2/key-value-stores/${DEMO_STORE.id}/records/${item.json.key}\\?signature=`),
			);
		}
	});

	it.each([0, -3, 2.5])('refuses limit %j before any request', async (limit) => {
		const { error } = await runNode({ parameters: listParameters({ limit }) });
		expect(error?.message).toMatch(/The Limit parameter must be a positive whole number/);
		expect(local.api.requests).toHaveLength(0);
	});

	it('runs once per input item with the limit from an expression', async () => {
		const { items } = await runNode({
			parameters: listParameters({ limit: '={{ $json.howMany }}' }),
			input: [{ json: { howMany: 2 } }, { json: { howMany: 3 } }],
		});
		expect(items.map((item) => item.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 0 },
			{ item: 1 },
			{ item: 1 },
			{ item: 1 },
		]);
	});
});
