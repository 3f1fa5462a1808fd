/**
 * Download All as one item per record unpacks the archive while it downloads and stores each record
 * as it arrives. These runs prove what that must never change: nothing is output unless the whole
 * archive was read and checked, a retry neither loses nor repeats a record, and the limits hold.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Transform } from 'node:stream';

import type { BinaryData } from 'n8n-core';
import type { IDataObject } from 'n8n-workflow';

import { initBinaryData, readBinary, runNode, type RunResult } from '../../dev/harness/engine';
import { byId, useLocalApi } from './setup';
import { craftZip, directoryOffset, streamedZip } from './zip-craft';

const local = useLocalApi();
const MIB = 1024 * 1024;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const zipPathOf = (storeId: string) => `/v2/key-value-stores/${storeId}/records`;
const attemptsAt = (path: string) =>
	local.api.requests.filter((request) => request.path === path).length;

function unpackParameters(storeId: string, options: IDataObject = {}): IDataObject {
	return {
		resource: 'record',
		operation: 'download',
		storeId: byId(storeId),
		outputMode: 'records',
		options,
	};
}

/** A store of its own with these records. */
function storeWith(name: string, records: Record<string, Buffer>): string {
	const store = local.api.addStore({ name });
	for (const [key, body] of Object.entries(records)) {
		local.api.putRecord(store.id, key, body, { contentType: 'application/octet-stream' });
	}
	return store.id;
}

/** Runs the node over an archive the API answers with instead of the store's own. */
async function unpackArchive(archive: Buffer, options: IDataObject = {}): Promise<RunResult> {
	const storeId = storeWith(`crafted-${randomBytes(4).toString('hex')}`, {});
	local.api.faults.add({
		path: zipPathOf(storeId),
		kind: 'body',
		body: archive,
		contentType: 'application/zip',
	});
	return await runNode({ parameters: unpackParameters(storeId, { maxRetries: 0, ...options }) });
}

async function expectRecords(items: RunResult['items'], records: Record<string, Buffer>) {
	expect(items.map((item) => item.json.key)).toEqual(Object.keys(records));
	for (const item of items) {
		const expected = records[item.json.key as string];
		expect(item.json.size).toBe(expected.length);
		expect(sha256(await readBinary(item))).toBe(sha256(expected));
	}
}

const randomRecords = (count: number, size: number, prefix = 'record') =>
	Object.fromEntries(
		Array.from({ length: count }, (_, index) => [
			`${prefix}-${String(index).padStart(3, '0')}`,
			randomBytes(size),
		]),
	);

