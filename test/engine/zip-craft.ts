/**
 * Writes ZIP archives byte by byte for hostile-input tests: names a ZIP library would not write,
 * directory entries that lie about sizes, and more entries than a 16-bit count holds (ZIP64 end record).
 */
import { Readable } from 'node:stream';
import { constants, createDeflateRaw, crc32 } from 'node:zlib';

import { zipStream } from '../../dev/local-api/zip-writer';

export interface CraftedEntry {
	name: string;
	/** The bytes as stored in the archive: raw deflate data when `deflated`, else the content itself. */
	data: Buffer;
	deflated?: boolean;
	/** What the directory claims; by default the truth for stored entries. */
	uncompressedSize?: number;
	crc?: number;
	/**
	 * CRC and sizes in a data descriptor after the data (bit 3), with or without its signature,
	 * instead of in the local header.
	 */
	descriptor?: 'signed' | 'unsigned';
	/** With a descriptor: a ZIP64 extra field in the local header, and 8-byte sizes in the descriptor. */
	zip64?: boolean;
	/** The local header's extra field, for an entry without `zip64`. */
	extra?: Buffer;
}

/** The data descriptor of an entry: its CRC and sizes, after its data. */
function descriptorOf(entry: CraftedEntry, crc: number, size: number): Buffer {
	const numbers = Buffer.alloc(entry.zip64 ? 20 : 12);
	numbers.writeUInt32LE(crc >>> 0, 0);
	if (entry.zip64) {
		numbers.writeBigUInt64LE(BigInt(entry.data.length), 4);
		numbers.writeBigUInt64LE(BigInt(size), 12);
	} else {
		numbers.writeUInt32LE(entry.data.length, 4);
		numbers.writeUInt32LE(size, 8);
	}
	if (entry.descriptor === 'unsigned') return numbers;
	const signature = Buffer.alloc(4);
	signature.writeUInt32LE(0x08074b50, 0);
	return Buffer.concat([signature, numbers]);
}

export function craftZip(entries: Iterable<CraftedEntry>): Buffer {
	const locals: Buffer[] = [];
	const centrals: Buffer[] = [];
	let offset = 0;
	let count = 0;
	for (const entry of entries) {
		const name = Buffer.from(entry.name, 'utf8');
		const size = entry.uncompressedSize ?? entry.data.length;
		const crc = entry.crc ?? crc32(entry.data);
		const method = entry.deflated ? 8 : 0;
		const flags = 0x0800 | (entry.descriptor ? 0x8 : 0);
		const local = Buffer.alloc(30);
		local.writeUInt32LE(0x04034b50, 0);
		local.writeUInt16LE(20, 4);
		local.writeUInt16LE(flags, 6);
		local.writeUInt16LE(method, 8);
		const extra = entry.extra ?? Buffer.alloc(entry.descriptor && entry.zip64 ? 20 : 0);
		if (entry.descriptor) {
			// The sizes follow the data; ZIP64 says so with all-ones sizes and its extra field.
			if (entry.zip64) {
				local.writeUInt32LE(0xffffffff, 18);
				local.writeUInt32LE(0xffffffff, 22);
				extra.writeUInt16LE(0x0001, 0);
				extra.writeUInt16LE(16, 2);
			}
		} else {
			local.writeUInt32LE(crc >>> 0, 14);
			local.writeUInt32LE(entry.data.length, 18);
			local.writeUInt32LE(size, 22);
		}
		local.writeUInt16LE(name.length, 26);
		local.writeUInt16LE(extra.length, 28);
		const descriptor = entry.descriptor ? descriptorOf(entry, crc, size) : Buffer.alloc(0);
		const central = Buffer.alloc(46);
		central.writeUInt32LE(0x02014b50, 0);
		central.writeUInt16LE(20, 4);
		central.writeUInt16LE(20, 6);
		central.writeUInt16LE(flags, 8);
		central.writeUInt16LE(method, 10);
		central.writeUInt32LE(crc >>> 0, 16);
		central.writeUInt32LE(entry.data.length, 20);
		central.writeUInt32LE(size, 24);
		central.writeUInt16LE(name.length, 28);
		central.writeUInt32LE(offset, 42);
		locals.push(local, name, extra, entry.data, descriptor);
		centrals.push(central, name);
		offset += local.length + name.length + extra.length + entry.data.length + descriptor.length;
		count++;
	}
	const directory = Buffer.concat(centrals);
	const tail: Buffer[] = [];
	if (count > 0xfffe) {
		const zip64 = Buffer.alloc(56);
		zip64.writeUInt32LE(0x06064b50, 0);
		zip64.writeBigUInt64LE(44n, 4);
		zip64.writeUInt16LE(45, 12);
		zip64.writeUInt16LE(45, 14);
		zip64.writeBigUInt64LE(BigInt(count), 24);
		zip64.writeBigUInt64LE(BigInt(count), 32);
		zip64.writeBigUInt64LE(BigInt(directory.length), 40);
		zip64.writeBigUInt64LE(BigInt(offset), 48);
		const locator = Buffer.alloc(20);
		locator.writeUInt32LE(0x07064b50, 0);
		locator.writeBigUInt64LE(BigInt(offset + directory.length), 8);
		locator.writeUInt32LE(1, 16);
		tail.push(zip64, locator);
	}
	const end = Buffer.alloc(22);
	end.writeUInt32LE(0x06054b50, 0);
	end.writeUInt16LE(Math.min(count, 0xffff), 8);
	end.writeUInt16LE(Math.min(count, 0xffff), 10);
	end.writeUInt32LE(directory.length, 12);
	end.writeUInt32LE(offset, 16);
	return Buffer.concat([...locals, directory, ...tail, end]);
}

