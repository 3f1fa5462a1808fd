import { createHash } from 'crypto';
import {
	NodeApiError,
	NodeOperationError,
	sleep,
	type IDataObject,
	type IExecuteFunctions,
} from 'n8n-workflow';

import { parseJson } from '../helpers/json';
import { requestStatus, type ApifyConnection, type RetryPolicy } from './index';
import { fetchRecord, VISIBILITY_WAITS_MS } from './records';
import { recordEndpoint, storeById, type StoreRef } from './store';
import { getOrCreateStore } from './stores';

/** What Only If Changed remembers of a record it output: its ETag, or where the API sent none, its content's SHA-256. */
export interface SeenRecord {
	etag?: string;
	sha256?: string;
}

/** A record as Only If Changed watches it: one store and key, for one node. */
export interface WatchedRecord {
	store: StoreRef;
	key: string;
	itemIndex: number;
	retry: RetryPolicy;
}

/** Where Only If Changed keeps what it output, record by record. */
export interface ChangeMemory {
	recall(record: WatchedRecord): Promise<SeenRecord | undefined>;
	remember(record: WatchedRecord, seen: SeenRecord): Promise<void>;
}

/** Whether a record seen now is the one seen last: by ETag where both have one, by content otherwise. */
export function isUnchanged(now: SeenRecord, last: SeenRecord | undefined): boolean {
	if (!last) return false;
	return now.etag ? now.etag === last.etag : now.sha256 === last.sha256;
}

/** What to remember of a fetched record: its ETag if the API sent one, else its hash. */
export function seenRecord(record: SeenRecord): SeenRecord {
	return record.etag ? { etag: record.etag } : { sha256: record.sha256 };
}

/** The static data entry's name for a record; kept as it was, so memories saved before still count. */
function staticKey({ store, key }: WatchedRecord): string {
	return JSON.stringify([store.basePath, store.qs, key]);
}

/** Per run of the node (its execute context), the last item to watch each record, by static key. */
const recordTurns = new WeakMap<IExecuteFunctions, Map<string, Promise<unknown>>>();

/**
 * Runs `work` for a watched record after the run's earlier items that watch the same record: with
 * items in parallel, two items of one record would otherwise both find it changed before either
 * remembered it, and output it twice.
 */
export async function inRecordTurn<T>(
	ctx: IExecuteFunctions,
	record: WatchedRecord,
	work: () => Promise<T>,
): Promise<T> {
	let turns = recordTurns.get(ctx);
	if (!turns) recordTurns.set(ctx, (turns = new Map()));
	const name = staticKey(record);
	const mine = (turns.get(name) ?? Promise.resolve()).then(work);
	turns.set(
		name,
		mine.catch(() => undefined),
	);
	return await mine;
}

/**
 * The workflow's static data, which n8n saves after production executions in its database. Only a
 * single n8n hands it back: queue mode's workers start every execution without it.
 */
export function workflowMemory(ctx: IExecuteFunctions): ChangeMemory {
	const staticData = ctx.getWorkflowStaticData('node');
	staticData.lastOutputs ??= {};
	const lastOutputs = staticData.lastOutputs as Record<string, SeenRecord>;
	return {
		recall: async (record) => lastOutputs[staticKey(record)],
		remember: async (record, seen) => {
			lastOutputs[staticKey(record)] = seen;
		},
	};
}

/** What one run of the node knows of a memory store: its ID once asked, and what the run remembered. */
interface RunMemory {
	storeId?: Promise<string>;
	remembered: Map<string, SeenRecord>;
}

/** One entry per run of the node (its execute context) and memory store; dropped with the run. */
const runMemories = new WeakMap<IExecuteFunctions, Map<string, RunMemory>>();

/**
 * A named store in the Apify account, one small JSON record per watched record, which every n8n
 * process reads and writes alike: the memory for queue mode. The store is made on first use. Runs
 * started by hand read it but do not write it, as n8n treats static data, so a test in the editor
 * does not take a change from the active workflow. A write is read back until the API shows it
 * (Apify's storage is eventually consistent), so the next execution, on any worker, finds it.
 */
