/**
 * ETags of records and conditional requests: If-None-Match (304) for reads, If-Match (412) for reads
 * and writes. Apify documents none of it, so the local API has it only when its `etags` switch is on.
 */
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';

import { expectSameBytes } from './expect-bytes';
import {
	DEMO_STORE,
	FULL_ACCESS_TOKEN,
	READ_ONLY_TOKEN,
	fixtureRecord,
	startSeededLocalApi,
} from '../../dev/local-api/fixtures';
import { bearer, jsonBody, rawRequest, type RawRequestOptions, type RawResponse } from './raw-http';
import { startLocalApi, type LocalApi } from '../../dev/local-api/server';

let api: LocalApi;

beforeAll(async () => {
	api = await startSeededLocalApi({ settings: { etags: true } });
});

afterAll(() => api.close());

afterEach(() => api.setRedirectMode('off'));

const demoRecordPath = (key: string) => `/v2/key-value-stores/${DEMO_STORE.id}/records/${key}`;
const request = (path: string, token: string, options: RawRequestOptions = {}) =>
	rawRequest(`${api.url}${path}`, {
		...options,
		headers: { ...bearer(token), ...options.headers },
	});
const read = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
	request(path, READ_ONLY_TOKEN, { method, headers });
const write = (
	path: string,
	method: 'PUT' | 'DELETE',
	headers: Record<string, string> = {},
	body?: string,
) =>
	request(path, FULL_ACCESS_TOKEN, {
		method,
		headers: { 'Content-Type': 'text/plain', ...headers },
		body,
	});
const etagOf = (response: RawResponse) => response.headers.etag as string;
const errorOf = (response: RawResponse) => [response.status, jsonBody(response).error.type];

let scratchCount = 0;
/** A new store with one text record `note`, for tests that write. */
function scratchStore(body = 'first version'): { path: string; id: string } {
	const store = api.addStore({ name: `etag-scratch-${++scratchCount}` });
	api.putRecord(store.id, 'note', body, { contentType: 'text/plain' });
	return { id: store.id, path: `/v2/key-value-stores/${store.id}/records/note` };
}

describe('ETag', () => {
	it('is a quoted strong ETag, the same on GET and HEAD and on every read', async () => {
		const get = await read(demoRecordPath('OUTPUT'));
		expect(etagOf(get)).toMatch(/^"[0-9a-f]{32}"$/);
		expect(etagOf(await read(demoRecordPath('OUTPUT'), {}, 'HEAD'))).toBe(etagOf(get));
		expect(etagOf(await read(demoRecordPath('OUTPUT')))).toBe(etagOf(get));
		expect(etagOf(await read(demoRecordPath('INPUT')))).not.toBe(etagOf(get));
	});

	it('names the stored record: the same for its encoded and decoded body, equal for equal content', async () => {
		const encoded = await read(demoRecordPath('big-json'), { 'Accept-Encoding': 'br' });
		const decoded = await read(demoRecordPath('big-json'));
		expect(encoded.headers['content-encoding']).toBe('br');
		expect(decoded.headers['content-encoding']).toBeUndefined();
		expect(etagOf(encoded)).toBe(etagOf(decoded));

		const output = fixtureRecord(DEMO_STORE.id, 'OUTPUT');
		const copy = api.addStore({ name: 'etag-copy' });
		api.putRecord(copy.id, 'same', output.body, { contentType: output.contentType });
		api.putRecord(copy.id, 'other-type', output.body, { contentType: 'text/plain' });
		api.putRecord(copy.id, 'gzipped', output.body, {
			contentType: output.contentType,
			contentEncoding: 'gzip',
		});
		// The same stored bytes, but as an identity record: only the encoding tells the two apart.
		const gzipBytes = gzipSync(output.body);
		api.putRecord(copy.id, 'gzip-bytes', gzipBytes, { contentType: output.contentType });
		expectSameBytes(
			(api.findStore(copy.id).getRecord('gzipped') as { stored: Buffer }).stored,
			gzipBytes,
		);
		const etagInCopy = async (key: string) =>
			etagOf(await read(`/v2/key-value-stores/${copy.id}/records/${key}`));
		const original = etagOf(await read(demoRecordPath('OUTPUT')));
		expect(await etagInCopy('same')).toBe(original);
		expect(await etagInCopy('other-type')).not.toBe(original);
		expect(await etagInCopy('gzipped')).not.toBe(original);
		expect(await etagInCopy('gzipped')).not.toBe(await etagInCopy('gzip-bytes'));
	});

	it('changes when the record is written, and PUT answers with the new one', async () => {
		const { path } = scratchStore();
		const before = etagOf(await read(path));
		const put = await write(path, 'PUT', {}, 'second version');
		expect(put.status).toBe(201);
		expect(etagOf(put)).not.toBe(before);
		expect(etagOf(await read(path))).toBe(etagOf(put));
		expect(etagOf(await write(path, 'PUT', {}, 'first version'))).toBe(before);
	});

	it('is sent for generated records too, and changes when one is put again', async () => {
		const store = api.addStore({ name: 'etag-generated' });
		const options = {
			size: 3,
			contentType: 'application/octet-stream',
			generate: () => Readable.from([Buffer.from('abc')]),
		};
		api.putGeneratedRecord(store.id, 'blob', options);
		const path = `/v2/key-value-stores/${store.id}/records/blob`;
		const first = etagOf(await read(path));
		expect(first).toMatch(/^"g-[0-9a-f]{32}"$/);
		expect(etagOf(await read(path, {}, 'HEAD'))).toBe(first);
		expect((await read(path, { 'If-None-Match': first })).status).toBe(304);
		api.putGeneratedRecord(store.id, 'blob', options);
		expect(etagOf(await read(path))).not.toBe(first);
	});
});

