/**
 * The Apify API v2 endpoints for key-value stores, with Apify's authentication, signatures,
 * paging and error bodies; also reachable as the default store of an Actor run.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import JSZip from 'jszip';

import { findTokenGrant, findUserByName, type TokenGrant } from './accounts';
import {
	RUN_ORIGINS,
	RUN_STATUSES,
	type LocalActor,
	type LocalRun,
	type LocalTask,
	type RunRegistry,
} from './actor-runs';
import { evaluatePreconditions, recordEtag } from './conditional';
import {
	ApiError,
	dataReply,
	decodePathSegment,
	emptyReply,
	errorReply,
	isTrueFlag,
	notModifiedReply,
	recordReply,
	recordWrittenReply,
	type Reply,
} from './replies';
import { checkStoreSignature, createRecordSignature, createStoreSignature } from './signature';
import type { StorageOrigin } from './storage';
import { zipStream, type ZipSource } from './zip-writer';
import {
	APIFY_ID_REGEX,
	RECORD_KEY_REGEX,
	STORE_NAME_REGEX,
	collectionContains,
	decodeBody,
	decodedRecordBody,
	isContentEncoding,
	isGeneratedRecord,
	storedSize,
	type LocalStore,
	type StoredRecord,
	type StoreCollection,
	type StoreRegistry,
	type StoreSchema,
} from './store-data';

/** `off`: serve records directly; `storage`: 302 to the storage origin; `loop`: 302 to the same URL; `ftp`: 302 to a non-HTTP URL. */
export type RedirectMode = 'off' | 'storage' | 'loop' | 'ftp';

/**
 * How the local API behaves. By default it does only what Apify documents; each switch marked
 * UNDOCUMENTED turns on a behaviour no Apify source confirms, so that tests can run the node
 * against an API that has it and against one that does not.
 */
export interface LocalApiSettings {
	redirectMode: RedirectMode;
	/** UNDOCUMENTED: a store (keys) signature also opens single records (GET, HEAD). Default off. */
	storeSignatureGrantsRecords: boolean;
	/**
	 * UNDOCUMENTED: record answers carry a strong `ETag`, and `If-None-Match` (304) and `If-Match`
	 * (412) are honoured. Default off: no ETag, conditional headers ignored.
	 */
	etags: boolean;
	/**
	 * UNDOCUMENTED: HEAD of a record also on run-alias paths and with `?signature=`; Apify documents
	 * HEAD only on `/v2/key-value-stores/{id}/records/{key}` with a token. Default off: 405 there.
	 */
	undocumentedHead: boolean;
	/**
	 * Apify's storage is eventually consistent (its own client tests poll after a write): a PUT of a
	 * record shows to readers only this many milliseconds after it was answered. Default 0.
	 */
	writeVisibilityDelayMs: number;
	/**
	 * A network's round trip: every answer, on both origins, is sent this many milliseconds after
	 * its request arrived. Each request waits on its own, so requests sent at once all wait at once.
	 * Default 0.
	 */
	latencyMs: number;
	/**
	 * Answer a request over Apify's documented rate limit (`RATE_LIMITS`, per store) with 429
	 * `rate-limit-exceeded`, as Apify does. Default off: the tests send bursts on loopback that
	 * would trip it.
	 */
	enforceRateLimits: boolean;
}

/** The UNDOCUMENTED switches, all off (the default) or all on. */
export const UNDOCUMENTED_OFF = {
	storeSignatureGrantsRecords: false,
	etags: false,
	undocumentedHead: false,
} as const satisfies Partial<LocalApiSettings>;
export const UNDOCUMENTED_ON = {
	storeSignatureGrantsRecords: true,
	etags: true,
	undocumentedHead: true,
} as const satisfies Partial<LocalApiSettings>;

export interface ApiContext {
	readonly url: string;
	readonly stores: StoreRegistry;
	readonly runs: RunRegistry;
	readonly storage: StorageOrigin;
	readonly settings: LocalApiSettings;
}

export interface ApiRequest {
	readonly method: string;
	readonly url: URL;
	readonly headers: IncomingHttpHeaders;
	readBody(): Promise<Buffer>;
}

interface Caller {
	grant?: TokenGrant;
	signature?: string;
}

interface RouteCall {
	ctx: ApiContext;
	req: ApiRequest;
	caller: Caller;
	/** Raw (percent-encoded) path segments: `:store`, `:run` or `:actor`, and `:key`. */
	params: Record<string, string>;
}

