/** Tokens, URL signatures and write permissions of the local API. */
import { gzipSync } from 'node:zlib';

import {
	DEMO_STORE,
	FULL_ACCESS_TOKEN,
	OTHER_STORE,
	OTHER_USER_TOKEN,
	READ_ONLY_TOKEN,
	fixtureRecord,
	startSeededLocalApi,
} from '../../dev/local-api/fixtures';
import { expectSameBytes } from './expect-bytes';
import { bearer, jsonBody, rawRequest, type RawRequestOptions, type RawResponse } from './raw-http';
import { UNDOCUMENTED_OFF, type LocalApi } from '../../dev/local-api/server';
import { createRecordSignature, createStoreSignature } from '../../dev/local-api/signature';

let api: LocalApi;

beforeAll(async () => {
	api = await startSeededLocalApi();
});

afterAll(() => api.close());

afterEach(() => api.configure(UNDOCUMENTED_OFF));

const demoPath = `/v2/key-value-stores/${DEMO_STORE.id}`;
const request = (path: string, options?: RawRequestOptions) =>
	rawRequest(`${api.url}${path}`, options);
const errorOf = (response: RawResponse) => [response.status, jsonBody(response).error.type];
const demoSignature = (expiresInMillis?: number) =>
	createStoreSignature({
		storeId: DEMO_STORE.id,
		secretKey: DEMO_STORE.urlSigningSecretKey,
		expiresInMillis,
	});

describe('tokens', () => {
	it('accepts a Bearer header or a ?token= parameter', async () => {
		expect((await request('/v2/users/me', { headers: bearer(FULL_ACCESS_TOKEN) })).status).toBe(
			200,
		);
		expect(jsonBody(await request(`/v2/users/me?token=${READ_ONLY_TOKEN}`)).data.username).toBe(
			'local-user',
		);
	});

	it('answers 401 token-not-provided without a token and user-or-token-not-found for a bad one', async () => {
		expect(errorOf(await request('/v2/users/me'))).toEqual([401, 'token-not-provided']);
		expect(errorOf(await request(`${demoPath}/keys`))).toEqual([401, 'token-not-provided']);
		expect(errorOf(await request(`/v2/key-value-stores/~${DEMO_STORE.name}`))).toEqual([
			401,
			'token-not-provided',
		]);
		const badToken = await request('/v2/users/me', {
			headers: bearer('apify_api_notAKnownToken00000000000000000'),
		});
		expect([...errorOf(badToken), jsonBody(badToken).error.message]).toEqual([
			401,
			'user-or-token-not-found',
			'User was not found or authentication token is not valid',
		]);
		expect(
			errorOf(
				await request('/v2/users/me', { headers: { Authorization: `Basic ${FULL_ACCESS_TOKEN}` } }),
			),
		).toEqual([401, 'user-or-token-not-found']);
	});

	it("denies another user's stores with 403 insufficient-permissions", async () => {
		for (const path of [
			demoPath,
			`${demoPath}/keys`,
			`${demoPath}/records`,
			`${demoPath}/records/OUTPUT`,
		]) {
			expect(errorOf(await request(path, { headers: bearer(OTHER_USER_TOKEN) }))).toEqual([
				403,
				'insufficient-permissions',
			]);
		}
		expect(
			errorOf(
				await request(`/v2/key-value-stores/${OTHER_STORE.id}/keys`, {
					headers: bearer(READ_ONLY_TOKEN),
				}),
			),
		).toEqual([403, 'insufficient-permissions']);
	});

	it('lets anyone read a store whose general access is ANYONE_WITH_ID_CAN_READ, but not write', async () => {
		const shared = api.addStore({ name: 'shared-store', generalAccess: 'ANYONE_WITH_ID_CAN_READ' });
		api.putRecord(shared.id, 'hello', 'hi', { contentType: 'text/plain' });
		expect((await request(`/v2/key-value-stores/${shared.id}/records/hello`)).body.toString()).toBe(
			'hi',
		);
		expect(
			(
				await request(`/v2/key-value-stores/${shared.id}/keys`, {
					headers: bearer(OTHER_USER_TOKEN),
				})
			).status,
		).toBe(200);
		const write = await request(`/v2/key-value-stores/${shared.id}/records/hello`, {
			method: 'PUT',
			headers: bearer(OTHER_USER_TOKEN),
			body: 'x',
		});
		expect(errorOf(write)).toEqual([403, 'insufficient-permissions']);
		api.deleteStore(shared.id);
	});
});

