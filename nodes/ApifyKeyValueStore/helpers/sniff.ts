import { fileTypeFromBuffer } from 'file-type/core';

import { contentTypeFromName } from './contentType';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * ZIP entries carry no content type, so it is told from the name's extension, then from the bytes:
 * file signatures, then JSON, HTML or plain text for valid UTF-8.
 */
export async function detectContentType(name: string, bytes: Buffer): Promise<string> {
	const byName = contentTypeFromName(name);
	if (byName) return byName;
	const bySignature = await fileTypeFromBuffer(bytes);
	if (bySignature) return bySignature.mime;
	let text: string;
	try {
		text = utf8.decode(bytes);
	} catch {
		return 'application/octet-stream';
	}
	if (text.includes('\u0000')) return 'application/octet-stream';
	if (/^\s*[[{"]/.test(text)) {
		try {
			JSON.parse(text);
			return 'application/json; charset=utf-8';
		} catch {
			// Looks like JSON but is not: plain text.
		}
	}
	if (/^\s*<(!doctype html|html)[\s>]/i.test(text)) return 'text/html; charset=utf-8';
	return 'text/plain; charset=utf-8';
}
