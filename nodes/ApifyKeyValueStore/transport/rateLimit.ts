import { sleep } from 'n8n-workflow';

/**
 * Apify's documented rate limits: 200 requests a second per store for getting, putting and deleting
 * its records, 60 a second per resource for everything else, and the limit that applies in every
 * answer's `X-RateLimit-Limit`. All requests of this n8n process to one store or resource share a
 * lane, whichever execution, item or poll sends them, so that parallel items, the trigger and Only
 * If Changed together stay under the limit instead of meeting 429s; a 429 pauses the whole lane.
 */
export const RECORD_REQUESTS_PER_SECOND = 200;
export const RESOURCE_REQUESTS_PER_SECOND = 60;

/**
 * The second a lane's limit counts in, stretched by 15%: turns go evenly spaced, one every
 * 1.15 s ÷ limit (5.75 ms at 200, 174 a second), never in bursts, because requests arrive less
 * evenly than they are let go (a busy event loop, a socket that frees up, the network's jitter).
 * Spaced so, they arrive at most the limit in any second unless one is delayed about 140 ms more
 * than those before it. Measured: a burst of 200 let go at once arrived spread over hundreds of
 * milliseconds and overlapped the next second's (213 a second); spaced 1.1 s ÷ 200 apart, a loaded
 * machine with the API in the same process still saw 202 to 214.
 */
const WINDOW_MS = 1150;
/** How far a lane's turns may run behind their schedule and still be given back by going sooner. */
const MAX_CATCH_UP_MS = 10;
/** A 429 lowers the lane's limit this much; every answer that is not a 429 brings one request back. */
const SLOWDOWN_FACTOR = 0.8;
/**
 * A 429's pause without Retry-After: (1 + random) × 250 ms, doubled for every 429 in a row. Half
 * apify-client's per-request backoff, because the pause holds every request of the store, not one,
 * and Apify's limits count per second: a quarter to half a second lets the window move on.
 */
const BACKOFF_BASE_MS = 250;
const MAX_BACKOFF_MS = 60_000;
/** Lanes kept before idle ones are dropped. */
const MAX_IDLE_LANES = 256;

/**
 * One store's record requests, or one resource's other requests: `limit` turns per window, evenly
 * spaced, in the order they were asked for, none while the lane is paused after a 429.
 */
export class Lane {
	/** The limit the API documents or last said (`X-RateLimit-Limit`). */
	private ceiling: number;

	/** The limit in force: the ceiling, or less for a while after 429s. */
	limit: number;

	/** When (performance.now()) the next turn may go. */
	private nextTurnAt = 0;

	private pausedUntil = 0;

	/** When the last pause was decided: 429s to requests sent before it belong to that pause. */
	private pauseDecidedAt = -Infinity;

	/** Pauses since the last answer that was not a 429: each waits twice as long as the one before. */
	private strikes = 0;

	/** Requests waiting for a turn, the next first. */
	private readonly waiters: Waiter[] = [];

	/** Whether a loop is giving out turns; one at a time, so that they keep their spacing. */
	private givingTurns = false;

	lastUsed = performance.now();

	constructor(limit: number) {
		this.ceiling = limit;
		this.limit = limit;
	}

	get idle(): boolean {
		return this.waiters.length === 0 && performance.now() - this.lastUsed > WINDOW_MS;
	}

	/**
	 * Waits for a turn to send one request; returns its send time. Rejects if `signal` aborts
	 * first. A request asks in order, a retry of a refused one at a random place in the queue:
	 * re-queued behind the same number of requests every time, it would meet a periodic refusal
	 * (the Nth request of a window, say) every time.
	 */
	async turn(signal?: AbortSignal, retry = false): Promise<number> {
		signal?.throwIfAborted();
		return await new Promise<number>((resolve, reject) => {
			const waiter: Waiter = {
				resolve: (sentAt) => {
					signal?.removeEventListener('abort', waiter.abort);
					resolve(sentAt);
				},
				abort: () => {
					const at = this.waiters.indexOf(waiter);
					if (at >= 0) this.waiters.splice(at, 1);
					reject(signal?.reason);
				},
			};
			signal?.addEventListener('abort', waiter.abort, { once: true });
			const at = retry
				? Math.floor(Math.random() * (this.waiters.length + 1))
				: this.waiters.length;
			this.waiters.splice(at, 0, waiter);
			void this.giveTurns();
		});
	}

