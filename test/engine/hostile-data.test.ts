/**
 * Keys, cursors and parameters as a hostile server or an unlucky user gives them: keys named like
 * object properties or path segments, listings that do not move forward, credentials aimed at
 * plain HTTP, numbers past what a date or a timer holds.
 */
import type { IDataObject } from 'n8n-workflow';

import {
	credentialsHelper,
	CREDENTIAL_TYPE,
	runNode,
	runPoll,
	testCredential,
} from '../../dev/harness/engine';
import { DEMO_STORE, FULL_ACCESS_TOKEN } from '../../dev/local-api/fixtures';
import { byId, changesOf, expectNoSecrets, SECRETS, triggerParameters, useLocalApi } from './setup';

const local = useLocalApi();

const text = { contentType: 'text/plain' };

describe('keys named like object properties', () => {
	it.each([
		['by size', {}],
		['with Detect Same-Size Edits', { checkEtags: true }],
	])(
		'the trigger reports each add and delete once, %s, and reads its state back',
		async (_, extra) => {
			const store = local.api.addStore({ name: `trigger-prototype-keys-${_.length}` });
			local.api.putRecord(store.id, 'constructor', 'c', text);
			local.api.putRecord(store.id, 'hasOwnProperty', 'h', text);
			const parameters = triggerParameters(store.id, extra);
			const baseline = await runPoll(parameters);
			expect(baseline.items).toEqual([]);

			for (const key of ['__proto__', 'toString', 'valueOf'])
				local.api.putRecord(store.id, key, 'new', text);
			local.api.deleteRecord(store.id, 'constructor');
			const changed = await runPoll(parameters, baseline.staticData);
			expect(changesOf(changed.items)).toEqual([
				['__proto__', 'added'],
				['constructor', 'deleted'],
				['toString', 'added'],
				['valueOf', 'added'],
			]);

			// Saved through n8n's static data and read back: nothing is new, nothing is lost.
			const quiet = await runPoll(parameters, changed.staticData);
			expect(quiet.items).toEqual([]);
			local.api.deleteRecord(store.id, '__proto__');
			local.api.putRecord(store.id, 'toString', 'changed', text);
			const after = await runPoll(parameters, quiet.staticData);
			expect(changesOf(after.items)).toEqual([
				['__proto__', 'deleted'],
				['toString', 'changed'],
			]);
		},
	);

	it('Record → Get and Key → List treat them as ordinary keys', async () => {
		const store = local.api.addStore({ name: 'prototype-keys-records' });
		local.api.putRecord(store.id, '__proto__', '{"__proto__":{"polluted":true},"n":1}', {
			contentType: 'application/json',
		});
		local.api.putRecord(store.id, 'constructor', 'text', text);
		const listed = await runNode({
			parameters: { resource: 'key', operation: 'list', storeId: byId(store.id), returnAll: true },
		});
		expect(listed.items.map((item) => item.json.key)).toEqual(['__proto__', 'constructor']);
		const got = await runNode({
			parameters: {
				resource: 'record',
				operation: 'get',
				storeId: byId(store.id),
				key: '__proto__',
			},
		});
		expect(got.error).toBeUndefined();
		expect(got.items[0].json.n).toBe(1);
		expect(Object.hasOwn(got.items[0].json, '__proto__')).toBe(true);
		expect(({} as IDataObject).polluted).toBeUndefined();
		expect(Object.getPrototypeOf(got.items[0].json)).toBe(Object.prototype);
	});

	it('an operation named like an object property is refused as unsupported', async () => {
		const result = await runNode({
			parameters: { resource: 'record', operation: 'constructor', storeId: byId(DEMO_STORE.id) },
		});
		expect(result.error?.message).toBe('The operation "constructor" of "record" is not supported');
		expect(local.api.requests).toEqual([]);
	});
});

describe('keys that a URL path resolves away', () => {
	it('the trigger reports "." and ".." from the listing, never asking the store or its ZIP for them', async () => {
		const store = local.api.addStore({ name: 'trigger-dot-keys' });
		local.api.putRecord(store.id, 'ok', 'fine', text);
		const parameters = triggerParameters(store.id, { includeValue: true, checkEtags: true });
		const baseline = await runPoll(parameters);
		for (const key of ['.', '..']) local.api.putRecord(store.id, key, 'dots', text);
		local.api.putRecord(store.id, 'ok', 'FINE', text);
		local.api.clearRequests();

		const { items } = await runPoll(parameters, baseline.staticData);
		expect(changesOf(items)).toEqual([
			['.', 'added'],
			['..', 'added'],
			['ok', 'changed'],
		]);
		for (const item of items.slice(0, 2)) {
			expect(Object.keys(item.json).sort()).toEqual(['change', 'key', 'note', 'size', 'storeId']);
			expect(item.json.note).toMatch(/cannot be put in a URL/);
		}
		expect(items[2].json.text).toBe('FINE');
		const paths = local.api.requests.map((request) => request.path);
		expect(paths.filter((path) => !path.endsWith('/keys'))).toEqual(
			expect.arrayContaining([`/v2/key-value-stores/${store.id}/records/ok`]),
		);
		expect(paths.every((path) => /\/keys$|\/records\/ok$/.test(path))).toBe(true);
		const serialised = JSON.stringify(items);
		expect(serialised).not.toContain('urlSigningSecretKey');
		expect(serialised).not.toContain('PublicUrl');
		for (const secret of SECRETS) expect(serialised).not.toContain(secret);
	});
});

