/** Redirect modes: records served from a second ("storage") origin via presigned-like URLs. */
import { ApifyClient } from 'apify-client';
import { brotliDecompressSync } from 'node:zlib';

import { expectSameBytes } from './expect-bytes';
import {
	DEMO_STORE,
	FULL_ACCESS_TOKEN,
	READ_ONLY_TOKEN,
	fixtureRecord,
	startSeededLocalApi,
} from '../../dev/local-api/fixtures';
import { bearer, rawRequest } from './raw-http';
import type { LocalApi } from '../../dev/local-api/server';

let api: LocalApi;

beforeAll(async () => {
	api = await startSeededLocalApi({ settings: { redirectMode: 'storage' } });
});

afterAll(() => api.close());

afterEach(() => api.setRedirectMode('storage'));

const recordUrl = (key: string, query = '') =>
	`${api.url}/v2/key-value-stores/${DEMO_STORE.id}/records/${key}${query}`;
const demoBody = (key: string) => fixtureRecord(DEMO_STORE.id, key).body;

async function storageLocation(key: string, query = ''): Promise<string> {
	const response = await rawRequest(recordUrl(key, query), { headers: bearer(READ_ONLY_TOKEN) });
	expect(response.status).toBe(302);
	return response.headers.location as string;
}

describe('storage redirect mode', () => {
	it('redirects GET record to the storage origin', async () => {
		const location = await storageLocation('screenshot');
		expect(new URL(location).origin).toBe(api.storageUrl);
		expect(api.storageUrl).not.toBe(api.url);
		const response = await rawRequest(location);
		expect([response.status, response.headers['content-type']]).toEqual([200, 'image/png']);
		expectSameBytes(response.body, demoBody('screenshot'));
	});

	it('rejects a storage request that carries an Authorization header, as presigned URLs do', async () => {
		const response = await rawRequest(await storageLocation('OUTPUT'), {
			headers: bearer(READ_ONLY_TOKEN),
		});
		expect(response.status).toBe(400);
		expect(response.body.toString()).toContain('<Code>InvalidArgument</Code>');
	});

	it('keeps attachment and encoding rules on the storage origin', async () => {
		const page = await rawRequest(await storageLocation('page', '?attachment=true'));
		expect(page.headers['content-disposition']).toBe('attachment');
		expectSameBytes(page.body, demoBody('page'));
		const bigJson = await rawRequest(await storageLocation('big-json'), {
			headers: { 'Accept-Encoding': 'br' },
		});
		expect(bigJson.headers['content-encoding']).toBe('br');
		expectSameBytes(brotliDecompressSync(bigJson.body), demoBody('big-json'));
	});

	it('rejects tampered storage URLs and answers HEAD on the API directly', async () => {
		const location = new URL(await storageLocation('OUTPUT'));
		location.pathname = location.pathname.replace('OUTPUT', 'INPUT');
		expect((await rawRequest(location.toString())).status).toBe(403);
		expect(
			(await rawRequest(recordUrl('OUTPUT'), { method: 'HEAD', headers: bearer(READ_ONLY_TOKEN) }))
				.status,
		).toBe(200);
	});

	it('works with apify-client, which drops the token on the cross-origin redirect', async () => {
		api.clearRequests();
		const client = new ApifyClient({ token: FULL_ACCESS_TOKEN, baseUrl: api.url, maxRetries: 0 });
		const record = await client.keyValueStore(DEMO_STORE.id).getRecord('report', { buffer: true });
		expectSameBytes(record?.value, demoBody('report'));
		const storageRequests = api.requests.filter((request) => request.server === 'storage');
		expect(storageRequests).toHaveLength(1);
		expect(storageRequests[0].headers.authorization).toBeUndefined();
	});
});

describe('other redirect modes', () => {
	it('serves records directly when off', async () => {
		api.setRedirectMode('off');
		expect(api.options.redirectMode).toBe('off');
		const response = await rawRequest(recordUrl('OUTPUT'), { headers: bearer(READ_ONLY_TOKEN) });
		expectSameBytes(response.body, demoBody('OUTPUT'));
	});

	it('redirects to itself endlessly in loop mode', async () => {
		api.setRedirectMode('loop');
		const url = recordUrl('OUTPUT', '?attachment=true');
		expect(await storageLocation('OUTPUT', '?attachment=true')).toBe(url);
		await expect(
			fetch(url, { headers: { Authorization: `Bearer ${READ_ONLY_TOKEN}` } }),
		).rejects.toThrow();
	});

	it('redirects to a non-HTTP URL in ftp mode', async () => {
		api.setRedirectMode('ftp');
		expect(await storageLocation('OUTPUT')).toMatch(/^ftp:\/\//);
	});
});
