/**
 * Faithfulness: the official apify-client, pointed at the local API, must see what it would see
 * on api.apify.com.
 */
import { ApifyApiError, ApifyClient } from 'apify-client';

import {
	DEMO_ACTOR,
	DEMO_STORE,
	FAILED_RUN,
	FULL_ACCESS_TOKEN,
	LOCAL_USER,
	OTHER_STORE,
	OTHER_USER_RUN,
	OTHER_USER_TOKEN,
	PAGING_STORE,
	READ_ONLY_TOKEN,
	RUNNING_RUN,
	SUCCEEDED_RUN,
	UNNAMED_STORE,
	fixtureKeys,
	fixtureRecord,
	fixtureRecords,
	startSeededLocalApi,
} from '../../dev/local-api/fixtures';
import { expectSameBytes } from './expect-bytes';
import { jsonBody, rawRequest } from './raw-http';
import type { LocalApi } from '../../dev/local-api/server';

let api: LocalApi;

function clientFor(token: string | undefined, maxRetries = 0): ApifyClient {
	return new ApifyClient({
		token,
		baseUrl: api.url,
		publicBaseUrl: api.url,
		maxRetries,
		minDelayBetweenRetriesMillis: 10,
	});
}

async function apiErrorOf(promise: Promise<unknown>): Promise<ApifyApiError> {
	const error = await promise.then(
		() => undefined,
		(e: unknown) => e,
	);
	if (!(error instanceof ApifyApiError))
		throw new Error(`Expected an ApifyApiError, got ${String(error)}`);
	return error;
}

beforeAll(async () => {
	api = await startSeededLocalApi();
});

afterAll(() => api.close());

afterEach(() => api.faults.clear());

describe('listKeys', () => {
	const pagingStore = () => clientFor(FULL_ACCESS_TOKEN).keyValueStore(PAGING_STORE.id);

	it('pages through every key exactly once, in UTF-8 byte order', async () => {
		const seen: string[] = [];
		let exclusiveStartKey: string | undefined;
		for (;;) {
			const page = await pagingStore().listKeys({ limit: 333, exclusiveStartKey });
			expect(page.count).toBe(page.items.length);
			expect(page.limit).toBe(333);
			seen.push(...page.items.map((item) => item.key));
			if (!page.isTruncated) {
				expect(page.nextExclusiveStartKey).toBeNull();
				break;
			}
			expect(page.nextExclusiveStartKey).toBe(page.items[page.items.length - 1].key);
			exclusiveStartKey = page.nextExclusiveStartKey;
		}
		expect(seen).toEqual(fixtureKeys(PAGING_STORE.id));
	});

	it('returns 1000 keys by default and iterates all keys with the async iterator', async () => {
		const firstPage = await pagingStore().listKeys();
		expect(firstPage.items).toHaveLength(1000);
		expect(firstPage.isTruncated).toBe(true);
		const all: string[] = [];
		for await (const item of pagingStore().listKeys()) all.push(item.key);
		expect(all).toEqual(fixtureKeys(PAGING_STORE.id));
	});

	it('filters by prefix across pages', async () => {
		const expected = fixtureKeys(PAGING_STORE.id).filter((key) => key.startsWith('p-'));
		const first = await pagingStore().listKeys({ prefix: 'p-', limit: 120 });
		const rest = await pagingStore().listKeys({
			prefix: 'p-',
			exclusiveStartKey: first.nextExclusiveStartKey,
		});
		expect([...first.items, ...rest.items].map((item) => item.key)).toEqual(expected);
		expect(rest.isTruncated).toBe(false);
	});

	it('starts after an exclusiveStartKey that does not exist', async () => {
		const page = await pagingStore().listKeys({ exclusiveStartKey: 'm' });
		const expected = fixtureKeys(PAGING_STORE.id).filter(
			(key) => Buffer.compare(Buffer.from(key), Buffer.from('m')) > 0,
		);
		expect(page.items.map((item) => item.key)).toEqual(expected.slice(0, 1000));
		expect(page.exclusiveStartKey).toBe('m');
	});

	it('filters by schema collection (keyPrefix and key)', async () => {
		const demo = clientFor(FULL_ACCESS_TOKEN).keyValueStore(DEMO_STORE.id);
		expect((await demo.listKeys({ collection: 'images' })).items.map((item) => item.key)).toEqual([
			'img-001',
			'img-002',
			'img-003',
		]);
		expect((await demo.listKeys({ collection: 'output' })).items.map((item) => item.key)).toEqual([
			'OUTPUT',
		]);
	});

	it('reports the stored size of each record', async () => {
		const { items } = await clientFor(READ_ONLY_TOKEN)
			.keyValueStore(DEMO_STORE.id)
			.listKeys({ prefix: 'img-' });
		expect(items.map((item) => item.size)).toEqual(
			['img-001', 'img-002', 'img-003'].map((key) => fixtureRecord(DEMO_STORE.id, key).body.length),
		);
	});
});

