import JSZip from 'jszip';
import type { IDataObject } from 'n8n-workflow';

import { readBinary, runNode, runPoll } from '../../dev/harness/engine';
import { DEMO_ACTOR, LOCAL_USER } from '../../dev/local-api/fixtures';
import type { LocalRun, LocalTask, RunOrigin, RunStatus } from '../../dev/local-api/server';
import { byId, useLocalApi } from './setup';

const local = useLocalApi();
const TEXT = 'text/plain; charset=utf-8';
let serial = 0;
/** A 17-character local API ID, unique in this file. */
const nextId = (prefix: string) => `${prefix}${String(++serial).padStart(17 - prefix.length, '0')}`;

function newTask(): LocalTask {
	return local.api.addTask({
		id: nextId('tsk'),
		name: `task-${serial}`,
		actId: DEMO_ACTOR.id,
		userId: LOCAL_USER.id,
	});
}

/** A run the task started, older than every fixture run so that DEMO_ACTOR's last run stays the same. */
function newTaskRun(
	task: LocalTask,
	status: RunStatus,
	startedAt: string,
	records: Record<string, string>,
	origin?: RunOrigin,
): LocalRun {
	const store = local.api.addStore({ userId: task.userId });
	for (const [key, value] of Object.entries(records))
		local.api.putRecord(store.id, key, value, { contentType: TEXT });
	return local.api.addRun({
		id: nextId('run'),
		actId: task.actId,
		actorTaskId: task.id,
		status,
		origin,
		startedAt: new Date(startedAt),
		defaultKeyValueStoreId: store.id,
	});
}

const ofTask = (taskId: string, runStatus = 'SUCCEEDED'): IDataObject => ({
	storeSource: 'lastTaskRun',
	taskId,
	runStatus,
});

describe("the default store of an Actor task's last run", () => {
	let task: LocalTask;
	let succeeded: LocalRun;
	beforeAll(() => {
		task = newTask();
		succeeded = newTaskRun(task, 'SUCCEEDED', '2020-01-01T10:00:00Z', {
			OUTPUT: 'succeeded',
			'only-succeeded': 'x',
		});
		// Newer, but failed: a request without ?status=SUCCEEDED reaches this store instead.
		newTaskRun(task, 'FAILED', '2020-01-02T10:00:00Z', { OUTPUT: 'failed', 'only-failed': 'y' });
	});

	it('gets a record through /v2/actor-tasks/{task}/runs/last/key-value-store with the status, accepting username/task-name', async () => {
		const result = await runNode({
			parameters: {
				resource: 'record',
				operation: 'get',
				key: byId('OUTPUT'),
				...ofTask(`${LOCAL_USER.username}/${task.name}`),
			},
		});
		expect(result.error).toBeUndefined();
		expect(JSON.stringify(result.items[0])).toMatch(/succeeded/);
		expect(JSON.stringify(result.items[0])).not.toMatch(/failed/);
		const [request] = local.api.requests;
		expect(request.path).toBe(
			`/v2/actor-tasks/${LOCAL_USER.username}~${task.name}/runs/last/key-value-store/records/OUTPUT`,
		);
		expect(request.query.status).toBe('SUCCEEDED');
	});

	it('lists the keys and checks a record of the last succeeded task run', async () => {
		const keys = await runNode({
			parameters: { resource: 'key', operation: 'list', returnAll: true, ...ofTask(task.id) },
		});
		expect(keys.error).toBeUndefined();
		expect(keys.items.map((item) => item.json.key)).toEqual(['OUTPUT', 'only-succeeded']);

		const exists = await runNode({
			parameters: {
				resource: 'record',
				operation: 'exists',
				key: byId('only-failed'),
				...ofTask(task.id),
			},
		});
		expect(exists.items[0].json).toMatchObject({ key: 'only-failed', exists: false });
		const existsToo = await runNode({
			parameters: {
				resource: 'record',
				operation: 'exists',
				key: byId('only-succeeded'),
				...ofTask(task.id),
			},
		});
		expect(existsToo.items[0].json).toMatchObject({ key: 'only-succeeded', exists: true });
	});

	it('downloads the ZIP of the last succeeded run the task started, through its alias', async () => {
		const zip = await runNode({
			parameters: { resource: 'record', operation: 'download', ...ofTask(task.id) },
		});
		expect(zip.error).toBeUndefined();
		expect(zip.items[0].json).toMatchObject({ actorTaskId: task.id, runStatus: 'SUCCEEDED' });
		const entries = Object.keys((await JSZip.loadAsync(await readBinary(zip.items[0]))).files);
		expect(entries.sort()).toEqual(['OUTPUT', 'only-succeeded']);
		expect(local.api.requests[0].path).toBe(
			`/v2/actor-tasks/${task.id}/runs/last/key-value-store/records`,
		);
	});

	it('says an unknown task was not found, and what to check', async () => {
		const { error } = await runNode({
			parameters: {
				resource: 'record',
				operation: 'get',
				key: byId('OUTPUT'),
				...ofTask('local-user/no-such-task'),
			},
		});
		expect(error?.message).toMatch(
			/^Apify API error 404 record-not-found: Actor task was not found/,
		);
		expect(error?.description).toMatch(/Check the Actor Task/);
	});

	it('refuses an invalid task identifier before any request', async () => {
		const { error } = await runNode({
			parameters: { resource: 'record', operation: 'get', key: byId('OUTPUT'), ...ofTask('a/b/c') },
		});
		expect(error?.message).toBe('The Actor task "a/b/c" is not a valid Actor task ID or name');
		expect(local.api.requests).toEqual([]);
	});

	it('gives a public URL of a record that works without a token', async () => {
		const result = await runNode({
			parameters: {
				resource: 'record',
				operation: 'getPublicUrl',
				key: byId('OUTPUT'),
				...ofTask(task.id),
			},
		});
		expect(result.error).toBeUndefined();
		const url = String(result.items[0].json.url);
		expect(url).not.toMatch(/token=/);
		const response = await fetch(url);
		expect(response.status).toBe(200);
		expect(await response.text()).toBe('succeeded');
		expect(succeeded.defaultKeyValueStoreId).toBeTruthy();
	});
});

