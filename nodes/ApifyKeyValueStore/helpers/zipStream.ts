import {
	ZStream,
	Z_BUF_ERROR,
	Z_NO_FLUSH,
	Z_OK,
	Z_STREAM_END,
	zlibInflate,
	zlibInflateInit2,
	zlibInflateReset,
} from 'pako';

import { crc32 } from './crc32';
import { asBuffer } from './streams';
import { MAX_RECORD_KEY_LENGTH, RECORD_KEY_PATTERN } from './validation';

/**
 * Reads a ZIP archive as it streams, front to back, without ever holding it: each entry's bytes are
 * handed on as they are unpacked, and the archive's directory, which comes last, is checked against
 * what was read. This is how a store of any size becomes one item per record with flat memory.
 *
 * Where an entry ends is known from its local header, or, for entries written as they streamed
 * (bit 3: sizes and CRC in a data descriptor after the data), from the deflate stream's own end, or,
 * for stored entries, from a data descriptor (signed or not) whose CRC and size match the bytes
 * before it. pako's zlib port inflates: unlike the other inflaters n8n Cloud allows, it says where
 * a deflate stream ended.
 *
 * Apify names each entry by its record's key, and keys are flat (no `/`), so an entry whose name is
 * not a record key is damage; folder entries, which Apify does not write, are skipped. Every entry,
 * folders too, counts against the limits, so nothing kept per entry grows past them.
 */

export interface ZipStreamLimits {
	maxEntries: number;
	/** Bytes the entries may unpack to, together. */
	maxTotalBytes: number;
}

export type ZipStreamEvent =
	| { type: 'start'; name: string }
	| { type: 'data'; bytes: Uint8Array }
	| { type: 'end'; name: string; size: number };

/** The archive is not a well-formed ZIP, or an entry is not what the archive says it is. */
export class ZipDamagedError extends Error {}

/** The archive holds more entries, or unpacks to more bytes, than the limits allow. */
export class ZipLimitError extends Error {
	constructor(
		message: string,
		readonly limit: 'entries' | 'bytes',
		/** The entries or bytes the archive declared, where it did before they were read. */
		readonly declared?: number,
	) {
		super(message);
	}
}

const LOCAL_FILE_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_DIRECTORY = 0x06054b50;
const ZIP64_END_OF_DIRECTORY = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EXTRA = 0x0001;
const STORED = 0;
const DEFLATED = 8;
const ENCRYPTED_FLAG = 0x1;
const DESCRIPTOR_FLAG = 0x8;
const UTF8_FLAG = 0x800;
const MAX_32 = 0xffffffff;
const LOCAL_HEADER_BYTES = 30;
const CENTRAL_HEADER_BYTES = 46;
/** A data descriptor's signature, as it appears in the bytes. */
const DESCRIPTOR_SIGNATURE = new Uint8Array([0x50, 0x4b, 0x07, 0x08]);
/** What follows an entry: the next entry's local header or the directory's first header. */
const NEXT_SIGNATURES = [
	new Uint8Array([0x50, 0x4b, 0x03, 0x04]),
	new Uint8Array([0x50, 0x4b, 0x01, 0x02]),
];
/** What a stored entry of unknown size may be followed by: its data descriptor, or the next header. */
const AFTER_STORED_DATA = [DESCRIPTOR_SIGNATURE, ...NEXT_SIGNATURES];
/** What every signature starts with. */
const SIGNATURE_START = new Uint8Array([0x50, 0x4b]);
/** Of a new chunk, what is joined to the bytes the last one left: more than a header usually takes. */
const JOIN_BYTES = 4096;
/** Inflated bytes are handed on in pieces of this size (the size n8n's file store writes well). */
const OUTPUT_BYTES = 256 * 1024;
/** The directory's share per entry beyond its fixed part: name, extra field, comment. */
const DIRECTORY_BYTES_PER_ENTRY = CENTRAL_HEADER_BYTES + 2048;
/** End-of-directory records, a comment of the largest size, and ZIP64's records. */
const DIRECTORY_TAIL_BYTES = 22 + 0xffff + 56 + 20;