describe('If-None-Match on GET and HEAD', () => {
	it('answers 304 with the ETag and no body when one listed tag matches', async () => {
		const etag = etagOf(await read(demoRecordPath('screenshot')));
		for (const header of [etag, `"stale", ${etag}`, `W/${etag}`, '*']) {
			const response = await read(demoRecordPath('screenshot'), { 'If-None-Match': header });
			expect([header, response.status, etagOf(response), response.body.length]).toEqual([
				header,
				304,
				etag,
				0,
			]);
			expect(response.headers['content-length']).toBeUndefined();
			expect(response.headers['content-type']).toBeUndefined();
		}
		expect(
			(await read(demoRecordPath('screenshot'), { 'If-None-Match': etag }, 'HEAD')).status,
		).toBe(304);
	});

	it('serves the record when no tag matches', async () => {
		const etag = etagOf(await read(demoRecordPath('screenshot')));
		for (const header of ['"stale"', 'W/"stale", "other"', etag.slice(1, -1)]) {
			const response = await read(demoRecordPath('screenshot'), { 'If-None-Match': header });
			expect([header, response.status, etagOf(response)]).toEqual([header, 200, etag]);
			expectSameBytes(response.body, fixtureRecord(DEMO_STORE.id, 'screenshot').body);
		}
	});

	it('leaves a missing record a 404, even for *', async () => {
		expect(errorOf(await read(demoRecordPath('MISSING'), { 'If-None-Match': '*' }))).toEqual([
			404,
			'record-not-found',
		]);
	});
});

describe('If-Match on GET and HEAD', () => {
	it('serves the record when a listed tag matches strongly, or for *', async () => {
		const etag = etagOf(await read(demoRecordPath('OUTPUT')));
		for (const header of [etag, `"stale", ${etag}`, '*']) {
			expect([
				header,
				(await read(demoRecordPath('OUTPUT'), { 'If-Match': header })).status,
			]).toEqual([header, 200]);
		}
	});

	it('answers 412 precondition-failed when none matches, a weak tag included', async () => {
		const etag = etagOf(await read(demoRecordPath('OUTPUT')));
		for (const header of ['"stale"', `W/${etag}`]) {
			const response = await read(demoRecordPath('OUTPUT'), { 'If-Match': header });
			expect([header, ...errorOf(response)]).toEqual([header, 412, 'precondition-failed']);
			expect(jsonBody(response).error.message).toMatch(/does not match If-Match/);
			expect(etagOf(response)).toBe(etag);
		}
		expect((await read(demoRecordPath('OUTPUT'), { 'If-Match': '"stale"' }, 'HEAD')).status).toBe(
			412,
		);
	});

	it('is checked before If-None-Match', async () => {
		const etag = etagOf(await read(demoRecordPath('OUTPUT')));
		expect(
			(await read(demoRecordPath('OUTPUT'), { 'If-Match': '"stale"', 'If-None-Match': etag }))
				.status,
		).toBe(412);
	});
});

