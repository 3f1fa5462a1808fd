/**
 * A bare HTTP client for tests of the local API: no automatic headers, redirects or
 * decompression, and no connection reuse, so tests see exactly what the server sent.
 */
import { request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';

export interface RawResponse {
	status: number;
	headers: IncomingHttpHeaders;
	body: Buffer;
}

export interface RawRequestOptions {
	method?: string;
	headers?: OutgoingHttpHeaders;
	body?: Buffer | string;
}

export function rawRequest(
	url: string,
	{ method = 'GET', headers = {}, body }: RawRequestOptions = {},
): Promise<RawResponse> {
	return new Promise((resolve, reject) => {
		const req = request(url, { method, headers, agent: false }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (chunk: Buffer) => chunks.push(chunk));
			res.on('end', () =>
				resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
			);
			res.on('error', reject);
		});
		req.on('error', reject);
		req.end(body);
	});
}

/** The parsed JSON body of a response. */
export function jsonBody<T = any>(response: RawResponse): T {
	return JSON.parse(response.body.toString('utf8')) as T;
}

export function bearer(token: string): OutgoingHttpHeaders {
	return { Authorization: `Bearer ${token}` };
}
