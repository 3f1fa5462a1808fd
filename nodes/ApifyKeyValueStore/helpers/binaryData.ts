import {
	NodeOperationError,
	type IBinaryData,
	type IExecuteFunctions,
	type IPollFunctions,
} from 'n8n-workflow';

import type { NodeReadable } from './streams';

/** What the file is, for the message ("Record \"big\"", "The ZIP archive of the store"), and what to do instead. */
export interface BinaryDataSubject {
	what: string;
	/** A smaller way to the same data, added to the advice; e.g. a prefix for a whole store. */
	smaller?: string;
	itemIndex: number;
}

/**
 * n8n-core's error when a file is over `N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE` in `database`
 * mode (queue mode's default). Its `name` is "Error", so it is told by its class name, and by its
 * message where a bundler renamed the class.
 */
export function isFileTooLargeError(error: unknown): error is Error {
	if (!(error instanceof Error)) return false;
	return (
		error.name === 'FileTooLargeError' ||
		error.constructor?.name === 'FileTooLargeError' ||
		/exceeds the max size limit of .* MB set for `database` mode/.test(error.message)
	);
}

/** The sizes in n8n-core's message: "its size of 30 MB exceeds the max size limit of 20 MB". */
function sizesOf(message: string): { size?: string; limit?: string } {
	const match = /size of ([\d.]+) MB exceeds the max size limit of ([\d.]+) MB/.exec(message);
	return match ? { size: match[1], limit: match[2] } : {};
}

/**
 * `prepareBinaryData`, with n8n's refusal of a file too large for its `database` binary data mode
 * told as this node's error: what happened and what to do. Other errors pass unchanged.
 */
export async function prepareBinary(
	ctx: IExecuteFunctions | IPollFunctions,
	data: Buffer | NodeReadable,
	fileName: string | undefined,
	mimeType: string | undefined,
	subject: BinaryDataSubject,
): Promise<IBinaryData> {
	// Any other error goes on as it came: the callers' retries and messages handle those.
	const stored = await ctx.helpers.prepareBinaryData(data, fileName, mimeType).then(
		(binary) => ({ binary }),
		(error: unknown) => ({ error }),
	);
	if ('binary' in stored) return stored.binary;
	const { error } = stored;
	if (!isFileTooLargeError(error)) return await Promise.reject(error);
	const { size, limit } = sizesOf(error.message);
	const sizes = size && limit ? ` (${size} MB; the limit is ${limit} MB)` : '';
	throw new NodeOperationError(
		ctx.getNode(),
		`${subject.what} is too large for n8n's binary data in database mode${sizes}`,
		{
			description:
				'n8n keeps files in its database in queue mode unless told otherwise, and refuses files over N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE (in MB, 512 by default, at most 1024); each file is held in the worker’s memory whole. ' +
				'Raise N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE on the workers, or set N8N_DEFAULT_BINARY_DATA_MODE to filesystem with N8N_BINARY_DATA_STORAGE_PATH on a volume every n8n process shares, or to s3' +
				(subject.smaller ? `, or ${subject.smaller}` : '') +
				'.',
			itemIndex: subject.itemIndex,
		},
	);
}
