/** The local API as a network: its latency, its traffic report and Apify's rate limits. */
import { performance } from 'node:perf_hooks';

import { DEMO_STORE, READ_ONLY_TOKEN, startSeededLocalApi } from '../../dev/local-api/fixtures';
import { RATE_LIMITS, type LocalApi } from '../../dev/local-api/server';
import { TrafficMeter } from '../../dev/local-api/traffic';
import { bearer, jsonBody, rawRequest, type RawResponse } from './raw-http';

let api: LocalApi;

beforeAll(async () => {
	api = await startSeededLocalApi();
});

afterAll(() => api.close());

beforeEach(() => api.resetTraffic());

afterEach(() => {
	api.configure({ latencyMs: 0, enforceRateLimits: false, redirectMode: 'off' });
	api.faults.clear();
});

const storePath = `/v2/key-value-stores/${DEMO_STORE.id}`;
const get = (path: string, method = 'GET') =>
	rawRequest(`${api.url}${path}`, { method, headers: bearer(READ_ONLY_TOKEN) });

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
	const started = performance.now();
	const value = await run();
	return { ms: performance.now() - started, value };
}

const LATENCY_MS = 100;

describe('latency', () => {
	it('answers every request of the API after the round trip', async () => {
		api.configure({ latencyMs: LATENCY_MS });
		for (const path of [`${storePath}/records/OUTPUT`, `${storePath}/keys`, '/v2/nothing']) {
			const { ms, value } = await timed(() => get(path));
			expect(value.status).toBeGreaterThan(0);
			// Timers may fire up to a millisecond before the clock says.
			expect(ms).toBeGreaterThanOrEqual(LATENCY_MS - 1);
		}
	});

	it('answers the storage origin that redirects point to after the round trip too', async () => {
		api.configure({ redirectMode: 'storage' });
		const location = (await get(`${storePath}/records/OUTPUT`)).headers.location as string;
		expect(new URL(location).origin).toBe(api.storageUrl);
		api.configure({ latencyMs: LATENCY_MS });
		const { ms, value } = await timed(() => rawRequest(location));
		expect(value.status).toBe(200);
		expect(ms).toBeGreaterThanOrEqual(LATENCY_MS - 1);
	});

	it('lets requests sent at once wait at once, as on a network: 20 take about one round trip', async () => {
		api.configure({ latencyMs: LATENCY_MS });
		const { ms, value } = await timed(() =>
			Promise.all(Array.from({ length: 20 }, () => get(`${storePath}/records/OUTPUT`))),
		);
		expect(value.map((response) => response.status)).toEqual(Array(20).fill(200));
		expect(ms).toBeGreaterThanOrEqual(LATENCY_MS - 1);
		// One by one they would take 20 round trips; the bound leaves room for a busy machine.
		expect(ms).toBeLessThan(3 * LATENCY_MS);
	});
});

describe('the traffic report', () => {
	it('counts the most requests in flight at once, and each store’s record and other requests', async () => {
		api.configure({ latencyMs: LATENCY_MS });
		await Promise.all(Array.from({ length: 7 }, () => get(`${storePath}/records/OUTPUT`)));
		await get(`${storePath}/records/OUTPUT`, 'HEAD');
		await get(`${storePath}/keys`);
		await get(`${storePath}/keys`);
		await get('/v2/users/me');
		const traffic = api.traffic();
		expect([traffic.total, traffic.maxInFlight]).toEqual([11, 7]);
		expect(traffic.resources[DEMO_STORE.id]).toEqual({
			records: { limit: 200, total: 8, maxPerSecond: 8, lastSecond: 8, rateLimited: 0 },
			other: { limit: 60, total: 2, maxPerSecond: 2, lastSecond: 2, rateLimited: 0 },
		});
		expect(traffic.resources['/v2/users/me']?.other?.total).toBe(1);
	});

	it('counts a request in flight until its answer is sent or its connection closed', async () => {
		api.faults.add({ path: `${storePath}/keys`, kind: 'reset' });
		await expect(get(`${storePath}/keys`)).rejects.toThrow();
		await get(`${storePath}/keys`);
		await get(`${storePath}/records/OUTPUT`);
		expect(api.traffic().maxInFlight).toBe(1);
	});

	it('starts anew on resetTraffic()', async () => {
		await get(`${storePath}/keys`);
		api.resetTraffic();
		expect(api.traffic()).toEqual({ total: 0, maxInFlight: 0, resources: {} });
	});

	it('counts a run’s store by its alias path', async () => {
		const alias = '/v2/actor-runs/someRunId/key-value-store';
		await get(`${alias}/records/OUTPUT`);
		await get(`${alias}/keys`);
		const counts = api.traffic().resources[alias];
		expect([counts?.records?.total, counts?.other?.total]).toEqual([1, 1]);
	});

	it('takes the highest count within any sliding second, and the last second’s', () => {
		let now = 0;
		const meter = new TrafficMeter(() => now);
		const bucket = { resource: 'store', kind: 'records' as const, limit: 200 };
		for (const time of [0, 500, 999, 1000, 1600, 3000]) {
			now = time;
			meter.arrive(bucket, false);
			meter.finished();
		}
		// 0, 500 and 999 are within one second; so are 500, 999 and 1000, and 999, 1000 and 1600.
		expect(meter.snapshot().resources.store.records).toEqual({
			limit: 200,
			total: 6,
			maxPerSecond: 3,
			lastSecond: 1,
			rateLimited: 0,
		});
	});
});

