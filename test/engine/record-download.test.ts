import JSZip from 'jszip';
import type { IDataObject } from 'n8n-workflow';

import { readBinary, runNode } from '../../dev/harness/engine';
import { FULL_ACCESS_TOKEN } from '../../dev/local-api/accounts';
import { DEMO_STORE, fixtureKeys, fixtureRecord } from '../../dev/local-api/fixtures';
import { byId, expectNoSecrets, useLocalApi } from './setup';

const local = useLocalApi();

/** The store's archive as the API sends it, to compare the node's output with. */
async function zipOf(storeId: string): Promise<Buffer> {
	const response = await fetch(`${local.api.url}/v2/key-value-stores/${storeId}/records`, {
		headers: { Authorization: `Bearer ${FULL_ACCESS_TOKEN}` },
	});
	return Buffer.from(await response.arrayBuffer());
}
beforeEach(() => {
	local.api.clearRequests();
	local.api.faults.clear();
});

const downloadParameters = (extra: IDataObject = {}): IDataObject => ({
	resource: 'record',
	operation: 'download',
	storeId: byId(DEMO_STORE.id),
	...extra,
});

describe('Record → Download All as one ZIP file', () => {
	it('outputs the whole store as a ZIP whose files are the records, byte for byte', async () => {
		const result = await runNode({ parameters: downloadParameters() });
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(1);
		const [item] = result.items;
		expect(item.binary?.data).toMatchObject({
			mimeType: 'application/zip',
			fileName: `${DEMO_STORE.id}.zip`,
		});
		const zip = await JSZip.loadAsync(await readBinary(item));
		const names = Object.keys(zip.files).sort();
		expect(names).toEqual([...fixtureKeys(DEMO_STORE.id)].sort());
		for (const name of names) {
			const bytes = await zip.files[name].async('nodebuffer');
			expect(bytes.equals(fixtureRecord(DEMO_STORE.id, name).body)).toBe(true);
		}
		expect(item.json.size).toBe((await readBinary(item)).length);
		expect(item.pairedItem).toEqual({ item: 0 });
		expectNoSecrets(result);
	});

	it('sends the prefix and lands only matching records', async () => {
		const { items } = await runNode({
			parameters: downloadParameters({
				recordFilter: 'prefix',
				prefix: 'img-',
				binaryPropertyName: 'archive',
			}),
		});
		expect(local.api.requests[0].query.prefix).toBe('img-');
		const zip = await JSZip.loadAsync(await readBinary(items[0], 'archive'));
		expect(Object.keys(zip.files).sort()).toEqual(['img-001', 'img-002', 'img-003']);
		expect(items[0].json).toMatchObject({ storeId: DEMO_STORE.id, prefix: 'img-' });
	});
});

