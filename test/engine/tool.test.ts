/**
 * The node as an AI agent's tool: n8n-core makes it a tool (createNodeAsTool) and runs it in its
 * tool context, called by a stand-in for the agent with the arguments a model would give. A model
 * sees only the JSON text each call returns.
 */
import { createHash } from 'node:crypto';

import { runTools, type ToolCall, type ToolNodeOptions } from '../../dev/harness/engine';
import { DEMO_STORE, fixtureKeys, fixtureRecord, PAGING_STORE } from '../../dev/local-api/fixtures';
import { byId, SECRETS, useLocalApi } from './setup';

const local = useLocalApi();
const record = (key: string) => fixtureRecord(DEMO_STORE.id, key);
const fromAI = (key: string, description: string) =>
	`={{ $fromAI('${key}', '${description}', 'string') }}`;

/** Record → Get with the store and the key from the model. */
const getRecordTool = (credentialId?: string): ToolNodeOptions => ({
	name: 'get record',
	credentialId,
	parameters: {
		resource: 'record',
		operation: 'get',
		storeId: byId(fromAI('store', 'The store ID or username~store-name')),
		key: byId(fromAI('key', 'The key of the record')),
	},
});

/** The items a call returned, as the model reads them. */
function answer(call: ToolCall): Array<Record<string, unknown>> {
	expect(call.error).toBeUndefined();
	return JSON.parse(call.result ?? 'null') as Array<Record<string, unknown>>;
}

function expectNoSecretsIn(calls: ToolCall[]): void {
	const text = JSON.stringify(calls);
	for (const secret of SECRETS) expect(text).not.toContain(secret);
}