describe('signatures', () => {
	it('lets a store signature read keys, the ZIP and (when told to) records without a token', async () => {
		api.configure({ storeSignatureGrantsRecords: true });
		const signature = demoSignature();
		expect(
			jsonBody(await request(`${demoPath}/keys?signature=${signature}&prefix=img-`)).data.count,
		).toBe(3);
		const zip = await request(`${demoPath}/records?signature=${signature}`);
		expect([zip.status, zip.headers['content-type']]).toEqual([200, 'application/zip']);
		expectSameBytes(
			(await request(`${demoPath}/records/OUTPUT?signature=${signature}`)).body,
			fixtureRecord(DEMO_STORE.id, 'OUTPUT').body,
		);
	});

	it('does not let a store signature open single records unless told to (Apify does not document it)', async () => {
		expect(api.options.storeSignatureGrantsRecords).toBe(false);
		expect(
			errorOf(await request(`${demoPath}/records/OUTPUT?signature=${demoSignature()}`)),
		).toEqual([403, 'invalid-signature']);
	});

	it('lets a record signature GET (and, when told to, HEAD) that record only', async () => {
		const signature = createRecordSignature(DEMO_STORE.urlSigningSecretKey, 'OUTPUT');
		const head = () =>
			request(`${demoPath}/records/OUTPUT?signature=${signature}`, { method: 'HEAD' });
		expect((await request(`${demoPath}/records/OUTPUT?signature=${signature}`)).status).toBe(200);
		// Apify documents HEAD with a token only.
		expect((await head()).status).toBe(405);
		api.configure({ undocumentedHead: true });
		expect((await head()).status).toBe(200);
		expect(errorOf(await request(`${demoPath}/records/INPUT?signature=${signature}`))).toEqual([
			403,
			'invalid-signature',
		]);
		expect(errorOf(await request(`${demoPath}/keys?signature=${signature}`))).toEqual([
			403,
			'invalid-signature',
		]);
	});

	it('rejects expired and wrong signatures with 403 invalid-signature', async () => {
		const expired = await request(`${demoPath}/keys?signature=${demoSignature(-1000)}`);
		expect(errorOf(expired)).toEqual([403, 'invalid-signature']);
		expect(jsonBody(expired).error.message).toMatch(/expired/);
		expect((await request(`${demoPath}/keys?signature=${demoSignature(60_000)}`)).status).toBe(200);
		const otherStoreSignature = createStoreSignature({
			storeId: OTHER_STORE.id,
			secretKey: OTHER_STORE.urlSigningSecretKey,
		});
		for (const signature of ['garbage', otherStoreSignature]) {
			const wrong = await request(`${demoPath}/keys?signature=${signature}`);
			expect(errorOf(wrong)).toEqual([403, 'invalid-signature']);
			expect(jsonBody(wrong).error.message).not.toMatch(/expired/);
		}
	});

	it('grants neither store metadata nor writes', async () => {
		const signature = demoSignature();
		expect(errorOf(await request(`${demoPath}?signature=${signature}`))).toEqual([
			401,
			'token-not-provided',
		]);
		const write = await request(`${demoPath}/records/OUTPUT?signature=${signature}`, {
			method: 'PUT',
			body: '{}',
		});
		expect(errorOf(write)).toEqual([403, 'insufficient-permissions']);
	});
});

describe('writes', () => {
	const scratchPath = (id: string) => `/v2/key-value-stores/${id}`;

	it('creates a store, stores records with their encoding, and deletes them', async () => {
		const created = await request('/v2/key-value-stores?name=raw-scratch', {
			method: 'POST',
			headers: bearer(FULL_ACCESS_TOKEN),
		});
		expect(created.status).toBe(201);
		const { id } = jsonBody(created).data;
		const text = Buffer.from('compressed by the uploader\n'.repeat(20));
		const put = await request(`${scratchPath(id)}/records/upload`, {
			method: 'PUT',
			headers: {
				...bearer(FULL_ACCESS_TOKEN),
				'Content-Type': 'text/plain',
				'Content-Encoding': 'gzip',
			},
			body: gzipSync(text),
		});
		expect(put.status).toBe(201);
		expect(api.findStore(id).getRecord('upload')?.contentEncoding).toBe('gzip');
		expectSameBytes(
			(await request(`${scratchPath(id)}/records/upload`, { headers: bearer(READ_ONLY_TOKEN) }))
				.body,
			text,
		);

		const deleted = await request(`${scratchPath(id)}/records/upload`, {
			method: 'DELETE',
			headers: bearer(FULL_ACCESS_TOKEN),
		});
		expect(deleted.status).toBe(204);
		expect(
			(await request(`${scratchPath(id)}/records/upload`, { headers: bearer(READ_ONLY_TOKEN) }))
				.status,
		).toBe(404);
		expect(
			(await request(scratchPath(id), { method: 'DELETE', headers: bearer(FULL_ACCESS_TOKEN) }))
				.status,
		).toBe(204);
		expect((await request(scratchPath(id), { headers: bearer(FULL_ACCESS_TOKEN) })).status).toBe(
			404,
		);
	});

	it('rejects unsupported or corrupt encodings', async () => {
		const put = (encoding: string) =>
			request(`${demoPath}/records/upload`, {
				method: 'PUT',
				headers: { ...bearer(FULL_ACCESS_TOKEN), 'Content-Encoding': encoding },
				body: 'not compressed',
			});
		expect(errorOf(await put('compress'))).toEqual([415, 'unsupported-content-encoding']);
		expect(errorOf(await put('gzip'))).toEqual([400, 'invalid-input']);
	});

	it('rejects every write of a read-only token with 403 insufficient-permissions', async () => {
		const headers = bearer(READ_ONLY_TOKEN);
		const writes: Array<[string, string]> = [
			['PUT', `${demoPath}/records/OUTPUT`],
			['DELETE', `${demoPath}/records/OUTPUT`],
			['DELETE', demoPath],
			['POST', '/v2/key-value-stores?name=new-store'],
		];
		for (const [method, path] of writes) {
			expect(
				errorOf(await request(path, { method, headers, body: method === 'PUT' ? 'x' : undefined })),
			).toEqual([403, 'insufficient-permissions']);
		}
		expect(api.findStore(DEMO_STORE.id).getRecord('OUTPUT')).toBeDefined();
	});
});