const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

interface Entry {
	name: string;
	nameBytes: Uint8Array;
	descriptor: boolean;
	zip64: boolean;
	/** From the local header; unknown (undefined) when a data descriptor follows the data. */
	declared?: { crc: number; compressedSize: number; size: number };
	crc: number;
	size: number;
	compressedSize: number;
	/** Folder entries are checked like the others but not handed on. */
	folder: boolean;
}

type State =
	| 'signature'
	| 'header'
	| 'stored'
	| 'storedScan'
	| 'inflate'
	| 'descriptor'
	| 'directory';

export class ZipStreamReader {
	private state: State = 'signature';
	private pending: Uint8Array = new Uint8Array(0);
	private offset = 0;
	private entry?: Entry;
	private readonly entriesRead: Array<
		Pick<Entry, 'nameBytes' | 'crc' | 'size' | 'compressedSize'>
	> = [];
	private totalBytes = 0;
	private inflater?: ZStream;
	private output?: Buffer;
	/** Whether `output` holds a piece being inflated, to be handed on when full or at the entry's end. */
	private pieceOpen = false;
	private directory: Uint8Array[] = [];
	private directoryBytes = 0;
	private events: ZipStreamEvent[] = [];
	private waiting = false;

	constructor(private readonly limits: ZipStreamLimits) {}

	/**
	 * Takes the next bytes of the archive and yields what they hold, in order, as they are unpacked:
	 * a few kilobytes of a highly compressed archive can hold many megabytes of records, which
	 * are unpacked only as the caller takes them.
	 */
	*push(chunk: Uint8Array): Generator<ZipStreamEvent, void, undefined> {
		let bytes = chunk;
		let at = 0;
		if (this.pending.length > 0) {
			// Bytes left from the last chunk wait for a header or a descriptor: they are joined with the
			// start of this chunk only, and reading goes on in the chunk itself once past them.
			const pendingLength = this.pending.length;
			const head = Buffer.concat([this.pending, chunk.subarray(0, JOIN_BYTES)]);
			const headAt = yield* this.readFrom(head, 0, pendingLength);
			if (headAt >= pendingLength) {
				this.offset += pendingLength;
				at = headAt - pendingLength;
			} else if (head.length === pendingLength + chunk.length) {
				this.pending = copyOf(head, headAt);
				this.offset += headAt;
				return;
			} else {
				// A header longer than what was joined: join it all.
				bytes = Buffer.concat([head.subarray(headAt), chunk.subarray(JOIN_BYTES)]);
				this.offset += headAt;
			}
		}
		at = yield* this.readFrom(bytes, at);
		// What waits for more is small (a header, a descriptor, a few bytes that may start one).
		this.pending = copyOf(bytes, at);
		this.offset += at;
	}

	/** Reads `bytes` from `at` until they run out for the current state, or past `until`; returns where it stopped. */
	private *readFrom(
		bytes: Uint8Array,
		at: number,
		until = Number.POSITIVE_INFINITY,
	): Generator<ZipStreamEvent, number, undefined> {
		for (;;) {
			this.waiting = false;
			at = this.step(bytes, at);
			const events = this.events;
			this.events = [];
			yield* events;
			if (this.waiting || at >= until) return at;
		}
	}

	/** Ends the archive: checks that it ended where a ZIP ends and that its directory matches what was read. */
	finish(): void {
		if (this.state !== 'directory') {
			const where = this.entry
				? `in entry ${JSON.stringify(this.entry.name)}`
				: 'before its directory';
			throw new ZipDamagedError(`it ends ${where}`);
		}
		this.checkDirectory(Buffer.concat(this.directory, this.directoryBytes));
	}

