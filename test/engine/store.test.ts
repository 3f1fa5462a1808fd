import type { IDataObject, INodeProperties, INodeType } from 'n8n-workflow';

import { runNode, type RunResult } from '../../dev/harness/engine';
import {
	DEMO_STORE,
	FAILED_RUN,
	LOCAL_USER,
	OTHER_STORE,
	OTHER_USER_RUN,
	PAGING_STORE,
	RUNNING_RUN,
	SUCCEEDED_RUN,
	UNNAMED_STORE,
} from '../../dev/local-api/fixtures';
import { byId, expectNoSecrets, useLocalApi } from './setup';

const local = useLocalApi();

const storeParameters = (operation: string, extra: IDataObject = {}): IDataObject => ({
	resource: 'store',
	operation,
	...extra,
});
const storesRequests = () =>
	local.api.requests.filter((request) => request.path === '/v2/key-value-stores');
const idsOf = (result: RunResult) => result.items.map((item) => item.json.id);

/** Fields of a store object that read or sign for the store; no output may hold them or their values. */
function expectNoStoreSecrets(
	result: RunResult,
	...stores: Array<{ urlSigningSecretKey: string }>
): void {
	expectNoSecrets(result);
	const serialised = JSON.stringify(result.run);
	for (const field of ['urlSigningSecretKey', 'keysPublicUrl', 'recordsPublicUrl', 'signature=']) {
		expect(serialised).not.toContain(field);
	}
	for (const store of stores) expect(serialised).not.toContain(store.urlSigningSecretKey);
}

/** Stores a test made, deleted after it so that every test sees the seeded account. */
const madeStores: string[] = [];
afterEach(() => {
	for (const id of madeStores.splice(0)) local.api.deleteStore(id);
});
function addStore(name?: string, createdAt?: Date): string {
	const { id } = local.api.addStore({ name, createdAt });
	madeStores.push(id);
	return id;
}

describe('Store → Get', () => {
	it("outputs the store's metadata, without its signing secret or signed URLs", async () => {
		const result = await runNode({
			parameters: storeParameters('get', { storeId: byId(DEMO_STORE.id) }),
		});
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(1);
		expect(result.items[0].json).toMatchObject({
			id: DEMO_STORE.id,
			name: DEMO_STORE.name,
			userId: LOCAL_USER.id,
			username: LOCAL_USER.username,
			createdAt: '2024-05-01T10:00:00.000Z',
			modifiedAt: expect.any(String),
			accessedAt: expect.any(String),
			stats: { storageBytes: expect.any(Number) },
		});
		expect(result.items[0].pairedItem).toEqual({ item: 0 });
		expect(local.api.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
			`GET /v2/key-value-stores/${DEMO_STORE.id}`,
		]);
		expectNoStoreSecrets(result, DEMO_STORE);
	});

	it('finds a store by ~name', async () => {
		const result = await runNode({
			parameters: storeParameters('get', { storeId: byId(`~${PAGING_STORE.name}`) }),
		});
		expect(idsOf(result)).toEqual([PAGING_STORE.id]);
	});

	it('fails with a NodeApiError naming a store that does not exist', async () => {
		const { error } = await runNode({
			parameters: storeParameters('get', { storeId: byId('~no-such-store') }),
		});
		expect(error?.name).toBe('NodeApiError');
		expect(error?.httpCode).toBe('404');
		expect(error?.message).toMatch(/^Apify API error 404 record-not-found/);
		expect(error?.description).toContain('Store "~no-such-store" does not exist');
	});
});