type Handler = (call: RouteCall) => Reply | Promise<Reply>;

/**
 * Apify's documented rate limits, requests per second: per store for record get, put, delete
 * (and HEAD) on `/records/{key}`, and per resource for every other request. Every answer names
 * its limit in `X-RateLimit-Limit`.
 */
export const RATE_LIMITS = { records: 200, other: 60 } as const;
export type RateLimitKind = keyof typeof RATE_LIMITS;

/** What a request counts against: its resource (a store, or another path) and the kind of limit. */
export interface RateLimitBucket {
	/** The store ID or name as the path has it, or the path up to a run's store, or the path itself. */
	resource: string;
	kind: RateLimitKind;
	limit: number;
}

interface Route {
	segments: string[];
	handlers: Partial<Record<string, Handler>>;
	rateLimit: RateLimitKind;
}

const MAX_PAGE_LIMIT = 1000;

// ----- errors -----

const tokenNotProvided = () =>
	new ApiError(401, 'token-not-provided', 'Authentication token was not provided.');
const tokenNotValid = () =>
	new ApiError(
		401,
		'user-or-token-not-found',
		'User was not found or authentication token is not valid',
	);
const insufficientPermissions = (message: string) =>
	new ApiError(403, 'insufficient-permissions', message);
/** Apify's message for a store the token may not use; the one for a run is modelled on it. */
const noStorePermission = () =>
	insufficientPermissions(
		"Insufficient permissions for the key-value store. Make sure you're passing a correct API token and that it has the required permissions.",
	);
const noRunPermission = () =>
	insufficientPermissions(
		"Insufficient permissions for the Actor run. Make sure you're passing a correct API token and that it has the required permissions.",
	);
const storeNotFound = () => new ApiError(404, 'record-not-found', 'Key-value store was not found.');
const recordNotFound = () => new ApiError(404, 'record-not-found', 'Record was not found.');
const runNotFound = () => new ApiError(404, 'record-not-found', 'Actor run was not found.');
const actorNotFound = () => new ApiError(404, 'actor-not-found', 'Actor was not found.');
const taskNotFound = () => new ApiError(404, 'record-not-found', 'Actor task was not found.');

/**
 * Applies If-Match / If-None-Match to a record request that would otherwise succeed: a 304 reply
 * for a GET or HEAD not modified, a thrown 412 `precondition-failed` (with the current ETag, if
 * any) when a precondition fails, undefined to go on.
 */
function conditionalReply(
	ctx: ApiContext,
	req: ApiRequest,
	currentEtag: string | undefined,
): Reply | undefined {
	if (!ctx.settings.etags) return undefined;
	const outcome = evaluatePreconditions(req.method, currentEtag, req.headers);
	if (outcome === 'proceed') return undefined;
	if (outcome === 'not-modified') return notModifiedReply(currentEtag as string);
	// If-None-Match fails only for an existing record; If-Match for a changed or a missing one.
	const message =
		outcome === 'if-none-match-failed'
			? 'The record exists and its ETag matches If-None-Match.'
			: currentEtag === undefined
				? 'The record does not exist, so it cannot match If-Match.'
				: 'The record has changed: its current ETag does not match If-Match. Read it again and retry.';
	throw new ApiError(
		412,
		'precondition-failed',
		message,
		currentEtag === undefined ? {} : { ETag: currentEtag },
	);
}

// ----- authentication and access -----

function identifyCaller(req: ApiRequest): Caller {
	const header = req.headers.authorization;
	let token: string | undefined;
	if (header !== undefined) {
		const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
		if (!bearer) throw tokenNotValid();
		token = bearer[1];
	} else {
		token = req.url.searchParams.get('token') || undefined;
	}
	const grant = token === undefined ? undefined : findTokenGrant(token);
	if (token !== undefined && !grant) throw tokenNotValid();
	return { grant, signature: req.url.searchParams.get('signature') || undefined };
}

function requireToken(caller: Caller): TokenGrant {
	if (!caller.grant) throw tokenNotProvided();
	return caller.grant;
}

/** What a `?signature=` may unlock on the endpoint being called. */
type SignatureScope = { kind: 'store' } | { kind: 'record'; key: string };

