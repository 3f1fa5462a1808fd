import {
	Lane,
	laneOf,
	RECORD_REQUESTS_PER_SECOND,
	RESOURCE_REQUESTS_PER_SECOND,
} from '../../nodes/ApifyKeyValueStore/transport/rateLimit';

/**
 * `count` requests asked for all at once, each finishing `takesMs(index)` after its turn: the
 * send time and the finish time of each.
 */
async function requests(
	lane: Lane,
	count: number,
	takesMs: (index: number) => number = () => 0,
): Promise<Array<{ sent: number; done: number }>> {
	return await Promise.all(
		Array.from({ length: count }, async (_, index) => {
			const turn = await lane.turn();
			await new Promise((resolve) => setTimeout(resolve, takesMs(index)));
			turn.end();
			return { sent: turn.sentAt, done: performance.now() };
		}),
	);
}

/** Send times of `count` requests asked for all at once, each finished at once. */
async function turns(lane: Lane, count: number): Promise<number[]> {
	return (await requests(lane, count)).map((request) => request.sent);
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
	it('never lets the API see more than the limit in a second, however unevenly requests travel', async () => {
		const lane = new Lane(RECORD_REQUESTS_PER_SECOND);
		// Some requests take 0 ms from turn to answer, some 300: the API may see each anywhere in between.
		const spans = await requests(lane, 500, (index) => (index % 3) * 150);
		for (const arrival of [
			(span: { sent: number; done: number }) => span.sent,
			(span: { sent: number; done: number }) => span.done,
			(span: { sent: number; done: number }, index: number) => (index % 2 ? span.sent : span.done),
		]) {
			expect(mostPerSecond(spans.map(arrival))).toBeLessThanOrEqual(200);
		}
		// The limit goes at once; the rest waits for finished requests to leave the window.
		const sent = spans.map((span) => span.sent).sort((a, b) => a - b);
		expect(sent[199] - sent[0]).toBeLessThan(200);
		expect(sent[499] - sent[0]).toBeGreaterThanOrEqual(2000);
		expect(spans.map((span) => span.sent)).toEqual(sent);
	});

	it('takes the limit an answer states in X-RateLimit-Limit, and ignores one that is not a number', async () => {
		const lane = new Lane(RESOURCE_REQUESTS_PER_SECOND);
		lane.learn('not a number');
		lane.learn('0');
		expect(lane.limit).toBe(60);
		lane.learn('10');
		expect(lane.limit).toBe(10);
		const times = await turns(lane, 11);
		expect(mostPerSecond(times)).toBe(10);
		expect(times[10] - times[0]).toBeGreaterThanOrEqual(1000);
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
		/** A request answered 429, then how long the next one waited for its turn. */
		const pauseAfter429 = async (): Promise<number> => {
			const refused = await lane.turn();
			lane.throttled(refused.sentAt, undefined);
			refused.end();
			const pausedAt = performance.now();
			(await lane.turn()).end();
			return performance.now() - pausedAt;
		};
		const waits = [await pauseAfter429(), await pauseAfter429(), await pauseAfter429()];
		// round((1 + random) × 250 ms × 2^n): 250–500, 500–1000, 1000–2000 ms.
		expect(waits[0]).toBeGreaterThanOrEqual(240);
		expect(waits[1]).toBeGreaterThanOrEqual(490);
		expect(waits[2]).toBeGreaterThanOrEqual(990);
		lane.answered();
		expect(await pauseAfter429()).toBeLessThan(600);
	}, 15_000);

	it('gives up a turn when its signal aborts, and serves the turns after it', async () => {
		const lane = new Lane(1);
		(await lane.turn()).end();
		const controller = new AbortController();
		const given = lane.turn(controller.signal);
		const next = lane.turn();
		controller.abort(new Error('stopped'));
		await expect(given).rejects.toThrow('stopped');
		await expect(next).resolves.toMatchObject({ sentAt: expect.any(Number) });
	});

	it('ends a turn once however often it is told, so no request is let go twice on one turn', async () => {
		const lane = new Lane(1);
		const first = await lane.turn();
		first.end();
		first.end();
		await new Promise((resolve) => setTimeout(resolve, 1100));
		const second = await lane.turn();
		let thirdGiven = false;
		const third = lane.turn().then((turn) => {
			thirdGiven = true;
			return turn;
		});
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(thirdGiven).toBe(false);
		second.end();
		(await third).end();
		expect((await third).sentAt - second.sentAt).toBeGreaterThanOrEqual(1000);
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