describe('Store → List', () => {
	it("lists the account's named stores, oldest first, with no secrets", async () => {
		const result = await runNode({ parameters: storeParameters('list', { returnAll: true }) });
		expect(result.error).toBeUndefined();
		expect(idsOf(result)).toEqual([DEMO_STORE.id, PAGING_STORE.id]);
		expect(result.items[0].json).toMatchObject({ name: DEMO_STORE.name, userId: LOCAL_USER.id });
		expect(result.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 0 }]);
		expect(storesRequests()[0].query).toEqual({ offset: '0', limit: '1000' });
		expectNoStoreSecrets(result, DEMO_STORE, PAGING_STORE);
	});

	it('includes unnamed stores and lists newest first when asked', async () => {
		const unnamed = await runNode({
			parameters: storeParameters('list', { returnAll: true, options: { unnamed: true } }),
		});
		// The default stores of the user's Actor runs are unnamed too.
		const ownUnnamed = [
			UNNAMED_STORE.id,
			SUCCEEDED_RUN.store.id,
			FAILED_RUN.store.id,
			RUNNING_RUN.store.id,
		];
		expect(idsOf(unnamed)).toEqual([DEMO_STORE.id, PAGING_STORE.id, ...ownUnnamed]);
		expect(idsOf(unnamed)).not.toContain(OTHER_USER_RUN.store.id);
		expect(storesRequests()[0].query.unnamed).toBe('true');

		const newestFirst = await runNode({
			parameters: storeParameters('list', {
				returnAll: true,
				options: { unnamed: true, desc: true },
			}),
		});
		expect(idsOf(newestFirst)).toEqual(
			[...ownUnnamed].reverse().concat(PAGING_STORE.id, DEMO_STORE.id),
		);
		expect(idsOf(newestFirst)).not.toContain(OTHER_STORE.id);
		expectNoStoreSecrets(newestFirst, DEMO_STORE, PAGING_STORE, UNNAMED_STORE);
	});

	it('stops at the limit, asking only for what it needs', async () => {
		const result = await runNode({ parameters: storeParameters('list', { limit: 1 }) });
		expect(idsOf(result)).toEqual([DEMO_STORE.id]);
		expect(storesRequests().map((request) => request.query.limit)).toEqual(['1']);
	});

	describe('with more stores than fit on one page', () => {
		const BULK_COUNT = 1100;
		let bulkIds: string[];
		beforeEach(() => {
			const start = Date.parse('2025-01-01T00:00:00.000Z');
			bulkIds = Array.from({ length: BULK_COUNT }, (_, i) =>
				addStore(`bulk-${String(i).padStart(4, '0')}`, new Date(start + i * 1000)),
			);
		});

		it('Return All pages with offset and limit until every store is listed, each once', async () => {
			const result = await runNode({ parameters: storeParameters('list', { returnAll: true }) });
			expect(result.error).toBeUndefined();
			expect(idsOf(result)).toEqual([DEMO_STORE.id, PAGING_STORE.id, ...bulkIds]);
			expect(storesRequests().map((request) => request.query)).toEqual([
				{ offset: '0', limit: '1000' },
				{ offset: '1000', limit: '1000' },
			]);
		});

		it('Limit spans pages and asks the last page only for the rest', async () => {
			const result = await runNode({ parameters: storeParameters('list', { limit: 1050 }) });
			expect(idsOf(result)).toEqual([DEMO_STORE.id, PAGING_STORE.id, ...bulkIds].slice(0, 1050));
			expect(
				storesRequests().map((request) => [request.query.offset, request.query.limit]),
			).toEqual([
				['0', '1000'],
				['1000', '50'],
			]);
		});
	});

	it.each([0, -1, 1.5])('refuses limit %j before any request', async (limit) => {
		const { error } = await runNode({ parameters: storeParameters('list', { limit }) });
		expect(error?.message).toMatch(/The Limit parameter must be a positive whole number/);
		expect(local.api.requests).toHaveLength(0);
	});
});