function signatureProblem(
	ctx: ApiContext,
	store: LocalStore,
	signature: string,
	scope: SignatureScope,
): ApiError | undefined {
	const secret = store.urlSigningSecretKey;
	if (scope.kind === 'record' && signature === createRecordSignature(secret, scope.key))
		return undefined;
	const storeCheck =
		scope.kind === 'store' || ctx.settings.storeSignatureGrantsRecords
			? checkStoreSignature(signature, store.id, secret)
			: 'invalid';
	if (storeCheck === 'valid') return undefined;
	return storeCheck === 'expired'
		? new ApiError(
				403,
				'invalid-signature',
				'The signature has expired. Ask the owner for a new link.',
			)
		: new ApiError(403, 'invalid-signature', 'The signature is not valid for this resource.');
}

/** Reading is allowed by the owner's token, a store anyone may read by ID, or a valid signature. */
function authorizeRead(call: RouteCall, store: LocalStore, scope?: SignatureScope): void {
	const { caller } = call;
	if (caller.grant?.user.id === store.userId || store.generalAccess === 'ANYONE_WITH_ID_CAN_READ')
		return;
	if (caller.signature && scope) {
		const problem = signatureProblem(call.ctx, store, caller.signature, scope);
		if (!problem) return;
		throw problem;
	}
	throw caller.grant ? noStorePermission() : tokenNotProvided();
}

function authorizeWrite(caller: Caller, store?: LocalStore): TokenGrant {
	if (!caller.grant) {
		if (caller.signature) throw insufficientPermissions('A signature grants read access only.');
		throw tokenNotProvided();
	}
	if (store && store.userId !== caller.grant.user.id) throw noStorePermission();
	if (caller.grant.access !== 'full') throw noStorePermission();
	return caller.grant;
}

// ----- parameters -----

/** How a path names a store or an Actor: by ID, or by owner and name. */
type ResourceRef = { id: string } | { ownerId: string; name: string };

/** An ID, `username~name` or `~name` (the token's own account); undefined when it cannot name anything. */
function resourceRef(segment: string, caller: Caller): ResourceRef | undefined {
	const identifier = decodePathSegment(segment);
	if (identifier === undefined) return undefined;
	const tilde = identifier.indexOf('~');
	if (tilde < 0) return APIFY_ID_REGEX.test(identifier) ? { id: identifier } : undefined;
	const username = identifier.slice(0, tilde);
	const owner = username === '' ? requireToken(caller).user : findUserByName(username);
	return owner && { ownerId: owner.id, name: identifier.slice(tilde + 1) };
}

function resolveActor(call: RouteCall): LocalActor {
	const ref = resourceRef(call.params.actor, call.caller);
	const { runs } = call.ctx;
	const actor =
		ref && ('id' in ref ? runs.actorById(ref.id) : runs.actorByName(ref.ownerId, ref.name));
	if (!actor) throw actorNotFound();
	return actor;
}

function resolveTask(call: RouteCall): LocalTask {
	const ref = resourceRef(call.params.task, call.caller);
	const { runs } = call.ctx;
	const task =
		ref && ('id' in ref ? runs.taskById(ref.id) : runs.taskByName(ref.ownerId, ref.name));
	if (!task) throw taskNotFound();
	return task;
}

/**
 * `?<name>=` of the last-run routes (`status`, `origin`): one of Apify's `values`, or absent; any
 * other value is refused rather than never matching.
 */
function oneOfParam<T extends string>(
	query: URLSearchParams,
	name: string,
	values: readonly T[],
): T | undefined {
	const value = query.get(name) || undefined;
	if (value !== undefined && !(values as readonly string[]).includes(value)) {
		throw new ApiError(
			400,
			'invalid-parameter',
			`Parameter "${name}" must be one of ${values.join(', ')}, got "${value}".`,
		);
	}
	return value as T | undefined;
}

/** `/actor-runs/:run` by run ID, or `/actors/:actor/runs/last` (or `/acts/…`) or `/actor-tasks/:task/runs/last` with optional `?status=` and `?origin=`. */
function resolveRun(call: RouteCall): LocalRun {
	const { params, ctx } = call;
	let run: LocalRun | undefined;
	if (params.run !== undefined) {
		const id = decodePathSegment(params.run);
		run = id === undefined ? undefined : ctx.runs.runById(id);
	} else {
		const of =
			params.task !== undefined
				? { actorTaskId: resolveTask(call).id }
				: { actId: resolveActor(call).id };
		const query = call.req.url.searchParams;
		run = ctx.runs.lastRun(of, {
			status: oneOfParam(query, 'status', RUN_STATUSES),
			origin: oneOfParam(query, 'origin', RUN_ORIGINS),
		});
	}
	if (!run) throw runNotFound();
	return run;
}

