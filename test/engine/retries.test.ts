import { createHash } from 'node:crypto';

import JSZip from 'jszip';
import type { IDataObject } from 'n8n-workflow';

import { readBinary, runNode } from '../../dev/harness/engine';
import { DEMO_STORE, fixtureKeys, fixtureRecord, PAGING_STORE } from '../../dev/local-api/fixtures';
import { byId, useLocalApi } from './setup';

const local = useLocalApi();
beforeEach(() => {
	local.api.clearRequests();
	local.api.faults.clear();
});

const recordPath = (key: string) => `/v2/key-value-stores/${DEMO_STORE.id}/records/${key}`;
const getParameters = (key: string, options: IDataObject = {}): IDataObject => ({
	resource: 'record',
	operation: 'get',
	storeId: byId(DEMO_STORE.id),
	key: byId(key),
	options,
});
const attemptsAt = (path: string) =>
	local.api.requests.filter((request) => request.path === path).length;

describe('retries', () => {
	it('retries 429 three times, pausing longer each time, then succeeds with the whole record', async () => {
		const fault = local.api.faults.add({
			path: recordPath('screenshot'),
			kind: 'status',
			status: 429,
			times: 3,
		});
		const started = Date.now();
		const { items, error } = await runNode({ parameters: getParameters('screenshot') });
		expect(error).toBeUndefined();
		expect(fault.hits).toBe(3);
		expect(attemptsAt(recordPath('screenshot'))).toBe(4);
		// The store's pause after each 429 in a row: at least 250 + 500 + 1000 ms.
		expect(Date.now() - started).toBeGreaterThanOrEqual(1750);
		expect(
			(await readBinary(items[0])).equals(fixtureRecord(DEMO_STORE.id, 'screenshot').body),
		).toBe(true);
	});

	it('waits as long as Retry-After says, three times', async () => {
		const fault = local.api.faults.add({
			path: recordPath('OUTPUT'),
			kind: 'status',
			status: 429,
			retryAfter: 0,
			times: 3,
		});
		const started = Date.now();
		const { items, error } = await runNode({ parameters: getParameters('OUTPUT') });
		expect(error).toBeUndefined();
		expect(fault.hits).toBe(3);
		expect(attemptsAt(recordPath('OUTPUT'))).toBe(4);
		// Retry-After: 0 means at once; the backoff alone would have waited 3.5 s at least.
		expect(Date.now() - started).toBeLessThan(2000);
		expect(items[0].json).toEqual(
			JSON.parse(fixtureRecord(DEMO_STORE.id, 'OUTPUT').body.toString()),
		);
	});

	it('waits a Retry-After of seconds', async () => {
		local.api.faults.add({
			path: recordPath('notes'),
			kind: 'status',
			status: 429,
			retryAfter: 2,
			times: 1,
		});
		const started = Date.now();
		const { error } = await runNode({ parameters: getParameters('notes') });
		expect(error).toBeUndefined();
		// The backoff alone would have waited 0.5 s to 1 s.
		expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
	});

	it.each([500, 502, 503])('retries a %i', async (status) => {
		local.api.faults.add({ path: recordPath('notes'), kind: 'status', status, times: 1 });
		const { items, error } = await runNode({ parameters: getParameters('notes') });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		expect(items[0].json.text).toBe(fixtureRecord(DEMO_STORE.id, 'notes').body.toString());
	});

	it('starts again after a connection reset mid-body, with the same bytes and one item', async () => {
		local.api.faults.add({ path: recordPath('report'), kind: 'reset-mid-body', times: 1 });
		const { items, error } = await runNode({ parameters: getParameters('report') });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		expect(attemptsAt(recordPath('report'))).toBe(2);
		expect((await readBinary(items[0])).equals(fixtureRecord(DEMO_STORE.id, 'report').body)).toBe(
			true,
		);
	});

	it('retries a reset before the response and a ZIP cut off mid-body', async () => {
		local.api.faults.add({
			path: `/v2/key-value-stores/${DEMO_STORE.id}/records`,
			kind: 'reset',
			times: 1,
		});
		local.api.faults.add({
			path: `/v2/key-value-stores/${DEMO_STORE.id}/records`,
			kind: 'reset-mid-body',
			times: 1,
		});
		const { items, error } = await runNode({
			parameters: {
				resource: 'record',
				operation: 'download',
				storeId: byId(DEMO_STORE.id),
				outputMode: 'records',
			},
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.key).sort()).toEqual(
			[...fixtureKeys(DEMO_STORE.id)].sort(),
		);
	});

	it('retries a response slower than the timeout', async () => {
		local.api.faults.add({ path: recordPath('OUTPUT'), kind: 'slow', delayMs: 2500, times: 1 });
		const { items, error } = await runNode({
			parameters: getParameters('OUTPUT', { timeoutSeconds: 1 }),
		});
		expect(error).toBeUndefined();
		expect(attemptsAt(recordPath('OUTPUT'))).toBe(2);
		expect(items[0].json).toEqual(
			JSON.parse(fixtureRecord(DEMO_STORE.id, 'OUTPUT').body.toString()),
		);
	});

	it("doubles the timeout with every retry, as apify-client does, so a slow API's answer gets through", async () => {
		// Every answer takes 1.5 s: the first attempt (1 s) times out, the second (2 s) does not.
		local.api.faults.add({ path: recordPath('OUTPUT'), kind: 'slow', delayMs: 1500, times: 3 });
		const { items, error } = await runNode({
			parameters: getParameters('OUTPUT', { timeoutSeconds: 1 }),
		});
		expect(error).toBeUndefined();
		expect(attemptsAt(recordPath('OUTPUT'))).toBe(2);
		expect(items[0].json).toEqual(
			JSON.parse(fixtureRecord(DEMO_STORE.id, 'OUTPUT').body.toString()),
		);
	});

	it('starts a ZIP download again after it broke off, outputting one whole archive', async () => {
		const zipPath = `/v2/key-value-stores/${DEMO_STORE.id}/records`;
		local.api.faults.add({ path: zipPath, kind: 'reset-mid-body', afterBytes: 3000, times: 1 });
		const { items, error } = await runNode({
			parameters: { resource: 'record', operation: 'download', storeId: byId(DEMO_STORE.id) },
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		expect(attemptsAt(zipPath)).toBe(2);
		const zip = await JSZip.loadAsync(await readBinary(items[0]));
		expect(Object.keys(zip.files).sort()).toEqual([...fixtureKeys(DEMO_STORE.id)].sort());
	});

	it('starts a file again when it pauses longer than the timeout, with the same bytes', async () => {
		local.api.faults.add({
			path: recordPath('screenshot'),
			kind: 'slow',
			chunkDelayMs: 1500,
			chunkSize: 1024,
			times: 1,
		});
		const { items, error } = await runNode({
			parameters: getParameters('screenshot', { timeoutSeconds: 1 }),
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		expect(attemptsAt(recordPath('screenshot'))).toBe(2);
		const expected = fixtureRecord(DEMO_STORE.id, 'screenshot').body;
		const actual = await readBinary(items[0]);
		expect(createHash('sha256').update(actual).digest('hex')).toBe(
			createHash('sha256').update(expected).digest('hex'),
		);
	});

	it('lists every key once, in order, through failing pages', async () => {
		const keysPath = `/v2/key-value-stores/${PAGING_STORE.id}/keys`;
		local.api.faults.add({ path: keysPath, kind: 'status', status: 503, times: 1 });
		local.api.faults.add({ path: keysPath, kind: 'reset-mid-body', times: 1 });
		const { items, error } = await runNode({
			parameters: {
				resource: 'key',
				operation: 'list',
				storeId: byId(PAGING_STORE.id),
				returnAll: true,
			},
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.key)).toEqual(fixtureKeys(PAGING_STORE.id));
	});

	it('gives up after Max Retries, saying how many attempts and what the last answer was', async () => {
		local.api.faults.add({ path: recordPath('OUTPUT'), kind: 'status', status: 503, times: 3 });
		const { error } = await runNode({ parameters: getParameters('OUTPUT', { maxRetries: 1 }) });
		expect(error?.message).toMatch(/^Apify API error 503 .* \(after 2 attempts\)$/);
		expect(error?.description).toMatch(/temporary problem/);
		expect(attemptsAt(recordPath('OUTPUT'))).toBe(2);
	});

	it('gives up on repeated resets, saying how many attempts were made', async () => {
		local.api.faults.add({ path: recordPath('notes'), kind: 'reset', times: 3 });
		const { error } = await runNode({ parameters: getParameters('notes', { maxRetries: 2 }) });
		expect(error?.message).toBe(
			'Could not reach the Apify API after 3 attempts: the connection was closed unexpectedly',
		);
		expect(error?.description).toMatch(/^ECONNRESET: /);
		expect(attemptsAt(recordPath('notes'))).toBe(3);
	});

	it('never retries another 4xx', async () => {
		const { error } = await runNode({ parameters: getParameters('missing-record') });
		expect(error?.message).toMatch(/404/);
		expect(attemptsAt(recordPath('missing-record'))).toBe(1);
	});
});
