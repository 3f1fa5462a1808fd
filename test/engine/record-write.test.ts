import type { IDataObject, INode, INodeExecutionData } from 'n8n-workflow';

import { apifyNode, readBinary, runNode, runWorkflow } from '../../dev/harness/engine';
import { DEMO_STORE, fixtureRecord } from '../../dev/local-api/fixtures';
import { byId, expectNoSecrets, recordGetParameters, useLocalApi } from './setup';

const local = useLocalApi();

const recordPath = (key: string) =>
	`/v2/key-value-stores/${DEMO_STORE.id}/records/${encodeURIComponent(key)}`;
const storedRecord = (key: string) => local.api.findStore(DEMO_STORE.id).getRecord(key);
/** The bytes the local API keeps for a written record: compressed when it came compressed. */
const storedBytes = (key: string) => {
	const record = storedRecord(key);
	return record && 'stored' in record ? record.stored : undefined;
};
const parametersOf = (operation: string, key: string, extra: IDataObject = {}): IDataObject => ({
	resource: 'record',
	operation,
	storeId: byId(DEMO_STORE.id),
	key: byId(key),
	...extra,
});
const listingParameters = (extra: IDataObject = {}): IDataObject => ({
	resource: 'key',
	operation: 'getPublicListingUrl',
	storeId: byId(DEMO_STORE.id),
	...extra,
});