	/** An answer other than 429: the API takes requests again, so the next pause starts short. */
	answered(): void {
		this.strikes = 0;
		if (this.limit < this.ceiling) this.limit++;
	}

	/**
	 * A 429 to a request sent at `sentAt`: pauses the lane for `retryAfterMs` (when the API said) or
	 * an exponential backoff, and lowers its limit. 429s to requests that were already on their way
	 * when the pause was decided are part of that pause, so a burst of them pauses once.
	 */
	throttled(sentAt: number, retryAfterMs: number | undefined): void {
		const now = performance.now();
		if (sentAt > this.pauseDecidedAt) {
			this.pauseDecidedAt = now;
			this.limit = Math.max(1, Math.floor(this.limit * SLOWDOWN_FACTOR));
			const backoffMs = Math.round((1 + Math.random()) * BACKOFF_BASE_MS * 2 ** this.strikes);
			this.strikes++;
			this.pausedUntil = Math.max(
				this.pausedUntil,
				now + Math.min(retryAfterMs ?? backoffMs, MAX_BACKOFF_MS),
			);
		} else if (retryAfterMs !== undefined) {
			this.pausedUntil = Math.max(this.pausedUntil, now + Math.min(retryAfterMs, MAX_BACKOFF_MS));
		}
	}

	/** The limit an answer's `X-RateLimit-Limit` gives; anything but a positive whole number is ignored. */
	learn(header: string | undefined): void {
		const stated = Number(header);
		if (!header || !Number.isSafeInteger(stated) || stated < 1) return;
		if (this.limit === this.ceiling || this.limit > stated) this.limit = stated;
		this.ceiling = stated;
	}

	private async giveTurns(): Promise<void> {
		if (this.givingTurns) return;
		this.givingTurns = true;
		try {
			while (this.waiters.length > 0) {
				const now = performance.now();
				const waitMs = Math.max(this.pausedUntil, this.nextTurnAt) - now;
				if (waitMs > 0) {
					await sleep(waitMs);
					continue;
				}
				// On schedule, not from when the timer fired: a timer a millisecond late every 5.75 ms
				// would cost a sixth of the rate. Catching up is bounded, so no burst follows a pause.
				this.nextTurnAt = Math.max(this.nextTurnAt, now - MAX_CATCH_UP_MS) + WINDOW_MS / this.limit;
				this.lastUsed = now;
				this.waiters.shift()?.resolve(now);
			}
		} finally {
			this.givingTurns = false;
		}
	}
}

interface Waiter {
	resolve: (sentAt: number) => void;
	abort: () => void;
}

const lanes = new Map<string, Lane>();

/**
 * The lane of a request to the API at `origin`: record requests (`…/records/{key}`) by their store's
 * path, 200 a second; others by their resource (`/v2/{collection}/{id}`), 60 a second.
 */
export function laneOf(origin: string, path: string): Lane {
	const recordAt = path.search(/\/records\/[^/]+$/);
	const isRecord = recordAt > 0;
	const resource = isRecord ? path.slice(0, recordAt) : path.split('/').slice(0, 4).join('/');
	const name = `${isRecord ? 'records' : 'resource'} ${origin}${resource}`;
	let lane = lanes.get(name);
	if (!lane) {
		if (lanes.size >= MAX_IDLE_LANES) {
			for (const [other, known] of lanes) if (known.idle) lanes.delete(other);
		}
		lane = new Lane(isRecord ? RECORD_REQUESTS_PER_SECOND : RESOURCE_REQUESTS_PER_SECOND);
		lanes.set(name, lane);
	}
	return lane;
}

/**
 * Resolves after `ms`, or rejects when `signal` aborts first. n8n's sleep is the timer (n8n Cloud
 * allows nodes none of their own); unlike AbortSignal.timeout it keeps the process alive meanwhile.
 */
export async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
	if (!signal) return await sleep(ms);
	let abort = () => {};
	const aborted = new Promise<never>((_, reject) => {
		abort = () => reject(signal.reason);
		signal.addEventListener('abort', abort, { once: true });
	});
	try {
		await Promise.race([sleep(ms), aborted]);
	} finally {
		signal.removeEventListener('abort', abort);
	}
}
