import pMap from 'p-map';
import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type INodeExecutionData,
	type IPollFunctions,
} from 'n8n-workflow';

import { parseJson } from '../ApifyKeyValueStore/helpers/json';
import {
	defaultRetryPolicy,
	DEFAULT_TIMEOUT_SECONDS,
	requestHeaders,
	type ApifyConnection,
} from '../ApifyKeyValueStore/transport';
import { listKeyPages } from '../ApifyKeyValueStore/transport/keys';
import {
	fetchRecord,
	hashRecord,
	MAX_RECORD_IN_MEMORY_BYTES,
} from '../ApifyKeyValueStore/transport/records';
import {
	isPathSafe,
	recordEndpoint,
	storeEndpoint,
	type StoreRef,
} from '../ApifyKeyValueStore/transport/store';
import { pinStore } from '../ApifyKeyValueStore/transport/stores';
import {
	diffSnapshots,
	emptySnapshot,
	loadSnapshot,
	saveSnapshot,
	type RecordChange,
	type SavedSnapshot,
	type StoreSnapshot,
} from './changes';

export type { ChangeKind } from './changes';

/** The operations' defaults (Key → List, Record → Get). */
const LIST_RETRY = defaultRetryPolicy(DEFAULT_TIMEOUT_SECONDS.medium);
const RECORD_RETRY = defaultRetryPolicy(DEFAULT_TIMEOUT_SECONDS.records);
/**
 * Without ETags, same-size edits are found by downloading records of up to this size and comparing
 * their SHA-256 with the last poll's; larger records are compared by size only.
 */
export const MAX_HASHED_RECORD_BYTES = 8 * 1024 * 1024;
const SAME_SIZE_EDITS_UNCHECKED = `Edits of this record that keep its size are not noticed: the API sends no ETag for it, and it is larger than the ${MAX_HASHED_RECORD_BYTES / 1024 / 1024} MiB the trigger downloads to compare contents.`;
const NOT_ADDRESSABLE =
	'This record is reported from the listing alone: a key of "." or ".." cannot be put in a URL, so its value is not read and same-size edits are not noticed. Download All (One ZIP File) includes it.';
const VALUE_TOO_LARGE = `The value is not included: it is larger than the ${MAX_RECORD_IN_MEMORY_BYTES / 1024 / 1024} MiB of JSON or text an item holds. Read it with Record → Get, Output "File (Binary)".`;
/** ETag checks and record downloads at once: well under the API's 200 requests per second for records. */
const CONCURRENT_REQUESTS = 8;
/** A test run before any baseline shows this many of the store's records, as if added. */
const SAMPLE_EVENTS = 5;

export interface PollOptions {
	/** A store, or the default store of an Actor run or of an Actor's last run, reached through its alias. */
	store: StoreRef;
	prefix?: string;
	events: Set<RecordChange['change']>;
	includeValue: boolean;
	checkEtags: boolean;
	/** The node's static data: n8n keeps it between polls and across restarts. */
	state: IDataObject;
	manual: boolean;
}

interface SavedState {
	/** The settings the snapshot was taken with; another store, Store Of or prefix starts a new baseline. */
	scope?: string;
	snapshot?: SavedSnapshot;
}

/**
 * Lists the store (sizes, and ETags when asked), compares it with the last poll's snapshot and
 * returns one item per change. The first poll only takes the snapshot, so that activating a
 * workflow does not fire for every record already there.
 */
export async function pollStore(
	ctx: IPollFunctions,
	connection: ApifyConnection,
	options: PollOptions,
): Promise<INodeExecutionData[]> {
	const state = options.state as SavedState;
	const scope = scopeOf(options);
	const previous =
		state.scope === scope && state.snapshot ? loadSnapshot(state.snapshot) : undefined;
	const store = await storeOfPoll(ctx, connection, options.store);
	// No run of that status yet: an empty store, so that the first such run's records fire as added.
	const current = store
		? await takeSnapshot(ctx, connection, { ...options, store }, previous)
		: emptySnapshot();

	let changes: RecordChange[];
	if (previous)
		changes = diffSnapshots(previous, current).filter((change) =>
			options.events.has(change.change),
		);
	else if (options.manual) {
		changes = [...current.sizes]
			.slice(0, SAMPLE_EVENTS)
			.map(([key, size]) => ({ key, change: 'added', size }));
	} else changes = [];

	const items = await pMap(
		changes,
		async (change) =>
			await changeItem(
				ctx,
				connection,
				{ ...options, store: store ?? options.store },
				current,
				change,
			),
		{
			concurrency: CONCURRENT_REQUESTS,
		},
	);
	// Saved only once every item is ready: a poll that fails is repeated whole, so no change is lost.
	state.scope = scope;
	state.snapshot = saveSnapshot(current);
	return items;
}

/**
 * What the snapshot is of. A store keeps the scope it had before Store Of, so that an active trigger
 * keeps its baseline across the update; a run's store is named by its Store Of fields.
 */
function scopeOf({ store, prefix, checkEtags }: PollOptions): string {
	return JSON.stringify([store.source.storeId ?? store.source, prefix ?? '', checkEtags]);
}

/**
 * A run's store is read by its ID: Apify documents HEAD only there, and an Actor's last run can
 * change during a poll, so the listing, ETags and values all come from the store that was the last
 * run's when the poll began. Items then name the store too. Undefined when the Actor or task has
 * no run of that status yet; a wrong Actor still fails ("Actor was not found").
 */
