/**
 * A local stand-in for api.apify.com (key-value stores only), built on node:http, plus a
 * second "storage" origin that serves redirected record downloads.
 */
import { setMaxListeners } from 'node:events';
import {
	createServer,
	type IncomingHttpHeaders,
	type IncomingMessage,
	type Server,
	type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';

import {
	RunRegistry,
	type LocalActor,
	type LocalRun,
	type NewActor,
	type NewRun,
	type LocalTask,
	type NewTask,
} from './actor-runs';
import {
	handleApiRequest,
	rateLimitBucket,
	UNDOCUMENTED_OFF,
	type LocalApiSettings,
	type RedirectMode,
} from './api-routes';
import { FaultQueue, statusFaultError, type FaultSpec, type ServerKind } from './faults';
import { hostileReply, isHostile, tricklePacing } from './hostile';
import { errorReply, type Reply } from './replies';
import { StorageOrigin } from './storage';
import { TrafficMeter, type TrafficSnapshot } from './traffic';
import {
	encodeBody,
	StoreRegistry,
	type ContentEncoding,
	type GeneratedRecord,
	type LocalStore,
	type NewStore,
	type StoredRecord,
} from './store-data';

export type {
	LocalActor,
	LocalRun,
	NewActor,
	NewRun,
	LocalTask,
	NewTask,
	RunOrigin,
	RunStatus,
} from './actor-runs';
export type { LocalApiSettings, RateLimitKind, RedirectMode } from './api-routes';
export { RATE_LIMITS, UNDOCUMENTED_OFF, UNDOCUMENTED_ON } from './api-routes';
export type {
	Fault,
	FaultBehaviour,
	FaultMatch,
	FaultQueue,
	FaultSpec,
	ServerKind,
} from './faults';
export type { HostileBehaviour, HostileKind } from './hostile';
export type { RateCount, TrafficSnapshot } from './traffic';
export { gzipBomb } from './hostile';
export { INJECTED_HTML_SNIPPET } from './replies';
export type {
	ContentEncoding,
	GeneralAccess,
	GeneratedRecord,
	KeyValueRecord,
	LocalStore,
	NewStore,
	StoreSchema,
	StoredRecord,
	ZipCompression,
} from './store-data';

export interface LocalApiOptions {
	/** API port; ephemeral when omitted. */
	port?: number;
	/** Storage origin port; ephemeral when omitted. */
	storagePort?: number;
	/** Behaviour switches; each defaults to what Apify documents (see `LocalApiSettings`). */
	settings?: Partial<LocalApiSettings>;
	/** Sees every request to the API origin and its answer, e.g. the contract check (dev/contract). */
	observer?: ExchangeObserver;
}

/**
 * One request to the API origin and the answer it got, handed to an observer before the answer is
 * sent. The storage origin stands in for S3, which Apify's API documents nothing of, so it is not observed.
 */
export interface ApiExchange {
	method: string;
	url: URL;
	headers: IncomingHttpHeaders;
	/** The request body, if the handler read it. */
	requestBody?: Buffer;
	/** Undefined when an injected fault replaced the answer or cut the connection. */
	reply?: Reply;
	/** The switches in force when the request came. */
	settings: LocalApiSettings;
}

export interface ExchangeObserver {
	observe(exchange: ApiExchange): void;
}

export interface LoggedRequest {
	server: ServerKind;
	method: string;
	/** Raw path without the query, still percent-encoded. */
	path: string;
	query: Record<string, string>;
	headers: IncomingHttpHeaders;
}

export interface PutRecordOptions {
	contentType: string;
	/** Store the body compressed with this encoding, as the official client does for large bodies. */
	contentEncoding?: ContentEncoding;
}

export interface GeneratedRecordOptions {
	/** Exactly how many bytes `generate` yields. */
	size: number;
	contentType: string;
	/** A new stream of the same bytes on every call; called once per GET and per ZIP download. */
	generate: () => Readable;
	/** How the record's entry is compressed in a ZIP download; default `DEFLATE`. */
	zipCompression?: GeneratedRecord['zipCompression'];
}

export interface LocalApi {
	/** API origin, e.g. `http://127.0.0.1:PORT`; clients append `/v2/...`. */
	readonly url: string;
	/** Origin of the storage server that redirected record downloads point to. */
	readonly storageUrl: string;
	/** Every request either server received, oldest first. */
	readonly requests: readonly LoggedRequest[];
	clearRequests(): void;
	/** Requests in flight at most and per store per second, since the start or `resetTraffic()`. */
	traffic(): TrafficSnapshot;
	resetTraffic(): void;
	readonly faults: FaultQueue;
	/** Current behaviour switches; change them with the setters below. */
	readonly options: Readonly<LocalApiSettings>;
	setRedirectMode(mode: RedirectMode): void;
	/** Changes behaviour switches, e.g. `configure(UNDOCUMENTED_ON)`. */
	configure(settings: Partial<LocalApiSettings>): void;
	addStore(input: NewStore): LocalStore;
	/** By store ID, `username~name`, or a name only one store has; throws when not found. */
	findStore(ref: string): LocalStore;
	deleteStore(ref: string): void;
	/** `body` is the plain content; it is compressed when `contentEncoding` is given. */
	putRecord(
		storeRef: string,
		key: string,
		body: Buffer | string,
		options: PutRecordOptions,
	): StoredRecord;
	/**
	 * A record whose body is generated as a stream whenever it is read (GET, the storage origin,
	 * ZIP downloads), so that neither the API nor the test holds it in memory. HEAD does not
	 * generate it. A store with generated records is zipped by a streaming writer.
	 */
	putGeneratedRecord(
		storeRef: string,
		key: string,
		options: GeneratedRecordOptions,
	): GeneratedRecord;
	/** Many generated records at once, e.g. 100,000 keys; returns how many were put. */
	putGeneratedRecords(
		storeRef: string,
		records: Iterable<GeneratedRecordOptions & { key: string }>,
	): number;
	deleteRecord(storeRef: string, key: string): boolean;
	addActor(input: NewActor): LocalActor;
	/** The Actor and the run's default store must exist; the run belongs to the Actor's owner. */
	addRun(input: NewRun): LocalRun;
	/** The Actor and the owner must exist; runs name the task by `actorTaskId`. */
	addTask(input: NewTask): LocalTask;
	/** Closes both servers and every open connection. */
	close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => resolve(Buffer.concat(chunks)));
		req.on('error', reject);
	});
}