describe('getRecord and recordExists', () => {
	const demo = () => clientFor(READ_ONLY_TOKEN).keyValueStore(DEMO_STORE.id);

	it('returns every demo record byte for byte as a Buffer', async () => {
		for (const fixture of fixtureRecords(DEMO_STORE.id)) {
			const record = await demo().getRecord(fixture.key, { buffer: true });
			expect(record?.contentType).toBe(fixture.contentType);
			expectSameBytes(record?.value, fixture.body);
		}
	});

	it('parses JSON and text records like Apify', async () => {
		const body = (key: string) => fixtureRecord(DEMO_STORE.id, key).body.toString('utf8');
		expect((await demo().getRecord('INPUT'))?.value).toEqual(JSON.parse(body('INPUT')));
		expect((await demo().getRecord('list-json'))?.value).toEqual(JSON.parse(body('list-json')));
		expect((await demo().getRecord('big-json'))?.value).toEqual(JSON.parse(body('big-json')));
		expect((await demo().getRecord('notes'))?.value).toBe(body('notes'));
		expect((await demo().getRecord('log-gz'))?.value).toBe(body('log-gz'));
		expect((await demo().getRecord("weird!key_(1).v'2"))?.value).toBe(body("weird!key_(1).v'2"));
		expect(Buffer.isBuffer((await demo().getRecord('screenshot'))?.value)).toBe(true);
	});

	it('returns undefined for a missing record or store', async () => {
		expect(await demo().getRecord('MISSING')).toBeUndefined();
		expect(
			await clientFor(FULL_ACCESS_TOKEN).keyValueStore('kvsMissingStore01').getRecord('OUTPUT'),
		).toBeUndefined();
	});

	it('tells whether a record exists', async () => {
		expect(await demo().recordExists('OUTPUT')).toBe(true);
		expect(await demo().recordExists('MISSING')).toBe(false);
	});
});

describe('stores', () => {
	it('lists named stores, and unnamed ones on request', async () => {
		const stores = clientFor(READ_ONLY_TOKEN).keyValueStores();
		const named = await stores.list();
		expect(named.items.map((store) => store.id)).toEqual([DEMO_STORE.id, PAGING_STORE.id]);
		expect(named.total).toBe(2);
		const all = await stores.list({ unnamed: true, desc: true });
		// The default stores of local-user's runs are unnamed and newer than the other stores.
		const runStores = [RUNNING_RUN, FAILED_RUN, SUCCEEDED_RUN].map(({ store }) => store.id);
		expect(all.items.map((store) => store.id)).toEqual([
			...runStores,
			UNNAMED_STORE.id,
			PAGING_STORE.id,
			DEMO_STORE.id,
		]);
		expect(all.desc).toBe(true);
	});

	it('gets a store by ID, username/name and ~name; the secret only with a full-access token', async () => {
		const full = await clientFor(FULL_ACCESS_TOKEN)
			.keyValueStore(`${LOCAL_USER.username}/${DEMO_STORE.name}`)
			.get();
		expect(full?.id).toBe(DEMO_STORE.id);
		expect(full?.createdAt).toBeInstanceOf(Date);
		expect(full?.urlSigningSecretKey).toBe(DEMO_STORE.urlSigningSecretKey);
		const readOnly = await clientFor(READ_ONLY_TOKEN).keyValueStore(`~${DEMO_STORE.name}`).get();
		expect(readOnly?.id).toBe(DEMO_STORE.id);
		expect(readOnly).not.toHaveProperty('urlSigningSecretKey');
		expect(
			await clientFor(FULL_ACCESS_TOKEN).keyValueStore('kvsMissingStore01').get(),
		).toBeUndefined();
	});

	it('answers /users/me for the credential test', async () => {
		const me = await clientFor(READ_ONLY_TOKEN).user('me').get();
		expect(me).toMatchObject({ id: LOCAL_USER.id, username: LOCAL_USER.username });
	});

	it('creates, writes, reads back (br-compressed by the client) and deletes', async () => {
		const client = clientFor(FULL_ACCESS_TOKEN);
		const created = await client.keyValueStores().getOrCreate('scratch-store', {
			schema: { actorKeyValueStoreSchemaVersion: 1, collections: { logs: { keyPrefix: 'log-' } } },
		});
		expect((await client.keyValueStores().getOrCreate('scratch-store')).id).toBe(created.id);
		const store = client.keyValueStore(created.id);
		const value = { text: 'x'.repeat(5000), list: [1, 2, 3] };
		await store.setRecord({ key: 'log-large', value });
		expect(api.findStore(created.id).getRecord('log-large')?.contentEncoding).toBe('br');
		expect((await store.getRecord('log-large'))?.value).toEqual(value);
		expect((await store.listKeys({ collection: 'logs' })).items.map((item) => item.key)).toEqual([
			'log-large',
		]);
		await store.deleteRecord('log-large');
		expect(await store.recordExists('log-large')).toBe(false);
		await store.delete();
		expect(await store.get()).toBeUndefined();
	});
});

