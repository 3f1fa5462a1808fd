import { createHash } from 'node:crypto';
import { pipeline, Readable, Transform } from 'node:stream';
import { clearTimeout, setTimeout } from 'node:timers';
import type { NodeOperationError } from 'n8n-workflow';

export interface BodyLimit {
	bytes: number;
	/** The error to stop with once more than `bytes` arrived. */
	exceeded: () => NodeOperationError;
}

/**
 * Collects a body the user asked to have in memory (JSON, text, an archive to unpack).
 * With a limit, stops reading as soon as it is passed instead of buffering everything first.
 */
export async function readBody(body: Readable, limit?: BodyLimit): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let length = 0;
	for await (const chunk of body) {
		length += (chunk as Buffer).length;
		if (limit && length > limit.bytes) {
			body.destroy();
			throw limit.exceeded();
		}
		chunks.push(chunk as Buffer);
	}
	return Buffer.concat(chunks, length);
}

/**
 * n8n stores a file with one write call per chunk it is handed, and an HTTP body arrives in chunks
 * of 16-64 KiB: gathering them into chunks of this size cuts the write calls about thirtyfold.
 */
export const BODY_CHUNK_BYTES = 1024 * 1024;

export interface GuardedBody {
	stream: Readable;
	/** Bytes that went through so far: older n8n versions do not report a stored file's size. */
	bytesRead: () => number;
	/** The SHA-256 (hex) of what went through, when asked for. */
	digest: () => string | undefined;
}

/**
 * Passes a body on in chunks of about BODY_CHUNK_BYTES, counts it, and fails it with `stalled()`
 * once no data arrived for `idleTimeoutMs`, so that a download that makes no progress ends
 * (and can be retried) instead of hanging. One stream does all three, to touch each chunk once.
 */
export function guardBody(
	body: Readable,
	idleTimeoutMs: number,
	stalled: () => Error,
	hashBody = false,
): GuardedBody {
	let bytes = 0;
	const hash = hashBody ? createHash('sha256') : undefined;
	let pending: Buffer[] = [];
	let pendingBytes = 0;
	const takePending = (): Buffer => {
		const chunk = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
		pending = [];
		pendingBytes = 0;
		return chunk;
	};
	const timer = setTimeout(() => stream.destroy(stalled()), idleTimeoutMs);
	const stream = new Transform({
		// Room for one gathered chunk on each side, so the socket is read while n8n writes the last one.
		writableHighWaterMark: BODY_CHUNK_BYTES,
		readableHighWaterMark: BODY_CHUNK_BYTES,
		transform(chunk: Buffer, _encoding, callback) {
			timer.refresh();
			bytes += chunk.length;
			hash?.update(chunk);
			pending.push(chunk);
			pendingBytes += chunk.length;
			if (pendingBytes >= BODY_CHUNK_BYTES) callback(null, takePending());
			else callback();
		},
		flush(callback) {
			if (pendingBytes > 0) callback(null, takePending());
			else callback();
		},
	});
	// A failing body fails the guarded stream too, so the consumer sees the error; giving up
	// destroys the body as well, which frees the connection.
	pipeline(body, stream, () => clearTimeout(timer));
	stream.on('close', () => clearTimeout(timer));
	let digest: string | undefined;
	return { stream, bytesRead: () => bytes, digest: () => (digest ??= hash?.digest('hex')) };
}

/** An upload body over `source` that reports each chunk as it is sent, so the size of a streamed file is known. */
export function countingUpload(source: Readable, onChunk: (bytes: number) => void): Readable {
	async function* chunks(): AsyncGenerator<Buffer> {
		for await (const chunk of source) {
			onChunk((chunk as Buffer).length);
			yield chunk as Buffer;
		}
	}
	const upload = Readable.from(chunks(), { objectMode: false });
	// A generator that never started does not close its source: an upload given up early must.
	upload.once('close', () => source.destroy());
	return upload;
}