describe('listings that do not move forward', () => {
	const keysPath = `/v2/key-value-stores/${DEMO_STORE.id}/keys`;
	const keysPage = (keys: string[], next: string | null) => ({
		kind: 'body' as const,
		path: keysPath,
		contentType: 'application/json',
		body: Buffer.from(
			JSON.stringify({
				data: {
					items: keys.map((key) => ({ key, size: 1 })),
					count: keys.length,
					limit: 1000,
					isTruncated: next !== null,
					nextExclusiveStartKey: next,
				},
			}),
		),
	});
	const keysRequests = () => local.api.requests.filter((request) => request.path === keysPath);

	it.each([
		['repeats', ['a', 'b'], 'b'],
		['goes back', ['m', 'n'], 'c'],
	])(
		'Key → List (Return All) stops with a clear error when the cursor %s',
		async (_, keys, next) => {
			local.api.faults.add({ ...keysPage(keys, next), times: 50 });
			const result = await runNode({
				parameters: {
					resource: 'key',
					operation: 'list',
					storeId: byId(DEMO_STORE.id),
					returnAll: true,
				},
			});
			expect(result.error?.message).toMatch(
				new RegExp(`key listing of store "${DEMO_STORE.id}" does not move forward`),
			);
			expect(result.error?.description).toMatch(/same page/);
			expect(keysRequests().length).toBeLessThanOrEqual(2);
			expectNoSecrets(result);
		},
	);

	it('the trigger fails its poll instead of paging for ever, and keeps its baseline', async () => {
		const parameters = triggerParameters(DEMO_STORE.id);
		const baseline = await runPoll(parameters);
		local.api.faults.add({ ...keysPage(['x'], 'x'), times: 50 });
		await expect(runPoll(parameters, baseline.staticData)).rejects.toThrow(/does not move forward/);
		expect(keysRequests().length).toBeLessThanOrEqual(3);
		local.api.faults.clear();
		expect((await runPoll(parameters, baseline.staticData)).items).toEqual([]);
	});

	const storesPage = (ids: string[], total: number) => ({
		kind: 'body' as const,
		method: 'GET',
		path: '/v2/key-value-stores',
		contentType: 'application/json',
		body: Buffer.from(
			JSON.stringify({
				data: {
					items: ids.map((id) => ({ id, name: null })),
					total,
					count: ids.length,
					limit: 1000,
				},
			}),
		),
	});
	const storeIds = (from: number, to: number) =>
		Array.from(
			{ length: to - from },
			(_, index) => `store${String(from + index).padStart(5, '0')}`,
		);
	const listStores = async () =>
		await runNode({ parameters: { resource: 'store', operation: 'list', returnAll: true } });

	it('Store → List stops with a clear error when the offset brings only stores already listed', async () => {
		local.api.faults.add({ ...storesPage(storeIds(0, 1000), 1_000_000_000), times: 50 });
		const result = await listStores();
		expect(result.error?.message).toMatch(/store list does not move forward/);
		expect(
			local.api.requests.filter((request) => request.path === '/v2/key-value-stores'),
		).toHaveLength(2);
	});

	it('Store → List outputs a store once when shifted offsets show it on two pages', async () => {
		local.api.faults.add(storesPage(storeIds(0, 1000), 1500));
		local.api.faults.add(storesPage(storeIds(500, 1500), 1500));
		const result = await listStores();
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.json.id)).toEqual(storeIds(0, 1500));
	});
});

describe('where a credential may go', () => {
	it('the credential test refuses plain HTTP to another host than localhost before sending anything', async () => {
		// This machine as an IPv4-mapped IPv6 address: not a loopback name the node allows, yet the
		// local API behind it logs whether the token was sent.
		await credentialsHelper.add('plainHttpMapped', CREDENTIAL_TYPE, {
			authType: 'apiToken',
			apiToken: FULL_ACCESS_TOKEN,
			baseUrl: `http://[::ffff:127.0.0.1]:${new URL(local.api.url).port}`,
		});
		await expect(testCredential('plainHttpMapped')).rejects.toThrow(
			/API Base URL must use https:\/\//,
		);
		expect(local.api.requests).toEqual([]);
	});

	it("the credential is attached only to requests to its API Base URL's origin", async () => {
		const credentials = await credentialsHelper.getDecrypted(
			{} as never,
			{ id: 'default', name: 'default' },
			CREDENTIAL_TYPE,
		);
		await expect(
			credentialsHelper.authenticate(credentials, CREDENTIAL_TYPE, {
				url: 'https://elsewhere.example/v2/users/me',
				method: 'GET',
			}),
		).rejects.toThrow(/only sent to its API Base URL/);
		const same = await credentialsHelper.authenticate(credentials, CREDENTIAL_TYPE, {
			url: `${local.api.url}/v2/users/me`,
			method: 'GET',
		});
		expect(same.headers?.Authorization).toBe(`Bearer ${FULL_ACCESS_TOKEN}`);
	});
});

describe('numbers past what a date or a timer holds', () => {
	it.each([
		[
			'Expires In Seconds',
			{ resource: 'key', operation: 'getPublicListingUrl', expiresInSeconds: 1e13 },
			/Expires In Seconds parameter must be a whole number from 0 to 3153600000/,
		],
		[
			'Request Timeout',
			{ resource: 'key', operation: 'list', options: { timeoutSeconds: 3_000_000 } },
			/Request Timeout \(Seconds\) parameter must be a whole number from 1 to 86400/,
		],
		[
			'Max Retries',
			{ resource: 'key', operation: 'list', options: { maxRetries: 40 } },
			/Max Retries parameter must be a whole number from 0 to 10/,
		],
	])('%s out of range is refused before any request', async (_, parameters, message) => {
		const result = await runNode({
			parameters: { storeId: byId(DEMO_STORE.id), ...parameters },
		});
		expect(result.error?.message).toMatch(message);
		expect(local.api.requests).toEqual([]);
	});
});