describe('If-Match on PUT and DELETE (lost-update protection)', () => {
	it('refuses a PUT with a stale ETag and keeps the record, accepts the current one', async () => {
		const { id, path } = scratchStore();
		const original = etagOf(await read(path));
		const first = await write(path, 'PUT', { 'If-Match': original }, 'written by A');
		expect(first.status).toBe(201);
		const lost = await write(path, 'PUT', { 'If-Match': original }, 'written by B');
		expect(errorOf(lost)).toEqual([412, 'precondition-failed']);
		expect(etagOf(lost)).toBe(etagOf(first));
		expect((await read(path)).body.toString()).toBe('written by A');
		expect((await write(path, 'PUT', { 'If-Match': etagOf(lost) }, 'written by B')).status).toBe(
			201,
		);
		expect(api.findStore(id).getRecord('note')).toMatchObject({
			stored: Buffer.from('written by B'),
		});
	});

	it('refuses a PUT with If-Match to a missing record, and If-None-Match: * to an existing one', async () => {
		const { id, path } = scratchStore();
		const missingPath = `/v2/key-value-stores/${id}/records/absent`;
		const toMissing = await write(missingPath, 'PUT', { 'If-Match': '*' }, 'x');
		expect(errorOf(toMissing)).toEqual([412, 'precondition-failed']);
		expect(jsonBody(toMissing).error.message).toMatch(/does not exist/);
		expect(api.findStore(id).getRecord('absent')).toBeUndefined();
		const existing = await write(path, 'PUT', { 'If-None-Match': '*' }, 'x');
		expect(errorOf(existing)).toEqual([412, 'precondition-failed']);
		expect(jsonBody(existing).error.message).toMatch(/exists and its ETag matches If-None-Match/);
		expect((await read(path)).body.toString()).toBe('first version');
		expect((await write(missingPath, 'PUT', { 'If-None-Match': '*' }, 'created')).status).toBe(201);
	});

	it('refuses a DELETE with a stale ETag and keeps the record, accepts the current one', async () => {
		const { id, path } = scratchStore();
		const etag = etagOf(await read(path));
		expect(errorOf(await write(path, 'DELETE', { 'If-Match': '"stale"' }))).toEqual([
			412,
			'precondition-failed',
		]);
		expect(api.findStore(id).getRecord('note')).toBeDefined();
		expect((await write(path, 'DELETE', { 'If-Match': etag })).status).toBe(204);
		expect(api.findStore(id).getRecord('note')).toBeUndefined();
		expect(errorOf(await write(path, 'DELETE', { 'If-Match': etag }))).toEqual([
			412,
			'precondition-failed',
		]);
	});
});

describe('conditional requests in storage redirect mode', () => {
	it('answers 304 and 412 on the API itself, and redirects only when the preconditions pass', async () => {
		api.setRedirectMode('storage');
		const etag = etagOf(await read(demoRecordPath('OUTPUT'), {}, 'HEAD'));
		api.clearRequests();
		expect((await read(demoRecordPath('OUTPUT'), { 'If-None-Match': etag })).status).toBe(304);
		expect((await read(demoRecordPath('OUTPUT'), { 'If-Match': '"stale"' })).status).toBe(412);
		const redirected = await read(demoRecordPath('OUTPUT'), { 'If-None-Match': '"stale"' });
		expect(redirected.status).toBe(302);
		expect(api.requests.every((logged) => logged.server === 'api')).toBe(true);

		// The storage origin sends the same ETag and ignores conditional headers.
		const stored = await rawRequest(redirected.headers.location as string, {
			headers: { 'If-None-Match': etag },
		});
		expect([stored.status, etagOf(stored)]).toEqual([200, etag]);
	});
});

describe('by default, as Apify documents', () => {
	it('sends no ETag and ignores If-None-Match and If-Match', async () => {
		const plain = await startLocalApi();
		try {
			const store = plain.addStore({ name: 'no-etags' });
			plain.putRecord(store.id, 'note', 'text', { contentType: 'text/plain' });
			const path = `${plain.url}/v2/key-value-stores/${store.id}/records/note`;
			const get = await rawRequest(path, {
				headers: { ...bearer(FULL_ACCESS_TOKEN), 'If-None-Match': '*' },
			});
			expect(get.status).toBe(200);
			expect(get.headers.etag).toBeUndefined();
			const put = await rawRequest(path, {
				method: 'PUT',
				headers: {
					...bearer(FULL_ACCESS_TOKEN),
					'Content-Type': 'text/plain',
					'If-Match': '"stale"',
				},
				body: 'new',
			});
			expect(put.status).toBe(201);
			expect(put.headers.etag).toBeUndefined();
			expect(put.headers.location).toBe(path);
		} finally {
			await plain.close();
		}
	});
});
