import { compareKeys } from '../ApifyKeyValueStore/transport/keys';

/**
 * What the trigger remembers of a store between polls: each key's size and, when it looks for
 * same-size edits, its ETag or, where the API sends none, the SHA-256 of its content. Maps, not
 * objects: any Apify key (`__proto__`, `constructor`, `toString`) is an ordinary key here.
 */
export interface StoreSnapshot {
	sizes: Map<string, number>;
	etags: Map<string, string>;
	/** Absent in snapshots saved before content hashes were used. */
	hashes?: Map<string, string>;
}

/**
 * A snapshot as the node's static data keeps it: `[key, value]` pairs, which survive n8n's JSON
 * round trip whatever the key. Snapshots saved before kept plain objects; those are still read.
 */
export interface SavedSnapshot {
	sizes: Array<[string, number]> | Record<string, number>;
	etags: Array<[string, string]> | Record<string, string>;
	hashes?: Array<[string, string]> | Record<string, string>;
}

export type ChangeKind = 'added' | 'changed' | 'deleted';

export interface RecordChange {
	key: string;
	change: ChangeKind;
	/** The size now; for a deleted record, the size it had. */
	size: number;
	previousSize?: number;
}

export function emptySnapshot(): StoreSnapshot {
	return { sizes: new Map(), etags: new Map() };
}

export function saveSnapshot({ sizes, etags, hashes }: StoreSnapshot): SavedSnapshot {
	const saved: SavedSnapshot = { sizes: [...sizes], etags: [...etags] };
	if (hashes) saved.hashes = [...hashes];
	return saved;
}

export function loadSnapshot(saved: SavedSnapshot): StoreSnapshot {
	const snapshot: StoreSnapshot = { sizes: toMap(saved.sizes), etags: toMap(saved.etags) };
	if (saved.hashes) snapshot.hashes = toMap(saved.hashes);
	return snapshot;
}

function toMap<T>(saved: Array<[string, T]> | Record<string, T> | undefined): Map<string, T> {
	if (Array.isArray(saved)) return new Map(saved);
	// Own properties only: a key such as `toString` that the saved object lacks is not inherited.
	return new Map(saved ? Object.entries(saved) : []);
}

/**
 * The changes from one listing to the next, in key order: keys that appeared, keys whose size
 * changed or whose ETag is known to differ, and keys that went away.
 */
export function diffSnapshots(previous: StoreSnapshot, current: StoreSnapshot): RecordChange[] {
	const changes: RecordChange[] = [];
	for (const [key, size] of current.sizes) {
		const previousSize = previous.sizes.get(key);
		if (previousSize === undefined) changes.push({ key, change: 'added', size });
		else if (
			previousSize !== size ||
			differs(previous.etags, current.etags, key) ||
			differs(previous.hashes, current.hashes, key)
		) {
			changes.push({ key, change: 'changed', size, previousSize });
		}
	}
	for (const [key, size] of previous.sizes) {
		if (!current.sizes.has(key)) changes.push({ key, change: 'deleted', size });
	}
	return changes.sort((a, b) => compareKeys(a.key, b.key));
}

/** Whether both snapshots know the key's ETag (or hash) and it is not the same. */
function differs(
	previous: Map<string, string> | undefined,
	current: Map<string, string> | undefined,
	key: string,
): boolean {
	const before = previous?.get(key);
	const now = current?.get(key);
	return before !== undefined && now !== undefined && before !== now;
}
