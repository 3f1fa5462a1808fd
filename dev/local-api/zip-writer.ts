/**
 * A streaming ZIP writer for archives that hold generated records: each entry's body is opened
 * only when its turn comes, compressed by node:zlib on the way through, and followed by a data
 * descriptor (the shape of jszip's `streamFiles` output). Memory stays at a few chunks plus the
 * central directory, whatever the archive's size. Past 65,534 entries or 4 GiB, the directory
 * takes ZIP64's records (entry offsets in an extra field, ZIP64 end records), as streaming
 * writers do; a single entry stays under 4 GiB.
 */
import { Readable, Transform, pipeline } from 'node:stream';
import { constants, createDeflateRaw, crc32, deflateRawSync } from 'node:zlib';

import type { ZipCompression } from './store-data';

export interface ZipSource {
	name: string;
	compression: ZipCompression;
	/** The body's size when known: small bodies are deflated in one call (see `ONE_CALL_BYTES`). */
	size?: number;
	/** Called once, when the entry is written. */
	open(): Readable;
}

export interface ZipWriterOptions {
	/** zlib level for DEFLATE entries; default 6, as jszip's default. */
	level?: number;
}

const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_DIRECTORY = 0x06054b50;
/** Sizes and CRC follow the data (bit 3); the name is UTF-8 (bit 11). */
const FLAGS = 0x0008 | 0x0800;
const VERSION = 20;
const MAX_32 = 0xffffffff;
const MAX_16 = 0xffff;
const ZIP64_VERSION = 45;
const ZIP64_EXTRA = 0x0001;
const ZIP64_END_OF_DIRECTORY = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
/** 2024-01-01 00:00 in MS-DOS date and time. */
const DOS_TIME = 0;
const DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 1;
const CENTRAL_BATCH_BYTES = 256 * 1024;
/**
 * Bodies up to this size are read whole and deflated in one synchronous call: for 10,000 small
 * records that is about twice as fast as a zlib stream each, and blocks for milliseconds at most.
 */
const ONE_CALL_BYTES = 1024 * 1024;

function localHeader(name: Buffer, method: number): Buffer {
	const header = Buffer.alloc(30 + name.length);
	header.writeUInt32LE(LOCAL_HEADER, 0);
	header.writeUInt16LE(VERSION, 4);
	header.writeUInt16LE(FLAGS, 6);
	header.writeUInt16LE(method, 8);
	header.writeUInt16LE(DOS_TIME, 10);
	header.writeUInt16LE(DOS_DATE, 12);
	// CRC and sizes (14..25) are 0: the data descriptor carries them.
	header.writeUInt16LE(name.length, 26);
	header.writeUInt16LE(0, 28);
	name.copy(header, 30);
	return header;
}

function dataDescriptor(crc: number, compressedSize: number, size: number): Buffer {
	const descriptor = Buffer.alloc(16);
	descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0);
	descriptor.writeUInt32LE(crc >>> 0, 4);
	descriptor.writeUInt32LE(compressedSize, 8);
	descriptor.writeUInt32LE(size, 12);
	return descriptor;
}

interface CentralEntry {
	name: Buffer;
	method: number;
	crc: number;
	compressedSize: number;
	size: number;
	offset: number;
}

function centralHeader(entry: CentralEntry): Buffer {
	const zip64 = entry.offset > MAX_32;
	const extraLength = zip64 ? 12 : 0;
	const header = Buffer.alloc(46 + entry.name.length + extraLength);
	header.writeUInt32LE(CENTRAL_HEADER, 0);
	header.writeUInt16LE(zip64 ? ZIP64_VERSION : VERSION, 4);
	header.writeUInt16LE(zip64 ? ZIP64_VERSION : VERSION, 6);
	header.writeUInt16LE(FLAGS, 8);
	header.writeUInt16LE(entry.method, 10);
	header.writeUInt16LE(DOS_TIME, 12);
	header.writeUInt16LE(DOS_DATE, 14);
	header.writeUInt32LE(entry.crc >>> 0, 16);
	header.writeUInt32LE(entry.compressedSize, 20);
	header.writeUInt32LE(entry.size, 24);
	header.writeUInt16LE(entry.name.length, 28);
	header.writeUInt16LE(extraLength, 30);
	// Comment, disk number, internal and external attributes (32..41) are 0.
	header.writeUInt32LE(zip64 ? MAX_32 : entry.offset, 42);
	entry.name.copy(header, 46);
	if (zip64) {
		const extra = 46 + entry.name.length;
		header.writeUInt16LE(ZIP64_EXTRA, extra);
		header.writeUInt16LE(8, extra + 2);
		header.writeBigUInt64LE(BigInt(entry.offset), extra + 4);
	}
	return header;
}

