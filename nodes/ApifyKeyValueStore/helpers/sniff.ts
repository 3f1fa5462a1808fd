import { fileTypeFromBuffer } from 'file-type/core';

import { contentTypeFromName } from './contentType';

export const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';

/** Enough of a text to tell HTML by its start. */
const HTML_PEEK_BYTES = 1024;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Whether the bytes are UTF-8 (n8n Cloud allows no import of node:buffer for its isUtf8); of the
 * start of a longer text when `partial`, which may end in the middle of a character.
 */
function isUtf8(bytes: Uint8Array, partial: boolean): boolean {
	// A start is read as a stream, whose state a decoder keeps: a decoder of its own, then.
	const decoder = partial ? new TextDecoder('utf-8', { fatal: true }) : strictUtf8;
	try {
		decoder.decode(bytes, { stream: partial });
		return true;
	} catch {
		return false;
	}
}

/**
 * ZIP entries carry no content type, so it is told from the name's extension, then from the bytes:
 * file signatures, then, for valid UTF-8 without NUL bytes, JSON by its first and last characters,
 * HTML by its start, or plain text. JSON is told by shape, not parsed: parsing every record of a
 * large store would cost more than unpacking it (Parse JSON Records parses, and says when it fails).
 *
 * `partial`: the bytes are only the record's start. Its end is unseen, so JSON is not told by
 * shape; callers pass a start only for records larger than Apify takes as JSON.
 */
export async function detectContentType(
	name: string,
	bytes: Buffer,
	partial = false,
): Promise<string> {
	const byName = contentTypeFromName(name);
	if (byName) return byName;
	const bySignature = await fileTypeFromBuffer(bytes);
	if (bySignature) return bySignature.mime;
	if (!isUtf8(bytes, partial) || bytes.includes(0)) return 'application/octet-stream';
	if (!partial && looksLikeJson(bytes)) return 'application/json; charset=utf-8';
	const start = bytes.subarray(0, HTML_PEEK_BYTES).toString('utf8');
	if (/^\s*<(!doctype html|html)[\s>]/i.test(start)) return 'text/html; charset=utf-8';
	return TEXT_CONTENT_TYPE;
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const CLOSING: Record<number, number> = { 0x7b: 0x7d, 0x5b: 0x5d, 0x22: 0x22 };

/** An object, array or string: `{…}`, `[…]` or `"…"` around optional whitespace. */
function looksLikeJson(bytes: Buffer): boolean {
	let first = 0;
	let last = bytes.length - 1;
	while (first <= last && WHITESPACE.has(bytes[first])) first++;
	while (last > first && WHITESPACE.has(bytes[last])) last--;
	return last > first && CLOSING[bytes[first]] === bytes[last];
}