	/** One step of reading: at most one header, descriptor or piece of data. Sets `waiting` when it needs more bytes than are here. */
	private step(bytes: Uint8Array, at: number): number {
		switch (this.state) {
			case 'signature':
				return this.readSignature(bytes, at);
			case 'header':
				return this.readHeader(bytes, at);
			case 'stored':
				return this.readStored(bytes, at);
			case 'storedScan':
				return this.scanStored(bytes, at);
			case 'inflate':
				return this.inflate(bytes, at);
			case 'descriptor':
				return this.readDescriptor(bytes, at);
			case 'directory':
				return this.keepDirectory(bytes, at);
		}
	}

	/** Says that the state needs more bytes than are left; returns where it stopped. */
	private waitAt(at: number): number {
		this.waiting = true;
		return at;
	}

	private readSignature(bytes: Uint8Array, at: number): number {
		if (bytes.length - at < 4) return this.waitAt(at);
		const signature = u32(bytes, at);
		if (signature === LOCAL_FILE_HEADER) this.state = 'header';
		else if (
			signature === CENTRAL_HEADER ||
			signature === END_OF_DIRECTORY ||
			signature === ZIP64_END_OF_DIRECTORY
		)
			this.state = 'directory';
		else
			throw new ZipDamagedError(
				`unexpected bytes at offset ${this.offset + at} where an entry or the directory should start`,
			);
		return at;
	}

	private readHeader(bytes: Uint8Array, at: number): number {
		if (bytes.length - at < LOCAL_HEADER_BYTES) return this.waitAt(at);
		// Both refused before the name and the entry are gathered.
		if (this.entriesRead.length >= this.limits.maxEntries)
			throw new ZipLimitError(`more than ${this.limits.maxEntries} entries`, 'entries');
		const nameLength = u16(bytes, at + 26);
		if (nameLength > MAX_RECORD_KEY_LENGTH) {
			throw new ZipDamagedError(
				`an entry's name of ${nameLength} bytes is longer than a record key can be (${MAX_RECORD_KEY_LENGTH} characters)`,
			);
		}
		const extraLength = u16(bytes, at + 28);
		const end = at + LOCAL_HEADER_BYTES + nameLength + extraLength;
		if (bytes.length < end) return this.waitAt(at);

		const flags = u16(bytes, at + 6);
		const method = u16(bytes, at + 8);
		const nameBytes = copyOf(bytes, at + LOCAL_HEADER_BYTES, at + LOCAL_HEADER_BYTES + nameLength);
		const name = (flags & UTF8_FLAG ? utf8 : latin1).decode(nameBytes);
		const quoted = JSON.stringify(name);
		const extra = bytes.subarray(at + LOCAL_HEADER_BYTES + nameLength, end);
		const zip64 = zip64Sizes(extra, u32(bytes, at + 22), u32(bytes, at + 18));
		const descriptor = (flags & DESCRIPTOR_FLAG) !== 0;
		const folder = name.endsWith('/');

		if (!folder && !RECORD_KEY_PATTERN.test(name))
			throw new ZipDamagedError(`entry ${quoted} is not named by a valid record key`);
		if (flags & ENCRYPTED_FLAG) throw new ZipDamagedError(`entry ${quoted} is encrypted`);
		if (method !== STORED && method !== DEFLATED)
			throw new ZipDamagedError(`entry ${quoted} uses a compression method other than deflate`);
		const entry: Entry = {
			name,
			nameBytes,
			descriptor,
			zip64: zip64 !== undefined,
			crc: 0,
			size: 0,
			compressedSize: 0,
			folder,
		};
		if (!descriptor) {
			entry.declared = {
				crc: u32(bytes, at + 14),
				compressedSize: zip64?.compressedSize ?? u32(bytes, at + 18),
				size: zip64?.size ?? u32(bytes, at + 22),
			};
			// A size the header declares is refused before a byte of the entry is inflated.
			if (this.totalBytes + entry.declared.size > this.limits.maxTotalBytes) {
				throw new ZipLimitError(
					`entries that declare ${this.totalBytes + entry.declared.size} bytes`,
					'bytes',
					this.totalBytes + entry.declared.size,
				);
			}
		}
		this.entry = entry;
		if (!folder) this.events.push({ type: 'start', name });
		if (method === DEFLATED) {
			// One inflater for every entry, reset between them: a new one per entry costs more than
			// inflating a small record.
			if (this.inflater) zlibInflateReset(this.inflater);
			else {
				this.inflater = new ZStream();
				zlibInflateInit2(this.inflater, -15);
			}
			this.state = 'inflate';
		} else if (descriptor) this.state = 'storedScan';
		else this.state = 'stored';
		if (entry.declared?.compressedSize === 0 && method === STORED) this.endData();
		return end;
	}