/** The end records: ZIP64's as well when the count, the directory's size or its offset does not fit. */
function endOfDirectory(count: number, directorySize: number, directoryOffset: number): Buffer {
	const zip64 = count >= MAX_16 || directorySize > MAX_32 || directoryOffset > MAX_32;
	const record = Buffer.alloc(22);
	record.writeUInt32LE(END_OF_DIRECTORY, 0);
	record.writeUInt16LE(zip64 ? MAX_16 : count, 8);
	record.writeUInt16LE(zip64 ? MAX_16 : count, 10);
	record.writeUInt32LE(zip64 ? MAX_32 : directorySize, 12);
	record.writeUInt32LE(zip64 ? MAX_32 : directoryOffset, 16);
	if (!zip64) return record;
	const end64 = Buffer.alloc(56);
	end64.writeUInt32LE(ZIP64_END_OF_DIRECTORY, 0);
	end64.writeBigUInt64LE(44n, 4);
	end64.writeUInt16LE(ZIP64_VERSION, 12);
	end64.writeUInt16LE(ZIP64_VERSION, 14);
	end64.writeBigUInt64LE(BigInt(count), 24);
	end64.writeBigUInt64LE(BigInt(count), 32);
	end64.writeBigUInt64LE(BigInt(directorySize), 40);
	end64.writeBigUInt64LE(BigInt(directoryOffset), 48);
	const locator = Buffer.alloc(20);
	locator.writeUInt32LE(ZIP64_LOCATOR, 0);
	locator.writeBigUInt64LE(BigInt(directoryOffset + directorySize), 8);
	locator.writeUInt32LE(1, 16);
	return Buffer.concat([end64, locator, record]);
}

function checkFits(value: number, what: string): void {
	if (value > MAX_32) throw new Error(`The archive's ${what} passes 4 GiB; entries stay under it`);
}

async function* archiveChunks(entries: Iterable<ZipSource>, level: number): AsyncGenerator<Buffer> {
	const central: CentralEntry[] = [];
	let offset = 0;
	for (const entry of entries) {
		const name = Buffer.from(entry.name, 'utf8');
		const method = entry.compression === 'STORE' ? 0 : 8;
		const header = localHeader(name, method);
		const headerOffset = offset;
		yield header;
		offset += header.length;

		const body =
			method === 8 && entry.size !== undefined && entry.size <= ONE_CALL_BYTES
				? oneCallBody(entry, level)
				: streamedBody(entry, method, level);
		let compressedSize = 0;
		for await (const chunk of body.chunks) {
			compressedSize += chunk.length;
			yield chunk;
		}
		const { crc, size } = body.totals();
		checkFits(size, 'entry size');
		checkFits(compressedSize, 'entry size');
		offset += compressedSize;
		const descriptor = dataDescriptor(crc, compressedSize, size);
		yield descriptor;
		offset += descriptor.length;
		central.push({ name, method, crc, compressedSize, size, offset: headerOffset });
	}

	const directoryOffset = offset;
	let batch: Buffer[] = [];
	let batchBytes = 0;
	for (const entry of central) {
		const header = centralHeader(entry);
		batch.push(header);
		batchBytes += header.length;
		offset += header.length;
		if (batchBytes >= CENTRAL_BATCH_BYTES) {
			yield Buffer.concat(batch);
			batch = [];
			batchBytes = 0;
		}
	}
	if (batch.length > 0) yield Buffer.concat(batch);
	yield endOfDirectory(central.length, offset - directoryOffset, directoryOffset);
}

interface EntryBody {
	chunks: AsyncIterable<Buffer>;
	/** CRC-32 and size of the uncompressed body, once `chunks` is consumed. */
	totals(): { crc: number; size: number };
}

function oneCallBody(entry: ZipSource, level: number): EntryBody {
	let crc = 0;
	let size = 0;
	return {
		chunks: (async function* () {
			const parts: Buffer[] = [];
			for await (const chunk of entry.open()) parts.push(chunk as Buffer);
			const plain = Buffer.concat(parts);
			crc = crc32(plain);
			size = plain.length;
			yield deflateRawSync(plain, { level });
		})(),
		totals: () => ({ crc, size }),
	};
}

function streamedBody(entry: ZipSource, method: number, level: number): EntryBody {
	let crc = 0;
	let size = 0;
	const counter = new Transform({
		transform(chunk: Buffer, _encoding, done) {
			crc = crc32(chunk, crc);
			size += chunk.length;
			done(null, chunk);
		},
	});
	const stages =
		method === 8 ? [entry.open(), counter, createDeflateRaw({ level })] : [entry.open(), counter];
	// pipeline() returns its last stream and destroys every stage, with the error, if one fails.
	const last = pipeline(stages, () => {}) as unknown as Readable;
	return { chunks: last, totals: () => ({ crc, size }) };
}

const COALESCE_BYTES = 64 * 1024;

/** Joins small pieces (headers, small entries) into chunks of about 64 KiB: far fewer socket writes. */
async function* coalesced(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
	let pending: Buffer[] = [];
	let pendingBytes = 0;
	for await (const chunk of chunks) {
		if (chunk.length >= COALESCE_BYTES && pendingBytes === 0) {
			yield chunk;
			continue;
		}
		pending.push(chunk);
		pendingBytes += chunk.length;
		if (pendingBytes >= COALESCE_BYTES) {
			yield Buffer.concat(pending, pendingBytes);
			pending = [];
			pendingBytes = 0;
		}
	}
	if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

/** The archive of `entries`, in their order, as a stream that pulls each entry when it is needed. */
export function zipStream(entries: Iterable<ZipSource>, options: ZipWriterOptions = {}): Readable {
	const level = options.level ?? constants.Z_DEFAULT_COMPRESSION;
	return Readable.from(coalesced(archiveChunks(entries, level)), { objectMode: false });
}
