import type { IDataObject } from 'n8n-workflow';

import {
	credentialsHelper,
	CREDENTIAL_TYPE,
	readBinary,
	runNode,
	testCredential,
} from '../../dev/harness/engine';
import {
	DEMO_STORE,
	fixtureKeys,
	fixtureRecord,
	FULL_ACCESS_TOKEN,
	OTHER_USER_RUN,
	PAGING_STORE,
} from '../../dev/local-api/fixtures';
import { createStoreSignature } from '../../dev/local-api/signature';
import {
	byId,
	DEMO_STORE_SIGNATURE,
	expectNoSecrets,
	recordGetParameters,
	useLocalApi,
} from './setup';

const EXPIRED_SIGNATURE = createStoreSignature({
	storeId: DEMO_STORE.id,
	secretKey: DEMO_STORE.urlSigningSecretKey,
	expiresInMillis: -60_000,
});
const WRONG_SIGNATURE = createStoreSignature({
	storeId: DEMO_STORE.id,
	secretKey: 'not-the-store-secret',
});

const local = useLocalApi();

beforeAll(async () => {
	const signatureCredential = (signature: string) => ({
		authType: 'urlSignature',
		signature,
		signatureStoreId: DEMO_STORE.id,
		baseUrl: local.api.url,
	});
	await credentialsHelper.add(
		'expiredSignature',
		CREDENTIAL_TYPE,
		signatureCredential(EXPIRED_SIGNATURE),
	);
	await credentialsHelper.add(
		'wrongSignature',
		CREDENTIAL_TYPE,
		signatureCredential(WRONG_SIGNATURE),
	);
	await credentialsHelper.add('trailingSlash', CREDENTIAL_TYPE, {
		authType: 'apiToken',
		apiToken: FULL_ACCESS_TOKEN,
		baseUrl: `${local.api.url}/`,
	});
	await credentialsHelper.add('plainHttpRemote', CREDENTIAL_TYPE, {
		authType: 'apiToken',
		apiToken: FULL_ACCESS_TOKEN,
		baseUrl: 'http://api.example.invalid',
	});
});

describe('credential test', () => {
	it('checks a token with GET /v2/users/me', async () => {
		expect((await testCredential('default')).statusCode).toBe(200);
		expect(local.api.requests.at(-1)?.path).toBe('/v2/users/me');
		expect((await testCredential('badToken')).statusCode).toBe(401);
	});

	it("checks a signature by listing one key of the signature's store", async () => {
		expect((await testCredential('signature')).statusCode).toBe(200);
		const request = local.api.requests.at(-1);
		expect(request?.path).toBe(`/v2/key-value-stores/${DEMO_STORE.id}/keys`);
		expect(request?.query).toMatchObject({ limit: '1', signature: DEMO_STORE_SIGNATURE });
		expect(request?.headers.authorization).toBeUndefined();
		expect((await testCredential('wrongSignature')).statusCode).toBe(403);
	});
});

describe('URL signature credential', () => {
	it('reads a record with ?signature= and no Authorization header', async () => {
		const result = await runNode({
			parameters: recordGetParameters('screenshot'),
			credentialId: 'signature',
		});
		expect(result.error).toBeUndefined();
		expect(
			(await readBinary(result.items[0])).equals(fixtureRecord(DEMO_STORE.id, 'screenshot').body),
		).toBe(true);
		expect(local.api.requests[0].query.signature).toBe(DEMO_STORE_SIGNATURE);
		expect(local.api.requests[0].headers.authorization).toBeUndefined();
		expectNoSecrets(result);
	});

	it('lists keys and downloads the store', async () => {
		const keys = await runNode({
			parameters: {
				resource: 'key',
				operation: 'list',
				storeId: byId(DEMO_STORE.id),
				returnAll: true,
			},
			credentialId: 'signature',
		});
		expect(keys.items.map((item) => item.json.key)).toEqual(fixtureKeys(DEMO_STORE.id));
		const zip = await runNode({
			parameters: {
				resource: 'record',
				operation: 'download',
				storeId: byId(DEMO_STORE.id),
				outputMode: 'records',
			},
			credentialId: 'signature',
		});
		expect(zip.items).toHaveLength(fixtureKeys(DEMO_STORE.id).length);
		expectNoSecrets(keys);
		expectNoSecrets(zip);
	});

	it('explains an expired signature', async () => {
		const result = await runNode({
			parameters: recordGetParameters('OUTPUT'),
			credentialId: 'expiredSignature',
		});
		expect(result.error?.message).toMatch(/^Apify API error 403 invalid-signature: .*expired/);
		expect(result.error?.description).toMatch(/signature does not grant this: it may have expired/);
		expect(JSON.stringify(result.run)).not.toContain(EXPIRED_SIGNATURE);
	});

	it('explains a wrong signature differently from an expired one', async () => {
		const result = await runNode({
			parameters: recordGetParameters('OUTPUT'),
			credentialId: 'wrongSignature',
		});
		expect(result.error?.message).toMatch(/^Apify API error 403 invalid-signature: /);
		expect(result.error?.message).not.toMatch(/expired/);
		expect(JSON.stringify(result.run)).not.toContain(WRONG_SIGNATURE);
	});

	it('explains a signature of another store', async () => {
		const result = await runNode({
			parameters: recordGetParameters('OUTPUT', { storeId: byId(PAGING_STORE.id) }),
			credentialId: 'signature',
		});
		expect(result.error?.message).toMatch(/^Apify API error 403 invalid-signature/);
		expect(result.error?.description).toMatch(
			/made for another store than store "kvsPagingStore001"/,
		);
		expectNoSecrets(result);
	});
});