	/** A stored entry of known size: its bytes are the entry. */
	private readStored(bytes: Uint8Array, at: number): number {
		const entry = this.entry!;
		const take = Math.min(entry.declared!.compressedSize - entry.compressedSize, bytes.length - at);
		if (take === 0) return this.waitAt(at);
		this.emit(bytes.subarray(at, at + take), take);
		if (entry.compressedSize === entry.declared!.compressedSize) this.endData();
		return at + take;
	}

	/**
	 * A stored entry whose size follows it ends at a data descriptor whose CRC and sizes are those of
	 * the bytes before it. The descriptor starts with its signature, or (as the format allows)
	 * without one, and then the next entry or the directory follows it right away. Possible ends are
	 * tried in order; the entry's own bytes may hold any signature, never with those numbers beside it.
	 */
	private scanStored(bytes: Uint8Array, at: number): number {
		const entry = this.entry!;
		const numbers = descriptorLength(entry);
		const find = signatureFinder(asBuffer(bytes), AFTER_STORED_DATA);
		for (;;) {
			const signed = find(DESCRIPTOR_SIGNATURE, at);
			// Infinity when neither follows.
			const next = Math.min(
				...NEXT_SIGNATURES.map((pattern) => find(pattern, at + numbers)).filter(
					(place) => place !== -1,
				),
			);
			const candidates = [
				...(signed === -1 ? [] : [{ end: signed, from: signed + 4 }]),
				...(next === Number.POSITIVE_INFINITY
					? []
					: [{ end: next - numbers, from: next - numbers }]),
			];
			// Every end before this is seen here: its descriptor and what follows it are in these bytes.
			const seen = bytes.length - 3 - numbers;
			const end = Math.min(...candidates.map((candidate) => candidate.end));
			if (end > seen) {
				const safe = Math.max(at, seen);
				if (safe > at) this.emit(bytes.subarray(at, safe), safe - at);
				return this.waitAt(safe);
			}
			if (end > at) this.emit(bytes.subarray(at, end), end - at);
			at = end;
			// Both kinds may end here: a descriptor without signature whose CRC reads as one.
			const here = candidates.filter((candidate) => candidate.end === end);
			if (here.some(({ from }) => bytes.length - from < numbers)) return this.waitAt(at);
			for (const { from } of here) {
				const declared = descriptorNumbers(bytes, from, entry);
				if (
					declared.crc === entry.crc &&
					declared.compressedSize === entry.compressedSize &&
					declared.size === entry.size
				) {
					entry.declared = declared;
					this.endEntry();
					return from + numbers;
				}
			}
			this.emit(bytes.subarray(at, at + 1), 1);
			at += 1;
		}
	}

