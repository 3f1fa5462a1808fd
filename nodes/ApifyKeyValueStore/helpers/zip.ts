import { PassThrough } from 'node:stream';

import JSZip from 'jszip';
import { NodeOperationError, type INode } from 'n8n-workflow';

import { readBody } from './streams';

export interface UnzipLimits {
	maxEntries: number;
	maxTotalBytes: number;
}

export interface ZipEntry {
	name: string;
	bytes: Buffer;
}

/**
 * Reads the archive's directory, refuses it when it has more entries than allowed, then
 * inflates one entry at a time, counting real (not declared) bytes against the total limit.
 */
export async function* unzipEntries(
	archive: Buffer,
	limits: UnzipLimits,
	node: INode,
	itemIndex: number,
): AsyncGenerator<ZipEntry> {
	let zip: JSZip;
	try {
		zip = await JSZip.loadAsync(archive);
	} catch (error) {
		throw new NodeOperationError(node, `The downloaded ZIP archive is damaged: ${(error as Error).message}`, {
			description: 'No records were output for it. Run the node again; if it persists, download the store as one ZIP file.',
			itemIndex,
		});
	}
	const files = Object.values(zip.files).filter((entry) => !entry.dir);
	if (files.length > limits.maxEntries) {
		throw new NodeOperationError(node, `The store has ${files.length} records, more than the limit of ${limits.maxEntries}`, {
			description: 'Raise Max Records in the options, narrow the records with a prefix or collection, or download the store as one ZIP file.',
			itemIndex,
		});
	}
	let remaining = limits.maxTotalBytes;
	for (const file of files) {
		// jszip's stream is of an old stream library; a core PassThrough makes it async-iterable.
		const entryStream = file.nodeStream('nodebuffer').pipe(new PassThrough());
		const bytes = await readBody(entryStream, {
			bytes: remaining,
			exceeded: () => totalSizeExceeded(node, 'The unpacked records are', limits.maxTotalBytes, itemIndex),
		});
		remaining -= bytes.length;
		yield { name: file.name, bytes };
	}
}

/** Passing Max Total Size, for the downloaded archive as for what it unpacks to. */
export function totalSizeExceeded(node: INode, subject: string, limitBytes: number, itemIndex: number): NodeOperationError {
	return new NodeOperationError(node, `${subject} larger than the limit of ${limitBytes} bytes`, {
		description:
			'Raise Max Total Size in the options, narrow the records with a prefix or collection, or download the store as one ZIP file.',
		itemIndex,
	});
}
