import { pipeline, Transform, type Readable } from 'node:stream';
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

/** Passes a body through and counts it: older n8n versions do not report a stored file's size. */
export function countingStream(body: Readable): { stream: Readable; counted: () => number } {
	let bytes = 0;
	const stream = new Transform({
		transform(chunk: Buffer, _encoding, callback) {
			bytes += chunk.length;
			callback(null, chunk);
		},
	});
	// A failing body fails the counted stream too, so the consumer sees the error.
	pipeline(body, stream, () => {});
	return { stream, counted: () => bytes };
}