	/** Inflates until one piece of output is full, the entry ends, or the bytes here run out. */
	private inflate(bytes: Uint8Array, at: number): number {
		const entry = this.entry!;
		const inflater = this.inflater!;
		const quoted = JSON.stringify(entry.name);
		const left = entry.declared
			? entry.declared.compressedSize - entry.compressedSize
			: Number.POSITIVE_INFINITY;
		const available = Math.min(bytes.length - at, left);
		if (available === 0 && left > 0) return this.waitAt(at);
		inflater.input = bytes;
		inflater.next_in = at;
		inflater.avail_in = available;
		if (!this.pieceOpen) this.startOutput(inflater, entry);
		const status = zlibInflate(inflater, Z_NO_FLUSH);
		if (status !== Z_OK && status !== Z_STREAM_END && status !== Z_BUF_ERROR) {
			throw new ZipDamagedError(
				`entry ${quoted} is not valid deflate data (${inflater.msg || status})`,
			);
		}
		const ended = status === Z_STREAM_END;
		if (ended || inflater.avail_out === 0) this.flushOutput(inflater, entry);
		entry.compressedSize += inflater.next_in - at;
		if (ended) {
			this.endData();
			return inflater.next_in;
		}
		// A full piece went out; the same input may hold more.
		if (inflater.avail_out === 0) return inflater.next_in;
		if (entry.compressedSize === entry.declared?.compressedSize)
			throw new ZipDamagedError(`entry ${quoted} does not end where its header says`);
		return this.waitAt(inflater.next_in);
	}

	/**
	 * Room for the next inflated piece: never more than one byte past what the entry or the total may
	 * still be, so a bomb stops there. The buffer is reused until a full piece is handed on as it is.
	 */
	private startOutput(inflater: ZStream, entry: Entry): void {
		const room = this.roomLeft(entry);
		this.output ??= Buffer.allocUnsafe(OUTPUT_BYTES);
		this.pieceOpen = true;
		inflater.output = this.output as Uint8Array<ArrayBuffer>;
		inflater.next_out = 0;
		inflater.avail_out = Math.min(OUTPUT_BYTES, room + 1);
	}

	/** Bytes the entry may still unpack to: what its header declares, or what the total limit leaves. */
	private roomLeft(entry: Entry): number {
		return entry.declared
			? entry.declared.size - entry.size
			: this.limits.maxTotalBytes - this.totalBytes;
	}

	private flushOutput(inflater: ZStream, entry: Entry): void {
		const output = this.output!;
		const length = inflater.next_out;
		this.pieceOpen = false;
		if (length > this.roomLeft(entry)) {
			if (entry.declared) {
				throw new ZipDamagedError(
					`entry ${JSON.stringify(entry.name)} inflates to more than its declared ${entry.declared.size} bytes`,
				);
			}
			throw new ZipLimitError(`more than ${this.limits.maxTotalBytes} bytes`, 'bytes');
		}
		if (length === 0) return;
		if (length === output.length) {
			this.output = undefined;
			this.emitInflated(output);
		} else {
			// A short piece (a small record's, or a record's last) is copied out at its size, and the
			// buffer serves the next piece: a new buffer per record would cost more than the copy.
			this.emitInflated(Buffer.from(output.subarray(0, length)));
		}
	}

	private readDescriptor(bytes: Uint8Array, at: number): number {
		const entry = this.entry!;
		const numbers = descriptorLength(entry);
		if (bytes.length - at < 4) return this.waitAt(at);
		const signed = u32(bytes, at) === DATA_DESCRIPTOR;
		const start = signed ? at + 4 : at;
		if (bytes.length - start < numbers) return this.waitAt(at);
		entry.declared = descriptorNumbers(bytes, start, entry);
		this.endEntry();
		return start + numbers;
	}

	private emit(bytes: Uint8Array, compressedLength: number): void {
		this.entry!.compressedSize += compressedLength;
		this.emitInflated(bytes);
	}

	private emitInflated(bytes: Uint8Array): void {
		const entry = this.entry!;
		entry.crc = crc32(bytes, entry.crc);
		entry.size += bytes.length;
		this.totalBytes += bytes.length;
		if (entry.declared && entry.size > entry.declared.size) {
			throw new ZipDamagedError(
				`entry ${JSON.stringify(entry.name)} holds more than its declared ${entry.declared.size} bytes`,
			);
		}
		if (this.totalBytes > this.limits.maxTotalBytes)
			throw new ZipLimitError(`more than ${this.limits.maxTotalBytes} bytes`, 'bytes');
		if (!entry.folder) this.events.push({ type: 'data', bytes });
	}