/**
 * The store a path names: `:store` (ID, `username~store-name` or `~store-name`), or the default
 * store of the run a `:run`, `:actor` or `:task` path names. Who may use it is up to each handler, so an
 * alias is allowed exactly what the store's own route is, signatures included.
 */
function resolveStore(call: RouteCall): LocalStore {
	const { stores } = call.ctx;
	let store: LocalStore | undefined;
	if (call.params.store !== undefined) {
		const ref = resourceRef(call.params.store, call.caller);
		store = ref && ('id' in ref ? stores.byId(ref.id) : stores.byName(ref.ownerId, ref.name));
	} else {
		store = stores.byId(resolveRun(call).defaultKeyValueStoreId);
	}
	if (!store) throw storeNotFound();
	return store;
}

function currentEtag(store: LocalStore, key: string): string | undefined {
	const record = store.getRecord(key);
	return record && recordEtag(record);
}

function recordKeyParam(call: RouteCall): string {
	const key = decodePathSegment(call.params.key);
	if (key === undefined || !RECORD_KEY_REGEX.test(key)) {
		throw new ApiError(
			400,
			'invalid-record-key',
			"The record key is not valid: use 1 to 256 characters a-z, A-Z, 0-9 and !-_.'()",
		);
	}
	return key;
}

function integerParam(query: URLSearchParams, name: string): number | undefined {
	const raw = query.get(name);
	if (raw === null || raw === '') return undefined;
	if (!/^\d+$/.test(raw)) {
		throw new ApiError(
			400,
			'invalid-parameter',
			`Parameter "${name}" must be a non-negative integer, got "${raw}".`,
		);
	}
	return Number(raw);
}

/** 0 or absent means the maximum; larger values are clamped to it. */
function pageLimit(query: URLSearchParams): number {
	return Math.min(integerParam(query, 'limit') || MAX_PAGE_LIMIT, MAX_PAGE_LIMIT);
}

/** Which keys `prefix` and `collection` select; refuses an unknown collection. */
function keyFilter(store: LocalStore, query: URLSearchParams): (key: string) => boolean {
	const prefix = query.get('prefix') ?? '';
	const collectionName = query.get('collection') || undefined;
	let collection: StoreCollection | undefined;
	if (collectionName !== undefined) {
		if (!store.schema) {
			throw new ApiError(
				400,
				'invalid-collection',
				'The key-value store has no schema, so it has no collections.',
			);
		}
		if (!Object.hasOwn(store.schema.collections, collectionName)) {
			throw new ApiError(
				400,
				'invalid-collection',
				`Collection "${collectionName}" is not defined in the key-value store schema.`,
			);
		}
		collection = store.schema.collections[collectionName];
	}
	return (key) => key.startsWith(prefix) && (!collection || collectionContains(collection, key));
}

/** Keys in byte order, filtered by `prefix` and `collection`. */
function selectKeys(store: LocalStore, query: URLSearchParams): string[] {
	return store.keys().filter(keyFilter(store, query));
}

// ----- representations -----

function storeUrl(ctx: ApiContext, store: LocalStore): string {
	return `${ctx.url}/v2/key-value-stores/${store.id}`;
}

function storeView(ctx: ApiContext, store: LocalStore, grant: TokenGrant | undefined) {
	// Like Apify, only a token that may write to the store sees its URL signing secret.
	const revealSecret = grant?.user.id === store.userId && grant.access === 'full';
	const run = ctx.runs.runOfDefaultStore(store.id);
	const signatureQuery = revealSecret
		? `?signature=${createStoreSignature({ storeId: store.id, secretKey: store.urlSigningSecretKey })}`
		: '';
	return {
		id: store.id,
		name: store.name ?? null,
		title: null,
		userId: store.userId,
		username: store.username,
		createdAt: store.createdAt,
		modifiedAt: store.modifiedAt,
		accessedAt: store.accessedAt,
		actId: run?.actId ?? null,
		actRunId: run?.id ?? null,
		generalAccess: store.generalAccess,
		stats: { storageBytes: store.storageBytes },
		...(store.schema ? { schema: store.schema } : {}),
		keysPublicUrl: `${storeUrl(ctx, store)}/keys${signatureQuery}`,
		recordsPublicUrl: `${storeUrl(ctx, store)}/records${signatureQuery}`,
		...(revealSecret ? { urlSigningSecretKey: store.urlSigningSecretKey } : {}),
	};
}

