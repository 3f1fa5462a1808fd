import type { IBinaryData, IExecuteFunctions, IPollFunctions } from 'n8n-workflow';

import { charsetOf, fileNameFor, kindOfContentType, type ValueKind } from '../helpers/contentType';
import { readBody } from '../helpers/streams';
import { requestStream, type ApifyConnection, type RetryPolicy } from '.';
import { storeEndpoint, type StoreRef } from './store';

export interface RecordRequest {
	store: StoreRef;
	key: string;
	outputFormat: ValueKind | 'auto';
	itemIndex: number;
	retry: RetryPolicy;
	/** An ETag the caller has: the API answers 304 if the record still has it. */
	ifNoneMatch?: string;
	/** Also compute the SHA-256 of the record's content. */
	hashBody?: boolean;
}

/** A record's value: a file in n8n's binary data for binary records, its text otherwise (JSON unparsed). */
export type FetchedRecord =
	| { kind: 'notModified' }
	| ({ contentType: string; size: number; etag?: string; sha256?: string } & (
			| { kind: 'binary'; binary: IBinaryData }
			| { kind: 'text' | 'json'; text: string }
	  ));

/** Gets one record, streaming a file into n8n's binary data; Record → Get and the trigger use it. */
export async function fetchRecord(
	ctx: IExecuteFunctions | IPollFunctions,
	connection: ApifyConnection,
	{ store, key, outputFormat, itemIndex, retry, ifNoneMatch, hashBody }: RecordRequest,
): Promise<FetchedRecord> {
	return await requestStream(
		ctx,
		connection,
		{
			path: storeEndpoint(store, 'records', encodeURIComponent(key)),
			// Without it the API may rewrite HTML records.
			qs: { ...store.qs, attachment: 'true' },
			headers: ifNoneMatch ? { 'If-None-Match': ifNoneMatch } : undefined,
			hashBody,
			subject: { ...store.subject, key },
			itemIndex,
			retry,
		},
		async ({ statusCode, body, headers, bytesRead, digest }): Promise<FetchedRecord> => {
			if (statusCode === 304) return { kind: 'notModified' };
			const contentType = headers['content-type'] ?? 'application/octet-stream';
			const kind = outputFormat === 'auto' ? kindOfContentType(contentType) : outputFormat;
			const etag = headers.etag;
			if (kind === 'binary') {
				const binary = await ctx.helpers.prepareBinaryData(
					body,
					fileNameFor(key, contentType),
					contentType,
				);
				return { kind, contentType, size: bytesRead(), etag, sha256: digest(), binary };
			}
			const bytes = await readBody(body);
			const text = new TextDecoder(charsetOf(contentType)).decode(bytes);
			return { kind, contentType, size: bytes.length, etag, sha256: digest(), text };
		},
	);
}
