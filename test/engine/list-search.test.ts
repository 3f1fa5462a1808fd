import { runListSearch } from '../../dev/harness/engine';
import {
	DEMO_ACTOR,
	DEMO_STORE,
	FAILED_RUN,
	fixtureKeys,
	LOCAL_USER,
	OTHER_STORE,
	PAGING_STORE,
	SUCCEEDED_RUN,
	UNNAMED_STORE,
} from '../../dev/local-api/fixtures';
import { byId, useLocalApi } from './setup';

const local = useLocalApi();

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

	describe('with Store Of set to a run', () => {
		const lastRequest = () => local.api.requests.at(-1);

		it("lists the keys of an Actor run's default store, through the run alias", async () => {
			const { results } = await runListSearch('searchKeys', {
				storeSource: 'run',
				runId: FAILED_RUN.run.id,
			});
			expect(results.map((result) => result.value)).toEqual(fixtureKeys(FAILED_RUN.store.id));
			expect(lastRequest()?.path).toBe(`/v2/actor-runs/${FAILED_RUN.run.id}/key-value-store/keys`);
		});

		it("lists the keys of an Actor's last run with the chosen status, filtered by the typed prefix", async () => {
			const parameters = { storeSource: 'lastRun', actorId: 'local-user/demo-scraper' };
			const all = fixtureKeys(SUCCEEDED_RUN.store.id);
			expect(all.length).toBeGreaterThan(0);
			const { results } = await runListSearch('searchKeys', {
				...parameters,
				runStatus: 'SUCCEEDED',
			});
			expect(results.map((result) => result.value)).toEqual(all);
			expect(lastRequest()?.query.status).toBe('SUCCEEDED');

			const prefix = all[0].slice(0, 2);
			const filtered = await runListSearch(
				'searchKeys',
				{ ...parameters, runStatus: 'SUCCEEDED' },
				prefix,
			);
			expect(filtered.results.map((result) => result.value)).toEqual(
				all.filter((key) => key.startsWith(prefix)),
			);
			expect(lastRequest()?.path).toBe(
				'/v2/actors/local-user~demo-scraper/runs/last/key-value-store/keys',
			);
		});

		it("lists the keys of an Actor's last run of the chosen Run Origin, whatever its status", async () => {
			const { results } = await runListSearch('searchKeys', {
				storeSource: 'lastRun',
				actorId: DEMO_ACTOR.id,
				runStatus: '',
				runOrigin: 'API',
			});
			expect(results.map((result) => result.value)).toEqual(fixtureKeys(FAILED_RUN.store.id));
			expect(lastRequest()?.query).toMatchObject({ origin: 'API' });
			expect(lastRequest()?.query.status).toBeUndefined();
		});

		it("takes Run Status's default (Succeeded) when the editor leaves it out", async () => {
			const { results } = await runListSearch('searchKeys', {
				storeSource: 'lastRun',
				actorId: DEMO_ACTOR.id,
			});
			expect(results.map((result) => result.value)).toEqual(fixtureKeys(SUCCEEDED_RUN.store.id));
			expect(lastRequest()?.query.status).toBe('SUCCEEDED');
		});

		it("lists the keys of an Actor task's last run", async () => {
			const task = local.api.addTask({
				id: 'tskKeyPicker00001',
				name: 'key-picker-task',
				actId: DEMO_ACTOR.id,
				userId: LOCAL_USER.id,
			});
			// Older than the fixture runs, so that the Actor's own last run stays the same.
			local.api.addRun({
				id: 'runKeyPicker00001',
				actId: DEMO_ACTOR.id,
				actorTaskId: task.id,
				status: 'SUCCEEDED',
				startedAt: new Date('2020-01-01T10:00:00Z'),
				defaultKeyValueStoreId: DEMO_STORE.id,
			});
			const { results } = await runListSearch(
				'searchKeys',
				{ storeSource: 'lastTaskRun', taskId: 'local-user/key-picker-task', runStatus: '' },
				'img-',
			);
			expect(results.map((result) => result.value)).toEqual(['img-001', 'img-002', 'img-003']);
			expect(lastRequest()?.path).toBe(
				'/v2/actor-tasks/local-user~key-picker-task/runs/last/key-value-store/keys',
			);
			expect(lastRequest()?.query.status).toBeUndefined();
		});

		it('says what is wrong with a Run ID before any request', async () => {
			local.api.clearRequests();
			await expect(
				runListSearch('searchKeys', { storeSource: 'run', runId: 'not a run id' }),
			).rejects.toThrow(/Run ID/);
			expect(local.api.requests).toHaveLength(0);
		});
	});
});
