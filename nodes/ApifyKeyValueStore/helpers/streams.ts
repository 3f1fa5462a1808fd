import { createHash } from 'node:crypto';
import type { BinaryHelperFunctions } from 'n8n-workflow';

import type { Decoder } from './decompress';

/**
 * Node's Readable, as n8n's helpers hand it out and take it (HTTP bodies, getBinaryStream,
 * prepareBinaryData). Named through n8n-workflow's types: n8n Cloud allows no import of
 * node:stream, not even of its types.
 */
export type NodeReadable = Awaited<ReturnType<BinaryHelperFunctions['getBinaryStream']>>;

/** The options of Node's Readable that the node uses. */
interface ReadableOptions {
	highWaterMark?: number;
	objectMode?: boolean;
	read?: () => void;
	destroy?: (error: Error | null, callback: (error?: Error | null) => void) => void;
}

/** Node's Readable class, as far as the node uses it. */
interface ReadableClass {
	new (options: ReadableOptions): NodeReadable;
	from(source: AsyncIterable<Buffer>, options: ReadableOptions): NodeReadable;
}

/**
 * The Readable class of a stream n8n handed over (an HTTP body, getBinaryStream's stream): Node's
 * own. The streams the node gives n8n must be Node streams, since n8n's binary data in database
 * and S3 mode reads them with `.on` and `.once`, which web streams lack; n8n Cloud allows no
 * node:stream, and a bundled copy of it (readable-stream) needs node:buffer, node:events and
 * `process`. So the node makes its streams of the kind n8n's own are.
 */
export function readableClassOf(stream: NodeReadable): ReadableClass {
	for (
		let prototype: unknown = Object.getPrototypeOf(stream);
		prototype;
		prototype = Object.getPrototypeOf(prototype)
	) {
		const { constructor } = prototype as { constructor: ReadableClass & { name: string } };
		if (constructor.name === 'Readable' && typeof constructor.from === 'function')
			return constructor;
	}
	throw new TypeError('Expected a Node.js readable stream');
}

/** What a body stream yields: Node's streams give Buffers, web streams Uint8Arrays. */
type Chunk = Buffer | Uint8Array;

/** A Buffer over the chunk's bytes, without copying them. */
export function asBuffer(chunk: Chunk): Buffer {
	return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
}

/**
 * Reads a body into memory, at most `maxBytes` of it, counted as the (decoded) chunks arrive: it
 * stops reading, and ends the body, at the chunk that passes the limit, so memory never holds more
 * than `maxBytes` and one chunk. `complete` is false when the body was longer; `bytes` is then its
 * first `maxBytes`.
 */
export async function readBody(
	body: NodeReadable,
	maxBytes: number,
): Promise<{ bytes: Buffer; complete: boolean }> {
	const chunks: Chunk[] = [];
	let length = 0;
	for await (const chunk of body) {
		length += (chunk as Chunk).length;
		chunks.push(chunk as Chunk);
		// Leaving the loop destroys the body.
		if (length > maxBytes)
			return { bytes: Buffer.concat(chunks, length).subarray(0, maxBytes), complete: false };
	}
	return { bytes: Buffer.concat(chunks, length), complete: true };
}

/**
 * n8n stores a file with one write call per chunk it is handed, and an HTTP body arrives in chunks
 * of 16-64 KiB: gathering them cuts the write calls. 256 KiB is as fast as 1 MiB (a 1 GiB Record →
 * Get, paired runs: 1.01×) while a real n8n downloading 512 MiB peaks about 35 MiB lower: each
 * gathered chunk is a buffer outside V8's heap, freed only when its wrapper is collected, and
 * larger ones pile up between collections. 64 KiB, where a chunk of that size passes uncopied,
 * peaked lower still (476 MiB against 500, medians of 10 runs; the HTTP Request node 494 and 484
 * in the same runs) but took 1.2× the CPU time of 256 KiB on a 1 GiB download.
 */
export const BODY_CHUNK_BYTES = 256 * 1024;

export interface GuardedBody {
	stream: NodeReadable;
	/** Bytes that went through so far: older n8n versions do not report a stored file's size. */
	bytesRead: () => number;
	/** The SHA-256 (hex) of what went through, when asked for. */
	digest: () => string | undefined;
	/** Fails the body with `late()` unless it has ended by `deadline` (a `performance.now()` time). */
	endBy: (deadline: number, late: () => Error) => void;
}

/**
 * Calls `callback` once, after `ms`. n8n Cloud allows no setTimeout: AbortSignal.timeout is the
 * timer; it does not keep the process alive, and cannot be cancelled, so callbacks check whether
 * their watch is over.
 */
function after(ms: number, callback: () => void): void {
	AbortSignal.timeout(Math.max(0, Math.ceil(ms))).addEventListener('abort', callback, {
		once: true,
	});
}

/**
 * Calls `onIdle` once `idleMs` passed since `lastActivity()` (a `performance.now()` time), unless
 * `done()` says the watch is over by then: one timer per idle period rather than one reset per chunk.
 */
function watchIdle(
	idleMs: number,
	lastActivity: () => number,
	done: () => boolean,
	onIdle: () => void,
): void {
	const check = () => {
		if (done()) return;
		const quietMs = performance.now() - lastActivity();
		if (quietMs >= idleMs) onIdle();
		else after(idleMs - quietMs, check);
	};
	after(idleMs, check);
}

/**
 * Passes a body on in chunks of about `gatherBytes` (BODY_CHUNK_BYTES unless told; 0 passes the
 * chunks as they arrive, for a body read in code rather than stored), counts it, and fails it with
 * `stalled()` once `idleTimeoutMs` passed in which less than `minProgressBytes` (1 unless told)
 * arrived, so that a download that makes no progress, or trickles, ends (and can be retried)
 * instead of hanging. One stream does all three, to touch each chunk once.
 */