function runView(run: LocalRun) {
	return {
		id: run.id,
		actId: run.actId,
		userId: run.userId,
		actorTaskId: run.actorTaskId ?? null,
		status: run.status,
		meta: { origin: run.origin },
		startedAt: run.startedAt,
		finishedAt: run.finishedAt ?? null,
		defaultKeyValueStoreId: run.defaultKeyValueStoreId,
	};
}

function redirectReply(location: string): Reply {
	return emptyReply(302, { Location: location });
}

// ----- handlers -----

/** The platform features Apify's OpenAPI requires in `effectivePlatformFeatures`, all enabled here. */
const PLATFORM_FEATURES = [
	'ACTORS',
	'STORAGE',
	'SCHEDULER',
	'PROXY',
	'PROXY_EXTERNAL_ACCESS',
	'PROXY_RESIDENTIAL',
	'PROXY_SERPS',
	'WEBHOOKS',
	'ACTORS_PUBLIC_ALL',
	'ACTORS_PUBLIC_DEVELOPER',
];

/** The fields Apify's OpenAPI requires (`plan`, `effectivePlatformFeatures`, `isPaying`) besides the ones the node reads. */
function getMe({ caller }: RouteCall): Reply {
	const { user } = requireToken(caller);
	const enabled = {
		isEnabled: true,
		disabledReason: null,
		disabledReasonType: null,
		isTrial: false,
		trialExpirationAt: null,
	};
	return dataReply({
		id: user.id,
		username: user.username,
		profile: { name: user.username },
		email: `${user.username}@example.com`,
		plan: { id: 'FREE', availableProxyGroups: {} },
		effectivePlatformFeatures: Object.fromEntries(
			PLATFORM_FEATURES.map((feature) => [feature, enabled]),
		),
		isPaying: false,
	});
}

/** Like a store, a run is visible to its owner's tokens only. */
function getRun(call: RouteCall): Reply {
	const run = resolveRun(call);
	if (requireToken(call.caller).user.id !== run.userId) throw noRunPermission();
	return dataReply(runView(run));
}

function listStores({ ctx, req, caller }: RouteCall): Reply {
	const grant = requireToken(caller);
	const query = req.url.searchParams;
	const offset = integerParam(query, 'offset') ?? 0;
	const limit = pageLimit(query);
	const desc = isTrueFlag(query.get('desc'));
	const includeUnnamed = isTrueFlag(query.get('unnamed'));
	const stores = ctx.stores
		.ofUser(grant.user.id)
		.filter((store) => includeUnnamed || store.name !== undefined);
	if (desc) stores.reverse();
	const items = stores.slice(offset, offset + limit).map((store) => storeView(ctx, store, grant));
	return dataReply({ total: stores.length, offset, limit, desc, count: items.length, items });
}

/** The optional JSON body of get-or-create, e.g. `{"schema": {...}}` from apify-client's `getOrCreate(name, {schema})`. */
function parseNewStoreSchema(body: Buffer): StoreSchema | undefined {
	if (body.length === 0) return undefined;
	let schema: unknown;
	try {
		schema = (JSON.parse(body.toString('utf8')) as { schema?: unknown } | null)?.schema;
	} catch {
		throw new ApiError(400, 'invalid-input', 'Invalid input: The request body is not valid JSON.');
	}
	if (schema === undefined) return undefined;
	const collections = (schema as StoreSchema | null)?.collections;
	const valid =
		typeof collections === 'object' &&
		collections !== null &&
		Object.values(collections).every(
			(c) =>
				typeof c === 'object' &&
				c !== null &&
				(c.key === undefined) !== (c.keyPrefix === undefined),
		);
	if (!valid) {
		throw new ApiError(
			400,
			'invalid-input',
			'Invalid input: every schema collection needs exactly one of "key" or "keyPrefix".',
		);
	}
	return schema as StoreSchema;
}

