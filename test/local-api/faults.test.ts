/** Fault injection: each fault kind, matching, ordering and hit counts. */
import { request as httpRequest } from 'node:http';
import { gunzipSync } from 'node:zlib';

import { expectSameBytes } from './expect-bytes';
import {
	DEMO_STORE,
	FULL_ACCESS_TOKEN,
	READ_ONLY_TOKEN,
	fixtureRecord,
	startSeededLocalApi,
} from '../../dev/local-api/fixtures';
import { bearer, jsonBody, rawRequest } from './raw-http';
import { gzipBomb, startLocalApi, type LocalApi } from '../../dev/local-api/server';

let api: LocalApi;

beforeAll(async () => {
	api = await startSeededLocalApi();
});

afterAll(() => api.close());

afterEach(() => api.faults.clear());

const recordPath = (key: string) => `/v2/key-value-stores/${DEMO_STORE.id}/records/${key}`;
const getRecord = (key: string, method = 'GET') =>
	rawRequest(`${api.url}${recordPath(key)}`, { method, headers: bearer(READ_ONLY_TOKEN) });

interface CutResponse {
	status: number;
	received: Buffer;
	error: Error;
}

/** GETs a response that is expected to break off, keeping what arrived before it did. */
function getCutResponse(path: string): Promise<CutResponse> {
	return new Promise((resolve, reject) => {
		const req = httpRequest(
			`${api.url}${path}`,
			{ headers: bearer(READ_ONLY_TOKEN), agent: false },
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (chunk: Buffer) => chunks.push(chunk));
				res.on('error', (error) =>
					resolve({ status: res.statusCode ?? 0, received: Buffer.concat(chunks), error }),
				);
				res.on('end', () => reject(new Error('The response was not cut')));
			},
		);
		req.on('error', reject);
		req.end();
	});
}

describe('status faults', () => {
	it('answer with the status, an Apify error body and Retry-After, then let requests through', async () => {
		const fault = api.faults.add({
			path: recordPath('OUTPUT'),
			kind: 'status',
			status: 429,
			retryAfter: 2,
			times: 2,
		});
		for (let attempt = 0; attempt < 2; attempt++) {
			const limited = await getRecord('OUTPUT');
			expect([limited.status, limited.headers['retry-after']]).toEqual([429, '2']);
			expect(jsonBody(limited).error).toEqual({
				type: 'rate-limit-exceeded',
				message: 'You have exceeded the rate limit. Please try again later.',
			});
		}
		expect((await getRecord('OUTPUT')).status).toBe(200);
		expect([fault.hits, fault.remaining, api.faults.pending]).toEqual([2, 0, []]);
	});

	it('take a custom error type and message, and default 5xx to internal-server-error', async () => {
		api.faults.add({
			kind: 'status',
			status: 403,
			errorType: 'custom-type',
			message: 'Custom message.',
		});
		api.faults.add({ kind: 'status', status: 503 });
		expect(jsonBody(await getRecord('OUTPUT')).error).toEqual({
			type: 'custom-type',
			message: 'Custom message.',
		});
		const unavailable = await getRecord('OUTPUT');
		expect([unavailable.status, jsonBody(unavailable).error.type]).toEqual([
			503,
			'internal-server-error',
		]);
	});
});

describe('matching', () => {
	it('matches method, RegExp path and server, and consumes faults in order', async () => {
		const headOnly = api.faults.add({ method: 'head', kind: 'status', status: 500 });
		const storageOnly = api.faults.add({ server: 'storage', kind: 'status', status: 500 });
		const first = api.faults.add({ path: /\/records\/INPUT$/, kind: 'status', status: 502 });
		const second = api.faults.add({ path: /\/records\/INPUT$/, kind: 'status', status: 504 });
		expect((await getRecord('INPUT')).status).toBe(502);
		expect((await getRecord('INPUT')).status).toBe(504);
		expect((await getRecord('INPUT')).status).toBe(200);
		expect((await getRecord('INPUT', 'HEAD')).status).toBe(500);
		expect([headOnly.hits, storageOnly.hits, first.hits, second.hits]).toEqual([1, 0, 1, 1]);
		expect(api.faults.pending).toEqual([storageOnly]);
	});

	it('lets Infinity times affect every matching request until cleared', async () => {
		const fault = api.faults.add({
			path: recordPath('notes'),
			kind: 'status',
			status: 500,
			times: Infinity,
		});
		for (let i = 0; i < 3; i++) expect((await getRecord('notes')).status).toBe(500);
		api.faults.clear();
		expect((await getRecord('notes')).status).toBe(200);
		expect(fault.hits).toBe(3);
	});
});

