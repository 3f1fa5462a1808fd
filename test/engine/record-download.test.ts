import JSZip from 'jszip';
import type { IDataObject } from 'n8n-workflow';

import { readBinary, runNode } from '../harness/engine';
import { DEMO_STORE, fixtureKeys, fixtureRecord } from '../local-api/fixtures';
import { byId, expectNoSecrets, useLocalApi } from './setup';

const local = useLocalApi();
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
		expect(item.binary?.data).toMatchObject({ mimeType: 'application/zip', fileName: `${DEMO_STORE.id}.zip` });
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
			parameters: downloadParameters({ recordFilter: 'prefix', prefix: 'img-', binaryPropertyName: 'archive' }),
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
		expect(byKey.screenshot.binary?.data).toMatchObject({ mimeType: 'image/png', fileName: 'screenshot.png' });
		expect(byKey.report.binary?.data).toMatchObject({ mimeType: 'application/pdf', fileName: 'report.pdf' });
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
		expect(output?.json.value).toEqual(JSON.parse(fixtureRecord(DEMO_STORE.id, 'OUTPUT').body.toString()));
		expect(items.find((item) => item.json.key === 'notes')?.json.value).toBeUndefined();
	});

	it.each([
		['images', ['img-001', 'img-002', 'img-003']],
		['output', ['OUTPUT']],
	])('downloads the %s collection of the store schema', async (collection, keys) => {
		const { items, error } = await runNode({
			parameters: downloadParameters({ outputMode: 'records', recordFilter: 'collection', collection }),
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.key).sort()).toEqual(keys);
	});

	it('reports an unknown collection with the API error', async () => {
		const { error } = await runNode({
			parameters: downloadParameters({ outputMode: 'records', recordFilter: 'collection', collection: 'nope' }),
		});
		expect(error?.message).toMatch(/^Apify API error 400 invalid-collection/);
	});

	it('refuses more records than Max Records, outputting none', async () => {
		const { items, error } = await runNode({
			parameters: downloadParameters({ outputMode: 'records', options: { maxRecords: 2 } }),
		});
		expect(items).toEqual([]);
		expect(error?.message).toMatch(/has \d+ records, more than the limit of 2/);
		expect(error?.description).toMatch(/Raise Max Records/);
	});

	it('refuses to unpack more than Max Total Size, outputting none', async () => {
		const big = local.api.addStore({ name: 'big-store' });
		local.api.putRecord(big.id, 'first', Buffer.alloc(700 * 1024, 1), { contentType: 'application/octet-stream' });
		local.api.putRecord(big.id, 'second', Buffer.alloc(700 * 1024, 2), { contentType: 'application/octet-stream' });
		const { items, error } = await runNode({
			parameters: downloadParameters({
				storeId: byId(big.id),
				outputMode: 'records',
				options: { maxTotalMegabytes: 1 },
			}),
		});
		expect(items).toEqual([]);
		expect(error?.message).toMatch(/The records would unpack to 1433600 bytes, which is larger than the limit of 1048576 bytes/);
	});
});
