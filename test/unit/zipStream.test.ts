import { randomBytes } from 'node:crypto';
import { crc32, deflateRawSync } from 'node:zlib';

import JSZip from 'jszip';

import {
	ZipDamagedError,
	ZipLimitError,
	ZipStreamReader,
	type ZipStreamLimits,
} from '../../nodes/ApifyKeyValueStore/helpers/zipStream';
import { craftZip, directoryOffset, streamedZip } from '../engine/zip-craft';

const NO_LIMITS: ZipStreamLimits = { maxEntries: 1_000_000, maxTotalBytes: 2 ** 40 };

/**
 * Reads the archive in chunks of `chunkBytes`, as a download would hand it over. With `reuseChunks`
 * each chunk is overwritten once its events are taken, as a stream reusing its buffers would: the
 * reader must have kept copies of anything it still needs, never views of a chunk (a view also
 * keeps the whole chunk in memory).
 */
function unzip(
	archive: Buffer,
	chunkBytes: number,
	limits = NO_LIMITS,
	reuseChunks = false,
): Array<{ name: string; bytes: Buffer }> {
	const reader = new ZipStreamReader(limits);
	const entries: Array<{ name: string; parts: Uint8Array[]; size: number }> = [];
	for (let at = 0; at < archive.length; at += chunkBytes) {
		const chunk = Buffer.from(archive.subarray(at, at + chunkBytes));
		for (const event of reader.push(chunk)) {
			if (event.type === 'start') entries.push({ name: event.name, parts: [], size: -1 });
			else if (event.type === 'data')
				entries[entries.length - 1].parts.push(Buffer.from(event.bytes));
			else entries[entries.length - 1].size = event.size;
		}
		if (reuseChunks) chunk.fill(0);
	}
	reader.finish();
	return entries.map(({ name, parts, size }) => {
		const bytes = Buffer.concat(parts);
		if (size !== bytes.length)
			throw new Error(`entry ${name} ended with size ${size}, not ${bytes.length}`);
		return { name, bytes };
	});
}

const CRC_TABLE = Array.from({ length: 256 }, (_, byte) => {
	let value = byte;
	for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
	return value >>> 0;
});

/** The bytes with four more after them that give the whole the CRC-32 `target` (CRC is linear). */
function withCrc(data: Buffer, target: number): Buffer {
	const byTopByte: number[] = [];
	for (const [index, value] of CRC_TABLE.entries()) byTopByte[value >>> 24] = index;
	// Back from the register the target needs: the table index each of the four steps must take.
	const indexes: number[] = [];
	let register = ~target >>> 0;
	for (let step = 3; step >= 0; step--) {
		indexes[step] = byTopByte[register >>> 24];
		register = ((register ^ CRC_TABLE[indexes[step]]) << 8) >>> 0;
	}
	// Forward from the data's register: the bytes that make each step take its index.
	let state = ~crc32(data) >>> 0;
	const tail = Buffer.alloc(4);
	for (let step = 0; step < 4; step++) {
		tail[step] = (state ^ indexes[step]) & 0xff;
		state = ((state >>> 8) ^ CRC_TABLE[indexes[step]]) >>> 0;
	}
	return Buffer.concat([data, tail]);
}

/** Bytes that hold what a naive reader takes for the end of an entry or the start of the next. */
const TRICKY = Buffer.concat([
	Buffer.from('PK\x07\x08'),
	Buffer.alloc(12, 1),
	Buffer.from('PK\x03\x04PK\x01\x02PK\x05\x06'),
	randomBytes(70_000),
	Buffer.from('PK\x07\x08'),
]);

const FILES: Record<string, Buffer> = {
	'a.txt': Buffer.from('hello'),
	'b.json': Buffer.from(JSON.stringify({ x: 1 })),
	empty: Buffer.alloc(0),
	random: randomBytes(300_000),
	tricky: TRICKY,
	"weird!key_(1).v'2": Buffer.from('every character a key may have besides letters and digits'),
	repetitive: Buffer.alloc(300_000, 'x'),
	// The longest key.
	[`${'long-name-'.repeat(25)}ending`]: Buffer.from('long name'),
};