describe('Record → Put', () => {
	it('stores the whole item as JSON, which Record → Get returns with its content type', async () => {
		const input = [{ json: { status: 'done', count: 3, nested: { ok: true } } }];
		const put = await runNode({
			parameters: parametersOf('put', 'written-item', { valueSource: 'item' }),
			input,
		});
		expect(put.error).toBeUndefined();
		const body = JSON.stringify(input[0].json);
		expect(put.items).toEqual([
			{
				json: {
					key: 'written-item',
					storeId: DEMO_STORE.id,
					contentType: 'application/json',
					size: Buffer.byteLength(body),
				},
				pairedItem: { item: 0 },
			},
		]);
		expect(local.api.requests[0]).toMatchObject({
			method: 'PUT',
			path: recordPath('written-item'),
		});

		const get = await runNode({
			parameters: recordGetParameters('written-item', { outputFormat: 'text' }),
		});
		expect(get.items[0].json).toMatchObject({ contentType: 'application/json', text: body });
		expectNoSecrets(put);
	});

	it('stores one field of the item, and a text field as it is under a text content type', async () => {
		const input = [{ json: { result: [1, 'two', { three: 3 }], note: 'Grüße, not JSON' } }];
		const asJson = await runNode({
			parameters: parametersOf('put', 'written-field', {
				valueSource: 'field',
				fieldName: 'result',
			}),
			input,
		});
		expect(asJson.error).toBeUndefined();
		const get = await runNode({ parameters: recordGetParameters('written-field') });
		expect(get.items[0].json).toMatchObject({
			contentType: 'application/json',
			value: [1, 'two', { three: 3 }],
		});

		const asText = await runNode({
			parameters: parametersOf('put', 'written-text', {
				valueSource: 'field',
				fieldName: 'note',
				contentType: 'text/plain; charset=utf-8',
			}),
			input,
		});
		expect(asText.items[0].json).toMatchObject({
			contentType: 'text/plain; charset=utf-8',
			size: Buffer.byteLength('Grüße, not JSON'),
		});
		expect(storedRecord('written-text')).toMatchObject({
			contentType: 'text/plain; charset=utf-8',
		});
		expect((storedRecord('written-text') as { stored: Buffer }).stored.toString('utf8')).toBe(
			'Grüße, not JSON',
		);
	});

	it('refuses a missing field before any request', async () => {
		const { error } = await runNode({
			parameters: parametersOf('put', 'written-field', { valueSource: 'field', fieldName: 'nope' }),
			input: [{ json: { result: 1 } }],
		});
		expect(error?.message).toBe('The input item has no field "nope"');
		expect(local.api.requests).toHaveLength(0);
	});

	it('streams a file from a previous node into another record: same bytes, same MIME type', async () => {
		const getNode: INode = {
			...apifyNode(recordGetParameters('screenshot', { outputFormat: 'binary' })),
			id: 'get',
			name: 'Get file',
		};
		const putNode: INode = {
			...apifyNode(
				parametersOf('put', 'screenshot-copy', {
					valueSource: 'binary',
					binaryPropertyName: 'data',
				}),
			),
			id: 'put',
			name: 'Put file',
		};
		const run = await runWorkflow({
			nodes: [getNode, putNode],
			connections: { 'Get file': { main: [[{ node: 'Put file', type: 'main', index: 0 }]] } },
		});
		expect(run.data.resultData.error).toBeUndefined();
		const original = fixtureRecord(DEMO_STORE.id, 'screenshot');
		const [putItem] = run.data.resultData.runData['Put file'][0].data
			?.main[0] as INodeExecutionData[];
		expect(putItem.json).toEqual({
			key: 'screenshot-copy',
			storeId: DEMO_STORE.id,
			contentType: 'image/png',
			size: original.body.length,
		});
		// The file came from n8n's binary storage as a stream: sent chunked, with no length known up front.
		const upload = local.api.requests.find((request) => request.method === 'PUT');
		expect(upload?.headers['transfer-encoding']).toBe('chunked');
		expect(upload?.headers['content-length']).toBeUndefined();

		const copy = await runNode({ parameters: recordGetParameters('screenshot-copy') });
		expect(copy.items[0].binary?.data.mimeType).toBe('image/png');
		expect((await readBinary(copy.items[0])).equals(original.body)).toBe(true);
	});

	it('uploads a file held in the item itself, with the Content Type given', async () => {
		const bytes = Buffer.from('col1,col2\n1,2\n');
		const input = [
			{
				json: {},
				binary: {
					sheet: { data: bytes.toString('base64'), mimeType: 'text/plain', fileName: 'x.csv' },
				},
			},
		];
		const { items, error } = await runNode({
			parameters: parametersOf('put', 'sheet', {
				valueSource: 'binary',
				binaryPropertyName: 'sheet',
				contentType: 'text/csv',
			}),
			input,
		});
		expect(error).toBeUndefined();
		expect(items[0].json).toEqual({
			key: 'sheet',
			storeId: DEMO_STORE.id,
			contentType: 'text/csv',
			size: bytes.length,
		});
		expect(storedRecord('sheet')).toMatchObject({ contentType: 'text/csv', stored: bytes });
	});

	it('sends JSON and text of 1 KiB or more gzip-compressed (apify-client uses brotli); Record → Get gives the value back', async () => {
		const rows = Array.from({ length: 300 }, (_, index) => ({
			index,
			title: `Product ${index}`,
			price: index * 1.5,
		}));
		const input = [
			{
				json: { rows },
				binary: { file: { data: Buffer.alloc(4096, 7).toString('base64'), mimeType: 'image/png' } },
			},
		];
		const put = await runNode({
			parameters: parametersOf('put', 'compressed-put', { valueSource: 'item' }),
			input,
		});
		expect(put.error).toBeUndefined();
		const body = Buffer.from(JSON.stringify({ rows }));
		// The item says how big the value is, not how many bytes went over the wire.
		expect(put.items[0].json).toMatchObject({ key: 'compressed-put', size: body.length });
		const [request] = local.api.requests;
		expect(request.headers['content-encoding']).toBe('gzip');
		const stored = storedRecord('compressed-put');
		expect(stored).toMatchObject({ contentEncoding: 'gzip' });
		expect(storedBytes('compressed-put')?.length).toBeLessThan(body.length / 3);
		const get = await runNode({ parameters: recordGetParameters('compressed-put') });
		expect(get.items[0].json).toEqual({ rows });

		// Small values, and files that are not text, go as they are.
		local.api.clearRequests();
		await runNode({
			parameters: parametersOf('put', 'small-put', { valueSource: 'field', fieldName: 'rows' }),
			input: [{ json: { rows: rows.slice(0, 3) } }],
		});
		await runNode({
			parameters: parametersOf('put', 'image-put', {
				valueSource: 'binary',
				binaryPropertyName: 'file',
			}),
			input,
		});
		expect(local.api.requests.map((entry) => entry.headers['content-encoding'])).toEqual([
			undefined,
			undefined,
		]);
		expect(storedBytes('image-put')?.equals(Buffer.alloc(4096, 7))).toBe(true);
	});

	it('sends the whole file again after a 503, and stores it once, complete', async () => {
		const fault = local.api.faults.add({
			method: 'PUT',
			path: recordPath('report-copy'),
			kind: 'status',
			status: 503,
			times: 1,
		});
		const nodes: INode[] = [
			{
				...apifyNode(recordGetParameters('report', { outputFormat: 'binary' })),
				id: 'get',
				name: 'Get file',
			},
			{
				...apifyNode(
					parametersOf('put', 'report-copy', { valueSource: 'binary', binaryPropertyName: 'data' }),
				),
				id: 'put',
				name: 'Put file',
			},
		];
		const run = await runWorkflow({
			nodes,
			connections: { 'Get file': { main: [[{ node: 'Put file', type: 'main', index: 0 }]] } },
		});
		expect(run.data.resultData.error).toBeUndefined();
		expect(fault.hits).toBe(1);
		const puts = local.api.requests.filter((request) => request.method === 'PUT');
		expect(puts).toHaveLength(2);
		const original = fixtureRecord(DEMO_STORE.id, 'report').body;
		const [putItem] = run.data.resultData.runData['Put file'][0].data
			?.main[0] as INodeExecutionData[];
		expect(putItem.json.size).toBe(original.length);
		expect((storedRecord('report-copy') as { stored: Buffer }).stored.equals(original)).toBe(true);
	});

	it.each([
		['a/b', /Key parameter "a\/b" is not a valid record key/],
		['..', /Key parameter "\.\." is not a valid record key/],
	])('refuses key %j before any request', async (key, message) => {
		const { error } = await runNode({
			parameters: parametersOf('put', key, { valueSource: 'item' }),
		});
		expect(error?.message).toMatch(message);
		expect(local.api.requests).toHaveLength(0);
	});

	it('refuses a Content Type that is not one before any request', async () => {
		const { error } = await runNode({
			parameters: parametersOf('put', 'x', {
				valueSource: 'item',
				contentType: 'json\r\nX-Evil: 1',
			}),
		});
		expect(error?.message).toMatch(/Content Type parameter .* is not a content type/);
		expect(local.api.requests).toHaveLength(0);
	});
});

