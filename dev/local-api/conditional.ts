/**
 * ETags of records and HTTP conditional requests (RFC 9110, section 13): `If-Match` guards
 * writes against lost updates, `If-None-Match` lets a reader skip a record it already has.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

import {
	isGeneratedRecord,
	type GeneratedRecord,
	type KeyValueRecord,
	type StoredRecord,
} from './store-data';

const ETAG_HEX_DIGITS = 32;

/** Records are immutable (a write replaces the object), so each one's ETag is computed once. */
const etags = new WeakMap<KeyValueRecord, string>();
let generatedRecordSerial = 0;

function storedRecordEtag(record: StoredRecord): string {
	const hash = createHash('sha256')
		.update(`${record.contentType}\0${record.contentEncoding ?? 'identity'}\0`)
		.update(record.stored)
		.digest('hex');
	return `"${hash.slice(0, ETAG_HEX_DIGITS)}"`;
}

/** Hashing a generated body would mean generating it (maybe 1 GiB): every generated record gets its own serial instead. */
function generatedRecordEtag(record: GeneratedRecord): string {
	generatedRecordSerial += 1;
	const hash = createHash('sha256')
		.update(`${record.contentType}\0${record.size}\0${generatedRecordSerial}`)
		.digest('hex');
	return `"g-${hash.slice(0, ETAG_HEX_DIGITS)}"`;
}

/**
 * A strong ETag of the record as stored: its bytes (still encoded), content type and content
 * encoding. It is the same whether the body is served encoded or decoded, with or without the
 * HTML snippet, since it names the record, not the transfer.
 */
export function recordEtag(record: KeyValueRecord): string {
	let etag = etags.get(record);
	if (etag === undefined) {
		etag = isGeneratedRecord(record) ? generatedRecordEtag(record) : storedRecordEtag(record);
		etags.set(record, etag);
	}
	return etag;
}

interface EntityTag {
	weak: boolean;
	opaque: string;
}

function parseEntityTags(header: string): EntityTag[] {
	return [...header.matchAll(/(W\/)?("[^"]*")/g)].map((match) => ({
		weak: match[1] !== undefined,
		opaque: match[2],
	}));
}

/**
 * Whether an `If-Match` / `If-None-Match` value matches the current (always strong) ETag;
 * undefined means there is no record. `*` matches any existing record; `strong` comparison
 * (If-Match) never matches a weak tag. Unquoted values are not entity tags and never match.
 */
function listMatches(
	header: string,
	current: string | undefined,
	comparison: 'strong' | 'weak',
): boolean {
	if (current === undefined) return false;
	if (header.trim() === '*') return true;
	return parseEntityTags(header).some(
		(tag) => tag.opaque === current && (comparison === 'weak' || !tag.weak),
	);
}

export type PreconditionOutcome =
	| 'proceed'
	| 'not-modified'
	| 'if-match-failed'
	| 'if-none-match-failed';

/**
 * RFC 9110's evaluation order: If-Match first, then If-None-Match, which answers 304 to GET and
 * HEAD and fails any other method. Call it only when the request would otherwise succeed.
 */
export function evaluatePreconditions(
	method: string,
	currentEtag: string | undefined,
	headers: IncomingHttpHeaders,
): PreconditionOutcome {
	const ifMatch = headers['if-match'];
	if (ifMatch !== undefined && !listMatches(ifMatch, currentEtag, 'strong'))
		return 'if-match-failed';
	const ifNoneMatch = headers['if-none-match'];
	if (ifNoneMatch !== undefined && listMatches(ifNoneMatch, currentEtag, 'weak')) {
		return method === 'GET' || method === 'HEAD' ? 'not-modified' : 'if-none-match-failed';
	}
	return 'proceed';
}
