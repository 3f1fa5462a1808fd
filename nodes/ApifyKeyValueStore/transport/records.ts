import {
	NodeApiError,
	NodeOperationError,
	sleep,
	type IBinaryData,
	type IExecuteFunctions,
	type IPollFunctions,
} from 'n8n-workflow';

import { prepareBinary } from '../helpers/binaryData';
import { decodeText, fileNameFor, kindOfContentType, type ValueKind } from '../helpers/contentType';
import { writtenRecently } from '../helpers/recentWrites';
import {
	requestStatus,
	requestStream,
	type ApifyConnection,
	type ApifyContext,
	type ApifyRequest,
	type RetryPolicy,
	type StreamResponse,
} from './index';
import { apifyApiError } from './errors';
import { listKeyPages, type KeyItem } from './keys';
import { recordEndpoint, storeEndpoint, type StoreRef } from './store';
import { pinStore } from './stores';

/** One record of a store, and how to ask for it. */
export interface RecordAddress {
	store: StoreRef;
	key: string;
	itemIndex: number;
	retry: RetryPolicy;
}

export interface RecordRequest extends RecordAddress {
	outputFormat: ValueKind | 'auto';
	/** An ETag the caller has: the API answers 304 if the record still has it. */
	ifNoneMatch?: string;
	/** Also compute the SHA-256 of the record's content. */
	hashBody?: boolean;
}

/**
 * A record's value: a file in n8n's binary data for binary records, its text otherwise (JSON
 * unparsed); `tooLarge` for JSON or text larger than MAX_RECORD_IN_MEMORY_BYTES, read no further.
 */
export type FetchedRecord =
	| { kind: 'notModified' }
	| { kind: 'tooLarge'; contentType: string }
	| ({ contentType: string; size: number; etag?: string; sha256?: string } & (
			| { kind: 'binary'; binary: IBinaryData }
			| { kind: 'text' | 'json'; text: string }
	  ));

/**
 * The most of a JSON or text record held in memory (decoded), to output in a field. Apify refuses
 * JSON records over 9 MiB (9,437,184 bytes decoded, 413 request-too-large), so every JSON record
 * it stores fits, with room; text has no Apify limit, and one of tens of MB is better handled as a
 * file, which is streamed to n8n's binary data whatever its size. 32 MiB also stops a record that
 * decodes to hundreds of MB (a gzip bomb) long before it fills memory.
 */
export const MAX_RECORD_IN_MEMORY_BYTES = 32 * 1024 * 1024;

/** Waits between reads of a record this process has just written and the API does not show yet: 7.75 s in all. */
export const VISIBILITY_WAITS_MS = [250, 500, 1000, 2000, 4000];

/** How the process-wide memory of recent writes names a record. */
export function recordId(connection: ApifyConnection, store: StoreRef, key: string): string {
	return JSON.stringify([connection.baseUrl, store.basePath, key]);
}

/** Gets one record, streaming a file into n8n's binary data; Record → Get and the trigger use it. */
export async function fetchRecord(
	ctx: IExecuteFunctions | IPollFunctions,
	connection: ApifyConnection,
	request: RecordRequest,
): Promise<FetchedRecord> {
	const { key, outputFormat } = request;
	return await requestRecord(
		ctx,
		connection,
		request,
		async ({
			statusCode,
			body,
			headers,
			bytesRead,
			digest,
			readInMemory,
		}): Promise<FetchedRecord> => {
			if (statusCode === 304) return { kind: 'notModified' };
			const contentType = headers['content-type'] ?? 'application/octet-stream';
			const kind = outputFormat === 'auto' ? kindOfContentType(contentType) : outputFormat;
			const etag = headers.etag;
			if (kind === 'binary') {
				const binary = await prepareBinary(ctx, body, fileNameFor(key, contentType), contentType, {
					what: `Record "${key}"`,
					itemIndex: request.itemIndex,
				});
				return { kind, contentType, size: bytesRead(), etag, sha256: digest(), binary };
			}
			const { bytes, complete } = await readInMemory(MAX_RECORD_IN_MEMORY_BYTES);
			if (!complete) return { kind: 'tooLarge', contentType };
			const text = decodeText(bytes, contentType);
			return { kind, contentType, size: bytes.length, etag, sha256: digest(), text };
		},
	);
}