function writeChunk(res: ServerResponse, chunk: Buffer): Promise<void> {
	return new Promise((resolve, reject) =>
		res.write(chunk, (error) => (error ? reject(error) : resolve())),
	);
}

async function* bodyChunks(body: Reply['body'], chunkSize: number): AsyncGenerator<Buffer> {
	if (!body) return;
	for await (const piece of Buffer.isBuffer(body) ? [body] : body) {
		const buffer = Buffer.from(piece as Buffer);
		for (let offset = 0; offset < buffer.length; offset += chunkSize)
			yield buffer.subarray(offset, offset + chunkSize);
	}
}

const DEFAULT_SLOW_CHUNK_BYTES = 1024;
/** Where `reset-mid-body` cuts a streamed body of unknown length. */
const DEFAULT_STREAM_CUT_BYTES = 1024;

/** Sends the body piece by piece for the `slow` (between chunks) and `reset-mid-body` faults. */
async function writeShapedBody(
	res: ServerResponse,
	reply: Reply,
	fault: FaultSpec,
	signal: AbortSignal,
): Promise<void> {
	const chunkDelayMs = fault.kind === 'slow' ? (fault.chunkDelayMs ?? 0) : 0;
	const chunkSize =
		fault.kind === 'slow' ? (fault.chunkSize ?? DEFAULT_SLOW_CHUNK_BYTES) : Infinity;
	const defaultCut = Buffer.isBuffer(reply.body)
		? Math.floor(reply.body.length / 2)
		: DEFAULT_STREAM_CUT_BYTES;
	const cutAt = fault.kind === 'reset-mid-body' ? (fault.afterBytes ?? defaultCut) : Infinity;
	res.flushHeaders();
	let sent = 0;
	for await (const chunk of bodyChunks(reply.body, chunkSize)) {
		if (sent > 0 && chunkDelayMs > 0) await sleep(chunkDelayMs, undefined, { signal });
		const piece = chunk.subarray(0, cutAt - sent);
		await writeChunk(res, piece);
		sent += piece.length;
		if (sent >= cutAt) break;
	}
	if (fault.kind === 'reset-mid-body') res.destroy();
	else res.end();
}