	/** The entry's data ended: its sizes and CRC follow, or were in its header. */
	private endData(): void {
		if (this.entry!.descriptor) this.state = 'descriptor';
		else this.endEntry();
	}

	private endEntry(): void {
		const entry = this.entry!;
		const declared = entry.declared!;
		const quoted = JSON.stringify(entry.name);
		if (entry.size !== declared.size) {
			throw new ZipDamagedError(
				`entry ${quoted} has ${entry.size} bytes, its header says ${declared.size}`,
			);
		}
		if (entry.compressedSize !== declared.compressedSize)
			throw new ZipDamagedError(`entry ${quoted} does not end where its header says`);
		if (entry.crc !== declared.crc >>> 0)
			throw new ZipDamagedError(`entry ${quoted} fails its CRC check`);
		this.entriesRead.push(entry);
		if (!entry.folder) this.events.push({ type: 'end', name: entry.name, size: entry.size });
		this.entry = undefined;
		this.state = 'signature';
	}

	private keepDirectory(bytes: Uint8Array, at: number): number {
		const length = bytes.length - at;
		this.directoryBytes += length;
		const limit = DIRECTORY_TAIL_BYTES + this.entriesRead.length * DIRECTORY_BYTES_PER_ENTRY;
		if (this.directoryBytes > limit)
			throw new ZipDamagedError('its directory is larger than its entries need');
		if (length > 0) this.directory.push(copyOf(bytes, at));
		return this.waitAt(bytes.length);
	}

	/** Every entry of the directory must be the entry that was read at its place, and nothing else. */
	private checkDirectory(directory: Uint8Array): void {
		let at = 0;
		for (const [index, read] of this.entriesRead.entries()) {
			if (directory.length - at < CENTRAL_HEADER_BYTES || u32(directory, at) !== CENTRAL_HEADER) {
				throw new ZipDamagedError(
					`its directory lists ${index} entries, the archive holds ${this.entriesRead.length}`,
				);
			}
			const nameLength = u16(directory, at + 28);
			const extraLength = u16(directory, at + 30);
			const commentLength = u16(directory, at + 32);
			const nameStart = at + CENTRAL_HEADER_BYTES;
			const end = nameStart + nameLength + extraLength + commentLength;
			if (end > directory.length) throw new ZipDamagedError('its directory is cut off');
			const name = directory.subarray(nameStart, nameStart + nameLength);
			const extra = directory.subarray(
				nameStart + nameLength,
				nameStart + nameLength + extraLength,
			);
			const sizes = zip64Sizes(extra, u32(directory, at + 24), u32(directory, at + 20));
			const size = sizes?.size ?? u32(directory, at + 24);
			const compressedSize = sizes?.compressedSize ?? u32(directory, at + 20);
			if (
				!sameBytes(name, read.nameBytes) ||
				u32(directory, at + 16) !== read.crc >>> 0 ||
				size !== read.size ||
				compressedSize !== read.compressedSize
			) {
				const quoted = JSON.stringify(utf8.decode(read.nameBytes));
				throw new ZipDamagedError(`entry ${quoted} is not what the archive's directory says`);
			}
			at = end;
		}
		const count = this.directoryCount(directory, at);
		if (count !== this.entriesRead.length) {
			throw new ZipDamagedError(
				`its directory lists ${count} entries, the archive holds ${this.entriesRead.length}`,
			);
		}
	}

	/** The entry count of the end records after the directory's entries (ZIP64's when there is one). */
	private directoryCount(directory: Uint8Array, at: number): number {
		if (directory.length - at >= 4 && u32(directory, at) === CENTRAL_HEADER) return Infinity;
		let zip64Count: number | undefined;
		if (directory.length - at >= 56 && u32(directory, at) === ZIP64_END_OF_DIRECTORY) {
			zip64Count = u64(directory, at + 32);
			at += 12 + u64(directory, at + 4);
			if (directory.length - at >= 20 && u32(directory, at) === ZIP64_LOCATOR) at += 20;
		}
		if (directory.length - at < 22 || u32(directory, at) !== END_OF_DIRECTORY)
			throw new ZipDamagedError('its end-of-directory record is missing');
		const count = u16(directory, at + 10);
		return count === 0xffff && zip64Count !== undefined ? zip64Count : count;
	}
}