async function fetchBytes(url: string): Promise<{ status: number; body: Buffer }> {
	const response = await fetch(url);
	return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

describe('the node as a tool', () => {
	it('takes the store and the key from $fromAI() arguments, with their descriptions', async () => {
		const { calls } = await runTools(
			[getRecordTool()],
			[{ tool: 'get_record', args: { store: DEMO_STORE.id, key: 'OUTPUT' } }],
		);
		expect(calls[0].name).toBe('get_record');
		expect(calls[0].arguments).toEqual({
			store: 'The store ID or username~store-name',
			key: 'The key of the record',
		});
		// The automatic description: the operation's action in the node.
		expect(calls[0].description).toBe('Get a record in Apify Key-Value Store');
		const [item] = answer(calls[0]);
		expect(item).toEqual({
			key: 'OUTPUT',
			storeId: DEMO_STORE.id,
			contentType: record('OUTPUT').contentType,
			size: record('OUTPUT').body.length,
			value: JSON.parse(record('OUTPUT').body.toString('utf8')),
		});
	});

	it('gives a text record as its text', async () => {
		const { calls } = await runTools(
			[getRecordTool()],
			[{ tool: 'get_record', args: { store: DEMO_STORE.id, key: 'notes' } }],
		);
		const [item] = answer(calls[0]);
		expect(item.text).toBe(record('notes').body.toString('utf8'));
		expect(item.truncated).toBeUndefined();
	});

	it('cuts a long text record at 20,000 characters, says so, and links to the whole record', async () => {
		const long = 'ä'.repeat(30_000);
		local.api.putRecord(DEMO_STORE.id, 'tool-long-text', Buffer.from(long), {
			contentType: 'text/plain; charset=utf-8',
		});
		const { calls } = await runTools(
			[getRecordTool()],
			[{ tool: 'get_record', args: { store: DEMO_STORE.id, key: 'tool-long-text' } }],
		);
		const [item] = answer(calls[0]);
		const text = String(item.text);
		expect(text.startsWith('ä'.repeat(20_000) + '\n[… truncated at 20000 characters')).toBe(true);
		expect(text.length).toBeLessThan(20_200);
		expect(item.truncated).toBe(true);
		const whole = await fetchBytes(String(item.url));
		expect(whole.body.toString('utf8')).toBe(long);
		// Only the start of the record was read.
		expect(calls[0].result!.length).toBeLessThan(21_000);
	});

	it('gives a large JSON record as text cut at 20,000 characters, not as a value', async () => {
		const big = JSON.stringify({ items: Array.from({ length: 5000 }, (_, n) => ({ n })) });
		local.api.putRecord(DEMO_STORE.id, 'tool-big-json', Buffer.from(big), {
			contentType: 'application/json',
		});
		const { calls } = await runTools(
			[getRecordTool()],
			[{ tool: 'get_record', args: { store: DEMO_STORE.id, key: 'tool-big-json' } }],
		);
		const [item] = answer(calls[0]);
		expect(item.value).toBeUndefined();
		expect(String(item.text)).toContain(
			big.slice(0, 20_000) + '\n[… truncated at 20000 characters',
		);
		expect(item.truncated).toBe(true);
	});

	it('gives a file as metadata and a signed link that reads the exact bytes without a token', async () => {
		const { calls } = await runTools(
			[getRecordTool()],
			[{ tool: 'get_record', args: { store: DEMO_STORE.id, key: 'screenshot' } }],
		);
		const [item] = answer(calls[0]);
		const png = record('screenshot').body;
		expect(item).toMatchObject({
			key: 'screenshot',
			contentType: 'image/png',
			size: png.length,
			fileName: 'screenshot.png',
		});
		expect(String(item.note)).toMatch(/not returned here.*needs no token/);
		// No file and no base64 reach the model.
		expect(calls[0].result).not.toContain(png.toString('base64').slice(0, 40));
		expect(calls[0].result!.length).toBeLessThan(1000);
		const url = new URL(String(item.url));
		expect(url.searchParams.get('signature')).toBeTruthy();
		expect(url.searchParams.get('token')).toBeNull();
		const fetched = await fetchBytes(url.href);
		expect(fetched.status).toBe(200);
		expect(createHash('sha256').update(fetched.body).digest('hex')).toBe(
			createHash('sha256').update(png).digest('hex'),
		);
		expectNoSecretsIn(calls);
	});

	it("with a URL signature, links a file through the key listing's signed link", async () => {
		const { calls } = await runTools(
			[getRecordTool('signature')],
			[{ tool: 'get_record', args: { store: DEMO_STORE.id, key: 'img-001' } }],
		);
		const [item] = answer(calls[0]);
		const fetched = await fetchBytes(String(item.url));
		expect(fetched.body.equals(record('img-001').body)).toBe(true);
		expectNoSecretsIn(calls);
	});

	it('says why there is no link when the credential cannot sign one, and still describes the file', async () => {
		const { calls } = await runTools(
			[getRecordTool('readOnly')],
			[{ tool: 'get_record', args: { store: DEMO_STORE.id, key: 'screenshot' } }],
		);
		const [item] = answer(calls[0]);
		expect(item.url).toBeNull();
		expect(item.size).toBe(record('screenshot').body.length);
		expect(String(item.note)).toMatch(/no link to it could be made: .*URL signing key/);
		expectNoSecretsIn(calls);
	});

	it('answers a missing key with an error that says what to change', async () => {
		const { calls } = await runTools(
			[getRecordTool()],
			[{ tool: 'get_record', args: { store: DEMO_STORE.id, key: 'no-such-key' } }],
		);
		expect(calls[0].result).toBeUndefined();
		expect(calls[0].error).toMatch(/Record was not found/);
		expect(calls[0].error).toMatch(/Check the Key|list the store's keys/i);
	});

	it('puts a value the model gives, JSON as JSON and text as text, and reads it back', async () => {
		const put: ToolNodeOptions = {
			name: 'put record',
			parameters: {
				resource: 'record',
				operation: 'put',
				storeId: byId(DEMO_STORE.id),
				key: byId(fromAI('key', 'The key to write')),
				valueSource: 'parameter',
				value: fromAI('value', 'JSON or text to store'),
			},
		};
		const { calls } = await runTools(
			[put, getRecordTool()],
			[
				{ tool: 'put_record', args: { key: 'tool-json', value: '{"done":true,"n":2}' } },
				{ tool: 'put_record', args: { key: 'tool-text', value: 'plain words' } },
				{ tool: 'get_record', args: { store: DEMO_STORE.id, key: 'tool-json' } },
				{ tool: 'get_record', args: { store: DEMO_STORE.id, key: 'tool-text' } },
			],
		);
		expect(answer(calls[0])[0]).toMatchObject({
			key: 'tool-json',
			contentType: 'application/json',
		});
		expect(answer(calls[1])[0]).toMatchObject({
			key: 'tool-text',
			contentType: 'text/plain; charset=utf-8',
		});
		expect(answer(calls[2])[0].value).toEqual({ done: true, n: 2 });
		expect(answer(calls[3])[0].text).toBe('plain words');
	});

	it('lists keys by a prefix the model gives', async () => {
		const { calls } = await runTools(
			[
				{
					name: 'list keys',
					parameters: {
						resource: 'key',
						operation: 'list',
						storeId: byId(DEMO_STORE.id),
						recordFilter: 'prefix',
						prefix: fromAI('prefix', 'Only keys starting with this'),
					},
				},
			],
			[{ tool: 'list_keys', args: { prefix: 'img-' } }],
		);
		expect(answer(calls[0]).map((item) => item.key)).toEqual(['img-001', 'img-002', 'img-003']);
	});

	it('returns at most 500 keys with Return All, and says how to get the rest', async () => {
		const keys = fixtureKeys(PAGING_STORE.id);
		expect(keys.length).toBeGreaterThan(501);
		const { calls } = await runTools(
			[
				{
					name: 'list keys',
					parameters: {
						resource: 'key',
						operation: 'list',
						storeId: byId(fromAI('store', 'The store ID')),
						returnAll: true,
					},
				},
			],
			[{ tool: 'list_keys', args: { store: PAGING_STORE.id } }],
		);
		const items = answer(calls[0]);
		expect(items).toHaveLength(501);
		expect(items.slice(0, 500).map((item) => item.key)).toEqual(keys.slice(0, 500));
		expect(items[500]).toEqual({
			truncated: true,
			note: `More than 500 results; these are the first 500. Narrow them with a key prefix, or list again after key "${keys[499]}" (Start After Key).`,
		});
		// One page of the API: 501 keys asked, not every key of the store.
		const pages = local.api.requests.filter(
			(request) => request.path === `/v2/key-value-stores/${PAGING_STORE.id}/keys`,
		);
		expect(pages).toHaveLength(1);
	});

	it('gives Download All as a signed ZIP link that expires, not as a file', async () => {
		const { calls } = await runTools(
			[
				{
					name: 'download zip',
					parameters: {
						resource: 'record',
						operation: 'download',
						storeId: byId(DEMO_STORE.id),
						recordFilter: 'prefix',
						prefix: 'img-',
						outputMode: 'zip',
					},
				},
				{
					name: 'download records',
					parameters: {
						resource: 'record',
						operation: 'download',
						storeId: byId(DEMO_STORE.id),
						outputMode: 'records',
					},
				},
			],
			[
				{ tool: 'download_zip', args: {} },
				{ tool: 'download_records', args: {} },
			],
		);
		const [item] = answer(calls[0]);
		const expiresIn = Date.parse(String(item.expiresAt)) - Date.now();
		expect(expiresIn).toBeGreaterThan(55 * 60_000);
		expect(expiresIn).toBeLessThanOrEqual(60 * 60_000);
		const zip = await fetchBytes(String(item.url));
		expect(zip.status).toBe(200);
		expect(zip.body.subarray(0, 2).toString()).toBe('PK');
		expect(zip.body.includes(Buffer.from('img-002'))).toBe(true);
		expect(zip.body.includes(Buffer.from('screenshot'))).toBe(false);
		// The fallback Apify documents: the key listing, each record with its own signed link.
		expect(Date.parse(String(item.expiresAt))).toBeGreaterThan(Date.now());
		const listing = await fetchBytes(String(item.keysUrl));
		expect(listing.status).toBe(200);
		const { items } = (
			JSON.parse(listing.body.toString()) as {
				data: { items: Array<{ key: string; recordPublicUrl: string }> };
			}
		).data;
		expect(items.map((entry) => entry.key)).toEqual(expect.arrayContaining(['img-001', 'img-002']));
		expect(items.every((entry) => entry.key.startsWith('img-'))).toBe(true);
		const first = await fetchBytes(items[0].recordPublicUrl);
		expect([first.status, first.body.equals(record(items[0].key).body)]).toEqual([200, true]);
		expect(item.note).toMatch(/"keysUrl" lists the same records/);
		expect(calls[1].error).toMatch(/cannot receive.*\n*.*One ZIP File/s);
		expectNoSecretsIn(calls);
	});
});
