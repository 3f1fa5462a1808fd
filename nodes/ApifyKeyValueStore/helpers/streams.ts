import type { Readable } from 'node:stream';
import { NodeOperationError, type INode } from 'n8n-workflow';

/**
 * Collects a body the user asked to have in memory (JSON, text, an archive to unpack).
 * With a limit, stops reading as soon as it is passed instead of buffering everything first.
 */
export async function readBody(body: Readable, limit?: { bytes: number; node: INode; what: string; itemIndex: number }): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let length = 0;
	for await (const chunk of body) {
		length += (chunk as Buffer).length;
		if (limit && length > limit.bytes) {
			body.destroy();
			throw new NodeOperationError(limit.node, `${limit.what} is larger than the limit of ${limit.bytes} bytes`, {
				description: 'Raise the limit in the options, or narrow the records with a prefix or collection.',
				itemIndex: limit.itemIndex,
			});
		}
		chunks.push(chunk as Buffer);
	}
	return Buffer.concat(chunks, length);
}
