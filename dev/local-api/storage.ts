/**
 * The "storage" origin that redirected record downloads land on, like Apify's historical S3
 * presigned URLs: the URL's own query authorizes the request, and a request that also carries
 * an `Authorization` header is rejected, as S3 does.
 *
 * It sends the record's ETag (the API's, when the API sends ETags) but ignores If-Match and If-None-Match: the API has
 * already evaluated them before redirecting, and answers 304 or 412 itself instead of a 302.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

import { decodePathSegment, recordReply, type Reply } from './replies';
import type { StoreRegistry } from './store-data';

const PRESIGNED_URL_LIFETIME_SECS = 15 * 60;

export interface PresignedRecord {
	storeId: string;
	key: string;
	attachment: boolean;
}

function s3Error(status: number, code: string, message: string): Reply {
	const body = Buffer.from(
		`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
	);
	return {
		status,
		headers: { 'Content-Type': 'application/xml', 'Content-Length': body.length },
		body,
	};
}

export class StorageOrigin {
	private readonly secret = randomBytes(32);

	constructor(
		readonly url: string,
		private readonly stores: StoreRegistry,
		/** The API's ETag switch: the storage serves the API's ETags only when the API has them. */
		private readonly sendEtags: () => boolean,
	) {}

	presign({ storeId, key, attachment }: PresignedRecord): string {
		const url = new URL(`${this.url}/kvs/${storeId}/${encodeURIComponent(key)}`);
		const expires = String(Math.floor(Date.now() / 1000) + PRESIGNED_URL_LIFETIME_SECS);
		const disposition = attachment ? 'attachment' : '';
		url.searchParams.set('Expires', expires);
		if (disposition) url.searchParams.set('response-content-disposition', disposition);
		url.searchParams.set('Signature', this.sign(storeId, key, expires, disposition));
		return url.toString();
	}

	handle(method: string, url: URL, headers: IncomingHttpHeaders): Reply {
		if (method !== 'GET' && method !== 'HEAD') {
			return s3Error(
				405,
				'MethodNotAllowed',
				'The specified method is not allowed against this resource.',
			);
		}
		if (headers.authorization !== undefined) {
			return s3Error(
				400,
				'InvalidArgument',
				'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
			);
		}
		const match = /^\/kvs\/([a-zA-Z0-9]+)\/([^/]+)$/.exec(url.pathname);
		if (!match) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.');
		const storeId = match[1];
		const key = decodePathSegment(match[2]);
		if (key === undefined) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.');
		const expires = url.searchParams.get('Expires') ?? '';
		const disposition = url.searchParams.get('response-content-disposition') ?? '';
		if (url.searchParams.get('Signature') !== this.sign(storeId, key, expires, disposition)) {
			return s3Error(
				403,
				'SignatureDoesNotMatch',
				'The request signature we calculated does not match the signature you provided.',
			);
		}
		if (Number(expires) * 1000 < Date.now())
			return s3Error(403, 'AccessDenied', 'Request has expired');

		const record = this.stores.byId(storeId)?.getRecord(key);
		if (!record) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.');
		return recordReply(record, {
			acceptEncoding: headers['accept-encoding'],
			attachment: disposition === 'attachment',
			injectIntoHtml: false,
			method,
			etag: this.sendEtags(),
		});
	}

	private sign(storeId: string, key: string, expires: string, disposition: string): string {
		return createHmac('sha256', this.secret)
			.update(`${storeId}\n${key}\n${expires}\n${disposition}`)
			.digest('hex');
	}
}