describe('Store → Get or Create', () => {
	it('creates a store by name, then returns the same store', async () => {
		const parameters = storeParameters('getOrCreate', { name: 'made-by-n8n' });
		const created = await runNode({ parameters });
		expect(created.error).toBeUndefined();
		const store = local.api.findStore(`${LOCAL_USER.username}~made-by-n8n`);
		madeStores.push(store.id);
		expect(created.items[0].json).toMatchObject({
			id: store.id,
			name: 'made-by-n8n',
			userId: LOCAL_USER.id,
		});

		const again = await runNode({ parameters });
		expect(idsOf(again)).toEqual([store.id]);
		expect(storesRequests().map((request) => `${request.method} ${request.query.name}`)).toEqual([
			'POST made-by-n8n',
			'POST made-by-n8n',
		]);
		expectNoStoreSecrets(created, store);
		expectNoStoreSecrets(again, store);
	});

	it('returns an existing store as it is', async () => {
		const result = await runNode({
			parameters: storeParameters('getOrCreate', { name: DEMO_STORE.name }),
		});
		expect(result.items[0].json).toMatchObject({
			id: DEMO_STORE.id,
			createdAt: '2024-05-01T10:00:00.000Z',
		});
	});

	it('leaves an empty name to n8n, which refuses to run the node', async () => {
		await expect(
			runNode({ parameters: storeParameters('getOrCreate', { name: '' }) }),
		).rejects.toThrow(/Parameter "Name" is required/);
		expect(local.api.requests).toHaveLength(0);
	});

	it.each(['  ', 'has space', 'under_score', 'ümlaut', '~demo-store', 'a'.repeat(64)])(
		'refuses the name %j before any request',
		async (name) => {
			const { error } = await runNode({ parameters: storeParameters('getOrCreate', { name }) });
			expect(error?.name).toBe('NodeOperationError');
			expect(error?.message).toMatch(/^The Name parameter .* is not a valid store name$/);
			expect(error?.description).toMatch(
				/1 to 63 characters: letters a-z and A-Z, digits 0-9 and hyphens/,
			);
			expect(local.api.requests).toHaveLength(0);
		},
	);

	it('accepts a name of 63 characters', async () => {
		const name = `n${'-'.repeat(61)}8`;
		const result = await runNode({ parameters: storeParameters('getOrCreate', { name }) });
		expect(result.error).toBeUndefined();
		madeStores.push(local.api.findStore(`${LOCAL_USER.username}~${name}`).id);
		expect(result.items[0].json.name).toBe(name);
	});
});

describe('Store → Delete', () => {
	it('deletes the store, after which Get fails with 404', async () => {
		const { id } = local.api.addStore({ name: 'doomed-store' });
		const deleted = await runNode({
			parameters: storeParameters('delete', { storeToDelete: byId(id) }),
		});
		expect(deleted.error).toBeUndefined();
		expect(deleted.items.map((item) => item.json)).toEqual([{ deleted: true, storeId: id }]);
		expect(deleted.items[0].pairedItem).toEqual({ item: 0 });
		expect(local.api.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
			`DELETE /v2/key-value-stores/${id}`,
		]);
		expect(() => local.api.findStore(id)).toThrow();

		const { error } = await runNode({ parameters: storeParameters('get', { storeId: byId(id) }) });
		expect(error?.httpCode).toBe('404');
		expect(error?.description).toContain(`Store "${id}" does not exist`);
	});

	it('reports the store deleted when the first attempt deleted it but its answer was lost, and the retry finds it gone', async () => {
		const { id } = local.api.addStore({ name: 'answer-lost-store' });
		local.api.faults.add({
			method: 'DELETE',
			path: `/v2/key-value-stores/${id}`,
			kind: 'lose-answer',
			times: 1,
		});
		const deleted = await runNode({
			parameters: storeParameters('delete', { storeToDelete: byId(id) }),
		});
		expect(deleted.error).toBeUndefined();
		expect(deleted.items.map((item) => item.json)).toEqual([{ deleted: true, storeId: id }]);
		expect(local.api.requests.filter((request) => request.method === 'DELETE')).toHaveLength(2);
		expect(() => local.api.findStore(id)).toThrow();
	});

	it('fails with a NodeApiError naming a store that does not exist', async () => {
		const { error, items } = await runNode({
			parameters: storeParameters('delete', { storeToDelete: byId('~no-such-store') }),
		});
		expect(items).toHaveLength(0);
		expect(error?.name).toBe('NodeApiError');
		expect(error?.httpCode).toBe('404');
		expect(error?.description).toContain('Store "~no-such-store" does not exist');
	});

	it('asks for the store itself: typed, with no default, and not taken from another operation', async () => {
		const node =
			new (require('../../dist/nodes/ApifyKeyValueStore/ApifyKeyValueStore.node.js').ApifyKeyValueStore)() as INodeType;
		const fields = node.description.properties.filter(
			(property: INodeProperties) =>
				property.displayOptions?.show?.resource?.includes('store') &&
				property.displayOptions.show.operation?.includes('delete'),
		);
		const storeField = fields.find((property) => property.type === 'resourceLocator');
		expect(storeField).toMatchObject({
			name: 'storeToDelete',
			required: true,
			default: { mode: 'id', value: '' },
		});
		expect(storeField?.modes?.map((mode) => mode.name)).toEqual(['id']);

		// A store chosen while the node was set to Get stays in `storeId`; Delete does not use it.
		await expect(
			runNode({ parameters: storeParameters('delete', { storeId: byId(DEMO_STORE.id) }) }),
		).rejects.toThrow(/Parameter "Store" is required/);
		const { error } = await runNode({
			parameters: storeParameters('delete', { storeToDelete: byId('  ') }),
		});
		expect(error?.message).toBe('The Store parameter is empty');
		expect(local.api.requests).toHaveLength(0);
		expect(local.api.findStore(DEMO_STORE.id).id).toBe(DEMO_STORE.id);
	});
});

