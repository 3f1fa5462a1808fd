import {
	NodeApiError,
	NodeOperationError,
	type IExecuteFunctions,
	type IHttpRequestOptions,
	type ILoadOptionsFunctions,
	type IPollFunctions,
} from 'n8n-workflow';

import { ACCEPT_ENCODING, contentDecoder } from '../helpers/decompress';
import {
	BODY_CHUNK_BYTES,
	guardBody,
	readBody,
	throughDecoder,
	type NodeReadable as Readable,
} from '../helpers/streams';
import {
	answerTooLargeError,
	apifyApiError,
	findNetworkFailure,
	malformedAnswerError,
	networkError,
	notJsonError,
	parseApifyErrorBody,
	unexpectedShapeError,
	type ApifyErrorBody,
	type RequestSubject,
} from './errors';
import { checkBaseUrl } from './origin';
import { laneOf, pause, type Lane, type Turn } from './rateLimit';

export const CREDENTIAL_TYPE = 'apifyKeyValueStoreApi';

/** Every context the node's code runs in: an operation, a list search, a poll of the trigger. */
export type ApifyContext = IExecuteFunctions | ILoadOptionsFunctions | IPollFunctions;

export interface ApifyConnection {
	/** The API base URL without a trailing slash; credentials are only ever sent to its origin. */
	baseUrl: string;
	authType: 'apiToken' | 'urlSignature';
}

export interface RetryPolicy {
	/** Retries after the first attempt, as apify-client counts them. */
	maxRetries: number;
	/** The first attempt's timeout, doubled on every retry; for streamed bodies the longest pause between two chunks. */
	timeoutMs: number;
}

/** apify-client's number of retries. */
export const DEFAULT_MAX_RETRIES = 8;

/**
 * The first attempt's timeouts apify-client uses, which the operations offer by default and the
 * trigger uses: `small` for store metadata and record deletion, `medium` for listings, `records`
 * for getting, putting and checking a record (files can be large; for them it bounds the longest
 * pause, not the whole transfer).
 */
export const DEFAULT_TIMEOUT_SECONDS = { small: 5, medium: 30, records: 360 } as const;

/** The retry policy of a request made with the defaults, as the trigger and list search make them. */
export function defaultRetryPolicy(timeoutSeconds: number): RetryPolicy {
	return { maxRetries: DEFAULT_MAX_RETRIES, timeoutMs: timeoutSeconds * 1000 };
}

export type ApifyMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';

export interface ApifyRequest {
	/** GET unless given. */
	method?: ApifyMethod;
	/** Path under the API origin with every segment already URL-encoded, e.g. `/v2/key-value-stores/x/keys`. */
	path: string;
	/**
	 * A signed link the API gave (such as a listing's `recordPublicUrl`), asked instead of `path`:
	 * it carries its own signature, so the credential is never sent with it.
	 */
	signedUrl?: string;
	qs?: Record<string, string | number | boolean | undefined>;
	headers?: Record<string, string>;
	/** The body, made anew for every attempt and redirect: a stream, once sent, cannot be sent again. */
	body?: () => Buffer | Readable | Promise<Buffer | Readable>;
	/** Error statuses answered as responses instead of failing, e.g. 404 when asking whether a record exists. */
	acceptStatuses?: number[];
	/**
	 * Statuses answered as responses only when retrying, e.g. 404 for a DELETE: the attempt before
	 * may have deleted it and lost its answer on the way back.
	 */
	acceptStatusesOnRetry?: number[];
	/** For a streamed body: also compute its SHA-256, for telling whether a record changed. */
	hashBody?: boolean;
	/**
	 * For a streamed body read by the node itself (an archive it unpacks) rather than stored: its
	 * chunks as they arrive, not gathered for n8n's file store, which would copy every byte once more.
	 */
	readInCode?: boolean;
	subject: Omit<RequestSubject, 'authType' | 'writes'>;
	itemIndex: number;
	retry: RetryPolicy;
}

interface HttpResponse {
	body: Readable;
	headers: Record<string, string | undefined>;
	statusCode: number;
}

