/** Raw HTTP behaviour of the local API: records, encodings, keys paging, ZIP download, routing. */
import JSZip from 'jszip';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

import {
	DEMO_STORE,
	FULL_ACCESS_TOKEN,
	LOCAL_USER,
	PAGING_STORE,
	READ_ONLY_TOKEN,
	fixtureKeys,
	fixtureRecord,
	startSeededLocalApi,
} from '../../dev/local-api/fixtures';
import { expectSameBytes } from './expect-bytes';
import { bearer, jsonBody, rawRequest, type RawRequestOptions } from './raw-http';
import { INJECTED_HTML_SNIPPET, type LocalApi } from '../../dev/local-api/server';
import { createRecordSignature } from '../../dev/local-api/signature';

let api: LocalApi;

beforeAll(async () => {
	api = await startSeededLocalApi();
});

afterAll(() => api.close());

/** A request with the read-only token to a path of the API. */
function get(path: string, options: RawRequestOptions = {}) {
	return rawRequest(`${api.url}${path}`, {
		...options,
		headers: { ...bearer(READ_ONLY_TOKEN), ...options.headers },
	});
}

const demoPath = `/v2/key-value-stores/${DEMO_STORE.id}`;
const demoBody = (key: string) => fixtureRecord(DEMO_STORE.id, key).body;

describe('GET record', () => {
	it('injects a snippet into HTML served inline, and serves raw bytes as an attachment', async () => {
		const inline = await get(`${demoPath}/records/page`);
		const html = inline.body.toString('utf8');
		expect(html).toContain(`<head>${INJECTED_HTML_SNIPPET}`);
		expect(html.replace(INJECTED_HTML_SNIPPET, '')).toBe(demoBody('page').toString('utf8'));
		expect(inline.headers['content-disposition']).toBeUndefined();
		expect(Number(inline.headers['content-length'])).toBe(inline.body.length);

		for (const flag of ['true', '1']) {
			const attachment = await get(`${demoPath}/records/page?attachment=${flag}`);
			expectSameBytes(attachment.body, demoBody('page'));
			expect(attachment.headers['content-disposition']).toBe('attachment');
			expect(attachment.headers['content-type']).toBe('text/html');
		}
	});

	it('serves the stored content type and exact bytes of binary records', async () => {
		for (const key of ['screenshot', 'report', 'archive', 'no-type']) {
			const response = await get(`${demoPath}/records/${key}`);
			expect(response.headers['content-type']).toBe(fixtureRecord(DEMO_STORE.id, key).contentType);
			expectSameBytes(response.body, demoBody(key));
		}
	});

	it('sends encoded records encoded only when Accept-Encoding lists the encoding', async () => {
		const cases: Array<[acceptEncoding: string | undefined, encoded: boolean]> = [
			[undefined, false],
			['identity', false],
			['gzip, deflate', false],
			['br;q=0, gzip', false],
			['br', true],
			['gzip, deflate, br', true],
			['*', true],
		];
		for (const [acceptEncoding, encoded] of cases) {
			const headers = acceptEncoding === undefined ? {} : { 'Accept-Encoding': acceptEncoding };
			const response = await get(`${demoPath}/records/big-json`, { headers });
			expect(response.headers['content-encoding']).toBe(encoded ? 'br' : undefined);
			expectSameBytes(
				encoded ? brotliDecompressSync(response.body) : response.body,
				demoBody('big-json'),
			);
			expect(Number(response.headers['content-length'])).toBe(response.body.length);
		}
		const gzip = await get(`${demoPath}/records/log-gz`, {
			headers: { 'Accept-Encoding': 'gzip' },
		});
		expect(gzip.headers['content-encoding']).toBe('gzip');
		expectSameBytes(gunzipSync(gzip.body), demoBody('log-gz'));
		const deflate = await get(`${demoPath}/records/data-deflate`, {
			headers: { 'Accept-Encoding': 'deflate' },
		});
		expect(deflate.headers['content-encoding']).toBe('deflate');
		expectSameBytes(inflateSync(deflate.body), demoBody('data-deflate'));
	});

	it('decodes percent-encoded keys', async () => {
		const key = "weird!key_(1).v'2";
		expectSameBytes(
			(await get(`${demoPath}/records/${encodeURIComponent(key)}`)).body,
			demoBody(key),
		);
		expectSameBytes(
			(await get(`${demoPath}/records/weird%21key_%281%29.v%272`)).body,
			demoBody(key),
		);
	});

	it('answers HEAD with headers only: 200 when the record exists, 404 when not', async () => {
		const found = await get(`${demoPath}/records/screenshot`, { method: 'HEAD' });
		expect(found.status).toBe(200);
		expect(found.headers['content-type']).toBe('image/png');
		expect(Number(found.headers['content-length'])).toBe(demoBody('screenshot').length);
		expect(found.body).toHaveLength(0);
		const missing = await get(`${demoPath}/records/MISSING`, { method: 'HEAD' });
		expect([missing.status, missing.body.length]).toEqual([404, 0]);
	});

	it('tells a missing store from a missing record only by the message', async () => {
		const missingRecord = await get(`${demoPath}/records/MISSING`);
		expect([missingRecord.status, jsonBody(missingRecord).error]).toEqual([
			404,
			{ type: 'record-not-found', message: 'Record was not found.' },
		]);
		const missingStore = await get('/v2/key-value-stores/kvsMissingStore01/records/OUTPUT');
		expect([missingStore.status, jsonBody(missingStore).error]).toEqual([
			404,
			{ type: 'record-not-found', message: 'Key-value store was not found.' },
		]);
	});

	it('rejects invalid record keys with 400 invalid-record-key', async () => {
		for (const key of ['bad%20key', 'a%2Fb', '%E0%A4%A', 'x'.repeat(257), 'm%C3%A4rz']) {
			const response = await get(`${demoPath}/records/${key}`);
			expect([response.status, jsonBody(response).error.type]).toEqual([400, 'invalid-record-key']);
		}
	});

	it('sends X-RateLimit-Limit: 200 on records, 60 elsewhere', async () => {
		expect((await get(`${demoPath}/records/OUTPUT`)).headers['x-ratelimit-limit']).toBe('200');
		expect((await get(`${demoPath}/keys`)).headers['x-ratelimit-limit']).toBe('60');
	});
});

