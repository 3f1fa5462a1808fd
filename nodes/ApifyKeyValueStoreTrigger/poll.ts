import pMap from 'p-map';
import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type INodeExecutionData,
	type IPollFunctions,
} from 'n8n-workflow';

import {
	defaultRetryPolicy,
	DEFAULT_TIMEOUT_SECONDS,
	requestHeaders,
	requestJson,
	type ApifyConnection,
} from '../ApifyKeyValueStore/transport';
import { listKeyPages } from '../ApifyKeyValueStore/transport/keys';
import { fetchRecord } from '../ApifyKeyValueStore/transport/records';
import { storeById, storeEndpoint, type StoreRef } from '../ApifyKeyValueStore/transport/store';
import { diffSnapshots, type RecordChange, type StoreSnapshot } from './changes';

export type { ChangeKind } from './changes';

/** The operations' defaults (Key → List, Record → Get). */
const LIST_RETRY = defaultRetryPolicy(DEFAULT_TIMEOUT_SECONDS.api);
const RECORD_RETRY = defaultRetryPolicy(DEFAULT_TIMEOUT_SECONDS.records);
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
	snapshot?: StoreSnapshot;
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
	const previous = state.scope === scope ? state.snapshot : undefined;
	const store = await pinStore(ctx, connection, options.store);
	// No run of that status yet: an empty store, so that the first such run's records fire as added.
	const current = store
		? await takeSnapshot(ctx, connection, { ...options, store }, previous)
		: { sizes: {}, etags: {} };

	let changes: RecordChange[];
	if (previous)
		changes = diffSnapshots(previous, current).filter((change) =>
			options.events.has(change.change),
		);
	else if (options.manual) {
		changes = Object.entries(current.sizes)
			.slice(0, SAMPLE_EVENTS)
			.map(([key, size]) => ({ key, change: 'added', size }));
	} else changes = [];

	const items = await pMap(
		changes,
		async (change) =>
			await changeItem(ctx, connection, { ...options, store: store ?? options.store }, change),
		{
			concurrency: CONCURRENT_REQUESTS,
		},
	);
	// Saved only once every item is ready: a poll that fails is repeated whole, so no change is lost.
	state.scope = scope;
	state.snapshot = current;
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
 * An Actor's last run can change during a poll; the poll reads the store that was the last run's
 * when it began, by its ID, so that its listing, ETags and values all come from one store. Items
 * then name the store too. Undefined when the Actor has no run of that status yet; a wrong Actor
 * still fails ("Actor was not found").
 */
async function pinStore(
	ctx: IPollFunctions,
	connection: ApifyConnection,
	store: StoreRef,
): Promise<StoreRef | undefined> {
	if (store.source.actorId === undefined && store.source.actorTaskId === undefined) return store;
	let pinned: { id?: string } | undefined;
	try {
		pinned = await requestJson<{ id?: string } | undefined>(ctx, connection, {
			path: store.basePath,
			qs: store.qs,
			subject: store.subject,
			itemIndex: 0,
			retry: LIST_RETRY,
		});
	} catch (error) {
		const noRunYet =
			error instanceof NodeApiError &&
			error.httpCode === '404' &&
			/actor run was not found/i.test(error.message);
		if (noRunYet) return undefined;
		// The transport throws only n8n's own errors: anything else than "no such run" fails the poll as it came.
		throw error as NodeApiError | NodeOperationError;
	}
	if (!pinned?.id) return store;
	return {
		...storeById(pinned.id),
		source: { ...store.source, storeId: pinned.id },
		subject: store.subject,
	};
}

async function takeSnapshot(
	ctx: IPollFunctions,
	connection: ApifyConnection,
	{ store, prefix, checkEtags }: PollOptions,
	previous: StoreSnapshot | undefined,
): Promise<StoreSnapshot> {
	const snapshot: StoreSnapshot = { sizes: {}, etags: {} };
	const listing = {
		path: storeEndpoint(store, 'keys'),
		qs: store.qs,
		subject: store.subject,
		itemIndex: 0,
		retry: LIST_RETRY,
	};
	for await (const page of listKeyPages(ctx, connection, listing, { prefix })) {
		for (const item of page) snapshot.sizes[item.key] = item.size;
	}
	if (!checkEtags) return snapshot;
	await pMap(
		Object.keys(snapshot.sizes),
		async (key) => {
			// A record whose size changed is changed anyway; for the others, the API says whether the ETag still matches.
			const known = previous?.sizes[key] === snapshot.sizes[key] ? previous?.etags[key] : undefined;
			const { statusCode, headers } = await requestHeaders(ctx, connection, {
				method: 'HEAD',
				path: storeEndpoint(store, 'records', encodeURIComponent(key)),
				qs: store.qs,
				headers: known ? { 'If-None-Match': known } : undefined,
				// Deleted since it was listed: the next poll reports it.
				acceptStatuses: [404],
				subject: { ...store.subject, key },
				itemIndex: 0,
				retry: LIST_RETRY,
			});
			const etag = statusCode === 304 ? known : headers.etag;
			if (etag) snapshot.etags[key] = etag;
		},
		{ concurrency: CONCURRENT_REQUESTS },
	);
	return snapshot;
}

async function changeItem(
	ctx: IPollFunctions,
	connection: ApifyConnection,
	{ store, includeValue }: PollOptions,
	change: RecordChange,
): Promise<INodeExecutionData> {
	const json: IDataObject = { ...store.source, ...change };
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
	json.contentType = record.contentType;
	json.size = record.size;
	if (record.kind === 'binary')
		return { json: { ...json, fileName: record.binary.fileName }, binary: { data: record.binary } };
	if (record.kind === 'json') {
		try {
			json.value = JSON.parse(record.text) as IDataObject;
			return { json };
		} catch {
			// Stored as JSON but is not: it is still the record's value, as text.
		}
	}
	json.text = record.text;
	return { json };
}
