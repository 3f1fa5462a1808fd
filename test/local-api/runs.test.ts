/** Actor runs: the run object, and a run's default store through the run and last-run aliases. */
import JSZip from 'jszip';

import { expectSameBytes } from './expect-bytes';
import {
	DEMO_ACTOR,
	DEMO_STORE,
	FAILED_RUN,
	FULL_ACCESS_TOKEN,
	LOCAL_USER,
	OTHER_ACTOR,
	OTHER_USER_RUN,
	OTHER_USER_TOKEN,
	READ_ONLY_TOKEN,
	RUNNING_RUN,
	SUCCEEDED_RUN,
	fixtureKeys,
	fixtureRecord,
	startSeededLocalApi,
	type FixtureRun,
} from '../../dev/local-api/fixtures';
import { bearer, jsonBody, rawRequest, type RawRequestOptions, type RawResponse } from './raw-http';
import { UNDOCUMENTED_ON, type LocalApi } from '../../dev/local-api/server';
import { createRecordSignature, createStoreSignature } from '../../dev/local-api/signature';

let api: LocalApi;

beforeAll(async () => {
	// The aliases are checked to answer exactly as the store's own routes, undocumented behaviours
	// (ETags, HEAD, a store signature on records) included; the store routes' defaults are tested elsewhere.
	api = await startSeededLocalApi({ settings: UNDOCUMENTED_ON });
});

afterAll(() => api.close());

afterEach(() => {
	api.faults.clear();
	api.setRedirectMode('off');
});

const runPath = (runId: string) => `/v2/actor-runs/${runId}`;
const lastRunPath = (actor: string, status?: string) =>
	`/v2/actors/${actor}/runs/last${status ? `?status=${status}` : ''}`;
/** `suffix` goes between the alias and its query, e.g. `/keys` or `/records/OUTPUT`. */
const runStorePath = (runId: string, suffix = '') => `${runPath(runId)}/key-value-store${suffix}`;
const lastRunStorePath = (actor: string, suffix = '', status?: string) =>
	`/v2/actors/${actor}/runs/last/key-value-store${suffix}${status ? `?status=${status}` : ''}`;

const request = (path: string, token?: string, options: RawRequestOptions = {}) =>
	rawRequest(`${api.url}${path}`, {
		...options,
		headers: { ...(token ? bearer(token) : {}), ...options.headers },
	});
const read = (path: string) => request(path, READ_ONLY_TOKEN);
const errorOf = (response: RawResponse) => [
	response.status,
	jsonBody(response).error.type,
	jsonBody(response).error.message,
];
const outputOf = ({ store }: FixtureRun) => fixtureRecord(store.id, 'OUTPUT').body;