describe('Actor runs', () => {
	const outputOf = (store: { id: string }) =>
		JSON.parse(fixtureRecord(store.id, 'OUTPUT').body.toString('utf8'));

	it("reads a record of a run's default store: client.run(id).keyValueStore()", async () => {
		const record = await clientFor(READ_ONLY_TOKEN)
			.run(SUCCEEDED_RUN.run.id)
			.keyValueStore()
			.getRecord('OUTPUT');
		expect(record?.value).toEqual(outputOf(SUCCEEDED_RUN.store));
		expect(
			await clientFor(READ_ONLY_TOKEN).run(FAILED_RUN.run.id).keyValueStore().getRecord('MISSING'),
		).toBeUndefined();
	});

	it("lists the keys of the last successful run's store: client.actor(id).lastRun({ status })", async () => {
		const actor = clientFor(READ_ONLY_TOKEN).actor(DEMO_ACTOR.id);
		const page = await actor.lastRun({ status: 'SUCCEEDED' }).keyValueStore().listKeys();
		expect(page.items.map((item) => item.key)).toEqual(fixtureKeys(SUCCEEDED_RUN.store.id));
		const newest = await actor.lastRun().keyValueStore().listKeys();
		expect(newest.items.map((item) => item.key)).toEqual(fixtureKeys(RUNNING_RUN.store.id));
	});

	it("reads the store of a task's last run: client.task(id).lastRun({ status }).keyValueStore()", async () => {
		const task = api.addTask({
			id: 'tskClientTask0001',
			name: 'client-task',
			actId: DEMO_ACTOR.id,
			userId: LOCAL_USER.id,
		});
		const older = api.addStore({ userId: LOCAL_USER.id });
		api.putRecord(older.id, 'OUTPUT', 'succeeded', { contentType: 'text/plain; charset=utf-8' });
		const newer = api.addStore({ userId: LOCAL_USER.id });
		api.putRecord(newer.id, 'OUTPUT', 'failed', { contentType: 'text/plain; charset=utf-8' });
		const at = (day: number) => new Date(`2020-03-0${day}T10:00:00Z`);
		api.addRun({
			id: 'runClientTask0001',
			actId: DEMO_ACTOR.id,
			actorTaskId: task.id,
			status: 'SUCCEEDED',
			startedAt: at(1),
			defaultKeyValueStoreId: older.id,
		});
		api.addRun({
			id: 'runClientTask0002',
			actId: DEMO_ACTOR.id,
			actorTaskId: task.id,
			status: 'FAILED',
			startedAt: at(2),
			defaultKeyValueStoreId: newer.id,
		});

		const client = clientFor(READ_ONLY_TOKEN);
		const byName = client.task(`${LOCAL_USER.username}/${task.name}`);
		expect(
			(await byName.lastRun({ status: 'SUCCEEDED' }).keyValueStore().getRecord('OUTPUT'))?.value,
		).toBe('succeeded');
		expect((await byName.lastRun().get())?.actorTaskId).toBe(task.id);
		const keys = await client
			.task(task.id)
			.lastRun({ status: 'SUCCEEDED' })
			.keyValueStore()
			.listKeys();
		expect(keys.items.map((item) => item.key)).toEqual(['OUTPUT']);
		expect(await client.task(task.id).lastRun({ status: 'ABORTED' }).get()).toBeUndefined();
		await expect(
			client.task('local-user/no-such-task').lastRun().keyValueStore().listKeys(),
		).rejects.toThrow(/Actor task was not found/);
		// The Actor's own last run is still its fixture run: task runs are older.
		expect((await client.actor(DEMO_ACTOR.id).lastRun().get())?.id).toBe(RUNNING_RUN.run.id);
	});

	it('gets runs by ID and as the last run, by Actor ID or username/name', async () => {
		const client = clientFor(READ_ONLY_TOKEN);
		const run = await client.run(SUCCEEDED_RUN.run.id).get();
		expect(run).toMatchObject({
			id: SUCCEEDED_RUN.run.id,
			actId: DEMO_ACTOR.id,
			status: 'SUCCEEDED',
			defaultKeyValueStoreId: SUCCEEDED_RUN.store.id,
		});
		expect(run?.startedAt).toEqual(SUCCEEDED_RUN.run.startedAt);
		expect(await client.run('runMissingRun0001').get()).toBeUndefined();
		expect(
			(await client.actor(`${LOCAL_USER.username}/${DEMO_ACTOR.name}`).lastRun().get())?.id,
		).toBe(RUNNING_RUN.run.id);
		expect((await client.actor(DEMO_ACTOR.id).lastRun({ status: 'FAILED' }).get())?.id).toBe(
			FAILED_RUN.run.id,
		);
		expect(await client.actor(DEMO_ACTOR.id).lastRun({ status: 'ABORTED' }).get()).toBeUndefined();
	});

	it("writes to and reads the metadata of a run's store", async () => {
		const store = clientFor(FULL_ACCESS_TOKEN).run(RUNNING_RUN.run.id).keyValueStore();
		expect(await store.get()).toMatchObject({
			id: RUNNING_RUN.store.id,
			actRunId: RUNNING_RUN.run.id,
		});
		await store.setRecord({ key: 'progress', value: { done: 3 } });
		expect((await store.getRecord('progress'))?.value).toEqual({ done: 3 });
		await store.deleteRecord('progress');
		// apify-client's recordExists sends HEAD through the run alias, which Apify does not document:
		// the local API refuses it unless told otherwise.
		await expect(store.recordExists('progress')).rejects.toMatchObject({ statusCode: 405 });
		api.configure({ undocumentedHead: true });
		try {
			expect(await store.recordExists('progress')).toBe(false);
		} finally {
			api.configure({ undocumentedHead: false });
		}
	});

	it("denies another user's run with 403 insufficient-permissions", async () => {
		const error = await apiErrorOf(
			clientFor(READ_ONLY_TOKEN).run(OTHER_USER_RUN.run.id).keyValueStore().getRecord('OUTPUT'),
		);
		expect([error.statusCode, error.type]).toEqual([403, 'insufficient-permissions']);
	});
});

