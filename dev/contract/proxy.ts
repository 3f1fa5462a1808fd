/**
 * A loopback proxy in front of an Apify API (the real one or the local one) that hands every
 * exchange passing through it to the contract check. Bodies stream through untouched; the proxy
 * keeps a copy of at most MAX_VALIDATED_JSON_BYTES of each, for the JSON schema of the answer.
 * The live check points the node at it, so that the node's requests and the API's answers to them
 * are judged, and its own probes of undocumented behaviour, sent to the API directly, are not.
 */
import {
	createServer,
	request as httpRequest,
	type IncomingHttpHeaders,
	type IncomingMessage,
	type ServerResponse,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

import { MAX_VALIDATED_JSON_BYTES, type ContractCheck } from './check';
import type { UndocumentedSettings } from './exchange';

export interface ContractProxy {
	/** `http://127.0.0.1:PORT`: give it to the node as its API Base URL. */
	readonly url: string;
	close(): Promise<void>;
}

/** Headers of one connection, not of the message (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
	'connection',
	'keep-alive',
	'proxy-connection',
	'transfer-encoding',
	'upgrade',
	'te',
	'trailer',
	'host',
]);

function endToEndHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
	return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

/** Collects a stream's first bytes, up to the limit; `complete` says whether that was all. */
class BodyCopy {
	private readonly chunks: Buffer[] = [];
	private size = 0;
	overflowed = false;

	add(chunk: Buffer): void {
		if (this.overflowed) return;
		this.size += chunk.length;
		if (this.size > MAX_VALIDATED_JSON_BYTES) {
			this.overflowed = true;
			this.chunks.length = 0;
		} else this.chunks.push(chunk);
	}

	/** The whole body, decoded from its Content-Encoding; undefined when it was too large or undecodable. */
	body(contentEncoding: string | undefined): Buffer | undefined {
		if (this.overflowed) return undefined;
		const bytes = Buffer.concat(this.chunks);
		try {
			switch (contentEncoding?.trim().toLowerCase()) {
				case 'gzip':
					return gunzipSync(bytes);
				case 'br':
					return brotliDecompressSync(bytes);
				case 'deflate':
					return inflateSync(bytes);
				default:
					return bytes;
			}
		} catch {
			return undefined;
		}
	}
}

/**
 * Starts the proxy in front of `target` (an API origin such as https://api.apify.com).
 * `settings`: the local API's UNDOCUMENTED switches, if it is the local API.
 */
export async function startContractProxy(
	target: string,
	check: ContractCheck,
	settings?: UndocumentedSettings,
): Promise<ContractProxy> {
	const origin = new URL(target);
	const send = origin.protocol === 'https:' ? httpsRequest : httpRequest;

	const forward = (req: IncomingMessage, res: ServerResponse) => {
		const url = new URL(req.url ?? '/', origin);
		const method = req.method ?? 'GET';
		const requestCopy = new BodyCopy();
		req.on('data', (chunk: Buffer) => requestCopy.add(chunk));
		const upstream = send(url, {
			method,
			headers: { ...endToEndHeaders(req.headers), host: origin.host },
		});
		upstream.on('response', (answer) => {
			const headers = endToEndHeaders(answer.headers);
			res.writeHead(answer.statusCode ?? 502, headers);
			const answerCopy = new BodyCopy();
			let received = 0;
			answer.on('data', (chunk: Buffer) => {
				received += chunk.length;
				answerCopy.add(chunk);
			});
			answer.pipe(res);
			answer.on('end', () => {
				const copy = answerCopy.body(answer.headers['content-encoding']);
				check.observe({
					method,
					url,
					headers: req.headers,
					requestBody: requestCopy.body(req.headers['content-encoding']),
					reply: {
						status: answer.statusCode ?? 0,
						headers,
						// Too large to keep: judged as a stream, by its headers only.
						body: received === 0 ? undefined : (copy ?? Readable.from([])),
					},
					settings,
				});
			});
		});
		upstream.on('error', () => {
			if (!res.headersSent) res.writeHead(502);
			res.end();
		});
		req.pipe(upstream);
	};

	const server = createServer(forward);
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		close: () =>
			new Promise((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}