describe('GET run', () => {
	it('returns a run by ID, wrapped in data', async () => {
		const response = await read(runPath(SUCCEEDED_RUN.run.id));
		expect(response.status).toBe(200);
		expect(jsonBody(response).data).toEqual({
			id: SUCCEEDED_RUN.run.id,
			actId: DEMO_ACTOR.id,
			userId: LOCAL_USER.id,
			actorTaskId: null,
			status: 'SUCCEEDED',
			meta: { origin: 'SCHEDULER' },
			startedAt: '2024-06-01T10:00:00.000Z',
			finishedAt: '2024-06-01T10:05:00.000Z',
			defaultKeyValueStoreId: SUCCEEDED_RUN.store.id,
		});
		expect(jsonBody(await read(runPath(RUNNING_RUN.run.id))).data.finishedAt).toBeNull();
	});

	it("returns an Actor's last run, or its last run of a status, by ID or name", async () => {
		const lastRunId = async (path: string) => jsonBody(await read(path)).data.id;
		expect(await lastRunId(lastRunPath(DEMO_ACTOR.id))).toBe(RUNNING_RUN.run.id);
		expect(await lastRunId(lastRunPath(DEMO_ACTOR.id, 'SUCCEEDED'))).toBe(SUCCEEDED_RUN.run.id);
		expect(await lastRunId(lastRunPath(DEMO_ACTOR.id, 'FAILED'))).toBe(FAILED_RUN.run.id);
		expect(
			await lastRunId(lastRunPath(`${LOCAL_USER.username}~${DEMO_ACTOR.name}`, 'SUCCEEDED')),
		).toBe(SUCCEEDED_RUN.run.id);
		expect(await lastRunId(lastRunPath(`~${DEMO_ACTOR.name}`))).toBe(RUNNING_RUN.run.id);
		expect(
			await lastRunId(lastRunPath(DEMO_ACTOR.id, 'FAILED').replace('/actors/', '/acts/')),
		).toBe(FAILED_RUN.run.id);
	});

	it('answers 404 record-not-found for a missing run, actor-not-found for a missing Actor', async () => {
		const runMissing = [404, 'record-not-found', 'Actor run was not found.'];
		const actorMissing = [404, 'actor-not-found', 'Actor was not found.'];
		expect(errorOf(await read(runPath('runMissingRun0001')))).toEqual(runMissing);
		expect(errorOf(await read(lastRunPath(DEMO_ACTOR.id, 'ABORTED')))).toEqual(runMissing);
		expect(errorOf(await read(lastRunPath('actMissingActor01')))).toEqual(actorMissing);
		expect(errorOf(await read(lastRunPath(`${LOCAL_USER.username}~no-such-actor`)))).toEqual(
			actorMissing,
		);
		expect(errorOf(await read(lastRunPath(`nobody~${DEMO_ACTOR.name}`)))).toEqual(actorMissing);
	});

	it("returns an Actor's last run of an origin, with or without a status", async () => {
		const lastRunId = async (path: string) => jsonBody(await read(path)).data.id;
		const withOrigin = (path: string, origin: string) =>
			`${path}${path.includes('?') ? '&' : '?'}origin=${origin}`;
		expect(await lastRunId(withOrigin(lastRunPath(DEMO_ACTOR.id), 'SCHEDULER'))).toBe(
			SUCCEEDED_RUN.run.id,
		);
		expect(await lastRunId(withOrigin(lastRunPath(DEMO_ACTOR.id), 'API'))).toBe(FAILED_RUN.run.id);
		expect(errorOf(await read(withOrigin(lastRunPath(DEMO_ACTOR.id, 'FAILED'), 'WEB')))).toEqual([
			404,
			'record-not-found',
			'Actor run was not found.',
		]);
		const [status, type, message] = errorOf(
			await read(withOrigin(lastRunPath(DEMO_ACTOR.id), 'CRON')),
		);
		expect([status, type]).toEqual([400, 'invalid-parameter']);
		expect(message).toContain('SCHEDULER');
	});

	it('refuses an unknown status with 400 invalid-parameter', async () => {
		const [status, type, message] = errorOf(await read(lastRunPath(DEMO_ACTOR.id, 'DONE')));
		expect([status, type]).toEqual([400, 'invalid-parameter']);
		expect(message).toContain('SUCCEEDED');
	});

	it("denies another user's run as it denies another user's store", async () => {
		expect(errorOf(await read(runPath(OTHER_USER_RUN.run.id))).slice(0, 2)).toEqual([
			403,
			'insufficient-permissions',
		]);
		expect(errorOf(await read(lastRunPath(OTHER_ACTOR.id))).slice(0, 2)).toEqual([
			403,
			'insufficient-permissions',
		]);
		expect(errorOf(await request(runPath(SUCCEEDED_RUN.run.id))).slice(0, 2)).toEqual([
			401,
			'token-not-provided',
		]);
		expect(jsonBody(await request(runPath(OTHER_USER_RUN.run.id), OTHER_USER_TOKEN)).data.id).toBe(
			OTHER_USER_RUN.run.id,
		);
	});
});

/** Both aliases of a run's default store, each reaching SUCCEEDED_RUN's store. */
const ALIASES: Array<[name: string, path: (suffix?: string) => string]> = [
	['actor-runs/{runId}', (suffix) => runStorePath(SUCCEEDED_RUN.run.id, suffix)],
	[
		'actors/{actorId}/runs/last?status=SUCCEEDED',
		(suffix) => lastRunStorePath(DEMO_ACTOR.id, suffix, 'SUCCEEDED'),
	],
	[
		'actors/{username~name}/runs/last?status=SUCCEEDED',
		(suffix) => lastRunStorePath(`${LOCAL_USER.username}~${DEMO_ACTOR.name}`, suffix, 'SUCCEEDED'),
	],
	// The legacy prefix: Apify documents `/v2/actors/` since 2026-05-28 and keeps `/v2/acts/` working.
	[
		'acts/{actorId}/runs/last?status=SUCCEEDED',
		(suffix) => lastRunStorePath(DEMO_ACTOR.id, suffix, 'SUCCEEDED').replace('/actors/', '/acts/'),
	],
];