/**
 * Raw deflate, and the CRC-32, of `size` bytes: `head`, then `fill` bytes, then `tail`; made chunk
 * by chunk, so the caller never holds them. A gigabyte of one byte deflates to about a megabyte.
 */
export async function deflatedFill(
	size: number,
	{ head = '', fill = 0, tail = '' }: { head?: string; fill?: number; tail?: string } = {},
): Promise<{ data: Buffer; crc: number }> {
	const deflate = createDeflateRaw({ level: constants.Z_BEST_COMPRESSION });
	const chunks: Buffer[] = [];
	deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
	const done = new Promise((resolve) => deflate.on('end', resolve));
	let crc = 0;
	const write = async (bytes: Buffer) => {
		crc = crc32(bytes, crc);
		if (!deflate.write(bytes)) await new Promise((resolve) => deflate.once('drain', resolve));
	};
	const block = Buffer.alloc(1024 * 1024, fill);
	await write(Buffer.from(head));
	for (let left = size - head.length - tail.length; left > 0; left -= block.length)
		await write(block.subarray(0, Math.min(left, block.length)));
	await write(Buffer.from(tail));
	deflate.end();
	await done;
	return { data: Buffer.concat(chunks), crc };
}

/**
 * The archive the local API's streaming writer makes of these files: data descriptors after every
 * entry, as an archive written while it streams has them.
 */
export async function streamedZip(
	files: Record<string, Buffer>,
	compression: 'STORE' | 'DEFLATE',
): Promise<Buffer> {
	const sources = Object.entries(files).map(([name, bytes]) => ({
		name,
		compression,
		size: bytes.length,
		open: () => Readable.from([bytes]),
	}));
	const chunks: Buffer[] = [];
	for await (const chunk of zipStream(sources)) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

/** Where an archive's directory starts, from its end record (ZIP64's when the archive has one). */
export function directoryOffset(archive: Buffer): number {
	const offset = archive.readUInt32LE(archive.length - 6);
	if (offset !== 0xffffffff) return offset;
	const zip64End = Number(archive.readBigUInt64LE(archive.length - 22 - 20 + 8));
	return Number(archive.readBigUInt64LE(zip64End + 48));
}
