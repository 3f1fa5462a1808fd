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
 * The second Apify's limits count in, and a little more for the two clocks. A request reaches the
 * API somewhere between its turn and its answer's headers, and the time between turn and leaving
 * varies (n8n reads the credential for every request: up to 200 ms more for some in a real n8n, so
 * that turns spaced evenly at 174 a second arrived up to 212 in one second). So a lane counts every
 * request whose span from turn to headers overlaps the last window, not only its turns: a new turn
 * goes only while those are fewer than the limit. Then no second of the API's can see more than the
 * limit, however unevenly requests travel: each one it sees in a second was either still under way
 * or answered within a window of the last of them being let go. At a 50 ms round trip that allows
 * about 190 a second.
 */
const WINDOW_MS = 1020;
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
 * One request's turn in its lane. Its span runs from `sentAt` to `end()`: the answer's status and
 * headers, when the request has surely reached the API, not the end of its body, which for a large
 * file comes seconds later. Every turn must end; ending it again does nothing.
 */
export interface Turn {
	readonly lane: Lane;
	readonly sentAt: number;
	end(): void;
}

/**
 * One store's record requests, or one resource's other requests: fewer than `limit` under way or
 * with their answer's headers within the last window, in the order they asked, none while the lane
 * is paused after a 429.
 */
export class Lane {
	/** The limit the API documents or last said (`X-RateLimit-Limit`). */
	private ceiling: number;

	/** The limit in force: the ceiling, or less for a while after 429s. */
	limit: number;

	/** Requests given a turn and not finished yet. */
	private underWay = 0;

	/** When (performance.now()) requests finished, within the last window, oldest first. */
	private readonly finishedAt: number[] = [];

	private pausedUntil = 0;

	/** When the last pause was decided: 429s to requests sent before it belong to that pause. */
	private pauseDecidedAt = -Infinity;

	/** Pauses since the last answer that was not a 429: each waits twice as long as the one before. */
	private strikes = 0;

	/** Requests waiting for a turn, the next first. */
	private readonly waiters: Waiter[] = [];

	/** Whether a loop is giving out turns: one at a time, so that two never give out the same room. */
	private givingTurns = false;

	lastUsed = performance.now();

	constructor(limit: number) {
		this.ceiling = limit;
		this.limit = limit;
	}

	get idle(): boolean {
		return (
			this.waiters.length === 0 &&
			this.underWay === 0 &&
			performance.now() - this.lastUsed > WINDOW_MS
		);
	}

	/**
	 * Waits for a turn to send one request. Rejects if `signal` aborts first. A request asks in
	 * order, a retry of a refused one at a random place in the queue: re-queued behind the same
	 * number of requests every time, it would meet a periodic refusal (the Nth request of a window,
	 * say) every time.
	 */
	async turn(signal?: AbortSignal, retry = false): Promise<Turn> {
		signal?.throwIfAborted();
		return await new Promise<Turn>((resolve, reject) => {
			const waiter: Waiter = {
				resolve: (sentAt) => {
					signal?.removeEventListener('abort', waiter.abort);
					let ended = false;
					resolve({
						lane: this,
						sentAt,
						end: () => {
							if (ended) return;
							ended = true;
							this.finished();
						},
					});
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

	/** A turn's span ended. */
	private finished(): void {
		this.underWay--;
		this.lastUsed = performance.now();
		this.finishedAt.push(this.lastUsed);
		void this.giveTurns();
	}

	private async giveTurns(): Promise<void> {
		if (this.givingTurns) return;
		this.givingTurns = true;
		try {
			while (this.waiters.length > 0) {
				const now = performance.now();
				while (this.finishedAt.length > 0 && this.finishedAt[0] <= now - WINDOW_MS)
					this.finishedAt.shift();
				if (this.pausedUntil > now) {
					await sleep(this.pausedUntil - now);
					continue;
				}
				if (this.underWay + this.finishedAt.length < this.limit) {
					this.underWay++;
					this.lastUsed = now;
					this.waiters.shift()?.resolve(now);
					continue;
				}
				// Full: room comes when the oldest finished request leaves the window; with none
				// finished yet, `finished()` starts this loop again.
				if (this.finishedAt.length === 0) return;
				await sleep(this.finishedAt[0] + WINDOW_MS - now);
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