describe('GET keys', () => {
	it('clamps the limit to 1000 and treats 0 as not given', async () => {
		for (const limit of ['5000', '0', '']) {
			const page = jsonBody(
				await get(`/v2/key-value-stores/${PAGING_STORE.id}/keys?limit=${limit}`),
			).data;
			expect([page.limit, page.count, page.items.length]).toEqual([1000, 1000, 1000]);
		}
	});

	it('rejects negative or fractional limits with 400 invalid-parameter', async () => {
		for (const limit of ['-1', '2.5', 'ten']) {
			const response = await get(`${demoPath}/keys?limit=${limit}`);
			expect([response.status, jsonBody(response).error.type]).toEqual([400, 'invalid-parameter']);
		}
	});

	it('sends explicit nulls for missing start keys and on the last page', async () => {
		const response = await get(`${demoPath}/keys`);
		const page = jsonBody(response).data;
		expect(page).toMatchObject({
			exclusiveStartKey: null,
			isTruncated: false,
			nextExclusiveStartKey: null,
		});
		expect(Object.keys(page)).toEqual([
			'items',
			'count',
			'limit',
			'exclusiveStartKey',
			'isTruncated',
			'nextExclusiveStartKey',
		]);
	});

	it('lists keys in byte order with size and a signed public URL', async () => {
		const page = jsonBody(await get(`${demoPath}/keys?exclusiveStartKey=img-003&limit=3`)).data;
		expect(page.items.map((item: { key: string }) => item.key)).toEqual(
			fixtureKeys(DEMO_STORE.id).slice(8, 11),
		);
		expect(page.items[0]).toEqual({
			key: 'list-json',
			size: demoBody('list-json').length,
			recordPublicUrl: `${api.url}${demoPath}/records/list-json?signature=${createRecordSignature(DEMO_STORE.urlSigningSecretKey, 'list-json')}`,
		});
		expect([page.exclusiveStartKey, page.isTruncated, page.nextExclusiveStartKey]).toEqual([
			'img-003',
			true,
			'no-type',
		]);
	});

	it('rejects collections without a schema or unknown to it with 400 invalid-collection', async () => {
		for (const path of [
			`/v2/key-value-stores/${PAGING_STORE.id}/keys?collection=images`,
			`${demoPath}/keys?collection=videos`,
		]) {
			const response = await get(path);
			expect([response.status, jsonBody(response).error.type]).toEqual([400, 'invalid-collection']);
		}
	});
});