export interface StreamResponse extends HttpResponse {
	/** Bytes of the (decoded) body read so far. */
	bytesRead: () => number;
	/** The SHA-256 (hex) of the decoded body once read, when the request asked for it. */
	digest: () => string | undefined;
	/**
	 * Reads the whole (decoded) body into memory, at most `maxBytes` of it (see readBody), within
	 * the attempt's timeout counted from its start: a body held in memory is small, so the timeout
	 * bounds all of it, not only its pauses.
	 */
	readInMemory: (maxBytes: number) => Promise<{ bytes: Buffer; complete: boolean }>;
}

/** What is wrong with a JSON endpoint's `data`, e.g. `"items" of the key listing is not a list`; undefined if nothing. */
export type ShapeCheck = (data: unknown) => string | undefined;

export function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The ShapeCheck of a page of a list endpoint (`what`): `{ items: […] }`, each item an object that `isItem`, or it `itemRule`. */
export function listPageCheck(
	what: string,
	itemRule: string,
	isItem: (item: Record<string, unknown>) => boolean,
): ShapeCheck {
	return (data) => {
		if (!isObject(data)) return `the ${what} is not an object`;
		if (!Array.isArray(data.items)) return `"items" of the ${what} is not a list`;
		if (!data.items.every((item) => isObject(item) && isItem(item)))
			return `an item of the ${what} ${itemRule}`;
		return undefined;
	};
}

/**
 * The most a JSON endpoint's answer may decode to. The largest Apify gives is a page of 1,000 keys
 * (its limit), each key at most 256 characters and repeated in its signed `recordPublicUrl`: under
 * 1 MB, as is a page of 1,000 stores. 8 MiB leaves room for fields Apify may add, while a gzip
 * bomb stops there instead of filling memory.
 */
export const MAX_JSON_ANSWER_BYTES = 8 * 1024 * 1024;

/**
 * What a streamed file must bring within each Request Timeout: less counts as a pause, so a body
 * that trickles (a byte a second) fails as a stalled one does, while a slow but real download of
 * any length goes on. 64 KiB per timeout is 182 bytes a second at the default 360 s.
 */
export const MIN_PROGRESS_BYTES = 64 * 1024;

const MAX_REDIRECTS = 5;
const BACKOFF_BASE_MS = 500;
const MAX_RETRY_AFTER_MS = 60_000;
const MAX_TIMEOUT_MS = 360_000;

/** Network failures worth another attempt; refused connections and unknown hosts are set-up mistakes. */
const RETRYABLE_CODES = new Set([
	'ECONNRESET',
	'ETIMEDOUT',
	'ECONNABORTED',
	'EPIPE',
	'EAI_AGAIN',
	'ERR_STREAM_PREMATURE_CLOSE',
	// axios: the body stream was cut off.
	'ERR_BAD_RESPONSE',
	'UND_ERR_SOCKET',
]);

class ApifyHttpError extends Error {
	constructor(
		readonly statusCode: number,
		readonly body: ApifyErrorBody,
		readonly retryAfterMs: number | undefined,
	) {
		super(`${statusCode} ${body.type}`);
	}
}

/** Reads the credential's origin and refuses one that would carry the token in clear text. */
export async function getConnection(ctx: ApifyContext, itemIndex = 0): Promise<ApifyConnection> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE, itemIndex);
	const checked = checkBaseUrl(credentials.baseUrl);
	if (!checked.url) {
		const { problem, description } = checked;
		throw new NodeOperationError(ctx.getNode(), problem, { description, itemIndex });
	}
	const { url } = checked;
	return {
		baseUrl: url.origin + url.pathname.replace(/\/+$/, ''),
		authType: credentials.authType === 'urlSignature' ? 'urlSignature' : 'apiToken',
	};
}

/**
 * A JSON endpoint; returns the unwrapped `data`, or undefined for an empty answer (such as a 204).
 * An answer that is not JSON, or whose `data` fails `checkShape`, is the API's answer, not a
 * transport failure: it fails at once, saying what came back. One cut off mid-body is retried.
 */
