/**
 * What the node does when the server behind the API Base URL answers in ways Apify never does:
 * undecodable charsets, bodies that decode to hundreds of MB, trickling bodies, HTML or JSON of the
 * wrong shape where an answer belongs, oversized headers, and a store URL with a broken escape.
 */
import type { IDataObject } from 'n8n-workflow';

import { readBinary, runNode, runPoll } from '../../dev/harness/engine';
import { DEMO_STORE, fixtureRecord } from '../../dev/local-api/fixtures';
import { gzipBomb } from '../../dev/local-api/server';
import { MAX_JSON_ANSWER_BYTES } from '../../nodes/ApifyKeyValueStore/transport';
import { MAX_RECORD_IN_MEMORY_BYTES } from '../../nodes/ApifyKeyValueStore/transport/records';
import {
	byId,
	expectNoSecrets,
	recordGetParameters,
	SECRETS,
	triggerParameters,
	useLocalApi,
} from './setup';

const local = useLocalApi();

const MiB = 1024 * 1024;
const storePath = `/v2/key-value-stores/${DEMO_STORE.id}`;
const keysPath = `${storePath}/keys`;
const recordPath = (key: string) => `${storePath}/records/${key}`;
const requestsTo = (path: string) => local.api.requests.filter((request) => request.path === path);

const listParameters = (options: IDataObject = {}): IDataObject => ({
	resource: 'key',
	operation: 'list',
	storeId: byId(DEMO_STORE.id),
	returnAll: true,
	options,
});

describe('a charset the decoder does not know', () => {
	it('Record → Get outputs a charset=binary record as a file (Auto), byte for byte', async () => {
		const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x41, 0x80]);
		local.api.putRecord(DEMO_STORE.id, 'file-mime', bytes, {
			contentType: 'text/plain; charset=binary',
		});
		const { items, error } = await runNode({ parameters: recordGetParameters('file-mime') });
		expect(error).toBeUndefined();
		expect(items[0].json).toMatchObject({
			key: 'file-mime',
			contentType: 'text/plain; charset=binary',
			size: 5,
		});
		expect((await readBinary(items[0])).equals(bytes)).toBe(true);
	});

	it('Record → Get reads text in an unknown charset as UTF-8, also with Output: Text', async () => {
		local.api.putRecord(DEMO_STORE.id, 'odd-charset', 'Grüße', {
			contentType: 'text/plain; charset=x-no-such-charset',
		});
		local.api.putRecord(DEMO_STORE.id, 'binary-as-text', 'plain words', {
			contentType: 'text/plain; charset=binary',
		});
		const odd = await runNode({ parameters: recordGetParameters('odd-charset') });
		expect(odd.error).toBeUndefined();
		expect(odd.items[0].json.text).toBe('Grüße');
		const asText = await runNode({
			parameters: recordGetParameters('binary-as-text', { outputFormat: 'text' }),
		});
		expect(asText.error).toBeUndefined();
		expect(asText.items[0].json.text).toBe('plain words');
	});

	it('the trigger delivers such a record and the other new records in the same poll', async () => {
		const store = local.api.addStore({ name: 'hostile-charset-trigger' });
		local.api.putRecord(store.id, 'a-old', 'old', { contentType: 'text/plain' });
		const parameters = triggerParameters(store.id, { includeValue: true });
		const baseline = await runPoll(parameters);
		expect(baseline.items).toEqual([]);
		local.api.putRecord(store.id, 'b-binary', Buffer.from([0, 1, 2, 0xff]), {
			contentType: 'text/plain; charset=binary',
		});
		local.api.putRecord(store.id, 'c-text', 'hello', { contentType: 'text/plain' });
		local.api.putRecord(store.id, 'd-json', '{"n":1}', { contentType: 'application/json' });
		const next = await runPoll(parameters, baseline.staticData);
		expect(next.items.map((item) => [item.json.key, item.json.change])).toEqual([
			['b-binary', 'added'],
			['c-text', 'added'],
			['d-json', 'added'],
		]);
		expect((await readBinary(next.items[0])).equals(Buffer.from([0, 1, 2, 0xff]))).toBe(true);
		expect(next.items[1].json.text).toBe('hello');
		expect(next.items[2].json.value).toEqual({ n: 1 });
		// Each fires once.
		expect((await runPoll(parameters, next.staticData)).items).toEqual([]);
	});
});

