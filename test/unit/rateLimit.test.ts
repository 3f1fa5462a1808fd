import {
	Lane,
	laneOf,
	RECORD_REQUESTS_PER_SECOND,
	RESOURCE_REQUESTS_PER_SECOND,
} from '../../nodes/ApifyKeyValueStore/transport/rateLimit';

/** Send times of `count` turns asked for all at once. */
async function turns(lane: Lane, count: number): Promise<number[]> {
	return await Promise.all(Array.from({ length: count }, async () => await lane.turn()));
}

/** The most turns within any second. */
function mostPerSecond(times: number[]): number {
	const sorted = [...times].sort((a, b) => a - b);
	let most = 0;
	for (let first = 0, last = 0; last < sorted.length; last++) {
		while (sorted[last] - sorted[first] >= 1000) first++;
		most = Math.max(most, last - first + 1);
	}
	return most;
}

describe('rate limit lanes', () => {
	it('lets turns go evenly spaced, at most the limit in any second, in the order asked', async () => {
		const lane = new Lane(RECORD_REQUESTS_PER_SECOND);
		const times = await turns(lane, 250);
		// 1.15 s ÷ 200 apart, give or take the 10 ms a lane may catch up after a late timer.
		expect(mostPerSecond(times)).toBeLessThanOrEqual(177);
		expect(times[249] - times[0]).toBeGreaterThanOrEqual(249 * 5.75 - 10);
		expect(times).toEqual([...times].sort((a, b) => a - b));
	});

	it('takes the limit an answer states in X-RateLimit-Limit, and ignores one that is not a number', async () => {
		const lane = new Lane(RESOURCE_REQUESTS_PER_SECOND);
		lane.learn('not a number');
		lane.learn('0');
		expect(lane.limit).toBe(60);
		lane.learn('10');
		expect(lane.limit).toBe(10);
		const times = await turns(lane, 11);
		expect(mostPerSecond(times)).toBeLessThanOrEqual(10);
		expect(times[10] - times[0]).toBeGreaterThanOrEqual(1150 - 10);
	});

	it('pauses every turn after a 429 and lowers the limit; 429s to requests sent before the pause do not extend it', async () => {
		const lane = new Lane(RECORD_REQUESTS_PER_SECOND);
		const [sentBefore, alsoBefore] = await turns(lane, 2);
		lane.throttled(sentBefore, 300);
		expect(lane.limit).toBe(160);
		// The second answer of the same burst: part of the pause already decided.
		lane.throttled(alsoBefore, undefined);
		expect(lane.limit).toBe(160);
		const pausedAt = performance.now();
		const after = await turns(lane, 3);
		for (const time of after) expect(time - pausedAt).toBeGreaterThanOrEqual(290);
		expect(Math.max(...after) - pausedAt).toBeLessThan(1500);
		// Answers that are not 429s bring the limit back, one by one.
		lane.answered();
		expect(lane.limit).toBe(161);
	});

	it('without Retry-After, pauses twice as long after each 429 until an answer that is not one', async () => {
		const lane = new Lane(RECORD_REQUESTS_PER_SECOND);
		const waits: number[] = [];
		for (let strike = 0; strike < 3; strike++) {
			const sentAt = await lane.turn();
			lane.throttled(sentAt, undefined);
			const pausedAt = performance.now();
			await lane.turn();
			waits.push(performance.now() - pausedAt);
		}
		// round((1 + random) × 250 ms × 2^n): 250–500, 500–1000, 1000–2000 ms.
		expect(waits[0]).toBeGreaterThanOrEqual(240);
		expect(waits[1]).toBeGreaterThanOrEqual(490);
		expect(waits[2]).toBeGreaterThanOrEqual(990);
		lane.answered();
		const sentAt = await lane.turn();
		lane.throttled(sentAt, undefined);
		const pausedAt = performance.now();
		await lane.turn();
		expect(performance.now() - pausedAt).toBeLessThan(600);
	}, 15_000);

	it('gives up a turn when its signal aborts, and serves the turns after it', async () => {
		const lane = new Lane(1);
		await lane.turn();
		const controller = new AbortController();
		const given = lane.turn(controller.signal);
		const next = lane.turn();
		controller.abort(new Error('stopped'));
		await expect(given).rejects.toThrow('stopped');
		await expect(next).resolves.toEqual(expect.any(Number));
	});

	it('shares a lane per store for its records, and one per resource for the rest', () => {
		const api = 'https://api.apify.com';
		const records = laneOf(api, '/v2/key-value-stores/abc/records/one');
		expect(laneOf(api, '/v2/key-value-stores/abc/records/two%2Fthree')).toBe(records);
		expect(records.limit).toBe(200);
		const store = laneOf(api, '/v2/key-value-stores/abc/keys');
		expect(store).not.toBe(records);
		expect(store.limit).toBe(60);
		// The store's other requests, its ZIP download among them, are the store's as a resource.
		expect(laneOf(api, '/v2/key-value-stores/abc')).toBe(store);
		expect(laneOf(api, '/v2/key-value-stores/abc/records')).toBe(store);
		expect(laneOf(api, '/v2/key-value-stores/xyz/records/one')).not.toBe(records);
		expect(laneOf('http://127.0.0.1:1234', '/v2/key-value-stores/abc/records/one')).not.toBe(
			records,
		);
	});
});