async function storeOfPoll(
	ctx: IPollFunctions,
	connection: ApifyConnection,
	store: StoreRef,
): Promise<StoreRef | undefined> {
	try {
		return await pinStore(ctx, connection, store, 0, LIST_RETRY);
	} catch (error) {
		const noRunYet =
			error instanceof NodeApiError &&
			error.httpCode === '404' &&
			/actor run was not found/i.test(error.message);
		if (noRunYet && store.source.runId === undefined) return undefined;
		// The transport throws only n8n's own errors: anything else than "no such run" fails the poll as it came.
		throw error as NodeApiError | NodeOperationError;
	}
}

async function takeSnapshot(
	ctx: IPollFunctions,
	connection: ApifyConnection,
	{ store, prefix, checkEtags }: PollOptions,
	previous: StoreSnapshot | undefined,
): Promise<StoreSnapshot> {
	const snapshot = emptySnapshot();
	const listing = {
		path: storeEndpoint(store, 'keys'),
		qs: store.qs,
		subject: store.subject,
		itemIndex: 0,
		retry: LIST_RETRY,
	};
	for await (const page of listKeyPages(ctx, connection, listing, { prefix })) {
		for (const item of page) snapshot.sizes.set(item.key, item.size);
	}
	if (!checkEtags) return snapshot;
	const hashes = new Map<string, string>();
	snapshot.hashes = hashes;
	await pMap(
		[...snapshot.sizes],
		async ([key, size]) => {
			if (!isPathSafe(key)) return;
			// A record whose size changed is changed anyway; its new ETag or hash is for the next poll.
			const sameSize = previous?.sizes.get(key) === size;
			const knownHash = sameSize ? previous?.hashes?.get(key) : undefined;
			// A record the API gave no ETag for is compared by content straight away.
			if (knownHash === undefined) {
				const etag = await recordEtag(ctx, connection, store, key, sameSize ? previous : undefined);
				if (etag) {
					snapshot.etags.set(key, etag);
					return;
				}
			}
			if (size > MAX_HASHED_RECORD_BYTES) return;
			const hash = await contentHash(ctx, connection, store, key);
			if (hash) hashes.set(key, hash);
		},
		{ concurrency: CONCURRENT_REQUESTS },
	);
	return snapshot;
}

/**
 * The record's ETag, if the API sends one (Apify does not document ETags): HEAD, with the ETag of
 * the last poll, which the API then may answer 304 without a body.
 */
async function recordEtag(
	ctx: IPollFunctions,
	connection: ApifyConnection,
	store: StoreRef,
	key: string,
	previous: StoreSnapshot | undefined,
): Promise<string | undefined> {
	const known = previous?.etags.get(key);
	const { statusCode, headers } = await requestHeaders(ctx, connection, {
		method: 'HEAD',
		path: recordEndpoint(store, key),
		qs: store.qs,
		headers: known ? { 'If-None-Match': known } : undefined,
		// Deleted since it was listed: the next poll reports it. A HEAD refused (Apify documents no
		// HEAD with a URL signature) gives no ETag: then the content is compared.
		acceptStatuses: [401, 403, 404, 405],
		subject: { ...store.subject, key },
		itemIndex: 0,
		retry: LIST_RETRY,
	});
	if (statusCode === 304) return known;
	return statusCode < 300 ? headers.etag : undefined;
}

/** The SHA-256 of the record's content; undefined if it was deleted since it was listed. */
async function contentHash(
	ctx: IPollFunctions,
	connection: ApifyConnection,
	store: StoreRef,
	key: string,
): Promise<string | undefined> {
	try {
		return await hashRecord(ctx, connection, { store, key, itemIndex: 0, retry: RECORD_RETRY });
	} catch (error) {
		if (error instanceof NodeApiError && error.httpCode === '404') return undefined;
		throw error as NodeApiError | NodeOperationError;
	}
}

async function changeItem(
	ctx: IPollFunctions,
	connection: ApifyConnection,
	{ store, includeValue, checkEtags }: PollOptions,
	current: StoreSnapshot,
	change: RecordChange,
): Promise<INodeExecutionData> {
	const json: IDataObject = { ...store.source, ...change };
	const unchecked =
		checkEtags &&
		change.change !== 'deleted' &&
		!current.etags.has(change.key) &&
		!current.hashes?.has(change.key);
	if (!isPathSafe(change.key)) {
		// A listing can name it, but no URL reaches it: `records/..` would be the store itself.
		if (change.change !== 'deleted' && (checkEtags || includeValue)) json.note = NOT_ADDRESSABLE;
		return { json };
	}
	if (unchecked) json.note = SAME_SIZE_EDITS_UNCHECKED;
	if (!includeValue || change.change === 'deleted') return { json };
	const record = await fetchRecord(ctx, connection, {
		store,
		key: change.key,
		outputFormat: 'auto',
		itemIndex: 0,
		retry: RECORD_RETRY,
	});
	// Only a request with If-None-Match is answered 304; this one has none.
	if (record.kind === 'notModified') return { json };
	// One record too large for an item must not hold back the others, poll after poll.
	if (record.kind === 'tooLarge')
		return { json: { ...json, contentType: record.contentType, note: VALUE_TOO_LARGE } };
	json.contentType = record.contentType;
	json.size = record.size;
	if (record.kind === 'binary')
		return { json: { ...json, fileName: record.binary.fileName }, binary: { data: record.binary } };
	const parsed = record.kind === 'json' ? parseJson(record.text) : undefined;
	if (parsed && 'value' in parsed) {
		json.value = parsed.value as IDataObject;
		return { json };
	}
	// Text, or stored as JSON but is not: then too it is the record's value, as text.
	json.text = record.text;
	return { json };
}