describe('write permission and credentials', () => {
	it('explains that a read-only token cannot delete a store, and keeps the store', async () => {
		const result = await runNode({
			parameters: storeParameters('delete', { storeToDelete: byId(PAGING_STORE.id) }),
			credentialId: 'readOnly',
		});
		expect(result.error?.httpCode).toBe('403');
		expect(result.error?.message).toMatch(/^Apify API error 403 insufficient-permissions/);
		expect(result.error?.description).toMatch(
			/^The API token lacks write permission for store "kvsPagingStore001"/,
		);
		expect(local.api.findStore(PAGING_STORE.id).id).toBe(PAGING_STORE.id);
		expectNoSecrets(result);
	});

	it('explains that a read-only token cannot create a store, and creates none', async () => {
		const result = await runNode({
			parameters: storeParameters('getOrCreate', { name: 'read-only-attempt' }),
			credentialId: 'readOnly',
		});
		expect(result.error?.httpCode).toBe('403');
		expect(result.error?.description).toMatch(/lacks write permission/);
		expect(() => local.api.findStore(`${LOCAL_USER.username}~read-only-attempt`)).toThrow();
		expectNoSecrets(result);
	});

	it('lets a read-only token read stores', async () => {
		const result = await runNode({
			parameters: storeParameters('get', { storeId: byId(DEMO_STORE.id) }),
			credentialId: 'readOnly',
		});
		expect(idsOf(result)).toEqual([DEMO_STORE.id]);
	});

	it.each([
		['get', { storeId: byId(DEMO_STORE.id) }, 'Store → Get'],
		['list', { returnAll: true }, 'Store → List'],
		['getOrCreate', { name: 'signed-store' }, 'Store → Get or Create'],
		['delete', { storeToDelete: byId(DEMO_STORE.id) }, 'Store → Delete'],
	])('refuses %s with a URL signature before any request', async (operation, extra, what) => {
		const result = await runNode({
			parameters: storeParameters(operation, extra),
			credentialId: 'signature',
		});
		expect(result.error?.message).toBe(`${what} needs an API token, not a URL signature`);
		expect(result.error?.description).toMatch(/Authentication set to API Token/);
		expect(local.api.requests).toHaveLength(0);
		expectNoSecrets(result);
	});
});

describe('Continue On Fail', () => {
	it('outputs the error of a failing item and goes on with the others', async () => {
		const result = await runNode({
			parameters: storeParameters('getOrCreate', { name: '={{ $json.name }}' }),
			input: [
				{ json: { name: 'first-ok' } },
				{ json: { name: 'not ok!' } },
				{ json: { name: DEMO_STORE.name } },
			],
			continueOnFail: true,
		});
		expect(result.error).toBeUndefined();
		madeStores.push(local.api.findStore(`${LOCAL_USER.username}~first-ok`).id);
		expect(result.items.map((item) => item.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
		]);
		expect(result.items[0].json.name).toBe('first-ok');
		expect(result.items[1].json).toEqual({
			error: 'The Name parameter "not ok!" is not a valid store name',
		});
		expect(result.items[2].json.id).toBe(DEMO_STORE.id);
		expect(storesRequests()).toHaveLength(2);
	});

	it('goes on after a store that cannot be deleted', async () => {
		const { id } = local.api.addStore({ name: 'doomed-too' });
		const result = await runNode({
			parameters: storeParameters('delete', { storeToDelete: byId('={{ $json.store }}') }),
			input: [{ json: { store: '~no-such-store' } }, { json: { store: id } }],
			continueOnFail: true,
		});
		expect(result.items.map((item) => item.json)).toEqual([
			{ error: expect.stringMatching(/^Apify API error 404 record-not-found/) },
			{ deleted: true, storeId: id },
		]);
	});
});