describe('ZipStreamReader', () => {
	describe.each([
		['jszip, sizes in headers', 'STORE', false],
		['jszip, sizes in headers', 'DEFLATE', false],
		['jszip, data descriptors', 'STORE', true],
		['jszip, data descriptors', 'DEFLATE', true],
	] as const)('%s, %s', (_title, compression, streamFiles) => {
		let archive: Buffer;
		beforeAll(async () => {
			const zip = new JSZip();
			for (const [name, bytes] of Object.entries(FILES)) zip.file(name, bytes);
			archive = await zip.generateAsync({ type: 'nodebuffer', compression, streamFiles });
		});

		it.each([1, 7, 4096, 65_536, Number.MAX_SAFE_INTEGER])(
			'gives every entry with its exact bytes, in chunks of %d bytes',
			(chunkBytes) => {
				const entries = unzip(archive, chunkBytes);
				expect(entries.map((entry) => entry.name)).toEqual(Object.keys(FILES));
				for (const { name, bytes } of entries) expect(bytes.equals(FILES[name])).toBe(true);
			},
		);

		it.each([7, 4096, 65_536])(
			'keeps no view of a chunk it was handed: chunks of %d bytes overwritten once read change nothing',
			(chunkBytes) => {
				const entries = unzip(archive, chunkBytes, NO_LIMITS, true);
				expect(entries.map((entry) => entry.name)).toEqual(Object.keys(FILES));
				for (const { name, bytes } of entries) expect(bytes.equals(FILES[name])).toBe(true);
			},
		);
	});

	it.each(['STORE', 'DEFLATE'] as const)(
		"reads the local API's streaming writer (%s entries, data descriptors)",
		async (compression) => {
			const entries = unzip(await streamedZip(FILES, compression), 65_536);
			expect(entries.map((entry) => entry.name)).toEqual(Object.keys(FILES));
			for (const { name, bytes } of entries) expect(bytes.equals(FILES[name])).toBe(true);
		},
	);

	describe.each([
		['signed', false],
		['unsigned', false],
		['signed', true],
		['unsigned', true],
	] as const)('stored entries with %s data descriptors (ZIP64: %s)', (descriptor, zip64) => {
		const stored = (files: Record<string, Buffer>) =>
			craftZip(Object.entries(files).map(([name, data]) => ({ name, data, descriptor, zip64 })));
		// Records that hold every signature, a ZIP file of such entries itself among them, and one
		// that ends in a descriptor signature with a few bytes after it.
		const files: Record<string, Buffer> = {
			...FILES,
			'nested.zip': stored(FILES),
			'ends-in-a-decoy': Buffer.concat([randomBytes(1000), Buffer.from('PK\x07\x08abc')]),
		};
		let archive: Buffer;
		beforeAll(() => {
			archive = stored(files);
		});

		it.each([1, 7, 23, 4096, 65_536, Number.MAX_SAFE_INTEGER])(
			'gives every entry with its exact bytes, in chunks of %d bytes',
			(chunkBytes) => {
				const entries = unzip(archive, chunkBytes, NO_LIMITS, chunkBytes === 7);
				expect(entries.map((entry) => entry.name)).toEqual(Object.keys(files));
				for (const { name, bytes } of entries) expect(bytes.equals(files[name])).toBe(true);
			},
		);

		it('ends an entry whose CRC reads as a descriptor signature', () => {
			const data = withCrc(randomBytes(500), 0x08074b50);
			expect(crc32(data)).toBe(0x08074b50);
			const entries = unzip(stored({ crafty: data, after: Buffer.from('x') }), 4096);
			expect(entries).toEqual([
				{ name: 'crafty', bytes: data },
				{ name: 'after', bytes: Buffer.from('x') },
			]);
		});

		it('ends an entry whose descriptor holds a signature, whichever chunk boundary cuts it', () => {
			// 2,055 bytes whose CRC ends in "PK": the descriptor reads "…PK", 07 08 00 00 …
			const data = withCrc(randomBytes(2051), 0x4b501234);
			const archive = stored({ crafty: data, after: Buffer.from('x') });
			for (let first = 2000; first < 2200; first++) {
				const reader = new ZipStreamReader(NO_LIMITS);
				const parts: Uint8Array[] = [];
				for (const chunk of [archive.subarray(0, first), archive.subarray(first)]) {
					for (const event of reader.push(chunk))
						if (event.type === 'data') parts.push(Buffer.from(event.bytes));
				}
				reader.finish();
				expect([
					first,
					Buffer.concat(parts).equals(Buffer.concat([data, Buffer.from('x')])),
				]).toEqual([first, true]);
			}
		});

		it('fails an entry whose descriptor does not match its bytes', () => {
			const damaged = Buffer.from(archive);
			// The last entry's last byte: no descriptor matches the bytes before it any more.
			const last = directoryOffset(damaged) - (descriptor === 'signed' ? 4 : 0) - (zip64 ? 20 : 12);
			damaged[last - 1] ^= 0xff;
			expect(() => unzip(damaged, 4096)).toThrow(ZipDamagedError);
		});
	});

	it('reads more than 65,535 entries through the ZIP64 end records', () => {
		const entries = unzip(
			craftZip(
				Array.from({ length: 66_000 }, (_, index) => ({
					name: `k${index}`,
					data: Buffer.from(String(index)),
				})),
			),
			256 * 1024,
		);
		expect(entries).toHaveLength(66_000);
		expect(entries[65_999]).toEqual({ name: 'k65999', bytes: Buffer.from('65999') });
	});

	it.each([7, 4096, 65_536])(
		'reads a header longer than what it joins across chunks (a large extra field), in chunks of %d bytes',
		(chunkBytes) => {
			// A field of an unknown ID (0xCAFE), which readers skip, of 9,996 bytes.
			const extra = Buffer.concat([Buffer.from([0xfe, 0xca, 0x0c, 0x27]), randomBytes(9996)]);
			// The long header starts near the end of a 65,536-byte chunk.
			const before = { name: 'before', data: randomBytes(65_000) };
			const long = { name: 'long', data: Buffer.from('x'), extra };
			const after = { name: 'after', data: randomBytes(9000) };
			const entries = unzip(craftZip([before, long, after]), chunkBytes, NO_LIMITS, true);
			expect(entries).toEqual(
				[before, long, after].map(({ name, data }) => ({ name, bytes: data })),
			);
		},
	);

	it('skips folder entries, and takes an archive without entries', () => {
		const entries = unzip(
			craftZip([
				{ name: 'folder/', data: Buffer.alloc(0) },
				{ name: 'file', data: Buffer.from('x') },
			]),
			3,
		);
		expect(entries).toEqual([{ name: 'file', bytes: Buffer.from('x') }]);
		expect(unzip(craftZip([]), 5)).toEqual([]);
	});

	it('takes sizes from a ZIP64 extra field in the local header', () => {
		const data = Buffer.from('zip64 sized');
		const archive = craftZip([{ name: 'big', data }]);
		// Rewrite the local header: sizes 0xFFFFFFFF, the real ones in a ZIP64 extra field.
		const extra = Buffer.alloc(20);
		extra.writeUInt16LE(0x0001, 0);
		extra.writeUInt16LE(16, 2);
		extra.writeBigUInt64LE(BigInt(data.length), 4);
		extra.writeBigUInt64LE(BigInt(data.length), 12);
		const header = Buffer.from(archive.subarray(0, 33));
		header.writeUInt32LE(0xffffffff, 18);
		header.writeUInt32LE(0xffffffff, 22);
		header.writeUInt16LE(extra.length, 28);
		const rest = archive.subarray(33);
		// The directory's offset moves by the extra field's length; the reader does not use it.
		const entries = unzip(Buffer.concat([header, extra, rest]), 4);
		expect(entries).toEqual([{ name: 'big', bytes: data }]);
	});

	describe('damage', () => {
		const good = craftZip([
			{ name: 'first', data: Buffer.from('one') },
			{ name: 'second', data: Buffer.from('two') },
		]);

		it.each([10, 40, good.length - 30, good.length - 1])(
			'an archive cut off after %d bytes',
			(length) => {
				expect(() => unzip(good.subarray(0, length), 8)).toThrow(ZipDamagedError);
			},
		);

		it('bytes that are neither an entry nor the directory', () => {
			expect(() => unzip(Buffer.from('not a zip at all'), 4)).toThrow(
				'unexpected bytes at offset 0 where an entry or the directory should start',
			);
		});

		it('a CRC that does not match, in the header or in a data descriptor', async () => {
			expect(() => unzip(craftZip([{ name: 'x', data: Buffer.from('abc'), crc: 1 }]), 16)).toThrow(
				'entry "x" fails its CRC check',
			);
			const archive = await streamedZip({ a: Buffer.from('a'), last: Buffer.from('b') }, 'DEFLATE');
			archive.writeUInt32LE(12345, directoryOffset(archive) - 12);
			expect(() => unzip(archive, 16)).toThrow('entry "last" fails its CRC check');
		});

		it('a directory that does not match the entries read', () => {
			const archive = craftZip([{ name: 'x', data: Buffer.from('abc') }]);
			archive.writeUInt32LE(7, directoryOffset(archive) + 16);
			expect(() => unzip(archive, 16)).toThrow(
				`entry "x" is not what the archive's directory says`,
			);
			const fewer = craftZip([{ name: 'x', data: Buffer.from('abc') }]);
			fewer.writeUInt16LE(2, fewer.length - 12);
			expect(() => unzip(fewer, 16)).toThrow('its directory lists 2 entries, the archive holds 1');
		});

		it('deflate data that is not deflate', () => {
			const archive = craftZip([
				{ name: 'x', data: Buffer.from([0xff, 0xff, 0xff]), deflated: true, uncompressedSize: 3 },
			]);
			expect(() => unzip(archive, 16)).toThrow(/entry "x" is not valid deflate data/);
		});

		it('encrypted entries and other compression methods', () => {
			const encrypted = craftZip([{ name: 'secret', data: Buffer.from('x') }]);
			encrypted.writeUInt16LE(0x0801, 6);
			expect(() => unzip(encrypted, 64)).toThrow('entry "secret" is encrypted');
			const bzip2 = craftZip([{ name: 'b', data: Buffer.from('x') }]);
			bzip2.writeUInt16LE(12, 8);
			expect(() => unzip(bzip2, 64)).toThrow(
				'entry "b" uses a compression method other than deflate',
			);
		});
	});

	describe('entry names, which are record keys', () => {
		const named = (name: string) => craftZip([{ name, data: Buffer.from('content') }]);

		it.each([
			['.', '.'],
			['..', '..'],
			['every character besides letters and digits', "weird!key_(1).v'2"],
			['256 characters', 'k'.repeat(256)],
		])('takes a valid key: %s', (_title, name) => {
			expect(unzip(named(name), 16)).toEqual([{ name, bytes: Buffer.from('content') }]);
		});

		it.each([
			['../../etc/passwd'],
			['/abs'],
			['a\\..\\b'],
			['folder/key'],
			['na\u0000me'],
			['bell\u0007\u001b[31m'],
			['ünïcode key'],
			[''],
		])('refuses %j as damage', (name) => {
			expect(() => unzip(named(name), 16)).toThrow(
				new ZipDamagedError(`entry ${JSON.stringify(name)} is not named by a valid record key`),
			);
		});

		it('refuses a name longer than a key from its length, before the name arrives', () => {
			const archive = named('k'.repeat(65_535));
			const reader = new ZipStreamReader(NO_LIMITS);
			// Only the header's fixed part, which ends with the name's length.
			expect(() => [...reader.push(archive.subarray(0, 30))]).toThrow(
				new ZipDamagedError(
					"an entry's name of 65535 bytes is longer than a record key can be (256 characters)",
				),
			);
			expect(() => unzip(named('k'.repeat(257)), 16)).toThrow(ZipDamagedError);
		});
	});

	describe('limits', () => {
		it('counts folder entries against Max Records, refusing at the header past it', () => {
			const archive = craftZip([
				{ name: 'a/', data: Buffer.alloc(0) },
				{ name: 'b/', data: Buffer.alloc(0) },
				{ name: 'record', data: Buffer.from('x') },
			]);
			const limits = (maxEntries: number) => ({ maxEntries, maxTotalBytes: 1000 });
			expect(() => unzip(archive, 1024, limits(2))).toThrow(
				new ZipLimitError('more than 2 entries', 'entries'),
			);
			expect(unzip(archive, 1024, limits(3))).toEqual([
				{ name: 'record', bytes: Buffer.from('x') },
			]);
		});

		const zeros = deflateRawSync(Buffer.alloc(50_000_000));
		const zerosCrc = crc32(Buffer.alloc(50_000_000));

		it('refuses the entry past Max Records when its header arrives', () => {
			const archive = craftZip(
				Array.from({ length: 5 }, (_, index) => ({ name: `e${index}`, data: Buffer.from('x') })),
			);
			expect(() => unzip(archive, 1024, { maxEntries: 4, maxTotalBytes: 1000 })).toThrow(
				ZipLimitError,
			);
			expect(unzip(archive, 1024, { maxEntries: 5, maxTotalBytes: 1000 })).toHaveLength(5);
		});

		it('refuses a declared size past the total before inflating it', () => {
			const archive = craftZip([
				{ name: 'big', data: zeros, deflated: true, uncompressedSize: 50_000_000, crc: zerosCrc },
			]);
			let error: unknown;
			try {
				unzip(archive, 1 << 20, { maxEntries: 10, maxTotalBytes: 1_000_000 });
			} catch (caught) {
				error = caught;
			}
			expect(error).toBeInstanceOf(ZipLimitError);
			expect((error as ZipLimitError).declared).toBe(50_000_000);
		});

		it('stops an entry that inflates past its declared size at that size', () => {
			const archive = craftZip([
				{ name: 'bomb', data: zeros, deflated: true, uncompressedSize: 100, crc: 0 },
			]);
			const reader = new ZipStreamReader(NO_LIMITS);
			let inflated = 0;
			expect(() => {
				for (const event of reader.push(archive))
					if (event.type === 'data') inflated += event.bytes.length;
			}).toThrow('entry "bomb" inflates to more than its declared 100 bytes');
			expect(inflated).toBe(0);
		});

		it('stops an entry of unknown size (data descriptor) at the total limit', async () => {
			const archive = await streamedZip({ bomb: Buffer.alloc(50_000_000) }, 'DEFLATE');
			const reader = new ZipStreamReader({ maxEntries: 10, maxTotalBytes: 1_000_000 });
			let inflated = 0;
			expect(() => {
				for (const event of reader.push(archive))
					if (event.type === 'data') inflated += event.bytes.length;
			}).toThrow(ZipLimitError);
			expect(inflated).toBeLessThanOrEqual(1_000_000);
		});

		it('stops a stored entry of unknown size (data descriptor) at the total limit', async () => {
			const archive = await streamedZip({ big: randomBytes(3_000_000) }, 'STORE');
			const reader = new ZipStreamReader({ maxEntries: 10, maxTotalBytes: 1_000_000 });
			let read = 0;
			expect(() => {
				for (let at = 0; at < archive.length; at += 64 * 1024) {
					for (const event of reader.push(archive.subarray(at, at + 64 * 1024)))
						if (event.type === 'data') read += event.bytes.length;
				}
			}).toThrow(ZipLimitError);
			expect(read).toBeLessThanOrEqual(1_000_000);
		});

		it('hands on a highly compressed chunk piece by piece, as the caller takes them', () => {
			const archive = craftZip([
				{ name: 'big', data: zeros, deflated: true, uncompressedSize: 50_000_000, crc: zerosCrc },
			]);
			const events = new ZipStreamReader(NO_LIMITS).push(archive);
			const first = events.next();
			expect(first.value).toEqual({ type: 'start', name: 'big' });
			const piece = events.next().value as { type: string; bytes: Uint8Array };
			expect(piece.type).toBe('data');
			expect(piece.bytes.length).toBeLessThanOrEqual(256 * 1024);
		});
	});
});