describe('public URLs', () => {
	it('signs record URLs that work without a token', async () => {
		const url = await clientFor(FULL_ACCESS_TOKEN)
			.keyValueStore(DEMO_STORE.id)
			.getRecordPublicUrl('OUTPUT');
		expect(new URL(url).searchParams.get('signature')).toBeTruthy();
		const response = await rawRequest(url);
		expect(response.status).toBe(200);
		expectSameBytes(response.body, fixtureRecord(DEMO_STORE.id, 'OUTPUT').body);
	});

	it('gives an unsigned record URL to a read-only token, which needs a token', async () => {
		const url = await clientFor(READ_ONLY_TOKEN)
			.keyValueStore(DEMO_STORE.id)
			.getRecordPublicUrl('OUTPUT');
		expect(new URL(url).searchParams.has('signature')).toBe(false);
		expect((await rawRequest(url)).status).toBe(401);
	});

	it('signs keys URLs, with expiry and filters, that work without a token', async () => {
		const url = await clientFor(FULL_ACCESS_TOKEN)
			.keyValueStore(DEMO_STORE.id)
			.createKeysPublicUrl({ expiresInSecs: 60, prefix: 'img-', limit: 2 });
		const page = jsonBody(await rawRequest(url)).data;
		expect(page.items.map((item: { key: string }) => item.key)).toEqual(['img-001', 'img-002']);
		expect(page.isTruncated).toBe(true);
	});
});