async function getOrCreateStore({ ctx, req, caller }: RouteCall): Promise<Reply> {
	const grant = authorizeWrite(caller);
	const name = req.url.searchParams.get('name') || undefined;
	const schema = parseNewStoreSchema(await req.readBody());
	const existing = name === undefined ? undefined : ctx.stores.byName(grant.user.id, name);
	if (existing) return dataReply(storeView(ctx, existing, grant));
	if (name !== undefined && !STORE_NAME_REGEX.test(name)) {
		throw new ApiError(
			400,
			'invalid-input',
			'Store name can only contain letters, digits and hyphens, at most 63 characters.',
		);
	}
	return dataReply(
		storeView(ctx, ctx.stores.add({ name, schema, userId: grant.user.id }), grant),
		201,
	);
}

function getStore(call: RouteCall): Reply {
	const store = resolveStore(call);
	authorizeRead(call, store);
	return dataReply(storeView(call.ctx, store, call.caller.grant));
}

function deleteStore(call: RouteCall): Reply {
	const store = resolveStore(call);
	authorizeWrite(call.caller, store);
	call.ctx.stores.delete(store.id);
	return emptyReply(204);
}

/** Record signatures of listed keys, kept per store: listing 100,000 keys would otherwise spend most of its time on HMACs. */
const recordSignatures = new WeakMap<LocalStore, Map<string, string>>();

function recordSignatureOf(store: LocalStore, key: string): string {
	let signatures = recordSignatures.get(store);
	if (!signatures) recordSignatures.set(store, (signatures = new Map()));
	let signature = signatures.get(key);
	if (signature === undefined)
		signatures.set(key, (signature = createRecordSignature(store.urlSigningSecretKey, key)));
	return signature;
}

function sizeOfRecord(store: LocalStore, key: string): number {
	const record = store.getRecord(key);
	return record ? storedSize(record) : 0;
}

function listKeys(call: RouteCall): Reply {
	const { ctx, req } = call;
	const store = resolveStore(call);
	authorizeRead(call, store, { kind: 'store' });
	const query = req.url.searchParams;
	const limit = pageLimit(query);
	const exclusiveStartKey = query.get('exclusiveStartKey') || null;
	const matches = keyFilter(store, query);
	const keys = store.keys();
	// The start key need not exist: skip every key <= it in byte order.
	const page: string[] = [];
	let isTruncated = false;
	for (
		let index = exclusiveStartKey === null ? 0 : store.firstKeyAfter(exclusiveStartKey);
		index < keys.length;
		index++
	) {
		if (!matches(keys[index])) continue;
		if (page.length === limit) {
			isTruncated = true;
			break;
		}
		page.push(keys[index]);
	}
	store.accessedAt = new Date();
	return dataReply({
		items: page.map((key) => ({
			key,
			size: sizeOfRecord(store, key),
			// Signed unless anyone may read the store by its ID, as Apify's OpenAPI schema says.
			recordPublicUrl:
				`${storeUrl(ctx, store)}/records/${encodeURIComponent(key)}` +
				(store.generalAccess === 'ANYONE_WITH_ID_CAN_READ'
					? ''
					: `?signature=${recordSignatureOf(store, key)}`),
		})),
		count: page.length,
		limit,
		exclusiveStartKey,
		isTruncated,
		nextExclusiveStartKey: isTruncated ? page[page.length - 1] : null,
	});
}

/** Generated archives deflate at level 1: the local API must not be the slow end of a benchmark. */
const GENERATED_ARCHIVE_LEVEL = 1;

/**
 * A store with generated records is archived by the streaming writer, one record at a time;
 * any other store by jszip, as before.
 */
function archiveOf(store: LocalStore, keys: string[]): Readable {
	const records = keys.map((key) => store.getRecord(key)).filter((record) => record !== undefined);
	if (!records.some(isGeneratedRecord)) {
		const zip = new JSZip();
		for (const record of records as StoredRecord[]) {
			zip.file(record.key, decodedRecordBody(record), { binary: true, createFolders: false });
		}
		// JSZip's stream is an old-style stream (no async iteration); wrap it in a current Readable.
		return new Readable().wrap(
			zip.generateNodeStream({ type: 'nodebuffer', streamFiles: true, compression: 'DEFLATE' }),
		);
	}
	const sources = (function* (): Generator<ZipSource> {
		for (const record of records) {
			yield isGeneratedRecord(record)
				? {
						name: record.key,
						compression: record.zipCompression ?? 'DEFLATE',
						size: record.size,
						open: record.generate,
					}
				: {
						name: record.key,
						compression: 'DEFLATE',
						size: decodedRecordBody(record).length,
						open: () => Readable.from([decodedRecordBody(record)], { objectMode: false }),
					};
		}
	})();
	return zipStream(sources, { level: GENERATED_ARCHIVE_LEVEL });
}