describe.each(ALIASES)('the default store through %s', (_name, aliasPath) => {
	const storeId = SUCCEEDED_RUN.store.id;

	it('returns the store, with the run it belongs to', async () => {
		const store = jsonBody(await read(aliasPath())).data;
		expect([store.id, store.actId, store.actRunId]).toEqual([
			storeId,
			DEMO_ACTOR.id,
			SUCCEEDED_RUN.run.id,
		]);
	});

	it('lists its keys and downloads its records as a ZIP', async () => {
		const keys = jsonBody(await read(aliasPath('/keys'))).data.items.map(
			(item: { key: string }) => item.key,
		);
		expect(keys).toEqual(fixtureKeys(storeId));
		const zip = await JSZip.loadAsync((await read(aliasPath('/records'))).body);
		expect(Object.keys(zip.files).sort()).toEqual([...fixtureKeys(storeId)].sort());
		expectSameBytes(await zip.file('OUTPUT')?.async('nodebuffer'), outputOf(SUCCEEDED_RUN));
	});

	it('gets and HEADs a record, with the ETag of the store route', async () => {
		const record = await read(aliasPath('/records/OUTPUT'));
		expect([record.status, record.headers['x-ratelimit-limit']]).toEqual([200, '200']);
		expectSameBytes(record.body, outputOf(SUCCEEDED_RUN));
		expect(record.headers.etag).toBe(
			(await read(`/v2/key-value-stores/${storeId}/records/OUTPUT`)).headers.etag,
		);
		const head = await request(aliasPath('/records/OUTPUT'), READ_ONLY_TOKEN, { method: 'HEAD' });
		expect([head.status, head.headers.etag]).toEqual([200, record.headers.etag]);
		const notModified = await request(aliasPath('/records/OUTPUT'), READ_ONLY_TOKEN, {
			headers: { 'If-None-Match': record.headers.etag as string },
		});
		expect(notModified.status).toBe(304);
	});

	it('puts and deletes a record in the run store, honouring If-Match', async () => {
		const path = aliasPath('/records/alias-write');
		const put = (headers: Record<string, string> = {}) =>
			request(path, FULL_ACCESS_TOKEN, {
				method: 'PUT',
				headers: { 'Content-Type': 'text/plain', ...headers },
				body: 'via alias',
			});
		const created = await put();
		expect(created.status).toBe(201);
		expect(api.findStore(storeId).getRecord('alias-write')).toMatchObject({
			stored: Buffer.from('via alias'),
		});
		expect((await put({ 'If-Match': '"stale"' })).status).toBe(412);
		const remove = (etag: string) =>
			request(path, FULL_ACCESS_TOKEN, { method: 'DELETE', headers: { 'If-Match': etag } });
		expect((await remove('"stale"')).status).toBe(412);
		expect((await remove(created.headers.etag as string)).status).toBe(204);
		expect(api.findStore(storeId).getRecord('alias-write')).toBeUndefined();
	});

	it('refuses writes of a read-only token and deleting the store itself', async () => {
		const write = await request(aliasPath('/records/OUTPUT'), READ_ONLY_TOKEN, {
			method: 'PUT',
			body: 'x',
		});
		expect(errorOf(write).slice(0, 2)).toEqual([403, 'insufficient-permissions']);
		const deleteStore = await request(aliasPath(), FULL_ACCESS_TOKEN, { method: 'DELETE' });
		expect(errorOf(deleteStore).slice(0, 2)).toEqual([405, 'method-not-allowed']);
		expect(api.findStore(storeId)).toBeDefined();
	});

	it("accepts the run store's signatures for keys, ZIP and records, and no other store's", async () => {
		const signature = createStoreSignature({
			storeId,
			secretKey: SUCCEEDED_RUN.store.urlSigningSecretKey,
		});
		const signed = (path: string, value: string) =>
			request(`${path}${path.includes('?') ? '&' : '?'}signature=${value}`);
		expect(jsonBody(await signed(aliasPath('/keys'), signature)).data.count).toBe(
			fixtureKeys(storeId).length,
		);
		expect((await signed(aliasPath('/records'), signature)).headers['content-type']).toBe(
			'application/zip',
		);
		expectSameBytes(
			(await signed(aliasPath('/records/OUTPUT'), signature)).body,
			outputOf(SUCCEEDED_RUN),
		);
		const recordSignature = createRecordSignature(
			SUCCEEDED_RUN.store.urlSigningSecretKey,
			'OUTPUT',
		);
		expectSameBytes(
			(await signed(aliasPath('/records/OUTPUT'), recordSignature)).body,
			outputOf(SUCCEEDED_RUN),
		);

		const demoSignature = createStoreSignature({
			storeId: DEMO_STORE.id,
			secretKey: DEMO_STORE.urlSigningSecretKey,
		});
		expect(errorOf(await signed(aliasPath('/keys'), demoSignature)).slice(0, 2)).toEqual([
			403,
			'invalid-signature',
		]);
		expect(errorOf(await request(aliasPath('/keys'))).slice(0, 2)).toEqual([
			401,
			'token-not-provided',
		]);
	});

	it('redirects record downloads to the storage origin, for the run store', async () => {
		api.setRedirectMode('storage');
		const redirected = await read(aliasPath('/records/OUTPUT'));
		expect(redirected.status).toBe(302);
		const location = redirected.headers.location as string;
		expect(new URL(location).pathname).toBe(`/kvs/${storeId}/OUTPUT`);
		expectSameBytes((await rawRequest(location)).body, outputOf(SUCCEEDED_RUN));
	});
});