describe('Record → Delete and Exists', () => {
	it('deletes a record, which then does not exist', async () => {
		local.api.putRecord(DEMO_STORE.id, 'to-delete', 'bye', { contentType: 'text/plain' });
		const deleted = await runNode({ parameters: parametersOf('delete', 'to-delete') });
		expect(deleted.error).toBeUndefined();
		expect(deleted.items).toEqual([
			{
				json: { deleted: true, key: 'to-delete', storeId: DEMO_STORE.id },
				pairedItem: { item: 0 },
			},
		]);
		expect(storedRecord('to-delete')).toBeUndefined();

		const exists = await runNode({ parameters: parametersOf('exists', 'to-delete') });
		expect(exists.error).toBeUndefined();
		expect(exists.items[0].json).toEqual({
			key: 'to-delete',
			storeId: DEMO_STORE.id,
			exists: false,
		});
		expect(local.api.requests.map((request) => request.method)).toEqual(['DELETE', 'HEAD']);
	});

	it('says an existing record exists', async () => {
		const { items, error } = await runNode({ parameters: parametersOf('exists', 'screenshot') });
		expect(error).toBeUndefined();
		expect(items).toEqual([
			{
				json: { key: 'screenshot', storeId: DEMO_STORE.id, exists: true },
				pairedItem: { item: 0 },
			},
		]);
	});

	it('says false, without an error, for a record that never existed and for a store that does not exist', async () => {
		const noRecord = await runNode({ parameters: parametersOf('exists', 'never-was-here') });
		expect(noRecord.error).toBeUndefined();
		expect(noRecord.items[0].json.exists).toBe(false);
		const noStore = await runNode({
			parameters: parametersOf('exists', 'OUTPUT', { storeId: byId('local-user~no-such-store') }),
		});
		expect(noStore.error).toBeUndefined();
		expect(noStore.items[0].json.exists).toBe(false);
	});

	it('still fails on a token without access, and on server errors once retries are spent', async () => {
		const otherUser = await runNode({
			parameters: parametersOf('exists', 'OUTPUT'),
			credentialId: 'otherUser',
		});
		expect(otherUser.error?.message).toMatch(
			/^Access to record "OUTPUT" of store "kvsDemoStore00001" was refused \(HTTP 403\)/,
		);

		local.api.faults.add({
			method: 'HEAD',
			path: recordPath('OUTPUT'),
			kind: 'status',
			status: 500,
			times: 2,
		});
		const broken = await runNode({
			parameters: parametersOf('exists', 'OUTPUT', { options: { maxRetries: 1 } }),
		});
		// A HEAD answer has no body: the status says what it can.
		expect(broken.error?.message).toBe(
			'Apify API error 500 Internal Server Error, without details (after 2 attempts)',
		);
	});
});