describe('errors', () => {
	it('distinguishes a missing store from a missing record only by message', async () => {
		const error = await apiErrorOf(
			clientFor(FULL_ACCESS_TOKEN).keyValueStore('kvsMissingStore01').listKeys(),
		);
		expect([error.statusCode, error.type, error.message]).toEqual([
			404,
			'record-not-found',
			'Key-value store was not found.',
		]);
	});

	it('rejects an invalid record key with 400 invalid-record-key', async () => {
		const error = await apiErrorOf(
			clientFor(FULL_ACCESS_TOKEN).keyValueStore(DEMO_STORE.id).getRecord('bad key'),
		);
		expect([error.statusCode, error.type]).toEqual([400, 'invalid-record-key']);
	});

	it('rejects an unknown token with 401 user-or-token-not-found', async () => {
		const error = await apiErrorOf(
			clientFor('apify_api_unknownToken000000000000000000').keyValueStore(DEMO_STORE.id).get(),
		);
		expect([error.statusCode, error.type, error.message]).toEqual([
			401,
			'user-or-token-not-found',
			'User was not found or authentication token is not valid',
		]);
	});

	it("rejects another user's token with 403 insufficient-permissions", async () => {
		const error = await apiErrorOf(
			clientFor(OTHER_USER_TOKEN).keyValueStore(DEMO_STORE.id).listKeys(),
		);
		expect([error.statusCode, error.type]).toEqual([403, 'insufficient-permissions']);
		expect((await clientFor(OTHER_USER_TOKEN).keyValueStore(OTHER_STORE.id).listKeys()).count).toBe(
			1,
		);
	});

	it('rejects writes with a read-only token with 403 insufficient-permissions', async () => {
		const store = clientFor(READ_ONLY_TOKEN).keyValueStore(DEMO_STORE.id);
		const error = await apiErrorOf(store.setRecord({ key: 'new-record', value: 'text' }));
		expect([error.statusCode, error.type]).toEqual([403, 'insufficient-permissions']);
	});

	it('rejects a bad limit with 400 invalid-parameter', async () => {
		const error = await apiErrorOf(
			clientFor(FULL_ACCESS_TOKEN).keyValueStore(DEMO_STORE.id).listKeys({ limit: 2.5 }),
		);
		expect([error.statusCode, error.type]).toEqual([400, 'invalid-parameter']);
	});
});

describe('retries', () => {
	// The client logs a warning halfway through its retries; expected here.
	beforeEach(() => jest.spyOn(console, 'warn').mockImplementation(() => undefined));
	afterEach(() => jest.restoreAllMocks());

	it('retries through 429 and 500 faults', async () => {
		const path = `/v2/key-value-stores/${DEMO_STORE.id}/records/OUTPUT`;
		const rateLimited = api.faults.add({ path, kind: 'status', status: 429, times: 2 });
		const failed = api.faults.add({ path, kind: 'status', status: 500 });
		api.clearRequests();
		const record = await clientFor(READ_ONLY_TOKEN, 4)
			.keyValueStore(DEMO_STORE.id)
			.getRecord('OUTPUT');
		expect(record?.value).toEqual(
			JSON.parse(fixtureRecord(DEMO_STORE.id, 'OUTPUT').body.toString('utf8')),
		);
		expect([rateLimited.hits, failed.hits]).toEqual([2, 1]);
		expect(api.requests.filter((request) => request.path === path)).toHaveLength(4);
	});

	it('gives up after maxRetries with the last error', async () => {
		api.faults.add({ path: /\/keys$/, kind: 'status', status: 429, times: 3 });
		const error = await apiErrorOf(
			clientFor(READ_ONLY_TOKEN, 1).keyValueStore(DEMO_STORE.id).listKeys(),
		);
		expect([error.statusCode, error.type, error.attempt]).toEqual([429, 'rate-limit-exceeded', 2]);
	});

	it('retries through a connection reset and a body cut short', async () => {
		const path = `/v2/key-value-stores/${DEMO_STORE.id}/records/screenshot`;
		const reset = api.faults.add({ path, kind: 'reset' });
		const cut = api.faults.add({ path, kind: 'reset-mid-body' });
		const record = await clientFor(READ_ONLY_TOKEN, 3)
			.keyValueStore(DEMO_STORE.id)
			.getRecord('screenshot', { buffer: true });
		expectSameBytes(record?.value, fixtureRecord(DEMO_STORE.id, 'screenshot').body);
		expect([reset.hits, cut.hits]).toEqual([1, 1]);
	});

	it('retries after a per-attempt timeout on a slow response', async () => {
		const path = `/v2/key-value-stores/${DEMO_STORE.id}/keys`;
		const slow = api.faults.add({ path, kind: 'slow', delayMs: 2000 });
		api.clearRequests();
		const client = new ApifyClient({
			token: READ_ONLY_TOKEN,
			baseUrl: api.url,
			maxRetries: 2,
			minDelayBetweenRetriesMillis: 10,
			timeoutSecs: 0.3,
		});
		expect((await client.keyValueStore(DEMO_STORE.id).listKeys()).count).toBe(
			fixtureKeys(DEMO_STORE.id).length,
		);
		expect(slow.hits).toBe(1);
		expect(api.requests.filter((request) => request.path === path)).toHaveLength(2);
	});
});