function downloadRecords(call: RouteCall): Reply {
	const store = resolveStore(call);
	authorizeRead(call, store, { kind: 'store' });
	const body = archiveOf(store, selectKeys(store, call.req.url.searchParams));
	store.accessedAt = new Date();
	return {
		status: 200,
		headers: {
			'Content-Type': 'application/zip',
			'Content-Disposition': `attachment; filename="${store.name ?? store.id}.zip"`,
		},
		body,
	};
}

function getRecord(call: RouteCall): Reply {
	const { ctx, req } = call;
	const key = recordKeyParam(call);
	const undocumentedHead = call.params.store === undefined || !call.caller.grant;
	if (req.method === 'HEAD' && undocumentedHead && !ctx.settings.undocumentedHead) {
		throw new ApiError(
			405,
			'method-not-allowed',
			'HEAD is allowed only on /v2/key-value-stores/{storeId}/records/{recordKey} with a token.',
		);
	}
	const store = resolveStore(call);
	authorizeRead(call, store, { kind: 'record', key });
	const record = store.getRecord(key);
	if (!record) throw recordNotFound();
	store.accessedAt = new Date();
	// Checked before any redirect: the storage origin never sees a request the API answers 304 or 412.
	const notModified = conditionalReply(ctx, req, recordEtag(record));
	if (notModified) return notModified;
	const attachment = isTrueFlag(req.url.searchParams.get('attachment'));
	if (req.method === 'GET') {
		switch (ctx.settings.redirectMode) {
			case 'storage':
				return redirectReply(ctx.storage.presign({ storeId: store.id, key, attachment }));
			case 'loop':
				return redirectReply(`${ctx.url}${req.url.pathname}${req.url.search}`);
			case 'ftp':
				return redirectReply(`ftp://127.0.0.1/kvs/${store.id}/${encodeURIComponent(key)}`);
			case 'off':
				break;
		}
	}
	return recordReply(record, {
		acceptEncoding: req.headers['accept-encoding'],
		attachment,
		injectIntoHtml: true,
		method: req.method,
		etag: ctx.settings.etags,
	});
}

async function putRecord(call: RouteCall): Promise<Reply> {
	const { req } = call;
	const key = recordKeyParam(call);
	const store = resolveStore(call);
	authorizeWrite(call.caller, store);
	const encodingHeader = req.headers['content-encoding']?.trim().toLowerCase() || 'identity';
	const contentEncoding = encodingHeader === 'identity' ? undefined : encodingHeader;
	if (contentEncoding !== undefined && !isContentEncoding(contentEncoding)) {
		throw new ApiError(
			415,
			'unsupported-content-encoding',
			`Content-Encoding "${contentEncoding}" is not supported; use br, gzip or deflate.`,
		);
	}
	// Before the body is read, as RFC 9110 asks; a write is never answered 304.
	conditionalReply(call.ctx, req, currentEtag(store, key));
	const stored = await req.readBody();
	if (contentEncoding) {
		try {
			decodeBody(stored, contentEncoding);
		} catch {
			throw new ApiError(
				400,
				'invalid-input',
				`The request body is not valid ${contentEncoding} data.`,
			);
		}
	}
	const contentType = req.headers['content-type'] || 'application/octet-stream';
	const record = { key, contentType, contentEncoding, stored };
	const delayMs = call.ctx.settings.writeVisibilityDelayMs;
	if (delayMs > 0) setTimeout(() => store.putRecord(record), delayMs).unref();
	else store.putRecord(record);
	const location = { Location: `${storeUrl(call.ctx, store)}/records/${encodeURIComponent(key)}` };
	return recordWrittenReply(
		call.ctx.settings.etags ? { ...location, ETag: recordEtag(record) } : location,
	);
}

function deleteRecord(call: RouteCall): Reply {
	const key = recordKeyParam(call);
	const store = resolveStore(call);
	authorizeWrite(call.caller, store);
	conditionalReply(call.ctx, call.req, currentEtag(store, key));
	store.deleteRecord(key);
	return emptyReply(204);
}