/**
 * What of a record an AI agent can take: the start of a JSON or text record (at most `maxBytes` of
 * it), and for a file only its type and size, its body dropped unread where the API gives its length.
 */
export type RecordPreview = { contentType: string; fileName: string } & (
	| { kind: 'binary'; size?: number }
	| { kind: 'text' | 'json'; text: string; complete: boolean; size?: number }
);

export async function previewRecord(
	ctx: ApifyContext,
	connection: ApifyConnection,
	address: RecordAddress,
	maxBytes: number,
): Promise<RecordPreview> {
	const { key } = address;
	return await requestRecord(
		ctx,
		connection,
		address,
		async ({ body, headers, bytesRead, readInMemory }): Promise<RecordPreview> => {
			const contentType = headers['content-type'] ?? 'application/octet-stream';
			const kind = kindOfContentType(contentType);
			const fileName = fileNameFor(key, contentType);
			// A length of the stored (encoded) body is not the record's size.
			const declared =
				!headers['content-encoding'] && headers['content-length'] !== undefined
					? Number(headers['content-length'])
					: undefined;
			if (kind === 'binary') {
				if (declared !== undefined && Number.isFinite(declared))
					return { kind, contentType, fileName, size: declared };
				for await (const chunk of body) void chunk;
				return { kind, contentType, fileName, size: bytesRead() };
			}
			const { bytes, complete } = await readInMemory(maxBytes);
			// A character cut at the end decodes as U+FFFD: dropped.
			const text = decodeText(bytes, contentType);
			return {
				kind,
				contentType,
				fileName,
				text: complete ? text : text.replace(/\uFFFD+$/, ''),
				complete,
				size: complete ? bytes.length : declared,
			};
		},
	);
}

/**
 * The signed link to the record that the store's key listing gives (`recordPublicUrl`), which is
 * how a URL signature credential, which cannot sign, reaches one record; undefined without one.
 */
export async function listedRecordLink(
	ctx: ApifyContext,
	connection: ApifyConnection,
	address: RecordAddress,
): Promise<string | undefined> {
	const listed = await listedRecord(ctx, connection, address);
	const url = listed?.recordPublicUrl;
	return url && /^https?:\/\//i.test(url) ? url : undefined;
}

/** The SHA-256 (hex) of a record's content, streamed through and dropped. */
export async function hashRecord(
	ctx: ApifyContext,
	connection: ApifyConnection,
	address: RecordAddress,
): Promise<string | undefined> {
	return await requestRecord(
		ctx,
		connection,
		{ ...address, hashBody: true },
		async ({ body, digest }) => {
			// The digest is complete once the body has been read to its end.
			for await (const chunk of body) void chunk;
			return digest();
		},
	);
}

/**
 * Whether the record exists, asked in documented ways only: HEAD on the store's by-ID path (a
 * run's store is looked up first), or with a URL signature, the store's key listing.
 */
export async function recordExists(
	ctx: ApifyContext,
	connection: ApifyConnection,
	address: RecordAddress,
): Promise<boolean> {
	return await untilWrittenRecordShows(connection, address, async () => {
		if (connection.authType === 'urlSignature') {
			return (await listedRecord(ctx, connection, address)) !== undefined;
		}
		const store = await pinStore(ctx, connection, address.store, address.itemIndex, address.retry);
		const status = await requestStatus(ctx, connection, {
			method: 'HEAD',
			path: recordEndpoint(store, address.key),
			qs: store.qs,
			acceptStatuses: [404],
			subject: { ...address.store.subject, key: address.key },
			itemIndex: address.itemIndex,
			retry: address.retry,
		});
		return status !== 404;
	});
}