async function writeReply(
	res: ServerResponse,
	reply: Reply,
	fault: FaultSpec | undefined,
	signal: AbortSignal,
): Promise<void> {
	if (fault?.kind === 'slow' && fault.delayMs) await sleep(fault.delayMs, undefined, { signal });
	res.writeHead(reply.status, reply.headers);
	if (fault?.kind === 'reset-mid-body' || (fault?.kind === 'slow' && fault.chunkDelayMs)) {
		await writeShapedBody(res, reply, fault, signal);
	} else if (reply.body === undefined || Buffer.isBuffer(reply.body)) {
		res.end(reply.body);
	} else {
		await pipeline(reply.body, res);
	}
}

function replacedBodyReply(body: Buffer, contentType: string): Reply {
	return {
		status: 200,
		headers: { 'content-type': contentType, 'content-length': body.length },
		body,
	};
}

function generatedRecord(key: string, options: GeneratedRecordOptions): GeneratedRecord {
	if (!Number.isSafeInteger(options.size) || options.size < 0)
		throw new Error(`Invalid size of generated record ${key}`);
	return {
		key,
		contentType: options.contentType,
		size: options.size,
		generate: options.generate,
		...(options.zipCompression ? { zipCompression: options.zipCompression } : {}),
	};
}

function listen(server: Server, port: number | undefined): Promise<string> {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port ?? 0, '127.0.0.1', () => {
			server.off('error', reject);
			resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
		});
	});
}

function closeServer(server: Server): Promise<void> {
	return new Promise((resolve) => {
		server.close(() => resolve());
		server.closeAllConnections();
	});
}