describe('public URLs', () => {
	it("makes a record URL that reads the record's bytes without a token", async () => {
		const result = await runNode({ parameters: parametersOf('getPublicUrl', 'screenshot') });
		expect(result.error).toBeUndefined();
		const { url, ...rest } = result.items[0].json as { url: string };
		expect(rest).toEqual({ key: 'screenshot', storeId: DEMO_STORE.id });
		expect(url).toMatch(
			new RegExp(
				`^${local.api.url}/v2/key-value-stores/${DEMO_STORE.id}/records/screenshot\\?signature=[0-9a-zA-Z]+$`,
			),
		);
		// The secret itself is never output.
		expect(JSON.stringify(result.run)).not.toContain(DEMO_STORE.urlSigningSecretKey);
		expectNoSecrets(result);

		local.api.clearRequests();
		const response = await fetch(url);
		expect(response.status).toBe(200);
		expect(
			Buffer.from(await response.arrayBuffer()).equals(
				fixtureRecord(DEMO_STORE.id, 'screenshot').body,
			),
		).toBe(true);
		expect(local.api.requests[0].headers.authorization).toBeUndefined();
	});

	it('signs the store ID even when the store is named by ~store-name, which needs no token to resolve', async () => {
		const { items } = await runNode({
			parameters: parametersOf('getPublicUrl', 'notes', { storeId: byId('~demo-store') }),
		});
		expect(items[0].json.storeId).toBe(DEMO_STORE.id);
		const response = await fetch(items[0].json.url as string);
		expect(await response.text()).toBe(fixtureRecord(DEMO_STORE.id, 'notes').body.toString('utf8'));
	});

	it('makes a listing URL that lists the keys under its prefix without a token, and never expires by default', async () => {
		const result = await runNode({
			parameters: listingParameters({ recordFilter: 'prefix', prefix: 'img-' }),
		});
		expect(result.error).toBeUndefined();
		const { url, ...rest } = result.items[0].json as { url: string };
		expect(rest).toEqual({ storeId: DEMO_STORE.id, expiresAt: null });
		expect(new URL(url).searchParams.get('prefix')).toBe('img-');
		expect(JSON.stringify(result.run)).not.toContain(DEMO_STORE.urlSigningSecretKey);

		const response = await fetch(url);
		expect(response.status).toBe(200);
		const listing = (await response.json()) as { data: { items: Array<{ key: string }> } };
		expect(listing.data.items.map((item) => item.key)).toEqual(['img-001', 'img-002', 'img-003']);
	});

	it('makes a listing URL that expires, which the API refuses afterwards', async () => {
		const before = Date.now();
		const { items, error } = await runNode({
			parameters: listingParameters({ expiresInSeconds: 1 }),
		});
		expect(error).toBeUndefined();
		const expiresAt = Date.parse(items[0].json.expiresAt as string);
		expect(expiresAt).toBeGreaterThanOrEqual(before + 1000);
		expect(expiresAt).toBeLessThan(Date.now() + 1000 + 5);
		const url = items[0].json.url as string;
		// The expiry is part of the signature: `0.<expiresAt>.<hmac>`.
		expect(
			Buffer.from(new URL(url).searchParams.get('signature') as string, 'base64url').toString(),
		).toMatch(new RegExp(`^0\\.${expiresAt}\\.`));
		expect((await fetch(url)).status).toBe(200);

		await new Promise((resolve) => setTimeout(resolve, expiresAt - Date.now() + 50));
		const expired = await fetch(url);
		expect(expired.status).toBe(403);
		expect(await expired.text()).toMatch(/expired/);
	});

	it('explains that a read-only token cannot sign links', async () => {
		const { error } = await runNode({
			parameters: parametersOf('getPublicUrl', 'OUTPUT'),
			credentialId: 'readOnly',
		});
		expect(error?.message).toBe(
			`The API did not give the URL signing key of store "${DEMO_STORE.id}"`,
		);
		expect(error?.description).toMatch(/only to an API token with write access/);
	});
});

