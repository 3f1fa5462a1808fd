import { runListSearch } from '../../dev/harness/engine';
import {
	DEMO_STORE,
	fixtureKeys,
	OTHER_STORE,
	PAGING_STORE,
	UNNAMED_STORE,
} from '../../dev/local-api/fixtures';
import { byId, useLocalApi } from './setup';

useLocalApi();

describe('store picker', () => {
	it("lists the account's named and unnamed stores, not other users' stores", async () => {
		const { results } = await runListSearch('searchStores', {});
		const values = results.map((result) => result.value);
		expect(values).toEqual(
			expect.arrayContaining([DEMO_STORE.id, PAGING_STORE.id, UNNAMED_STORE.id]),
		);
		expect(values).not.toContain(OTHER_STORE.id);
		expect(results.find((result) => result.value === DEMO_STORE.id)?.name).toBe('demo-store');
		expect(results.find((result) => result.value === UNNAMED_STORE.id)?.name).toBe(
			`${UNNAMED_STORE.id} (unnamed)`,
		);
	});

	it('filters by name', async () => {
		const { results } = await runListSearch('searchStores', {}, 'paging');
		expect(results.map((result) => result.value)).toEqual([PAGING_STORE.id]);
	});

	it('asks for the store ID when the credential is a signature', async () => {
		await expect(
			runListSearch('searchStores', {}, undefined, undefined, 'signature'),
		).rejects.toThrow('Listing stores needs an API token');
	});
});

describe('key picker', () => {
	it('lists keys of the chosen store, 100 at a time with a cursor', async () => {
		const parameters = { storeId: byId(PAGING_STORE.id) };
		const first = await runListSearch('searchKeys', parameters);
		const all = fixtureKeys(PAGING_STORE.id);
		expect(first.results.map((result) => result.value)).toEqual(all.slice(0, 100));
		expect(first.paginationToken).toBe(all[99]);
		const second = await runListSearch(
			'searchKeys',
			parameters,
			undefined,
			first.paginationToken as string,
		);
		expect(second.results.map((result) => result.value)).toEqual(all.slice(100, 200));
	});

	it('uses what the user types as a key prefix', async () => {
		const { results, paginationToken } = await runListSearch(
			'searchKeys',
			{ storeId: byId(DEMO_STORE.id) },
			'img-',
		);
		expect(results.map((result) => result.value)).toEqual(['img-001', 'img-002', 'img-003']);
		expect(paginationToken).toBeUndefined();
	});
});