export function guardBody(
	body: NodeReadable,
	idleTimeoutMs: number,
	stalled: () => Error,
	{
		hashBody = false,
		gatherBytes = BODY_CHUNK_BYTES,
		minProgressBytes = 1,
	}: { hashBody?: boolean; gatherBytes?: number; minProgressBytes?: number } = {},
): GuardedBody {
	let bytes = 0;
	const hash = hashBody ? createHash('sha256') : undefined;
	let pending: Chunk[] = [];
	let pendingBytes = 0;
	const takePending = (): Buffer => {
		const chunk =
			pending.length === 1 ? asBuffer(pending[0]) : Buffer.concat(pending, pendingBytes);
		pending = [];
		pendingBytes = 0;
		return chunk;
	};
	let lastProgress = performance.now();
	let bytesAtLastProgress = 0;
	let finished = false;
	// Read as n8n reads it: the body flows while the guarded stream wants more, and pauses while
	// it holds a gathered chunk n8n has not taken yet.
	const stream = new (readableClassOf(body))({
		highWaterMark: BODY_CHUNK_BYTES,
		read: () => body.resume(),
		// Giving up destroys the body as well, which frees the connection.
		destroy: (error, callback) => {
			finished = true;
			body.destroy();
			callback(error);
		},
	});
	body.on('data', (chunk: Chunk) => {
		bytes += chunk.length;
		if (bytes - bytesAtLastProgress >= minProgressBytes) {
			lastProgress = performance.now();
			bytesAtLastProgress = bytes;
		}
		hash?.update(chunk);
		pending.push(chunk);
		pendingBytes += chunk.length;
		if (pendingBytes >= gatherBytes && !stream.push(takePending())) body.pause();
	});
	body.once('end', () => {
		finished = true;
		if (pendingBytes > 0) stream.push(takePending());
		stream.push(null);
	});
	// A failing body fails the guarded stream too, so the consumer sees the error; one that closes
	// unfinished fails it as Node's pipeline does, with a retryable premature close.
	body.on('error', (error: Error) => stream.destroy(error));
	// The guarded stream may fail before n8n reads it (a body cut off while the node prepares): an
	// 'error' event nobody listens to would throw, and a reader that comes later gets the error
	// from the destroyed stream anyway.
	stream.on('error', () => {});
	body.once('close', () => {
		if (!body.readableEnded && !stream.destroyed) stream.destroy(prematureClose());
	});
	const over = () => finished || stream.destroyed;
	watchIdle(
		idleTimeoutMs,
		() => lastProgress,
		over,
		() => stream.destroy(stalled()),
	);
	let digest: string | undefined;
	return {
		stream,
		bytesRead: () => bytes,
		digest: () => (digest ??= hash?.digest('hex')),
		endBy: (deadline, late) =>
			after(deadline - performance.now(), () => {
				if (!over()) stream.destroy(late());
			}),
	};
}

/** An upload body over `source` that reports each chunk as it is sent, so the size of a streamed file is known. */
export function countingUpload(
	source: NodeReadable,
	onChunk: (bytes: number) => void,
): NodeReadable {
	async function* chunks(): AsyncGenerator<Buffer> {
		for await (const chunk of source) {
			onChunk((chunk as Chunk).length);
			yield asBuffer(chunk as Chunk);
		}
	}
	const upload = readableClassOf(source).from(chunks(), { objectMode: false });
	// A generator that never started does not close its source: an upload given up early must.
	upload.once('close', () => source.destroy());
	return upload;
}

/**
 * The body decoded by a web-stream decoder (DecompressionStream and the like, which n8n Cloud
 * allows where it allows no node:zlib), as a Node-style stream of Buffers. An error of the body
 * (a connection cut off mid-body) reaches the reader as it is, so that it is retried as one;
 * giving the result up cancels the decoder and destroys the body.
 */
export function throughDecoder(body: NodeReadable, decoder: Decoder): NodeReadable {
	const reader = ReadableStream.from(body).pipeThrough(decoder).getReader();
	async function* buffers(): AsyncGenerator<Buffer> {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) return;
			yield asBuffer(value);
		}
	}
	const decoded = readableClassOf(body).from(buffers(), { objectMode: false });
	// Ends the decoder and the body directly: a cancel that goes up the chain waits for the body's
	// next chunk, which a stalled body never sends.
	decoded.once('close', () => {
		reader.cancel().catch(() => {});
		body.destroy();
	});
	return decoded;
}

/** Node's error for a stream that closed before its end, which the retry policy retries. */
function prematureClose(): Error {
	return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/** A stream the node writes into and n8n reads from, such as a record unpacked from an archive. */
export interface Outlet {
	stream: NodeReadable;
	/** False once the reader is behind: wait for `wanted()` before writing more. */
	write: (bytes: Uint8Array) => boolean;
	/** Resolves once the reader wants more, or gave up. */
	wanted: () => Promise<void>;
	end: () => void;
}

/** An Outlet that holds up to `highWaterMark` bytes, made of the kind of stream `like` is. */
export function outlet(like: NodeReadable, highWaterMark: number): Outlet {
	let waiting: (() => void) | undefined;
	const release = () => {
		const resolve = waiting;
		waiting = undefined;
		resolve?.();
	};
	const stream = new (readableClassOf(like))({
		highWaterMark,
		read: release,
		destroy: (error, callback) => {
			release();
			callback(error);
		},
	});
	return {
		stream,
		write: (bytes) => stream.destroyed || stream.push(asBuffer(bytes)),
		wanted: async () => {
			if (!stream.destroyed) await new Promise<void>((resolve) => (waiting = resolve));
		},
		end: () => stream.push(null),
	};
}