describe('which run an alias reaches', () => {
	it('takes the newest run without a status, and the newest of that status with one', async () => {
		const outputThrough = async (path: string) => (await read(path)).body.toString('hex');
		expect(await outputThrough(lastRunStorePath(DEMO_ACTOR.id, '/records/OUTPUT'))).toBe(
			outputOf(RUNNING_RUN).toString('hex'),
		);
		expect(await outputThrough(lastRunStorePath(DEMO_ACTOR.id, '/records/OUTPUT', 'FAILED'))).toBe(
			outputOf(FAILED_RUN).toString('hex'),
		);
		expect(await outputThrough(runStorePath(FAILED_RUN.run.id, '/records/OUTPUT'))).toBe(
			outputOf(FAILED_RUN).toString('hex'),
		);
		const keys = jsonBody(await read(lastRunStorePath(DEMO_ACTOR.id, '/keys'))).data.items.map(
			(item: { key: string }) => item.key,
		);
		expect(keys).toEqual(fixtureKeys(RUNNING_RUN.store.id));
	});

	it('answers 404 for a missing run or Actor, and for a run whose store was deleted', async () => {
		expect(errorOf(await read(runStorePath('runMissingRun0001', '/keys')))).toEqual([
			404,
			'record-not-found',
			'Actor run was not found.',
		]);
		expect(
			errorOf(await read(lastRunStorePath(DEMO_ACTOR.id, '/records/OUTPUT', 'ABORTED'))),
		).toEqual([404, 'record-not-found', 'Actor run was not found.']);
		expect(errorOf(await read(lastRunStorePath('actMissingActor01', '/records/OUTPUT')))).toEqual([
			404,
			'actor-not-found',
			'Actor was not found.',
		]);

		const actor = api.addActor({
			id: 'actShortLived0001',
			name: 'short-lived',
			userId: LOCAL_USER.id,
		});
		const store = api.addStore({});
		const run = api.addRun({
			id: 'runShortLived0001',
			actId: actor.id,
			status: 'SUCCEEDED',
			startedAt: new Date(),
			defaultKeyValueStoreId: store.id,
		});
		expect((await read(runStorePath(run.id))).status).toBe(200);
		api.deleteStore(store.id);
		expect(errorOf(await read(runStorePath(run.id)))).toEqual([
			404,
			'record-not-found',
			'Key-value store was not found.',
		]);
	});

	it("denies another user's run store as it denies another user's store", async () => {
		for (const path of [
			runStorePath(OTHER_USER_RUN.run.id),
			runStorePath(OTHER_USER_RUN.run.id, '/keys'),
			runStorePath(OTHER_USER_RUN.run.id, '/records'),
			runStorePath(OTHER_USER_RUN.run.id, '/records/OUTPUT'),
			lastRunStorePath(OTHER_ACTOR.id, '/records/OUTPUT'),
		]) {
			expect([path, ...errorOf(await read(path)).slice(0, 2)]).toEqual([
				path,
				403,
				'insufficient-permissions',
			]);
		}
		const write = await request(
			runStorePath(OTHER_USER_RUN.run.id, '/records/OUTPUT'),
			FULL_ACCESS_TOKEN,
			{ method: 'PUT', body: 'x' },
		);
		expect(errorOf(write).slice(0, 2)).toEqual([403, 'insufficient-permissions']);
		const own = await request(
			runStorePath(OTHER_USER_RUN.run.id, '/records/OUTPUT'),
			OTHER_USER_TOKEN,
		);
		expectSameBytes(own.body, outputOf(OTHER_USER_RUN));
	});
});