describe('GET records (ZIP)', () => {
	it('streams every record as a file named by its key, with the decoded bytes', async () => {
		const response = await get(`${demoPath}/records`);
		expect(response.status).toBe(200);
		expect(response.headers['content-type']).toBe('application/zip');
		const zip = await JSZip.loadAsync(response.body);
		expect(Object.keys(zip.files).sort()).toEqual([...fixtureKeys(DEMO_STORE.id)].sort());
		for (const key of fixtureKeys(DEMO_STORE.id)) {
			expectSameBytes(await zip.file(key)?.async('nodebuffer'), demoBody(key));
		}
	});

	it('filters by collection and prefix', async () => {
		const names = async (query: string) =>
			Object.keys((await JSZip.loadAsync((await get(`${demoPath}/records?${query}`)).body)).files);
		expect(await names('collection=images')).toEqual(['img-001', 'img-002', 'img-003']);
		expect(await names('prefix=O')).toEqual(['OUTPUT']);
		expect(await names('prefix=nothing-matches')).toEqual([]);
	});
});

describe('stores and routing', () => {
	it('lists stores with Apify pagination', async () => {
		const page = jsonBody(await get('/v2/key-value-stores?offset=1&limit=1')).data;
		expect(page).toMatchObject({ total: 2, offset: 1, limit: 1, desc: false, count: 1 });
		expect(page.items[0].id).toBe(PAGING_STORE.id);
	});

	it('accepts ID, username~name and ~name, but not username/name', async () => {
		for (const identifier of [
			DEMO_STORE.id,
			`${LOCAL_USER.username}~${DEMO_STORE.name}`,
			`~${DEMO_STORE.name}`,
		]) {
			expect(
				jsonBody(await get(`/v2/key-value-stores/${encodeURIComponent(identifier)}`)).data.id,
			).toBe(DEMO_STORE.id);
		}
		const encodedSlash = await get(
			`/v2/key-value-stores/${LOCAL_USER.username}%2F${DEMO_STORE.name}/keys`,
		);
		expect([encodedSlash.status, jsonBody(encodedSlash).error.type]).toEqual([
			404,
			'record-not-found',
		]);
		const slash = await get(`/v2/key-value-stores/${LOCAL_USER.username}/${DEMO_STORE.name}/keys`);
		expect([slash.status, jsonBody(slash).error.type]).toEqual([404, 'page-not-found']);
	});

	it('answers unknown routes with 404 page-not-found and wrong methods with 405', async () => {
		const unknown = await get('/v2/datasets');
		expect([unknown.status, jsonBody(unknown).error.type]).toEqual([404, 'page-not-found']);
		const wrongMethod = await get(`${demoPath}/keys`, { method: 'POST' });
		expect([wrongMethod.status, jsonBody(wrongMethod).error.type]).toEqual([
			405,
			'method-not-allowed',
		]);
		expect(wrongMethod.headers.allow).toBe('OPTIONS,GET');
	});

	it('logs every request with its parsed query and headers', async () => {
		api.clearRequests();
		await rawRequest(`${api.url}${demoPath}/keys?limit=2&prefix=img-`, {
			headers: bearer(FULL_ACCESS_TOKEN),
		});
		expect(api.requests).toEqual([
			expect.objectContaining({
				server: 'api',
				method: 'GET',
				path: `${demoPath}/keys`,
				query: { limit: '2', prefix: 'img-' },
				headers: expect.objectContaining({ authorization: `Bearer ${FULL_ACCESS_TOKEN}` }),
			}),
		]);
	});
});