describe('Download All, one item per record, unpacked as it downloads', () => {
	it('starts again after the download broke off in the middle: every record once, byte for byte', async () => {
		const records = randomRecords(40, 256 * 1024);
		const storeId = storeWith('broken-off', records);
		local.api.faults.add({ path: zipPathOf(storeId), kind: 'reset-mid-body', afterBytes: 5 * MIB });
		const { items, error } = await runNode({ parameters: unpackParameters(storeId) });
		expect(error).toBeUndefined();
		expect(attemptsAt(zipPathOf(storeId))).toBe(2);
		await expectRecords(items, records);
	});

	it('outputs nothing when the download breaks off and no retry is left', async () => {
		const storeId = storeWith('broken-off-for-good', randomRecords(40, 256 * 1024));
		local.api.faults.add({ path: zipPathOf(storeId), kind: 'reset-mid-body', afterBytes: 5 * MIB });
		const { items, error } = await runNode({
			parameters: unpackParameters(storeId, { maxRetries: 0 }),
		});
		expect(items).toEqual([]);
		expect(error).toBeDefined();
	});

	it('uses a buffer a record was gathered in again only once the record is stored: many sizes, storage that takes its time, each byte for byte', async () => {
		const manager = (
			(await initBinaryData()) as unknown as { managers: Record<string, BinaryData.Manager> }
		).managers.filesystem;
		const store = manager.store.bind(manager);
		// Each file stored a few milliseconds late, some later than others: several wait at once
		// and end out of order, while the next records are gathered.
		const slowStore = jest
			.spyOn(manager, 'store')
			.mockImplementation(async (location, data, metadata) => {
				await new Promise((resolve) => setTimeout(resolve, 1 + Math.floor(Math.random() * 20)));
				return await store(location, data, metadata);
			});
		// Sizes at and around the buffers' powers of two, four records of each in a row, so that a
		// buffer is wanted again while the record it holds may still wait; one size is no bytes.
		const sizes = [0, 1, 16 * 1024, 16 * 1024 + 1, 20_000, 300_000, MIB - 1, MIB, MIB + 1, 3 * MIB];
		const records = Object.fromEntries(
			Array.from({ length: 4 * sizes.length }, (_, index) => [
				`record-${String(index).padStart(3, '0')}`,
				randomBytes(sizes[Math.floor(index / 4)]),
			]),
		);
		try {
			const { items, error } = await runNode({
				parameters: unpackParameters(storeWith('many-sizes', records)),
			});
			expect(error).toBeUndefined();
			await expectRecords(items, records);
		} finally {
			slowStore.mockRestore();
		}
	});

	it('streams a record larger than it gathers (24 MiB) into storage, byte for byte, between small ones', async () => {
		// The local API lists, and so zips, records in key order.
		const records = {
			'a-before': Buffer.from('{"small":true}'),
			// Random bytes, but for a start that is no file type's signature: random ones are one
			// now and then (0B 77 is AC-3 audio's), and the record would be sniffed as that.
			'b-large': Buffer.concat([Buffer.from('no signature\0'), randomBytes(24 * MIB - 13)]),
			'c-after': Buffer.from('text after'),
		};
		const { items, error } = await runNode({
			parameters: unpackParameters(storeWith('large-record', records)),
		});
		expect(error).toBeUndefined();
		await expectRecords(items, records);
		expect(items.map((item) => item.json.contentType)).toEqual([
			'application/json; charset=utf-8',
			'application/octet-stream',
			'text/plain; charset=utf-8',
		]);
	});

	it('refuses to parse a .json record over 10 MiB, above what Apify takes as JSON, and outputs it as a file when Parse JSON Records is off', async () => {
		const value = { rows: Array.from({ length: 400_000 }, (_, index) => ({ index, name: 'row' })) };
		const body = Buffer.from(JSON.stringify(value));
		expect(body.length).toBeGreaterThan(10 * MIB);
		const storeId = storeWith('large-json', { 'first.json': Buffer.from('{}'), 'rows.json': body });
		const parsed = await runNode({ parameters: unpackParameters(storeId, { parseJson: true }) });
		expect(parsed.items).toEqual([]);
		expect(parsed.error?.message).toBe(
			'Record "rows.json" is too large to parse as JSON: over 10 MiB',
		);
		expect(parsed.error?.description).toMatch(/^No records were output\. .*Turn it off/);
		const { items, error } = await runNode({ parameters: unpackParameters(storeId) });
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.value)).toEqual([undefined, undefined]);
		expect(sha256(await readBinary(items[1]))).toBe(sha256(body));
	});

	it('streams a large record into slow binary storage without piling up listeners on its stream', async () => {
		const manager = (
			(await initBinaryData()) as unknown as { managers: Record<string, BinaryData.Manager> }
		).managers.filesystem;
		const store = manager.store.bind(manager);
		let mostListeners = 0;
		// Storage that takes each chunk a millisecond late: the node waits for it again and again.
		const slowStore = jest
			.spyOn(manager, 'store')
			.mockImplementation(async (location, data, metadata) => {
				if (Buffer.isBuffer(data)) return await store(location, data, metadata);
				const slow = new Transform({
					transform(chunk, _encoding, callback) {
						const listeners = data
							.eventNames()
							.reduce((sum, event) => sum + data.listenerCount(event), 0);
						mostListeners = Math.max(mostListeners, listeners);
						setTimeout(() => callback(null, chunk), 1);
					},
				});
				return await store(location, data.pipe(slow), metadata);
			});
		try {
			const records = { large: randomBytes(16 * MIB) };
			const { items, error } = await runNode({
				parameters: unpackParameters(storeWith('slow-storage', records)),
			});
			expect(error).toBeUndefined();
			await expectRecords(items, records);
			expect(mostListeners).toBeGreaterThan(0);
			expect(mostListeners).toBeLessThanOrEqual(8);
		} finally {
			slowStore.mockRestore();
		}
	});

	it('reads stored entries whose data descriptors have no signature, as the ZIP format allows', async () => {
		const records = {
			'a.json': Buffer.from('{"a":1}'),
			large: randomBytes(12 * MIB),
			'inner.zip': craftZip([{ name: 'x', data: Buffer.from('x'), descriptor: 'unsigned' }]),
		};
		const archive = craftZip(
			Object.entries(records).map(([name, data]) => ({ name, data, descriptor: 'unsigned' })),
		);
		const { items, error } = await unpackArchive(archive);
		expect(error).toBeUndefined();
		await expectRecords(items, records);
	});

	describe('damaged archives output nothing, whatever was stored before the damage', () => {
		const records = {
			first: Buffer.from('one'),
			large: randomBytes(12 * MIB),
			last: Buffer.from('the last record'),
		};

		it.each(['STORE', 'DEFLATE'] as const)(
			'a bad CRC in the last entry (%s, data descriptors)',
			async (compression) => {
				const archive = await streamedZip(records, compression);
				// The last entry's data descriptor: signature, CRC, sizes, just before the directory.
				archive.writeUInt32LE(0x12345678, directoryOffset(archive) - 12);
				const { items, error } = await unpackArchive(archive);
				expect(items).toEqual([]);
				expect(error?.message).toMatch(/^The downloaded ZIP archive is damaged: /);
				if (compression === 'DEFLATE')
					expect(error?.message).toMatch(/entry "last" fails its CRC check$/);
				expect(error?.description).toMatch(/No records were output/);
			},
		);

		it.each([
			['in the large record', 6 * MIB],
			['in the last record', -200],
			['in the directory', -30],
		])('a stream cut off %s', async (_where, at) => {
			const archive = await streamedZip(records, 'DEFLATE');
			const end = at > 0 ? at : archive.length + at;
			const { items, error } = await unpackArchive(archive.subarray(0, end));
			expect(items).toEqual([]);
			expect(error?.message).toMatch(/^The downloaded ZIP archive is damaged: /);
		});
	});

	it('stops a bomb of unknown size (data descriptor) at Max Total Size, holding little', async () => {
		const archive = await streamedZip({ bomb: Buffer.alloc(512 * MIB) }, 'DEFLATE');
		expect(archive.length).toBeLessThan(2 * MIB);
		const peakBefore = process.resourceUsage().maxRSS;
		const { items, error } = await unpackArchive(archive, { maxTotalMegabytes: 16 });
		expect(items).toEqual([]);
		expect(error?.message).toBe(
			`The records unpack to more bytes than the limit of ${16 * MIB} bytes`,
		);
		expect(error?.description).toMatch(/Raise Max Total Size/);
		expect(process.resourceUsage().maxRSS - peakBefore).toBeLessThan(100 * 1024);
	});
});