export async function requestJson<T>(
	ctx: ApifyContext,
	connection: ApifyConnection,
	request: ApifyRequest,
	checkShape?: ShapeCheck,
): Promise<T> {
	const { itemIndex } = request;
	return await requestStream(
		ctx,
		connection,
		{ ...request, readInCode: true },
		async (response) => {
			const { bytes, complete } = await response.readInMemory(MAX_JSON_ANSWER_BYTES);
			if (!complete) throw answerTooLargeError(ctx.getNode(), MAX_JSON_ANSWER_BYTES, itemIndex);
			const text = bytes.toString('utf8');
			if (text.trim() === '') return undefined as T;
			let data: unknown;
			try {
				data = (JSON.parse(text) as { data?: unknown } | null)?.data;
			} catch {
				throw notJsonError(ctx.getNode(), response.headers['content-type'], text, itemIndex);
			}
			const problem = checkShape?.(data);
			if (problem) throw unexpectedShapeError(ctx.getNode(), problem, itemIndex);
			return data as T;
		},
	);
}

/** A request whose answer is its status and headers (HEAD, DELETE, a conditional request); any body is dropped unread. */
export async function requestHeaders(
	ctx: ApifyContext,
	connection: ApifyConnection,
	request: ApifyRequest,
): Promise<Pick<HttpResponse, 'statusCode' | 'headers'>> {
	return await withRetries(ctx, connection, request, async (attemptRequest, timeoutMs, turn) => {
		const { statusCode, headers, body } = await send(
			ctx,
			connection,
			attemptRequest,
			timeoutMs,
			turn,
		);
		discard(body);
		return { statusCode, headers };
	});
}

/** A request whose answer is its status alone; the status is returned. */
export async function requestStatus(
	ctx: ApifyContext,
	connection: ApifyConnection,
	request: ApifyRequest,
): Promise<number> {
	return (await requestHeaders(ctx, connection, request)).statusCode;
}

/**
 * A body that is handed to `consume` as a stream. The whole exchange, consumption
 * included, is one attempt: a connection that drops mid-body is retried from the start.
 */
export async function requestStream<T>(
	ctx: ApifyContext,
	connection: ApifyConnection,
	request: ApifyRequest,
	consume: (response: StreamResponse) => Promise<T>,
): Promise<T> {
	return await withRetries(ctx, connection, request, async (attemptRequest, timeoutMs, turn) => {
		const started = performance.now();
		const response = await send(ctx, connection, attemptRequest, timeoutMs, turn);
		// The HTTP client's timeout ends with the response headers; the guard's also covers the body.
		const { stream, bytesRead, digest, endBy } = guardBody(
			decodeContent(response),
			timeoutMs,
			() =>
				timedOut(
					`The download brought less than ${MIN_PROGRESS_BYTES / 1024} KiB in ${timeoutMs} ms`,
				),
			{
				hashBody: request.hashBody,
				gatherBytes: request.readInCode ? 0 : BODY_CHUNK_BYTES,
				minProgressBytes: MIN_PROGRESS_BYTES,
			},
		);
		const readInMemory = async (maxBytes: number) => {
			endBy(started + timeoutMs, () =>
				timedOut(`The answer took longer than the request timeout of ${timeoutMs} ms`),
			);
			return await readBody(stream, maxBytes);
		};
		try {
			return await consume({ ...response, body: stream, bytesRead, digest, readInMemory });
		} finally {
			stream.destroy();
			response.body.destroy();
		}
	});
}

/** A timeout of the node's own, which the retry policy treats as the HTTP client's. */
function timedOut(message: string): Error {
	return Object.assign(new Error(message), { code: 'ETIMEDOUT' });
}