describe('refusals of Record → Exists, whose HEAD answers have no body to show', () => {
	const existsParameters = (extra: IDataObject = {}): IDataObject => ({
		resource: 'record',
		operation: 'exists',
		storeId: byId(DEMO_STORE.id),
		key: byId('OUTPUT'),
		...extra,
	});

	it.each([
		[
			'a token no user has',
			'badToken',
			'The API token is not valid (HTTP 401)',
			/^Check the API token in the "Apify Key-Value Store API" credential/,
		],
		[
			"another user's token",
			'otherUser',
			`Access to record "OUTPUT" of store "${DEMO_STORE.id}" was refused (HTTP 403): the API token has no permission for this store`,
			/^The API token has no access to store "kvsDemoStore00001": the store may belong to another user/,
		],
	])(
		'Exists with %s says what the status means',
		async (_name, credentialId, message, description) => {
			const result = await runNode({ parameters: existsParameters(), credentialId });
			expect(local.api.requests.map((request) => request.method)).toEqual(['HEAD']);
			expect(result.error?.message).toBe(message);
			expect(result.error?.description).toMatch(description);
			expectNoSecrets(result);
		},
	);

	it.each([
		[
			"another user's run, whose store it looks up first",
			'default',
			existsParameters({ storeSource: 'run', runId: OTHER_USER_RUN.run.id }),
			/^The API token has no access to the default store of run/,
		],
		[
			'a signature with the wrong secret, which it asks the key listing',
			'wrongSignature',
			existsParameters(),
			/^The signature does not grant this: it may have expired/,
		],
	])(
		"Exists on %s shows Apify's message (no HEAD)",
		async (_name, credentialId, parameters, description) => {
			const result = await runNode({ parameters, credentialId });
			expect(local.api.requests.map((request) => request.method)).toEqual(['GET']);
			expect(result.error?.message).toMatch(/^Apify API error 403 [a-z-]+: ./);
			expect(result.error?.description).toMatch(description);
			expectNoSecrets(result);
			expect(JSON.stringify(result.run)).not.toContain(WRONG_SIGNATURE);
		},
	);

	it("still shows Apify's own message where the answer has a body", async () => {
		const { error } = await runNode({
			parameters: recordGetParameters('OUTPUT'),
			credentialId: 'badToken',
		});
		expect(error?.message).toBe(
			'Apify API error 401 user-or-token-not-found: User was not found or authentication token is not valid',
		);
	});
});

describe('API Base URL', () => {
	it('accepts a trailing slash', async () => {
		const { error } = await runNode({
			parameters: recordGetParameters('OUTPUT'),
			credentialId: 'trailingSlash',
		});
		expect(error).toBeUndefined();
		expect(local.api.requests[0].path).toBe(`/v2/key-value-stores/${DEMO_STORE.id}/records/OUTPUT`);
	});

	it('refuses plain http to a host other than localhost, before sending the token', async () => {
		const result = await runNode({
			parameters: recordGetParameters('OUTPUT'),
			credentialId: 'plainHttpRemote',
		});
		expect(result.error?.message).toMatch(/must use https:\/\//);
		expect(local.api.requests).toHaveLength(0);
		expectNoSecrets(result);
	});
});