describe('adding runs', () => {
	it("refuses a run of an unknown Actor, or whose store is missing or not the Actor owner's", () => {
		const run = { id: 'runRefused0000001', status: 'SUCCEEDED', startedAt: new Date() } as const;
		expect(() =>
			api.addRun({
				...run,
				actId: 'actMissingActor01',
				defaultKeyValueStoreId: SUCCEEDED_RUN.store.id,
			}),
		).toThrow(/Unknown Actor/);
		expect(() =>
			api.addRun({ ...run, actId: DEMO_ACTOR.id, defaultKeyValueStoreId: 'kvsMissingStore01' }),
		).toThrow(/must exist/);
		expect(() =>
			api.addRun({ ...run, actId: DEMO_ACTOR.id, defaultKeyValueStoreId: OTHER_USER_RUN.store.id }),
		).toThrow(/belong/);
		expect(() => api.addActor({ ...DEMO_ACTOR, id: 'actDuplicateName1' })).toThrow(/taken/);
	});
});

describe('faults and request log on alias routes', () => {
	it('records alias requests and applies faults matched by their path', async () => {
		const path = runStorePath(SUCCEEDED_RUN.run.id, '/records/OUTPUT');
		const fault = api.faults.add({ path, kind: 'status', status: 503 });
		api.clearRequests();
		expect((await read(path)).status).toBe(503);
		expect((await read(path)).status).toBe(200);
		expect(fault.hits).toBe(1);
		expect(api.requests.map((logged) => [logged.server, logged.method, logged.path])).toEqual([
			['api', 'GET', path],
			['api', 'GET', path],
		]);
	});

	it('cuts an alias ZIP download mid-body', async () => {
		const path = lastRunStorePath(DEMO_ACTOR.id, '/records');
		const fault = api.faults.add({ path, kind: 'reset-mid-body', afterBytes: 10 });
		await expect(read(path)).rejects.toThrow();
		expect(fault.hits).toBe(1);
	});
});