export function apifyStoreMemory(
	ctx: IExecuteFunctions,
	connection: ApifyConnection,
	storeName: string,
): ChangeMemory {
	let perStore = runMemories.get(ctx);
	if (!perStore) runMemories.set(ctx, (perStore = new Map()));
	let run = perStore.get(storeName);
	if (!run) perStore.set(storeName, (run = { remembered: new Map() }));
	const state = run;
	const writes = ctx.getMode() !== 'manual';

	const memoryStore = async ({ itemIndex, retry }: WatchedRecord): Promise<StoreRef> => {
		state.storeId ??= getOrCreateStore(ctx, connection, storeName, itemIndex, retry).then(
			(store) => store.id,
		);
		try {
			const id = await state.storeId;
			return { ...storeById(id), subject: { storeName: `the memory store "${storeName}"` } };
		} catch (error) {
			// The next item asks again rather than inheriting this item's failure.
			state.storeId = undefined;
			// The transport throws only n8n's own errors.
			throw error as NodeApiError | NodeOperationError;
		}
	};
	const read = async (record: WatchedRecord, store: StoreRef, key: string) => {
		try {
			const found = await fetchRecord(ctx, connection, {
				store,
				key,
				outputFormat: 'json',
				itemIndex: record.itemIndex,
				retry: record.retry,
			});
			return found.kind === 'json' ? parseEntry(found.text) : undefined;
		} catch (error) {
			if (error instanceof NodeApiError && error.httpCode === '404') return undefined;
			throw error as NodeApiError | NodeOperationError;
		}
	};

	return {
		recall: async (record) => {
			const key = memoryKey(ctx, record);
			const inRun = state.remembered.get(key);
			if (inRun) return inRun;
			return await read(record, await memoryStore(record), key);
		},
		remember: async (record, seen) => {
			const key = memoryKey(ctx, record);
			if (!writes) {
				state.remembered.set(key, seen);
				return;
			}
			const store = await memoryStore(record);
			const entry: IDataObject = {
				...seen,
				workflowId: ctx.getWorkflow().id ?? null,
				node: ctx.getNode().name,
				key: record.key,
				...record.store.source,
				rememberedAt: new Date().toISOString(),
			};
			await requestStatus(ctx, connection, {
				method: 'PUT',
				path: recordEndpoint(store, key),
				headers: { 'Content-Type': 'application/json; charset=utf-8' },
				body: () => Buffer.from(JSON.stringify(entry)),
				subject: { ...store.subject, key },
				itemIndex: record.itemIndex,
				retry: record.retry,
			});
			// Only once written: an item whose write failed must not hide the record from the next.
			state.remembered.set(key, seen);
			for (const waitMs of VISIBILITY_WAITS_MS) {
				if (isUnchanged(seen, await read(record, store, key))) return;
				await sleep(waitMs);
			}
			ctx.logger.warn(
				`Only If Changed: the API did not show memory record "${key}" of store "${storeName}" within 8 s of writing it; an execution starting now may output the record again`,
			);
		},
	};
}

/**
 * The memory record's key: the workflow's ID (so one workflow's memories list together) and a hash
 * of the node, the store and the key, which fits Apify's key rules whatever the key holds.
 */
function memoryKey(ctx: IExecuteFunctions, { store, key }: WatchedRecord): string {
	const workflowId = (ctx.getWorkflow().id ?? 'unsaved').replace(/[^a-zA-Z0-9_-]/g, '_');
	const hash = createHash('sha256')
		.update(JSON.stringify([ctx.getNode().id, store.basePath, store.qs, key]))
		.digest('hex');
	return `${workflowId.slice(0, 64)}.${hash.slice(0, 40)}`;
}

/** What a memory record says; anything else someone wrote there counts as no memory, and is overwritten. */
function parseEntry(text: string): SeenRecord | undefined {
	const parsed = parseJson(text);
	if (!('value' in parsed) || typeof parsed.value !== 'object' || parsed.value === null)
		return undefined;
	const entry = parsed.value as IDataObject;
	const etag = typeof entry.etag === 'string' ? entry.etag : undefined;
	const sha256 = typeof entry.sha256 === 'string' ? entry.sha256 : undefined;
	return etag || sha256 ? { etag, sha256 } : undefined;
}
