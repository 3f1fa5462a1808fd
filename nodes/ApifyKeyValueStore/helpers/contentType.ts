// mime rather than mime-types: the same table, without mime-types' import of node:path, which n8n
// Cloud does not allow.
import mime from 'mime';

export type ValueKind = 'json' | 'text' | 'binary';

/** `Application/JSON; charset=utf-8` → `application/json`. */
export function mediaTypeOf(contentType: string | undefined): string {
	return (contentType ?? '').split(';')[0].trim().toLowerCase() || 'application/octet-stream';
}

export function charsetOf(contentType: string | undefined): string {
	const match = /;\s*charset="?([^";]+)"?/i.exec(contentType ?? '');
	return match ? match[1].trim().toLowerCase() : 'utf-8';
}

/**
 * The text of a body in its content type's charset. A charset TextDecoder does not know (a typo,
 * `x-user-defined` variants, `binary`) is read as UTF-8, the charset of nearly all text on the
 * web, rather than failing: the bytes are still there, and invalid ones show as U+FFFD.
 */
export function decodeText(bytes: Uint8Array, contentType: string | undefined): string {
	return decoderFor(charsetOf(contentType)).decode(bytes);
}

function decoderFor(charset: string) {
	try {
		return new TextDecoder(charset);
	} catch {
		return new TextDecoder('utf-8');
	}
}

/**
 * How Auto output treats a record: JSON into fields, text into a field, anything else as a file.
 * `charset=binary`, which `file --mime` writes for content that is not text, makes any type a file.
 */
export function kindOfContentType(contentType: string | undefined): ValueKind {
	if (charsetOf(contentType) === 'binary') return 'binary';
	const type = mediaTypeOf(contentType);
	if (type === 'application/json' || type.endsWith('+json')) return 'json';
	if (
		type.startsWith('text/') ||
		type === 'application/xml' ||
		type.endsWith('+xml') ||
		type === 'application/javascript'
	) {
		return 'text';
	}
	return 'binary';
}

/**
 * A file name that downstream nodes can save as is: the key, plus the extension of its content type
 * unless the key already ends in a fitting one (`screenshot` as image/png → `screenshot.png`).
 */
export function fileNameFor(key: string, contentType: string | undefined): string {
	const name = safeFileName(key);
	const type = mediaTypeOf(contentType);
	const dot = name.lastIndexOf('.');
	const current = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
	const fitting = mime.getAllExtensions(type);
	if (current && (fitting ? fitting.has(current) : mime.getType(current))) return name;
	const extension = mime.getExtension(type);
	return extension ? `${name}.${extension}` : name;
}

/**
 * A base name that cannot climb out of a folder: only the part after the last slash or backslash,
 * without control characters, never `.` or `..`.
 */
export function safeFileName(name: string): string {
	// eslint-disable-next-line no-control-regex
	const base = (name.split(/[/\\]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
	return base === '' || /^\.+$/.test(base) ? 'record' : base;
}

/** The content type a file name suggests, or undefined when it has no known extension. */
export function contentTypeFromName(name: string): string | undefined {
	return name.includes('.') ? (mime.getType(name) ?? undefined) : undefined;
}