/**
 * GET of a record, as a stream for `consume`. With a URL signature the store signature is tried
 * first, as Apify does not document whether it opens a single record; where the API refuses it, the
 * record is read through the `recordPublicUrl` (signed for that record) of its key listing, which
 * Apify documents. A record this process has just written is waited for.
 */
async function requestRecord<T>(
	ctx: ApifyContext,
	connection: ApifyConnection,
	{ store, key, itemIndex, retry, ifNoneMatch, hashBody }: RecordAddress & Partial<RecordRequest>,
	consume: (response: StreamResponse) => Promise<T>,
): Promise<T> {
	const request: ApifyRequest = {
		path: recordEndpoint(store, key),
		// Without it the API may rewrite HTML records.
		qs: { ...store.qs, attachment: 'true' },
		headers: ifNoneMatch ? { 'If-None-Match': ifNoneMatch } : undefined,
		hashBody,
		subject: { ...store.subject, key },
		itemIndex,
		retry,
	};
	const address = { store, key, itemIndex, retry };
	const throughSignedLink = async (refusal: NodeApiError): Promise<T> => {
		const listed = await listedRecord(ctx, connection, address);
		if (!listed) throw missingRecord(ctx, connection, address);
		const signedUrl = listed.recordPublicUrl;
		// A listing without a signed link: the refusal stands.
		if (!signedUrl || !/^https?:\/\//i.test(signedUrl)) throw refusal;
		return await requestStream(
			ctx,
			connection,
			{ ...request, signedUrl, qs: { attachment: 'true' } },
			consume,
		);
	};
	const readOnce = async (): Promise<T> => {
		try {
			return await requestStream(ctx, connection, request, consume);
		} catch (error) {
			// The transport throws only n8n's own errors.
			if (connection.authType !== 'urlSignature' || !hasStatus(error, '401', '403'))
				throw error as NodeApiError | NodeOperationError;
			return await throughSignedLink(error);
		}
	};
	let missing: NodeApiError | undefined;
	const read = async (): Promise<{ value: T } | undefined> => {
		try {
			return { value: await readOnce() };
		} catch (error) {
			if (!hasStatus(error, '404')) throw error as NodeApiError | NodeOperationError;
			missing = error;
			return undefined;
		}
	};
	const result = await untilWrittenRecordShows(connection, address, read);
	if (!result) throw missing;
	return result.value;
}

/** The key's item in the store's listing: the first key with the key as prefix is the key itself, if it exists. */
async function listedRecord(
	ctx: ApifyContext,
	connection: ApifyConnection,
	{ store, key, itemIndex, retry }: RecordAddress,
): Promise<KeyItem | undefined> {
	const pages = listKeyPages(
		ctx,
		connection,
		{ path: storeEndpoint(store, 'keys'), qs: store.qs, subject: store.subject, itemIndex, retry },
		{ prefix: key, limit: 1 },
	);
	for await (const [first] of pages) return first?.key === key ? first : undefined;
	return undefined;
}

function missingRecord(
	ctx: ApifyContext,
	connection: ApifyConnection,
	{ store, key, itemIndex }: RecordAddress,
): NodeApiError {
	return apifyApiError(
		ctx.getNode(),
		404,
		{ type: 'record-not-found', message: 'Record was not found' },
		{ ...store.subject, key, authType: connection.authType, writes: false },
		itemIndex,
	);
}

function hasStatus(error: unknown, ...statuses: string[]): error is NodeApiError {
	return error instanceof NodeApiError && statuses.includes(String(error.httpCode));
}

/**
 * Reads until the record shows, if this process has just written it; `read` gives a falsy value
 * for a missing record. Any other record is read once.
 */
async function untilWrittenRecordShows<T>(
	connection: ApifyConnection,
	{ store, key }: Pick<RecordAddress, 'store' | 'key'>,
	read: () => Promise<T>,
): Promise<T> {
	let result = await read();
	for (const waitMs of VISIBILITY_WAITS_MS) {
		if (result || !writtenRecently(recordId(connection, store, key))) break;
		await sleep(waitMs);
		result = await read();
	}
	return result;
}
