/**
 * Responses of the local API as plain values: handlers return a `Reply` and one writer sends
 * it, which lets fault injection delay or cut any response the same way.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

import { recordEtag } from './conditional';
import {
	decodedRecordBody,
	isGeneratedRecord,
	type GeneratedRecord,
	type KeyValueRecord,
} from './store-data';

export interface Reply {
	status: number;
	headers: OutgoingHttpHeaders;
	body?: Buffer | Readable;
}

/** Thrown by handlers; becomes Apify's `{"error":{"type","message"}}` body. */
export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly type: string,
		message: string,
		readonly headers: OutgoingHttpHeaders = {},
	) {
		super(message);
	}
}

function jsonReply(status: number, payload: unknown, headers: OutgoingHttpHeaders = {}): Reply {
	const body = Buffer.from(JSON.stringify(payload, null, 2));
	return {
		status,
		headers: {
			'Content-Type': 'application/json; charset=utf-8',
			'Content-Length': body.length,
			...headers,
		},
		body,
	};
}

export function dataReply(data: unknown, status = 200): Reply {
	return jsonReply(status, { data });
}

export function errorReply(error: ApiError): Reply {
	return jsonReply(
		error.status,
		{ error: { type: error.type, message: error.message } },
		error.headers,
	);
}

/** A record written: Apify answers 201 with `Location` and the JSON body `{}`. */
export function recordWrittenReply(headers: OutgoingHttpHeaders): Reply {
	return jsonReply(201, {}, headers);
}

export function emptyReply(status: number, headers: OutgoingHttpHeaders = {}): Reply {
	return { status, headers: { 'Content-Length': 0, ...headers } };
}

/** A 304 carries the validator but no body, and no Content-Length (RFC 9110 allows only the 200's length there). */
export function notModifiedReply(etag: string): Reply {
	return { status: 304, headers: { ETag: etag } };
}

/** Marks HTML served inline, as Apify modifies HTML records fetched without `attachment`. */
export const INJECTED_HTML_SNIPPET =
	'<script>/* served inline by the key-value store API */</script>';

function injectSnippet(html: string): string {
	const head = /<head(\s[^>]*)?>/i.exec(html);
	if (!head) return INJECTED_HTML_SNIPPET + html;
	const end = head.index + head[0].length;
	return html.slice(0, end) + INJECTED_HTML_SNIPPET + html.slice(end);
}

function mediaType(contentType: string): string {
	return contentType.split(';')[0].trim().toLowerCase();
}

/** Whether an `Accept-Encoding` header lists `encoding` (or `*`) with a non-zero quality. */
function acceptsEncoding(header: string | undefined, encoding: string): boolean {
	let wildcard = false;
	for (const entry of (header ?? '').split(',')) {
		const [name, ...params] = entry.split(';').map((part) => part.trim().toLowerCase());
		const q = params.find((param) => param.startsWith('q='));
		const acceptable = q === undefined || Number(q.slice(2)) > 0;
		if (name === encoding) return acceptable;
		if (name === '*') wildcard = acceptable;
	}
	return wildcard;
}

export interface RecordReplyOptions {
	acceptEncoding: string | undefined;
	attachment: boolean;
	/** Only the API injects into HTML; the storage origin serves objects untouched. */
	injectIntoHtml: boolean;
	/** `HEAD` answers without generating a generated record's body. */
	method?: string;
	/** Whether to send the record's ETag (undocumented for Apify). */
	etag: boolean;
}

export function recordReply(record: KeyValueRecord, options: RecordReplyOptions): Reply {
	if (isGeneratedRecord(record)) return generatedRecordReply(record, options);
	const headers: OutgoingHttpHeaders = { 'Content-Type': record.contentType };
	if (options.etag) headers.ETag = recordEtag(record);
	if (options.attachment) headers['Content-Disposition'] = 'attachment';
	if (record.contentEncoding) headers.Vary = 'Accept-Encoding';

	let body: Buffer;
	if (
		options.injectIntoHtml &&
		!options.attachment &&
		mediaType(record.contentType) === 'text/html'
	) {
		body = Buffer.from(injectSnippet(decodedRecordBody(record).toString('utf8')));
	} else if (
		record.contentEncoding &&
		acceptsEncoding(options.acceptEncoding, record.contentEncoding)
	) {
		body = record.stored;
		headers['Content-Encoding'] = record.contentEncoding;
	} else {
		body = decodedRecordBody(record);
	}
	headers['Content-Length'] = body.length;
	return { status: 200, headers, body };
}

/**
 * A generated record, streamed as it is generated: never content-encoded nor changed (no HTML
 * snippet), with its length known up front. A HEAD request does not generate the body at all.
 */
function generatedRecordReply(record: GeneratedRecord, options: RecordReplyOptions): Reply {
	const headers: OutgoingHttpHeaders = {
		'Content-Type': record.contentType,
		'Content-Length': record.size,
	};
	if (options.etag) headers.ETag = recordEtag(record);
	if (options.attachment) headers['Content-Disposition'] = 'attachment';
	return { status: 200, headers, body: options.method === 'HEAD' ? undefined : record.generate() };
}

/** `decodeURIComponent` that answers undefined for malformed percent-encoding. */
export function decodePathSegment(segment: string): string | undefined {
	try {
		return decodeURIComponent(segment);
	} catch {
		return undefined;
	}
}

export function isTrueFlag(value: string | null): boolean {
	return value === 'true' || value === '1';
}