/** A data descriptor's length after its (optional) signature: CRC-32 and two sizes of 4 or (ZIP64) 8 bytes. */
function descriptorLength({ zip64 }: Pick<Entry, 'zip64'>): number {
	return zip64 ? 20 : 12;
}

/** The CRC and sizes of a data descriptor, read from after its (optional) signature. */
function descriptorNumbers(
	bytes: Uint8Array,
	at: number,
	{ zip64 }: Pick<Entry, 'zip64'>,
): NonNullable<Entry['declared']> {
	return {
		crc: u32(bytes, at),
		compressedSize: zip64 ? u64(bytes, at + 4) : u32(bytes, at + 4),
		size: zip64 ? u64(bytes, at + 12) : u32(bytes, at + 8),
	};
}

/** Sizes from a ZIP64 extra field, for the fields the header left at 0xFFFFFFFF; undefined without one. */
function zip64Sizes(
	extra: Uint8Array,
	size: number,
	compressedSize: number,
): { size?: number; compressedSize?: number } | undefined {
	for (let at = 0; at + 4 <= extra.length; ) {
		const id = u16(extra, at);
		const length = u16(extra, at + 2);
		if (id === ZIP64_EXTRA) {
			const field = extra.subarray(at + 4, at + 4 + length);
			let next = 0;
			const take = () => {
				if (next + 8 > field.length) return undefined;
				const value = u64(field, next);
				next += 8;
				return value;
			};
			const result: { size?: number; compressedSize?: number } = {};
			if (size === MAX_32) result.size = take();
			if (compressedSize === MAX_32) result.compressedSize = take();
			return result;
		}
		at += 4 + length;
	}
	return undefined;
}

/**
 * Finds the `patterns` in the bytes, from places that never go below the first call's and, for each
 * pattern, never below its last call's. All start with the same two bytes, which are searched for
 * once, front to back, and each place found is kept for its pattern until passed: the bytes are
 * scanned once for all the patterns, and an entry holding many decoys (a stored ZIP file, say)
 * once, not once per decoy. Gives -1 for none.
 */
function signatureFinder(
	view: Buffer,
	patterns: Uint8Array[],
): (pattern: Uint8Array, from: number) => number {
	const places = new Map(patterns.map((pattern) => [pattern, [] as number[]]));
	let scanned: number | undefined;
	return (pattern, from) => {
		const ahead = places.get(pattern)!;
		scanned ??= from;
		for (;;) {
			while (ahead.length > 0 && ahead[0] < from) ahead.shift();
			if (ahead.length > 0) return ahead[0];
			const place: number = view.indexOf(SIGNATURE_START, scanned);
			if (place === -1) {
				scanned = view.length;
				return -1;
			}
			scanned = place + 1;
			for (const [candidate, found] of places) {
				if (view[place + 2] === candidate[2] && view[place + 3] === candidate[3]) found.push(place);
			}
		}
	};
}

/**
 * A copy of part of the bytes, never a view: the bytes are often a Buffer, whose `slice` is a view
 * that would keep the whole chunk (a name kept per entry would keep every chunk of the archive).
 */
function copyOf(bytes: Uint8Array, start: number, end = bytes.length): Uint8Array {
	const copy = new Uint8Array(end - start);
	copy.set(bytes.subarray(start, end));
	return copy;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
	return a.length === b.length && asBuffer(a).equals(b);
}

function u16(bytes: Uint8Array, at: number): number {
	return bytes[at] | (bytes[at + 1] << 8);
}

function u32(bytes: Uint8Array, at: number): number {
	return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

function u64(bytes: Uint8Array, at: number): number {
	return u32(bytes, at) + u32(bytes, at + 4) * 0x1_0000_0000;
}