describe('Actor tasks: the last run a task started, and its default store', () => {
	const taskPath = (task: string, rest = '', status?: string) =>
		`/v2/actor-tasks/${task}/runs/last${rest}${status ? `?status=${status}` : ''}`;
	const TEXT = 'text/plain; charset=utf-8';

	it('answers the run, the store, its keys and records (GET and HEAD) through the task alias, by ID or username~name', async () => {
		const task = api.addTask({
			id: 'tskRoutesTask0001',
			name: 'routes-task',
			actId: DEMO_ACTOR.id,
			userId: LOCAL_USER.id,
		});
		const succeededStore = api.addStore({ userId: LOCAL_USER.id });
		api.putRecord(succeededStore.id, 'OUTPUT', 'ok', { contentType: TEXT });
		const failedStore = api.addStore({ userId: LOCAL_USER.id });
		const at = (day: number) => new Date(`2020-04-0${day}T10:00:00Z`);
		const base = { actId: DEMO_ACTOR.id, actorTaskId: task.id };
		api.addRun({
			...base,
			id: 'runRoutesTask0001',
			status: 'SUCCEEDED',
			startedAt: at(1),
			defaultKeyValueStoreId: succeededStore.id,
		});
		api.addRun({
			...base,
			id: 'runRoutesTask0002',
			status: 'FAILED',
			startedAt: at(2),
			defaultKeyValueStoreId: failedStore.id,
		});
		// A run of the Actor the task did not start is not the task's.
		const untasked = api.addStore({ userId: LOCAL_USER.id });
		api.addRun({
			actId: DEMO_ACTOR.id,
			id: 'runRoutesTask0003',
			status: 'SUCCEEDED',
			startedAt: at(3),
			defaultKeyValueStoreId: untasked.id,
		});

		expect(jsonBody(await read(taskPath(task.id))).data).toMatchObject({
			id: 'runRoutesTask0002',
			actorTaskId: task.id,
		});
		expect(
			jsonBody(await read(taskPath(`${LOCAL_USER.username}~${task.name}`, '', 'SUCCEEDED'))).data
				.id,
		).toBe('runRoutesTask0001');
		expect(jsonBody(await read(taskPath(task.id, '/key-value-store', 'SUCCEEDED'))).data.id).toBe(
			succeededStore.id,
		);
		expect(
			jsonBody(await read(taskPath(task.id, '/key-value-store/keys', 'SUCCEEDED'))).data.items.map(
				(item: { key: string }) => item.key,
			),
		).toEqual(['OUTPUT']);
		const record = await read(taskPath(task.id, '/key-value-store/records/OUTPUT', 'SUCCEEDED'));
		expect([record.status, record.body.toString()]).toEqual([200, 'ok']);
		expect(
			(
				await request(
					taskPath(task.id, '/key-value-store/records/OUTPUT', 'SUCCEEDED'),
					READ_ONLY_TOKEN,
					{ method: 'HEAD' },
				)
			).status,
		).toBe(200);
		expect(
			(
				await request(taskPath(task.id, '/key-value-store/records/OUTPUT'), READ_ONLY_TOKEN, {
					method: 'HEAD',
				})
			).status,
		).toBe(404);

		expect(errorOf(await read(taskPath(task.id, '/key-value-store', 'ABORTED')))).toEqual([
			404,
			'record-not-found',
			'Actor run was not found.',
		]);
		expect(errorOf(await read(taskPath('tskMissingTask001', '/key-value-store')))).toEqual([
			404,
			'record-not-found',
			'Actor task was not found.',
		]);
		expect(errorOf(await read(taskPath('local-user~no-such-task')))).toEqual([
			404,
			'record-not-found',
			'Actor task was not found.',
		]);
	});

	it("denies another user's task as it denies another user's Actor, and checks tasks it is given", async () => {
		const task = api.addTask({
			id: 'tskOtherTask00001',
			name: 'other-task',
			actId: OTHER_ACTOR.id,
			userId: OTHER_ACTOR.userId,
		});
		const store = api.addStore({ userId: OTHER_ACTOR.userId });
		api.addRun({
			id: 'runOtherTask00001',
			actId: OTHER_ACTOR.id,
			actorTaskId: task.id,
			status: 'SUCCEEDED',
			startedAt: new Date('2020-04-01T10:00:00Z'),
			defaultKeyValueStoreId: store.id,
		});
		expect(errorOf(await read(taskPath(task.id))).slice(0, 2)).toEqual(
			errorOf(await read(lastRunPath(OTHER_ACTOR.id))).slice(0, 2),
		);
		expect(errorOf(await read(taskPath(task.id, '/key-value-store/keys'))).slice(0, 2)).toEqual([
			403,
			'insufficient-permissions',
		]);
		expect(jsonBody(await request(taskPath(task.id), OTHER_USER_TOKEN)).data.id).toBe(
			'runOtherTask00001',
		);

		expect(() => api.addTask({ ...task, id: 'tskOtherTask00002' })).toThrow(/taken/);
		expect(() =>
			api.addTask({ ...task, id: 'tskOtherTask00003', actId: 'actMissingActor01' }),
		).toThrow(/Unknown Actor/);
		expect(() =>
			api.addRun({
				id: 'runOtherTask00002',
				actId: DEMO_ACTOR.id,
				actorTaskId: task.id,
				status: 'SUCCEEDED',
				startedAt: new Date(),
				defaultKeyValueStoreId: SUCCEEDED_RUN.store.id,
			}),
		).toThrow(/task of Actor/);
	});
});