describe('every n-th and replaced bodies', () => {
	it('everyNth affects only every n-th matching request', async () => {
		const fault = api.faults.add({
			path: recordPath('notes'),
			kind: 'status',
			status: 503,
			everyNth: 3,
			times: Infinity,
		});
		const statuses: number[] = [];
		for (let i = 0; i < 7; i++) statuses.push((await getRecord('notes')).status);
		expect(statuses).toEqual([200, 200, 503, 200, 200, 503, 200]);
		expect(fault.hits).toBe(2);
	});

	it('body answers 200 with the given bytes and content type', async () => {
		const body = Buffer.from('PK not really a zip');
		api.faults.add({
			path: recordPath('notes'),
			kind: 'body',
			body,
			contentType: 'application/zip',
		});
		const response = await getRecord('notes');
		expect(response.status).toBe(200);
		expect(response.headers['content-type']).toBe('application/zip');
		expectSameBytes(response.body, body);
	});
});

describe('connection faults', () => {
	it('reset: destroys the connection before any response', async () => {
		const fault = api.faults.add({ path: recordPath('OUTPUT'), kind: 'reset' });
		await expect(getRecord('OUTPUT')).rejects.toMatchObject({ code: 'ECONNRESET' });
		expect((await getRecord('OUTPUT')).status).toBe(200);
		expect(fault.hits).toBe(1);
	});

	it('lose-answer: carries the request out, then destroys the connection instead of answering', async () => {
		const path = recordPath('lost-answer-record');
		api.faults.add({ path, method: 'PUT', kind: 'lose-answer' });
		const put = rawRequest(`${api.url}${path}`, {
			method: 'PUT',
			headers: { ...bearer(FULL_ACCESS_TOKEN), 'content-type': 'text/plain' },
			body: Buffer.from('written anyway'),
		});
		await expect(put).rejects.toMatchObject({ code: 'ECONNRESET' });
		const written = await getRecord('lost-answer-record');
		expect([written.status, written.body.toString()]).toEqual([200, 'written anyway']);
	});

	it('reset-mid-body: sends the headers and half the real body by default, then closes', async () => {
		api.faults.add({ path: recordPath('screenshot'), kind: 'reset-mid-body' });
		const body = fixtureRecord(DEMO_STORE.id, 'screenshot').body;
		const cut = await getCutResponse(recordPath('screenshot'));
		expect(cut.status).toBe(200);
		expectSameBytes(cut.received, body.subarray(0, Math.floor(body.length / 2)));
	});

	it('reset-mid-body: cuts after a chosen number of bytes, also in a streamed ZIP', async () => {
		api.faults.add({
			path: `/v2/key-value-stores/${DEMO_STORE.id}/records`,
			kind: 'reset-mid-body',
			afterBytes: 100,
		});
		const cut = await getCutResponse(`/v2/key-value-stores/${DEMO_STORE.id}/records`);
		expect(cut.status).toBe(200);
		expect(cut.received.length).toBe(100);
		expect(cut.received.subarray(0, 4)).toEqual(Buffer.from('PK\x03\x04', 'latin1'));
	});

	it('slow: delays the first byte', async () => {
		api.faults.add({ path: recordPath('OUTPUT'), kind: 'slow', delayMs: 300 });
		const started = Date.now();
		const response = await getRecord('OUTPUT');
		expect(Date.now() - started).toBeGreaterThanOrEqual(290);
		expectSameBytes(response.body, fixtureRecord(DEMO_STORE.id, 'OUTPUT').body);
	});

	it('slow: delays between body chunks and still sends the whole body', async () => {
		api.faults.add({
			path: recordPath('screenshot'),
			kind: 'slow',
			chunkDelayMs: 40,
			chunkSize: 1024,
		});
		const body = fixtureRecord(DEMO_STORE.id, 'screenshot').body;
		const started = Date.now();
		const response = await getRecord('screenshot');
		const pauses = Math.ceil(body.length / 1024) - 1;
		expect(Date.now() - started).toBeGreaterThanOrEqual(pauses * 40 - 10);
		expectSameBytes(response.body, body);
	});

	it('close() ends slow responses and open connections promptly', async () => {
		const local = await startLocalApi();
		local.addStore({ id: 'kvsClosingStore01', generalAccess: 'ANYONE_WITH_ID_CAN_READ' });
		local.putRecord('kvsClosingStore01', 'slow', 'x', { contentType: 'text/plain' });
		local.faults.add({ kind: 'slow', delayMs: 10_000 });
		const pending = rawRequest(`${local.url}/v2/key-value-stores/kvsClosingStore01/records/slow`);
		await new Promise((resolve) => setTimeout(resolve, 50));
		const started = Date.now();
		await local.close();
		await expect(pending).rejects.toThrow();
		expect(Date.now() - started).toBeLessThan(1000);
	});
});