describe('bodies that decode to more than memory should hold', () => {
	const bombSize = MAX_RECORD_IN_MEMORY_BYTES + 8 * MiB;
	let bomb: Buffer;
	beforeAll(async () => {
		bomb = await gzipBomb(bombSize);
	});
	const answerWithBomb = (contentType: string) =>
		local.api.faults.add({
			path: recordPath('bomb'),
			kind: 'encoded',
			body: bomb,
			contentType,
			contentEncoding: 'gzip',
		});

	it.each([['auto'], ['text'], ['json']])(
		'Record → Get (Output %s) of a text record over the cap fails, pointing to Output: File (Binary)',
		async (outputFormat) => {
			answerWithBomb('text/plain');
			const { items, error } = await runNode({
				parameters: recordGetParameters('bomb', { outputFormat }),
			});
			expect(items).toEqual([]);
			expect(error?.message).toBe(
				`Record "bomb" is larger than ${MAX_RECORD_IN_MEMORY_BYTES / MiB} MiB, too large to output as text or JSON`,
			);
			expect(error?.description).toMatch(/Set Output to "File \(Binary\)"/);
			// Not retried: the record would be as large again.
			expect(requestsTo(recordPath('bomb'))).toHaveLength(1);
		},
	);

	it('Record → Get with Output: File (Binary) downloads the same record whole', async () => {
		answerWithBomb('text/plain');
		const { items, error } = await runNode({
			parameters: recordGetParameters('bomb', { outputFormat: 'binary' }),
		});
		expect(error).toBeUndefined();
		expect(items[0].json.size).toBe(bombSize);
	});

	it('the trigger reports a change whose value is over the cap without its value, and the others with theirs', async () => {
		const store = local.api.addStore({ name: 'hostile-bomb-trigger' });
		const parameters = { storeId: byId(store.id), events: ['added'], includeValue: true };
		const baseline = await runPoll(parameters);
		local.api.putRecord(store.id, 'bomb', 'small in the listing', { contentType: 'text/plain' });
		local.api.putRecord(store.id, 'fine', 'hello', { contentType: 'text/plain' });
		local.api.faults.add({
			path: `/v2/key-value-stores/${store.id}/records/bomb`,
			kind: 'encoded',
			body: bomb,
			contentType: 'text/plain',
			contentEncoding: 'gzip',
		});
		const next = await runPoll(parameters, baseline.staticData);
		expect(next.items.map((item) => item.json.key)).toEqual(['bomb', 'fine']);
		expect(next.items[0].json.text).toBeUndefined();
		expect(next.items[0].json.note).toMatch(/larger than .* MiB/);
		expect(next.items[1].json.text).toBe('hello');
	});

	it('Key → List refuses a listing that decodes to more than the cap, without retrying', async () => {
		const listing = await gzipBomb(MAX_JSON_ANSWER_BYTES + MiB, {
			prefix: '{"data":{"items":[],"nextExclusiveStartKey":null,"padding":"',
			suffix: '"}}',
		});
		local.api.faults.add({
			path: keysPath,
			kind: 'encoded',
			body: listing,
			contentType: 'application/json',
			contentEncoding: 'gzip',
		});
		const { error } = await runNode({ parameters: listParameters() });
		expect(error?.message).toBe(
			`The Apify API's answer is larger than ${MAX_JSON_ANSWER_BYTES / MiB} MiB, more than any answer of this endpoint`,
		);
		expect(requestsTo(keysPath)).toHaveLength(1);
	});
});

describe('a body that trickles', () => {
	// About 5 s: a byte every 50 ms.
	const trickle = (path: string, body: string, contentType: string) =>
		local.api.faults.add({
			path,
			kind: 'trickle',
			intervalMs: 50,
			body: Buffer.from(body.padEnd(100, ' ')),
			contentType,
		});

	it('Key → List: the Request Timeout bounds the whole answer, not only its pauses', async () => {
		trickle(keysPath, '{"data":{"items":[],"nextExclusiveStartKey":null}}', 'application/json');
		const started = Date.now();
		const { error } = await runNode({
			parameters: listParameters({ timeoutSeconds: 1, maxRetries: 0 }),
		});
		expect(Date.now() - started).toBeLessThan(2500);
		expect(error?.message).toBe(
			'Could not reach the Apify API: no answer within the request timeout',
		);
		expect(error?.description).toMatch(/took longer than the request timeout of 1000 ms/);
	});

	it('Record → Get of a text record: the Request Timeout bounds the whole download, however fast it comes', async () => {
		// 64 KiB every 200 ms, 3 s in all: never a pause, more than a file must bring, longer than 1 s.
		local.api.faults.add({
			path: recordPath('notes'),
			kind: 'trickle',
			intervalMs: 200,
			bytesPerInterval: 64 * 1024,
			body: Buffer.alloc(1024 * 1024, 'a'),
			contentType: 'text/plain',
		});
		const started = Date.now();
		const { error } = await runNode({
			parameters: recordGetParameters('notes', { options: { timeoutSeconds: 1, maxRetries: 0 } }),
		});
		expect(Date.now() - started).toBeLessThan(2500);
		expect(error?.message).toBe(
			'Could not reach the Apify API: no answer within the request timeout',
		);
		expect(error?.description).toMatch(/took longer than the request timeout of 1000 ms/);
	});

	it('Record → Get as a file: a trickle counts as a pause', async () => {
		trickle(recordPath('OUTPUT'), 'trickled file', 'application/octet-stream');
		const started = Date.now();
		const { error } = await runNode({
			parameters: recordGetParameters('OUTPUT', { options: { timeoutSeconds: 1, maxRetries: 0 } }),
		});
		expect(Date.now() - started).toBeLessThan(2500);
		expect(error?.message).toMatch(/no answer within the request timeout/);
	});

	it('Record → Get as a file: a download that keeps coming may take longer than the timeout', async () => {
		const body = fixtureRecord(DEMO_STORE.id, 'screenshot').body;
		// 64 KiB every 400 ms with a timeout of 1 s: 3 pieces or more, longer than the timeout in all.
		local.api.faults.add({
			path: recordPath('screenshot'),
			kind: 'trickle',
			intervalMs: 400,
			bytesPerInterval: 64 * 1024,
			body: Buffer.concat([body, Buffer.alloc(200 * 1024 - body.length)]),
			contentType: 'image/png',
		});
		const started = Date.now();
		const { items, error } = await runNode({
			parameters: recordGetParameters('screenshot', {
				options: { timeoutSeconds: 1, maxRetries: 0 },
			}),
		});
		expect(error).toBeUndefined();
		expect(Date.now() - started).toBeGreaterThan(1000);
		expect(items[0].json.size).toBe(200 * 1024);
	});
});