describe('rate limits', () => {
	const expectRateLimited = (response: RawResponse, limit: number) => {
		expect(response.status).toBe(429);
		expect(jsonBody(response).error.type).toBe('rate-limit-exceeded');
		expect(response.headers['retry-after']).toBeUndefined();
		expect(response.headers['x-ratelimit-limit']).toBe(String(limit));
	};

	it('answer the 201st record request of a store within a second 429 when enforced', async () => {
		api.configure({ enforceRateLimits: true });
		const responses = await Promise.all(
			Array.from({ length: RATE_LIMITS.records + 1 }, () => get(`${storePath}/records/OUTPUT`)),
		);
		const refused = responses.filter((response) => response.status !== 200);
		expect(refused).toHaveLength(1);
		expectRateLimited(refused[0], RATE_LIMITS.records);
		expect(api.traffic().resources[DEMO_STORE.id]?.records?.rateLimited).toBe(1);
		// The store's other requests count apart.
		expect((await get(`${storePath}/keys`)).status).toBe(200);
	});

	it('answer the 61st other request of a store within a second 429 when enforced', async () => {
		api.configure({ enforceRateLimits: true });
		const responses = await Promise.all(
			Array.from({ length: RATE_LIMITS.other + 1 }, () => get(`${storePath}/keys?limit=1`)),
		);
		const refused = responses.filter((response) => response.status !== 200);
		expect(refused).toHaveLength(1);
		expectRateLimited(refused[0], RATE_LIMITS.other);
	});

	it('are not enforced by default', async () => {
		const responses = await Promise.all(
			Array.from({ length: RATE_LIMITS.other + 1 }, () => get(`${storePath}/keys?limit=1`)),
		);
		expect(responses.every((response) => response.status === 200)).toBe(true);
		expect(api.traffic().resources[DEMO_STORE.id]?.other?.maxPerSecond).toBe(RATE_LIMITS.other + 1);
	});

	it('are named in X-RateLimit-Limit of every answer, errors and faults included', async () => {
		api.faults.add({ kind: 'status', status: 429, everyNth: 5, times: Infinity });
		const statuses: number[] = [];
		for (let request = 1; request <= 10; request++) {
			const response = await get(`${storePath}/records/OUTPUT`);
			statuses.push(response.status);
			if (response.status === 429) expectRateLimited(response, RATE_LIMITS.records);
			else expect(response.headers['x-ratelimit-limit']).toBe('200');
		}
		expect(statuses).toEqual([200, 200, 200, 200, 429, 200, 200, 200, 200, 429]);
		expect(api.traffic().resources[DEMO_STORE.id]?.records?.rateLimited).toBe(2);
		expect((await get(`${storePath}/records/no-such-key`)).headers['x-ratelimit-limit']).toBe(
			'200',
		);
		expect((await get('/v2/nothing')).headers['x-ratelimit-limit']).toBe('60');
	});
});
