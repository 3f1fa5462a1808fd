import { createHash } from 'node:crypto';
import type { BinaryHelperFunctions } from 'n8n-workflow';
// Node's stream API as a bundled package: n8n Cloud allows no Node built-in module but crypto,
// and n8n (prepareBinaryData, its HTTP client) takes these streams as it takes Node's own.
import { pipeline, Readable, Transform } from 'readable-stream';

import type { Decoder } from './decompress';

/**
 * Node's Readable, as n8n's helpers hand it out and take it (HTTP bodies, getBinaryStream,
 * prepareBinaryData). Named through n8n-workflow's types: n8n Cloud allows no import of
 * node:stream, not even of its types.
 */
export type NodeReadable = Awaited<ReturnType<BinaryHelperFunctions['getBinaryStream']>>;

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
 * larger ones pile up between collections.
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
 * Calls `onIdle` once `idleMs` passed since `lastActivity()` (a `performance.now()` time), unless
 * `done()` says the watch is over by then. n8n Cloud allows no setTimeout: AbortSignal.timeout is
 * the timer, one per idle period rather than one reset per chunk; it does not keep the process
 * alive, and a timer still pending when the watch is over only finds `done()` true.
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
		else wait(idleMs - quietMs);
	};
	const wait = (ms: number) =>
		AbortSignal.timeout(Math.ceil(ms)).addEventListener('abort', check, { once: true });
	wait(idleMs);
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
	const stream = new Transform({
		// Room for one gathered chunk on each side, so the socket is read while n8n writes the last one.
		writableHighWaterMark: BODY_CHUNK_BYTES,
		readableHighWaterMark: BODY_CHUNK_BYTES,
		transform(chunk: Chunk, _encoding, callback) {
			bytes += chunk.length;
			if (bytes - bytesAtLastProgress >= minProgressBytes) {
				lastProgress = performance.now();
				bytesAtLastProgress = bytes;
			}
			hash?.update(chunk);
			pending.push(chunk);
			pendingBytes += chunk.length;
			if (pendingBytes >= gatherBytes) callback(null, takePending());
			else callback();
		},
		flush(callback) {
			if (pendingBytes > 0) callback(null, takePending());
			else callback();
		},
	});
	let finished = false;
	// A failing body fails the guarded stream too, so the consumer sees the error; giving up
	// destroys the body as well, which frees the connection.
	pipeline(body, stream, () => (finished = true));
	stream.on('close', () => (finished = true));
	const over = () => finished || stream.destroyed;
	watchIdle(
		idleTimeoutMs,
		() => lastProgress,
		over,
		() => stream.destroy(stalled()),
	);
	let digest: string | undefined;
	return {
		stream: stream as unknown as NodeReadable,
		bytesRead: () => bytes,
		digest: () => (digest ??= hash?.digest('hex')),
		endBy: (deadline, late) =>
			AbortSignal.timeout(Math.max(0, Math.ceil(deadline - performance.now()))).addEventListener(
				'abort',
				() => {
					if (!over()) stream.destroy(late());
				},
				{ once: true },
			),
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
	const upload = Readable.from(chunks(), { objectMode: false });
	// A generator that never started does not close its source: an upload given up early must.
	upload.once('close', () => source.destroy());
	return upload as unknown as NodeReadable;
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
	const decoded = Readable.from(buffers(), { objectMode: false });
	// Ends the decoder and the body directly: a cancel that goes up the chain waits for the body's
	// next chunk, which a stalled body never sends.
	decoded.once('close', () => {
		reader.cancel().catch(() => {});
		body.destroy();
	});
	return decoded as unknown as NodeReadable;
}