describe("the trigger on an Actor task's last run", () => {
	it('fires once when a newer succeeded task run appears', async () => {
		const task = newTask();
		const first = newTaskRun(task, 'SUCCEEDED', '2020-02-01T10:00:00Z', { a: '1' });
		const parameters = { ...ofTask(task.id), events: ['added', 'changed', 'deleted'] };
		local.api.clearRequests();
		const baseline = await runPoll(parameters);
		expect(baseline.items).toEqual([]);
		// Pinned: one request for the last run's store through the task alias, the rest by that store's ID.
		const [alias, ...rest] = local.api.requests.map((request) => request.path);
		expect(alias).toBe(`/v2/actor-tasks/${task.id}/runs/last/key-value-store`);
		expect(rest.length).toBeGreaterThan(0);
		for (const path of rest)
			expect(path.startsWith(`/v2/key-value-stores/${first.defaultKeyValueStoreId}`)).toBe(true);
		expect((await runPoll(parameters, baseline.staticData)).items).toEqual([]);

		newTaskRun(task, 'FAILED', '2020-02-03T10:00:00Z', { a: '1', failed: 'x' });
		const afterFailed = await runPoll(parameters, baseline.staticData);
		expect(afterFailed.items).toEqual([]);

		newTaskRun(task, 'SUCCEEDED', '2020-02-02T10:00:00Z', { a: '1', b: '2' });
		const fired = await runPoll(parameters, afterFailed.staticData);
		expect(fired.items.map((item) => [item.json.key, item.json.change])).toEqual([['b', 'added']]);
		expect((await runPoll(parameters, fired.staticData)).items).toEqual([]);
	});
});

describe("Run Origin on an Actor task's last run", () => {
	it('gets the record of the last succeeded run the scheduler started, not the newer one started through the API', async () => {
		const task = newTask();
		newTaskRun(task, 'SUCCEEDED', '2020-02-01T10:00:00Z', { OUTPUT: 'scheduled' }, 'SCHEDULER');
		newTaskRun(task, 'SUCCEEDED', '2020-02-02T10:00:00Z', { OUTPUT: 'by-api' }, 'API');
		const result = await runNode({
			parameters: {
				resource: 'record',
				operation: 'get',
				key: byId('OUTPUT'),
				...ofTask(task.id),
				runOrigin: 'SCHEDULER',
			},
		});
		expect(result.error).toBeUndefined();
		expect(JSON.stringify(result.items[0])).toMatch(/scheduled/);
		const [request] = local.api.requests;
		expect(request.path).toBe(
			`/v2/actor-tasks/${task.id}/runs/last/key-value-store/records/OUTPUT`,
		);
		expect(request.query).toMatchObject({ status: 'SUCCEEDED', origin: 'SCHEDULER' });
	});
});