async function withRetries<T>(
	ctx: ApifyContext,
	connection: ApifyConnection,
	request: ApifyRequest,
	attempt: (request: ApifyRequest, timeoutMs: number, turn: Turn) => Promise<T>,
): Promise<T> {
	const method = request.method ?? 'GET';
	const subject: RequestSubject = {
		...request.subject,
		authType: connection.authType,
		writes: method !== 'GET' && method !== 'HEAD',
	};
	const retrying: ApifyRequest = request.acceptStatusesOnRetry
		? {
				...request,
				acceptStatuses: [...(request.acceptStatuses ?? []), ...request.acceptStatusesOnRetry],
			}
		: request;
	const lane = laneFor(connection, request);
	const cancelled = cancelSignalOf(ctx);
	for (let attemptNo = 0; ; attemptNo++) {
		const turn = await lane.turn(cancelled, attemptNo > 0);
		let outcome: ReturnType<typeof judgeFailure>;
		try {
			const result = await attempt(
				attemptNo === 0 ? request : retrying,
				attemptTimeoutMs(request.retry.timeoutMs, attemptNo),
				turn,
			);
			lane.answered();
			return result;
		} catch (error) {
			if (error instanceof ApifyHttpError && error.statusCode === 429)
				lane.throttled(turn.sentAt, error.retryAfterMs);
			else if (error instanceof ApifyHttpError) lane.answered();
			outcome = judgeFailure(ctx, error, subject, request, attemptNo);
		} finally {
			// Usually ended already by send(), at the answer's headers.
			turn.end();
		}
		if (outcome instanceof Error) throw outcome;
		await pause(outcome.delayMs, cancelled);
	}
}

/** The rate limit lane a request goes in: its store's or resource's at the API it is sent to. */
function laneFor(connection: ApifyConnection, request: ApifyRequest): Lane {
	if (request.signedUrl) {
		const url = new URL(request.signedUrl);
		return laneOf(url.origin, url.pathname);
	}
	return laneOf(connection.baseUrl, request.path);
}

/** The execution's cancel signal; a poll and a list search have none, nor do older n8n versions. */
function cancelSignalOf(ctx: ApifyContext): AbortSignal | undefined {
	return (ctx as Partial<IExecuteFunctions>).getExecutionCancelSignal?.();
}

/** Either how long to wait before the next attempt, or the error the node reports. */
function judgeFailure(
	ctx: ApifyContext,
	error: unknown,
	subject: RequestSubject,
	request: ApifyRequest,
	attemptNo: number,
): { delayMs: number } | NodeApiError | NodeOperationError {
	const attempts = attemptNo + 1;
	const canRetry = attemptNo < request.retry.maxRetries;
	if (error instanceof ApifyHttpError) {
		// A 429 pauses the request's whole lane (rateLimit.ts): its next turn waits for that.
		if (error.statusCode === 429 && canRetry) return { delayMs: 0 };
		if (error.statusCode >= 500 && canRetry)
			return { delayMs: error.retryAfterMs ?? backoffMs(attemptNo) };
		return apifyApiError(
			ctx.getNode(),
			error.statusCode,
			error.body,
			subject,
			request.itemIndex,
			attempts,
		);
	}
	if (error instanceof NodeOperationError) return error;
	const failure = findNetworkFailure(error);
	// Node's HTTP parser refused the answer (HPE_*): the same server sends the same again.
	if (failure?.code?.startsWith('HPE_'))
		return malformedAnswerError(ctx.getNode(), failure, request.itemIndex);
	if (failure && RETRYABLE_CODES.has(failure.code ?? '') && canRetry)
		return { delayMs: backoffMs(attemptNo) };
	if (failure) return networkError(ctx.getNode(), failure, request.itemIndex, attempts);
	if (error instanceof NodeApiError) return error;
	return new NodeOperationError(ctx.getNode(), (error as Error).message, {
		itemIndex: request.itemIndex,
	});
}

/**
 * apify-client's policy: the timeout doubles with every retry, up to 360 s (or the first attempt's
 * timeout where that is longer), so that an API that is slow for a while still gets an answer through.
 */
function attemptTimeoutMs(firstTimeoutMs: number, attemptNo: number): number {
	return Math.min(firstTimeoutMs * 2 ** attemptNo, Math.max(firstTimeoutMs, MAX_TIMEOUT_MS));
}

/** apify-client's policy: round((1 + random) * 500 ms * 2^attempt). */
function backoffMs(attemptNo: number): number {
	return Math.round((1 + Math.random()) * BACKOFF_BASE_MS * 2 ** attemptNo);
}

function parseRetryAfter(value: string | undefined): number | undefined {
	if (!value) return undefined;
	const seconds = Number(value);
	const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
	return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : undefined;
}