describe('credentials that may not write', () => {
	it.each([
		['put', parametersOf('put', 'ro-put', { valueSource: 'item' })],
		['delete', parametersOf('delete', 'OUTPUT')],
	])(
		'a read-only token on %s gets a clear 403, and the store is unchanged',
		async (_operation, parameters) => {
			const result = await runNode({
				parameters,
				input: [{ json: { a: 1 } }],
				credentialId: 'readOnly',
			});
			expect(result.error?.message).toMatch(/^Apify API error 403 insufficient-permissions: /);
			expect(result.error?.description).toMatch(/lacks write permission for store .*read-only/);
			expect(storedRecord('ro-put')).toBeUndefined();
			expect(storedRecord('OUTPUT')).toBeDefined();
			expectNoSecrets(result);
		},
	);

	it.each([
		['Record → Put', parametersOf('put', 'sig-put', { valueSource: 'item' }), /read access only/],
		['Record → Delete', parametersOf('delete', 'OUTPUT'), /read access only/],
		[
			'Record → Get Public URL',
			parametersOf('getPublicUrl', 'OUTPUT'),
			/API token with write access/,
		],
		['Key → Get Public Listing URL', listingParameters(), /API token with write access/],
	])('a URL signature on %s is refused before any request', async (operation, parameters, why) => {
		const result = await runNode({ parameters, credentialId: 'signature' });
		expect(result.error?.message).toBe(`${operation} needs an API token, not a URL signature`);
		expect(result.error?.description).toMatch(why);
		expect(local.api.requests).toHaveLength(0);
		expectNoSecrets(result);
	});
});

describe('many items', () => {
	it('with Continue On Fail a failing item gets its error and the others are written', async () => {
		const input = ['batch-1', 'bad key', 'batch-3'].map((recordKey, index) => ({
			json: { recordKey, index },
		}));
		const { items, error } = await runNode({
			parameters: parametersOf('put', '', {
				key: { __rl: true, mode: 'id', value: '={{ $json.recordKey }}' },
				valueSource: 'item',
			}),
			input,
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(3);
		expect(items[0]).toMatchObject({ json: { key: 'batch-1' }, pairedItem: { item: 0 } });
		expect(items[1]).toEqual({
			json: { error: expect.stringMatching(/not a valid record key/) },
			pairedItem: { item: 1 },
		});
		expect(items[2]).toMatchObject({ json: { key: 'batch-3' }, pairedItem: { item: 2 } });
		expect(JSON.parse((storedRecord('batch-3') as { stored: Buffer }).stored.toString())).toEqual(
			input[2].json,
		);
	});
});
