/**
 * What the local API counts of its traffic, for the benchmark and for tests of how many requests
 * a client sends at once: requests in flight, and each store's requests per second as Apify's
 * rate limits count them (`RATE_LIMITS`: a store's record requests, and its other requests).
 */
import { performance } from 'node:perf_hooks';

import type { RateLimitBucket, RateLimitKind } from './api-routes';

const WINDOW_MS = 1000;

/** Arrival times within the last second, and the most there were within any one second. */
class SlidingWindow {
	private readonly arrivals: number[] = [];
	/** Index of the oldest arrival still within the window. */
	private oldest = 0;
	total = 0;
	max = 0;

	/** How many arrived within the second up to `now`; times must not go back. */
	countAt(now: number): number {
		while (this.oldest < this.arrivals.length && this.arrivals[this.oldest] <= now - WINDOW_MS)
			this.oldest++;
		// Forget what left the window once it is most of the array, so that memory stays bounded.
		if (this.oldest > 1024 && this.oldest * 2 > this.arrivals.length) {
			this.arrivals.splice(0, this.oldest);
			this.oldest = 0;
		}
		return this.arrivals.length - this.oldest;
	}

	add(now: number): void {
		this.arrivals.push(now);
		this.total++;
		this.max = Math.max(this.max, this.countAt(now));
	}

	/** How many arrived within the second up to the latest arrival. */
	lastSecond(): number {
		const latest = this.arrivals[this.arrivals.length - 1];
		return latest === undefined ? 0 : this.countAt(latest);
	}
}

export interface RateCount {
	/** The limit Apify documents for these requests, per second. */
	limit: number;
	total: number;
	/** The most that arrived within any one second (a sliding window). */
	maxPerSecond: number;
	/** How many arrived within the second up to the last one: the rate at the end of a run. */
	lastSecond: number;
	/** How many were answered 429, by the enforced limit or by a fault. */
	rateLimited: number;
}

export interface TrafficSnapshot {
	/** Requests to both origins. */
	total: number;
	/** The most requests in flight at once on both origins, each from its arrival until its answer was sent or its connection closed. */
	maxInFlight: number;
	/**
	 * Requests to the API origin per store (keyed by its ID or name as the paths have it; a run's
	 * store by the alias path, any other resource by its path): record requests and the others.
	 */
	resources: Record<string, Partial<Record<RateLimitKind, RateCount>>>;
}

interface BucketCounts {
	limit: number;
	/** Every request, for the report. */
	arrived: SlidingWindow;
	/** Requests not refused by the enforced limit, which is what the limit counts. */
	admitted: SlidingWindow;
	rateLimited: number;
}

export class TrafficMeter {
	private inFlight = 0;
	private maxInFlight = 0;
	private total = 0;
	private resources = new Map<string, Map<RateLimitKind, BucketCounts>>();

	/** `now` in milliseconds; a test passes a clock of its own. */
	constructor(private readonly now: () => number = () => performance.now()) {}

	/**
	 * Counts a request that arrived, in flight until `finished()`. With `enforce`, answers whether
	 * it is within its bucket's limit; otherwise it always is.
	 */
	arrive(bucket: RateLimitBucket | undefined, enforce: boolean): { withinLimit: boolean } {
		this.total++;
		this.inFlight++;
		this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
		if (!bucket) return { withinLimit: true };
		const counts = this.countsOf(bucket);
		const now = this.now();
		counts.arrived.add(now);
		const withinLimit = !enforce || counts.admitted.countAt(now) < bucket.limit;
		if (withinLimit) counts.admitted.add(now);
		return { withinLimit };
	}

	finished(): void {
		this.inFlight--;
	}

	/** A request of this bucket was answered 429. */
	rateLimited(bucket: RateLimitBucket): void {
		this.countsOf(bucket).rateLimited++;
	}

	snapshot(): TrafficSnapshot {
		const resources: TrafficSnapshot['resources'] = {};
		for (const [resource, kinds] of this.resources) {
			resources[resource] = {};
			for (const [kind, counts] of kinds) {
				resources[resource][kind] = {
					limit: counts.limit,
					total: counts.arrived.total,
					maxPerSecond: counts.arrived.max,
					lastSecond: counts.arrived.lastSecond(),
					rateLimited: counts.rateLimited,
				};
			}
		}
		return { total: this.total, maxInFlight: this.maxInFlight, resources };
	}

	/** Starts counting anew, the enforced limits' counts too; requests still in flight stay counted as such. */
	reset(): void {
		this.total = 0;
		this.maxInFlight = this.inFlight;
		this.resources = new Map();
	}

	private countsOf({ resource, kind, limit }: RateLimitBucket): BucketCounts {
		let kinds = this.resources.get(resource);
		if (!kinds) this.resources.set(resource, (kinds = new Map()));
		let counts = kinds.get(kind);
		if (!counts) {
			counts = {
				limit,
				arrived: new SlidingWindow(),
				admitted: new SlidingWindow(),
				rateLimited: 0,
			};
			kinds.set(kind, counts);
		}
		return counts;
	}
}
