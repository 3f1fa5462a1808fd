/**
 * Answers no honest Apify API gives, as fault kinds: an HTML page where JSON belongs, JSON of the
 * wrong shape, headers larger than Node's HTTP parser takes, a body that trickles, and a body sent
 * as given with a Content-Type and Content-Encoding (a gzip bomb). They keep the node's handling
 * of a hostile or broken server (a proxy, a captive portal, a compromised API Base URL) tested.
 */
import { once } from 'node:events';
import { createGzip } from 'node:zlib';

import type { Reply } from './replies';

export type HostileBehaviour =
	/** Answer with an HTML page (a proxy's error page, a captive portal's login) and this status, 200 unless given. */
	| { kind: 'html'; html?: string; status?: number }
	/** Answer 200 with this value as the whole JSON document, e.g. `{ data: {} }` where a listing belongs. */
	| { kind: 'json'; json: unknown }
	/** The real answer with one more header of `headerBytes` bytes; Node's HTTP parser takes 16 KiB in all. */
	| { kind: 'huge-headers'; headerBytes?: number }
	/**
	 * The real answer, or `body` as `contentType`, sent `bytesPerInterval` bytes (1 unless given)
	 * every `intervalMs`, with the real Content-Length: never a pause of `intervalMs`, yet slow.
	 */
	| {
			kind: 'trickle';
			intervalMs: number;
			bytesPerInterval?: number;
			body?: Buffer;
			contentType?: string;
	  }
	/** Answer 200 with these bytes, already encoded, marked with this Content-Type and Content-Encoding. */
	| { kind: 'encoded'; body: Buffer; contentType: string; contentEncoding: string };

export type HostileKind = HostileBehaviour['kind'];

const HOSTILE_KINDS: ReadonlySet<string> = new Set<HostileKind>([
	'html',
	'json',
	'huge-headers',
	'trickle',
	'encoded',
]);

export function isHostile<T extends { kind: string }>(
	fault: T | undefined,
): fault is T & HostileBehaviour {
	return fault !== undefined && HOSTILE_KINDS.has(fault.kind);
}

/** Node's default `--max-http-header-size` is 16 KiB; twice that overflows it with room. */
const DEFAULT_HEADER_BYTES = 32 * 1024;

const DEFAULT_HTML = `<!DOCTYPE html>
<html><head><title>502 Bad Gateway</title></head>
<body><h1>502 Bad Gateway</h1><p>The proxy could not reach the upstream server.</p></body></html>
`;

function bodyReply(
	status: number,
	body: Buffer,
	headers: Record<string, string | number> = {},
): Reply {
	return { status, headers: { 'Content-Length': body.length, ...headers }, body };
}

/** The reply of a hostile fault; `real` gives the reply the API would have sent. */
export async function hostileReply(
	fault: HostileBehaviour,
	real: () => Promise<Reply>,
): Promise<Reply> {
	switch (fault.kind) {
		case 'html':
			return bodyReply(fault.status ?? 200, Buffer.from(fault.html ?? DEFAULT_HTML), {
				'Content-Type': 'text/html; charset=utf-8',
			});
		case 'json':
			return bodyReply(200, Buffer.from(JSON.stringify(fault.json)), {
				'Content-Type': 'application/json; charset=utf-8',
			});
		case 'huge-headers': {
			const reply = await real();
			const padding = 'x'.repeat(fault.headerBytes ?? DEFAULT_HEADER_BYTES);
			return { ...reply, headers: { ...reply.headers, 'X-Padding': padding } };
		}
		case 'trickle':
			return fault.body
				? bodyReply(200, fault.body, {
						'Content-Type': fault.contentType ?? 'application/octet-stream',
					})
				: await real();
		case 'encoded':
			return bodyReply(200, fault.body, {
				'Content-Type': fault.contentType,
				'Content-Encoding': fault.contentEncoding,
			});
	}
}

/** How the `slow` writer paces a trickle: `bytesPerInterval` bytes, then a wait of `intervalMs`. */
export function tricklePacing(fault: Extract<HostileBehaviour, { kind: 'trickle' }>): {
	kind: 'slow';
	chunkDelayMs: number;
	chunkSize: number;
} {
	return { kind: 'slow', chunkDelayMs: fault.intervalMs, chunkSize: fault.bytesPerInterval ?? 1 };
}

/**
 * gzip of `prefix`, then `size` bytes of `fill`, then `suffix`: a small body that decodes to a
 * large one. Made piece by piece, so the decoded bytes are never held at once.
 */
export async function gzipBomb(
	size: number,
	{
		prefix = '',
		suffix = '',
		fill = 'a',
	}: { prefix?: string; suffix?: string; fill?: string } = {},
): Promise<Buffer> {
	const gzip = createGzip({ level: 9 });
	const chunks: Buffer[] = [];
	gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
	const ended = once(gzip, 'end');
	const write = async (piece: Buffer) => {
		if (!gzip.write(piece)) await once(gzip, 'drain');
	};
	await write(Buffer.from(prefix));
	const block = Buffer.alloc(1024 * 1024, fill);
	for (let written = 0; written < size; written += block.length)
		await write(block.subarray(0, Math.min(block.length, size - written)));
	await write(Buffer.from(suffix));
	gzip.end();
	await ended;
	return Buffer.concat(chunks);
}