export async function startLocalApi(options: LocalApiOptions = {}): Promise<LocalApi> {
	const settings: LocalApiSettings = {
		redirectMode: 'off',
		...UNDOCUMENTED_OFF,
		writeVisibilityDelayMs: 0,
		latencyMs: 0,
		enforceRateLimits: false,
		...options.settings,
	};
	const stores = new StoreRegistry();
	const runs = new RunRegistry(stores);
	const faults = new FaultQueue();
	const requests: LoggedRequest[] = [];
	const traffic = new TrafficMeter();
	const shutdown = new AbortController();
	// Every request waiting out the latency listens for the shutdown: thousands at once in the benchmark.
	setMaxListeners(0, shutdown.signal);

	const apiServer = createServer();
	const storageServer = createServer();
	const [url, storageUrl] = await Promise.all([
		listen(apiServer, options.port),
		listen(storageServer, options.storagePort),
	]);
	const storage = new StorageOrigin(storageUrl, stores, () => settings.etags);
	const apiContext = { url, stores, runs, storage, settings };

	const respond: Record<
		ServerKind,
		(req: IncomingMessage, url: URL, exchange: ApiExchange) => Promise<Reply>
	> = {
		api: (req, requestUrl, exchange) =>
			handleApiRequest(apiContext, {
				method: req.method ?? 'GET',
				url: requestUrl,
				headers: req.headers,
				readBody: async () => (exchange.requestBody = await readBody(req)),
			}),
		storage: async (req, requestUrl) =>
			storage.handle(req.method ?? 'GET', requestUrl, req.headers),
	};

	const serve = async (
		server: ServerKind,
		req: IncomingMessage,
		res: ServerResponse,
	): Promise<void> => {
		const method = req.method ?? 'GET';
		const requestUrl = new URL(req.url ?? '/', server === 'api' ? url : storageUrl);
		requests.push({
			server,
			method,
			path: requestUrl.pathname,
			query: Object.fromEntries(requestUrl.searchParams),
			headers: req.headers,
		});
		const exchange: ApiExchange = {
			method,
			url: requestUrl,
			headers: req.headers,
			settings: { ...settings },
		};
		// Answers an injected fault replaced or cut are deliberately wrong: only the request is judged.
		const observe = (reply: Reply | undefined) => {
			if (server === 'api') options.observer?.observe({ ...exchange, reply });
		};
		// Apify's limits count API requests per store; the storage origin stands in for S3.
		const bucket = server === 'api' ? rateLimitBucket(requestUrl.pathname) : undefined;
		const { withinLimit } = traffic.arrive(bucket, settings.enforceRateLimits);
		res.once('close', () => traffic.finished());
		const fault = withinLimit ? faults.take(server, method, requestUrl.pathname) : undefined;
		if (fault?.kind === 'reset') {
			observe(undefined);
			req.socket.resetAndDestroy();
			return;
		}
		try {
			if (fault?.kind === 'lose-answer') {
				const done = await respond[server](req, requestUrl, exchange);
				if (done.body && !Buffer.isBuffer(done.body)) done.body.destroy();
				observe(undefined);
				req.socket.resetAndDestroy();
				return;
			}
			const injected = fault?.kind === 'status' || fault?.kind === 'body' || isHostile(fault);
			const real = () => respond[server](req, requestUrl, exchange);
			// Over the enforced limit, Apify answers as a 429 fault does.
			const answer = !withinLimit
				? errorReply(statusFaultError({ kind: 'status', status: 429 }))
				: fault?.kind === 'status'
					? errorReply(statusFaultError(fault))
					: fault?.kind === 'body'
						? replacedBodyReply(fault.body, fault.contentType)
						: isHostile(fault)
							? await hostileReply(fault, real)
							: await real();
			// Apify documents the limit's header on every answer of its API, whatever answered.
			const reply = bucket
				? { ...answer, headers: { ...answer.headers, 'X-RateLimit-Limit': String(bucket.limit) } }
				: answer;
			if (bucket && reply.status === 429) traffic.rateLimited(bucket);
			// Answers a fault made up are not Apify's: the contract check does not judge them.
			observe(injected ? undefined : reply);
			if (settings.latencyMs > 0)
				await sleep(settings.latencyMs, undefined, { signal: shutdown.signal });
			const pacing = fault?.kind === 'trickle' ? tricklePacing(fault) : fault;
			await writeReply(res, reply, pacing, shutdown.signal);
		} catch {
			// The client went away, the server is closing, or a body stream failed: drop the connection.
			res.destroy();
		}
	};
	apiServer.on(
		'request',
		(req: IncomingMessage, res: ServerResponse) => void serve('api', req, res),
	);
	storageServer.on(
		'request',
		(req: IncomingMessage, res: ServerResponse) => void serve('storage', req, res),
	);

	return {
		url,
		storageUrl,
		requests,
		clearRequests: () => {
			requests.length = 0;
		},
		traffic: () => traffic.snapshot(),
		resetTraffic: () => traffic.reset(),
		faults,
		get options() {
			return { ...settings };
		},
		setRedirectMode: (mode) => {
			settings.redirectMode = mode;
		},
		configure: (changes) => {
			Object.assign(settings, changes);
		},
		addStore: (input) => stores.add(input),
		findStore: (ref) => stores.find(ref),
		deleteStore: (ref) => {
			stores.delete(stores.find(ref).id);
		},
		putRecord: (storeRef, key, body, { contentType, contentEncoding }) => {
			const plain = typeof body === 'string' ? Buffer.from(body) : body;
			const record = {
				key,
				contentType,
				contentEncoding,
				stored: contentEncoding ? encodeBody(plain, contentEncoding) : plain,
			};
			stores.find(storeRef).putRecord(record);
			return record;
		},
		putGeneratedRecord: (storeRef, key, options) => {
			const record = generatedRecord(key, options);
			stores.find(storeRef).putRecord(record);
			return record;
		},
		putGeneratedRecords: (storeRef, records) => {
			const store = stores.find(storeRef);
			let count = 0;
			for (const { key, ...options } of records) {
				store.putRecord(generatedRecord(key, options));
				count++;
			}
			return count;
		},
		deleteRecord: (storeRef, key) => stores.find(storeRef).deleteRecord(key),
		addActor: (input) => runs.addActor(input),
		addRun: (input) => runs.addRun(input),
		addTask: (input) => runs.addTask(input),
		close: async () => {
			shutdown.abort();
			await Promise.all([closeServer(apiServer), closeServer(storageServer)]);
		},
	};
}