/** The routes of one store under `prefix`; `storeHandlers` are those of the store itself. */
function storeRoutes(prefix: string[], storeHandlers: Route['handlers']): Route[] {
	return [
		{ segments: prefix, handlers: storeHandlers, rateLimit: 'other' },
		{ segments: [...prefix, 'keys'], handlers: { GET: listKeys }, rateLimit: 'other' },
		{ segments: [...prefix, 'records'], handlers: { GET: downloadRecords }, rateLimit: 'other' },
		{
			segments: [...prefix, 'records', ':key'],
			handlers: { GET: getRecord, HEAD: getRecord, PUT: putRecord, DELETE: deleteRecord },
			rateLimit: 'records',
		},
	];
}

const RUN_PATH = ['v2', 'actor-runs', ':run'];
/**
 * Apify documents `/v2/actors/` since 2026-05-28 and keeps the older `/v2/acts/` as an undocumented
 * alias that its OpenAPI calls "deprecated but still fully functional": the API answers both.
 */
const LAST_RUN_PATHS = [
	...['acts', 'actors'].map((collection) => ['v2', collection, ':actor', 'runs', 'last']),
	['v2', 'actor-tasks', ':task', 'runs', 'last'],
];

const ROUTES: Route[] = [
	{ segments: ['v2', 'users', 'me'], handlers: { GET: getMe }, rateLimit: 'other' },
	{
		segments: ['v2', 'key-value-stores'],
		handlers: { GET: listStores, POST: getOrCreateStore },
		rateLimit: 'other',
	},
	...storeRoutes(['v2', 'key-value-stores', ':store'], { GET: getStore, DELETE: deleteStore }),
	// A run's default store is read through the run, never deleted through it.
	...[RUN_PATH, ...LAST_RUN_PATHS].flatMap((runPath): Route[] => [
		{ segments: runPath, handlers: { GET: getRun }, rateLimit: 'other' },
		...storeRoutes([...runPath, 'key-value-store'], { GET: getStore }),
	]),
];

const pathSegments = (pathname: string) => pathname.replace(/^\/|\/$/g, '').split('/');

function matchRoute(
	pathname: string,
): { route: Route; params: Record<string, string> } | undefined {
	const segments = pathSegments(pathname);
	for (const route of ROUTES) {
		if (route.segments.length !== segments.length) continue;
		const params: Record<string, string> = {};
		const matches = route.segments.every((pattern, i) => {
			if (pattern.startsWith(':')) params[pattern.slice(1)] = segments[i];
			return pattern.startsWith(':') ? segments[i] !== '' : pattern === segments[i];
		});
		if (matches) return { route, params };
	}
	return undefined;
}

/**
 * The bucket a request to `pathname` counts against: a store's routes count per store (a run's
 * store per alias path, as the path names it), any other route per path.
 */
export function rateLimitBucket(pathname: string): RateLimitBucket {
	const matched = matchRoute(pathname);
	if (!matched) return { resource: pathname, kind: 'other', limit: RATE_LIMITS.other };
	const { route, params } = matched;
	const aliasEnd = route.segments.indexOf('key-value-store') + 1;
	const aliasPath = `/${pathSegments(pathname).slice(0, aliasEnd).join('/')}`;
	const resource = params.store ?? (aliasEnd > 0 ? aliasPath : pathname);
	return { resource, kind: route.rateLimit, limit: RATE_LIMITS[route.rateLimit] };
}

export async function handleApiRequest(ctx: ApiContext, req: ApiRequest): Promise<Reply> {
	try {
		return await dispatch(ctx, req, matchRoute(req.url.pathname));
	} catch (error) {
		return errorReply(
			error instanceof ApiError
				? error
				: new ApiError(
						500,
						'internal-server-error',
						`Internal server error: ${(error as Error).message}`,
					),
		);
	}
}

async function dispatch(
	ctx: ApiContext,
	req: ApiRequest,
	matched: ReturnType<typeof matchRoute>,
): Promise<Reply> {
	if (!matched) {
		throw new ApiError(
			404,
			'page-not-found',
			'We have bad news: there is no API endpoint at this URL. Did you specify it correctly?',
		);
	}
	const { route, params } = matched;
	const allowed = ['OPTIONS', ...Object.keys(route.handlers)].join(',');
	if (req.method === 'OPTIONS') return emptyReply(204, { Allow: allowed });
	const handler = route.handlers[req.method];
	if (!handler) {
		throw new ApiError(
			405,
			'method-not-allowed',
			`This API end-point can only be accessed using the following HTTP methods: ${allowed}`,
			{ Allow: allowed },
		);
	}
	return handler({ ctx, req, caller: identifyCaller(req), params });
}