async function send(
	ctx: ApifyContext,
	connection: ApifyConnection,
	request: ApifyRequest,
	timeoutMs: number,
	/** The request's turn in its rate limit lane, which learns the limit the API states. */
	turn: Turn,
): Promise<HttpResponse> {
	let url = request.signedUrl ?? connection.baseUrl + request.path;
	let qs: IHttpRequestOptions['qs'] = request.qs;
	for (let hop = 0; ; hop++) {
		const body = await request.body?.();
		const options: IHttpRequestOptions = {
			method: request.method ?? 'GET',
			url,
			qs,
			headers: ACCEPT_ENCODING
				? { 'accept-encoding': ACCEPT_ENCODING, ...request.headers }
				: request.headers,
			body,
			// Always a stream: the node reads bodies itself, within its limits of size and time.
			encoding: 'stream',
			json: false,
			timeout: timeoutMs,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			// Redirects are followed below, so that credentials never go to another origin on any n8n version.
			disableFollowRedirect: true,
		};
		const authenticated =
			!request.signedUrl && new URL(url).origin === new URL(connection.baseUrl).origin;
		let response: HttpResponse;
		try {
			response = (
				authenticated
					? await ctx.helpers.httpRequestWithAuthentication.call(ctx, CREDENTIAL_TYPE, options)
					: await ctx.helpers.httpRequest(options)
			) as HttpResponse;
		} finally {
			// An answer that came before the whole upload was sent (an error, a redirect) leaves the stream open.
			discard(body);
		}
		if (hop === 0) turn.lane.learn(response.headers['x-ratelimit-limit']);
		const location = response.headers.location;
		if (response.statusCode >= 300 && response.statusCode < 400 && location) {
			discard(response.body);
			if (hop >= MAX_REDIRECTS) {
				throw new NodeOperationError(
					ctx.getNode(),
					`The Apify API redirected more than ${MAX_REDIRECTS} times`,
					{
						description:
							'The API or a proxy in front of it is in a redirect loop. Check the API Base URL.',
						itemIndex: request.itemIndex,
					},
				);
			}
			const next = new URL(location, url);
			if (next.protocol !== 'https:' && next.protocol !== 'http:') {
				throw new NodeOperationError(
					ctx.getNode(),
					`The Apify API redirected to an unsupported ${next.protocol} address`,
					{
						description: 'Only http and https redirects are followed.',
						itemIndex: request.itemIndex,
					},
				);
			}
			url = next.href;
			qs = undefined;
			continue;
		}
		// Every hop has reached its server: the body, however long, no longer counts towards the rate.
		turn.end();
		if (response.statusCode >= 400 && !request.acceptStatuses?.includes(response.statusCode)) {
			const text = await readText(response.body);
			throw new ApifyHttpError(
				response.statusCode,
				parseApifyErrorBody(response.statusCode, text),
				parseRetryAfter(response.headers['retry-after']),
			);
		}
		return response;
	}
}

/**
 * n8n 2.x's HTTP client decodes a compressed body and drops Content-Encoding; older ones hand it
 * over still encoded. What is still marked encoded is decoded here, as a stream.
 */
export function decodeContent(response: HttpResponse): Readable {
	const encoding = response.headers['content-encoding']?.trim().toLowerCase();
	const decoder = encoding ? contentDecoder(encoding) : undefined;
	if (!decoder) return response.body;
	delete response.headers['content-encoding'];
	delete response.headers['content-length'];
	return throughDecoder(response.body, decoder);
}

function discard(body: unknown): void {
	if (body && typeof (body as Readable).destroy === 'function') (body as Readable).destroy();
}

const MAX_ERROR_BODY = 64 * 1024;

async function readText(body: unknown): Promise<string> {
	if (typeof body === 'string') return body;
	if (!body || typeof (body as Readable)[Symbol.asyncIterator] !== 'function') return '';
	const chunks: Buffer[] = [];
	let length = 0;
	for await (const chunk of body as Readable) {
		chunks.push(chunk as Buffer);
		length += (chunk as Buffer).length;
		if (length > MAX_ERROR_BODY) break;
	}
	return Buffer.concat(chunks).toString('utf8');
}