describe('hostile answers', () => {
	it('html: answers an HTML page with status 200 unless told', async () => {
		api.faults.add({ path: recordPath('OUTPUT'), kind: 'html' });
		api.faults.add({ path: recordPath('OUTPUT'), kind: 'html', html: '<p>login</p>', status: 503 });
		const page = await getRecord('OUTPUT');
		expect([page.status, page.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
		expect(page.body.toString()).toMatch(/^<!DOCTYPE html>/);
		const custom = await getRecord('OUTPUT');
		expect([custom.status, custom.body.toString()]).toEqual([503, '<p>login</p>']);
	});

	it('json: answers 200 with the given document as JSON', async () => {
		const keysPath = `/v2/key-value-stores/${DEMO_STORE.id}/keys`;
		api.faults.add({ path: keysPath, kind: 'json', json: { data: {} } });
		const response = await rawRequest(`${api.url}${keysPath}`, {
			headers: bearer(READ_ONLY_TOKEN),
		});
		expect([response.status, jsonBody(response)]).toEqual([200, { data: {} }]);
		expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
	});

	it('huge-headers: the real answer with a header past the 16 KiB that a Node client takes', async () => {
		api.faults.add({ path: recordPath('OUTPUT'), kind: 'huge-headers' });
		await expect(getRecord('OUTPUT')).rejects.toMatchObject({ code: 'HPE_HEADER_OVERFLOW' });
		api.faults.add({ path: recordPath('OUTPUT'), kind: 'huge-headers', headerBytes: 100 });
		const small = await getRecord('OUTPUT');
		expect(small.headers['x-padding']).toBe('x'.repeat(100));
		expectSameBytes(small.body, fixtureRecord(DEMO_STORE.id, 'OUTPUT').body);
	});

	it('trickle: sends the real body a byte per interval, whole', async () => {
		api.faults.add({ path: recordPath('OUTPUT'), kind: 'trickle', intervalMs: 2 });
		const body = fixtureRecord(DEMO_STORE.id, 'OUTPUT').body;
		const started = Date.now();
		const response = await getRecord('OUTPUT');
		expect(Date.now() - started).toBeGreaterThanOrEqual((body.length - 1) * 2 - 10);
		expectSameBytes(response.body, body);
	});

	it('trickle: sends a given body, several bytes per interval, with its length', async () => {
		api.faults.add({
			path: recordPath('OUTPUT'),
			kind: 'trickle',
			intervalMs: 100,
			bytesPerInterval: 4,
			body: Buffer.from('twelve bytes'),
			contentType: 'text/plain',
		});
		const started = Date.now();
		const response = await getRecord('OUTPUT');
		// Three pieces of four bytes: two waits.
		expect(Date.now() - started).toBeGreaterThanOrEqual(190);
		expect([response.headers['content-length'], response.body.toString()]).toEqual([
			'12',
			'twelve bytes',
		]);
	});

	it('encoded: sends the bytes as they are with the given Content-Type and Content-Encoding', async () => {
		const bomb = await gzipBomb(10 * 1024 * 1024, { prefix: '[', suffix: ']', fill: ' ' });
		expect(bomb.length).toBeLessThan(20 * 1024);
		api.faults.add({
			path: recordPath('OUTPUT'),
			kind: 'encoded',
			body: bomb,
			contentType: 'application/json',
			contentEncoding: 'gzip',
		});
		const response = await getRecord('OUTPUT');
		expect([response.headers['content-type'], response.headers['content-encoding']]).toEqual([
			'application/json',
			'gzip',
		]);
		expectSameBytes(response.body, bomb);
		const decoded = gunzipSync(response.body);
		expect(decoded.length).toBe(10 * 1024 * 1024 + 2);
		expect(JSON.parse(decoded.toString())).toEqual([]);
	});
});