describe('Record → Download All as one item per record', () => {
	it('outputs every record once with its bytes, a detected content type and a file name', async () => {
		const result = await runNode({ parameters: downloadParameters({ outputMode: 'records' }) });
		expect(result.error).toBeUndefined();
		const keys = result.items.map((item) => item.json.key);
		expect([...keys].sort()).toEqual([...fixtureKeys(DEMO_STORE.id)].sort());
		for (const item of result.items) {
			const record = fixtureRecord(DEMO_STORE.id, item.json.key as string);
			expect((await readBinary(item)).equals(record.body)).toBe(true);
			expect(item.json.size).toBe(record.body.length);
			expect(item.pairedItem).toEqual({ item: 0 });
		}
		const byKey = Object.fromEntries(result.items.map((item) => [item.json.key, item]));
		expect(byKey.screenshot.binary?.data).toMatchObject({
			mimeType: 'image/png',
			fileName: 'screenshot.png',
		});
		expect(byKey.report.binary?.data).toMatchObject({
			mimeType: 'application/pdf',
			fileName: 'report.pdf',
		});
		expect(byKey.OUTPUT.json.contentType).toMatch(/^application\/json/);
		expect(byKey.notes.json.contentType).toMatch(/^text\/plain/);
		expect(byKey.page.json.contentType).toMatch(/^text\/html/);
		expect(byKey.OUTPUT.json.value).toBeUndefined();
	});

	it('parses JSON records into "value" when asked', async () => {
		const { items } = await runNode({
			parameters: downloadParameters({ outputMode: 'records', options: { parseJson: true } }),
		});
		const output = items.find((item) => item.json.key === 'OUTPUT');
		expect(output?.json.value).toEqual(
			JSON.parse(fixtureRecord(DEMO_STORE.id, 'OUTPUT').body.toString()),
		);
		expect(items.find((item) => item.json.key === 'notes')?.json.value).toBeUndefined();
	});

	it('tells JSON by shape, and with Parse JSON Records turns a JSON-shaped text into text, keeping archive order', async () => {
		const store = local.api.addStore({ name: 'shapes' });
		const records: Array<[string, string]> = [
			['a-array', '  [1, 2, {"three": 3}]\n'],
			['b-log', '[INFO] started ... [done]'],
			['c-object', '{"ok": true}'],
			['d-plain', 'just words'],
		];
		for (const [key, body] of records)
			local.api.putRecord(store.id, key, Buffer.from(body), { contentType: 'text/plain' });
		const run = (parseJson: boolean) =>
			runNode({
				parameters: downloadParameters({
					storeId: byId(store.id),
					outputMode: 'records',
					options: { parseJson },
				}),
			});

		const asFiles = await run(false);
		expect(asFiles.error).toBeUndefined();
		expect(
			asFiles.items.map((item) => [item.json.key, String(item.json.contentType).split(';')[0]]),
		).toEqual([
			['a-array', 'application/json'],
			['b-log', 'application/json'],
			['c-object', 'application/json'],
			['d-plain', 'text/plain'],
		]);

		const parsed = await run(true);
		expect(parsed.error).toBeUndefined();
		const byKey = Object.fromEntries(parsed.items.map((item) => [item.json.key, item]));
		expect(byKey['a-array'].json.value).toEqual([1, 2, { three: 3 }]);
		expect(byKey['c-object'].json.value).toEqual({ ok: true });
		expect(byKey['b-log'].json.value).toBeUndefined();
		expect(byKey['b-log'].json.contentType).toMatch(/^text\/plain/);
		expect(byKey['b-log'].binary?.data).toMatchObject({
			mimeType: 'text/plain; charset=utf-8',
			fileName: 'b-log.txt',
		});
		expect((await readBinary(byKey['b-log'])).toString()).toBe('[INFO] started ... [done]');
	});

	it("stops with the record's name when a record named .json is not JSON and Parse JSON Records is on", async () => {
		const store = local.api.addStore({ name: 'broken-json' });
		local.api.putRecord(store.id, 'good.json', Buffer.from('{"a":1}'), {
			contentType: 'application/json',
		});
		local.api.putRecord(store.id, 'bad.json', Buffer.from('{"a":'), {
			contentType: 'application/json',
		});
		const { items, error } = await runNode({
			parameters: downloadParameters({
				storeId: byId(store.id),
				outputMode: 'records',
				options: { parseJson: true },
			}),
		});
		expect(items).toEqual([]);
		expect(error?.message).toMatch(/^Record "bad\.json" is not valid JSON \(/);
		expect(error?.description).toMatch(/Turn off Parse JSON Records/);
	});

	it('outputs many records in the order of the archive, each once', async () => {
		const store = local.api.addStore({ name: 'many-records' });
		const keys = Array.from({ length: 300 }, (_, index) => `r-${String(index).padStart(4, '0')}`);
		// Sizes vary so that records finish storing out of order when several are stored at once.
		keys.forEach((key, index) =>
			local.api.putRecord(store.id, key, Buffer.alloc(((index * 7919) % 50_000) + 1, index % 251), {
				contentType: 'application/octet-stream',
			}),
		);
		const { items, error } = await runNode({
			parameters: downloadParameters({ storeId: byId(store.id), outputMode: 'records' }),
		});
		expect(error).toBeUndefined();
		const zipOrder = Object.keys((await JSZip.loadAsync(await zipOf(store.id))).files);
		expect(items.map((item) => item.json.key)).toEqual(zipOrder);
		expect(new Set(zipOrder)).toEqual(new Set(keys));
		for (const [index, item] of items.entries()) {
			const bytes = await readBinary(item);
			const expected = keys.indexOf(String(item.json.key));
			expect(bytes.length).toBe(((expected * 7919) % 50_000) + 1);
			expect(bytes[0]).toBe(expected % 251);
			expect(item.pairedItem).toEqual({ item: 0 });
			expect(index).toBe(zipOrder.indexOf(String(item.json.key)));
		}
	});

	it.each([
		['images', ['img-001', 'img-002', 'img-003']],
		['output', ['OUTPUT']],
	])('downloads the %s collection of the store schema', async (collection, keys) => {
		const { items, error } = await runNode({
			parameters: downloadParameters({
				outputMode: 'records',
				recordFilter: 'collection',
				collection,
			}),
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.key).sort()).toEqual(keys);
	});

	it('reports an unknown collection with the API error', async () => {
		const { error } = await runNode({
			parameters: downloadParameters({
				outputMode: 'records',
				recordFilter: 'collection',
				collection: 'nope',
			}),
		});
		expect(error?.message).toMatch(/^Apify API error 400 invalid-collection/);
	});

	it('refuses more records than Max Records, outputting none', async () => {
		const { items, error } = await runNode({
			parameters: downloadParameters({ outputMode: 'records', options: { maxRecords: 2 } }),
		});
		expect(items).toEqual([]);
		expect(error?.message).toBe('The store has more than 2 records, the limit set in Max Records');
		expect(error?.description).toMatch(/Raise Max Records/);
	});

	it('refuses to unpack more than Max Total Size, outputting none', async () => {
		const big = local.api.addStore({ name: 'big-store' });
		local.api.putRecord(big.id, 'first', Buffer.alloc(700 * 1024, 1), {
			contentType: 'application/octet-stream',
		});
		local.api.putRecord(big.id, 'second', Buffer.alloc(700 * 1024, 2), {
			contentType: 'application/octet-stream',
		});
		const { items, error } = await runNode({
			parameters: downloadParameters({
				storeId: byId(big.id),
				outputMode: 'records',
				options: { maxTotalMegabytes: 1 },
			}),
		});
		expect(items).toEqual([]);
		expect(error?.message).toBe('The records unpack to more bytes than the limit of 1048576 bytes');
	});
});
