/**
 * Records this n8n process wrote a moment ago. Apify's storage is eventually consistent (its own
 * client tests poll after a write before reading), so a read that finds one of them missing waits
 * a little and asks again instead of failing. Every node of an execution runs in one process, so a
 * Put and a later Get of the same workflow share this.
 */
const WINDOW_MS = 60_000;
const writtenAt = new Map<string, number>();

export function noteWrite(id: string, now = Date.now()): void {
	for (const [written, at] of writtenAt) if (now - at > WINDOW_MS) writtenAt.delete(written);
	writtenAt.set(id, now);
}

/** A deleted record is missing for good: its reads need not wait. */
export function forgetWrite(id: string): void {
	writtenAt.delete(id);
}

export function writtenRecently(id: string, now = Date.now()): boolean {
	const at = writtenAt.get(id);
	return at !== undefined && now - at <= WINDOW_MS;
}