describe('answers that are not what the endpoint gives', () => {
	const SECRET_LINK = `https://portal.example/login?token=${SECRETS[0]}&signature=${SECRETS[4]}`;

	it('an HTML page with status 200 where JSON belongs fails at once, saying what came back', async () => {
		local.api.faults.add({
			path: keysPath,
			kind: 'html',
			html: `<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><a href="${SECRET_LINK}">Sign in to the network</a></body></html>`,
		});
		const started = Date.now();
		const result = await runNode({ parameters: listParameters() });
		expect(Date.now() - started).toBeLessThan(2000);
		expect(requestsTo(keysPath)).toHaveLength(1);
		expect(result.error?.message).toBe(
			'The Apify API answered with text/html; charset=utf-8 where JSON was expected: <!DOCTYPE html> <html><head><title>Sign in</title></head><body><a href="<url>">Sign in to the networ…',
		);
		expectNoSecrets(result);
	});

	it('a listing cut off mid-body is still retried as a dropped connection', async () => {
		local.api.faults.add({ path: keysPath, kind: 'reset-mid-body', afterBytes: 20 });
		const { items, error } = await runNode({ parameters: listParameters() });
		expect(error).toBeUndefined();
		expect(items.length).toBeGreaterThan(0);
		expect(requestsTo(keysPath)).toHaveLength(2);
	});

	it.each([
		[{ data: {} }, '"items" of the key listing is not a list'],
		[
			{ data: { items: [{ key: 1, size: 2 }] } },
			'an item of the key listing has no text "key" and number "size"',
		],
		[[1, 2], 'the key listing is not an object'],
	])('Key → List of %j fails at once with an unexpected shape', async (json, problem) => {
		local.api.faults.add({ path: keysPath, kind: 'json', json });
		const { error } = await runNode({ parameters: listParameters() });
		expect(error?.message).toBe(`The Apify API answered with an unexpected shape: ${problem}`);
		expect(requestsTo(keysPath)).toHaveLength(1);
	});

	it('Store → List of a page whose items are not a list fails with an unexpected shape', async () => {
		local.api.faults.add({
			path: '/v2/key-value-stores',
			kind: 'json',
			json: { data: { items: 'none' } },
		});
		const { error } = await runNode({
			parameters: { resource: 'store', operation: 'list', returnAll: true },
		});
		expect(error?.message).toBe(
			'The Apify API answered with an unexpected shape: "items" of the store list is not a list',
		);
	});

	it('headers larger than Node.js reads give the node its own message, not a parser error', async () => {
		local.api.faults.add({ path: recordPath('OUTPUT'), kind: 'huge-headers', times: Infinity });
		const { error } = await runNode({
			parameters: recordGetParameters('OUTPUT', { options: { maxRetries: 1 } }),
		});
		expect(error?.message).toBe(
			'The Apify API answered with headers larger than Node.js reads (16 KB)',
		);
		expect(error?.description).toMatch(/^HPE_HEADER_OVERFLOW: /);
		expect(requestsTo(recordPath('OUTPUT'))).toHaveLength(1);
	});
});

describe('a store URL with a broken escape', () => {
	it('fails with the node’s own message, not a URIError', async () => {
		const { error } = await runNode({
			parameters: {
				...recordGetParameters('OUTPUT'),
				storeId: byId('https://console.apify.com/storage/key-value-stores/%E0%A4%A'),
			},
		});
		expect(error?.name).not.toBe('URIError');
		expect(error?.message).toBe(
			'The Store parameter "https://console.apify.com/storage/key-value-stores/%E0%A4%A" is not a valid store ID or name',
		);
		expect(local.api.requests).toHaveLength(0);
	});
});
