/**
 * What the trigger remembers of a store between polls: each key's size and, when it looks for
 * same-size edits, its ETag or, where the API sends none, the SHA-256 of its content.
 */
export interface StoreSnapshot {
	sizes: Record<string, number>;
	etags: Record<string, string>;
	/** Absent in snapshots saved before content hashes were used. */
	hashes?: Record<string, string>;
}

export type ChangeKind = 'added' | 'changed' | 'deleted';

export interface RecordChange {
	key: string;
	change: ChangeKind;
	/** The size now; for a deleted record, the size it had. */
	size: number;
	previousSize?: number;
}

/**
 * The changes from one listing to the next, in key order: keys that appeared, keys whose size
 * changed or whose ETag is known to differ, and keys that went away.
 */
export function diffSnapshots(previous: StoreSnapshot, current: StoreSnapshot): RecordChange[] {
	const changes: RecordChange[] = [];
	for (const [key, size] of Object.entries(current.sizes)) {
		const previousSize = previous.sizes[key];
		if (previousSize === undefined) changes.push({ key, change: 'added', size });
		else if (
			previousSize !== size ||
			differs(previous.etags, current.etags, key) ||
			differs(previous.hashes, current.hashes, key)
		) {
			changes.push({ key, change: 'changed', size, previousSize });
		}
	}
	for (const [key, size] of Object.entries(previous.sizes)) {
		if (current.sizes[key] === undefined) changes.push({ key, change: 'deleted', size });
	}
	return changes.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
}

/** Whether both snapshots know the key's ETag (or hash) and it is not the same. */
function differs(
	previous: Record<string, string> | undefined,
	current: Record<string, string> | undefined,
	key: string,
): boolean {
	const before = previous?.[key];
	const now = current?.[key];
	return before !== undefined && now !== undefined && before !== now;
}
