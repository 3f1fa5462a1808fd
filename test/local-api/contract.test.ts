/** The contract check (dev/contract) on the local API: what it catches, what it excuses and when. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

import { ContractCheck, SPEC_PATH } from '../../dev/contract/check';
import type { ContractExchange } from '../../dev/contract/exchange';
import { NODE_OPERATIONS } from '../../dev/contract/node-operations';
import { startContractProxy } from '../../dev/contract/proxy';
import { RUN_ORIGINS } from '../../dev/local-api/actor-runs';
import { RUN_ORIGIN_OPTIONS } from '../../nodes/ApifyKeyValueStore/helpers/storeFields';
import {
	DEMO_STORE,
	FULL_ACCESS_TOKEN,
	SUCCEEDED_RUN,
	startSeededLocalApi,
} from '../../dev/local-api/fixtures';
import { UNDOCUMENTED_OFF, UNDOCUMENTED_ON, type LocalApi } from '../../dev/local-api/server';
import { bearer, jsonBody, rawRequest } from './raw-http';

let check: ContractCheck;
let api: LocalApi;

beforeAll(async () => {
	check = await ContractCheck.load();
	api = await startSeededLocalApi({ observer: check });
});
afterAll(() => api.close());
afterEach(() => {
	check.takeViolations();
	check.excused.length = 0;
	api.configure({ ...UNDOCUMENTED_OFF, enforceRateLimits: false });
	api.faults.clear();
});

const send = (path: string, method = 'GET', body?: Buffer, headers = {}) =>
	rawRequest(`${api.url}${path}`, {
		method,
		body,
		headers: { ...bearer(FULL_ACCESS_TOKEN), ...headers },
	});

const demoRecord = (key: string) => `/v2/key-value-stores/${DEMO_STORE.id}/records/${key}`;
const runRecord = `/v2/actor-runs/${SUCCEEDED_RUN.run.id}/key-value-store/records/OUTPUT`;

function exchange(path: string, reply?: ContractExchange['reply']): ContractExchange {
	return { method: 'GET', url: new URL(`http://127.0.0.1${path}`), headers: {}, reply };
}

describe('the contract check', () => {
	it('names an undocumented path, an undocumented method and an undocumented query parameter', () => {
		const rules = (path: string, method = 'GET') =>
			check.judge({ ...exchange(path), method }).map((finding) => finding.message);
		expect(rules('/v2/key-value-stores/s1/nothing-here')).toEqual([
			'no documented operation has this path',
		]);
		expect(rules(`/v2/actor-runs/r1/key-value-store/records/k`, 'HEAD')).toEqual([
			'HEAD is not documented on this path (documented: GET, PUT, POST, DELETE)',
		]);
		expect(rules('/v2/key-value-stores/s1/keys?limit=5&lmit=5')).toEqual([
			'/query must NOT have additional properties: "lmit" is not documented',
		]);
		expect(rules('/v2/actors/a1/runs/last/key-value-store?origin=SOMEONE')[0]).toMatch(
			/^\/query\/origin must be equal to one of the allowed values: allowed DEVELOPMENT, WEB, API, SCHEDULER/,
		);
	});

	it('judges an answer by its status, content type, JSON schema and documented headers', () => {
		const json = (payload: unknown) => Buffer.from(JSON.stringify(payload));
		const keys = '/v2/key-value-stores/s1/keys';
		const jsonHeaders = { 'Content-Type': 'application/json' };
		const findings = (reply: ContractExchange['reply']) =>
			check.judge(exchange(keys, reply)).map(({ rule, message }) => `${rule}: ${message}`);
		expect(findings({ status: 418, headers: jsonHeaders, body: json({}) })).toEqual([
			expect.stringMatching(/^status: status 418 is not documented/),
		]);
		expect(
			findings({ status: 200, headers: { 'Content-Type': 'text/plain' }, body: json({}) }),
		).toEqual([expect.stringMatching(/^content-type: content type text\/plain is not documented/)]);
		expect(
			findings({ status: 200, headers: jsonHeaders, body: json({ data: { items: [] } }) }),
		).toEqual([
			expect.stringMatching(/^response-body: \/data must have required property 'count'/),
		]);
		expect(
			findings({
				status: 404,
				headers: jsonHeaders,
				body: json({ error: { type: 'no-such-type' } }),
			}),
		).toEqual([
			expect.stringMatching(
				/^response-body: \/error\/type must be equal to one of the allowed values/,
			),
		]);
	});

	it('finds no violation in the local API answering a record PUT: 201, JSON {}, Location', async () => {
		const put = await send(demoRecord('contract-put'), 'PUT', Buffer.from('hi'), {
			'Content-Type': 'text/plain',
		});
		expect(put.status).toBe(201);
		expect(put.headers['content-type']).toMatch(/^application\/json/);
		expect(jsonBody(put)).toEqual({});
		expect(put.headers.location).toBe(`${api.url}${demoRecord('contract-put')}`);
		expect(check.takeViolations()).toEqual([]);
		expect(check.exercised.get('keyValueStore_record_put')).toBeGreaterThan(0);
	});

	it('excuses HEAD on a run alias only while the UNDOCUMENTED switch for it is on', async () => {
		api.configure(UNDOCUMENTED_ON);
		expect((await send(runRecord, 'HEAD')).status).toBe(200);
		expect(check.takeViolations()).toEqual([]);
		expect(check.excused.map((finding) => finding.rule)).toEqual(['operation']);

		api.configure(UNDOCUMENTED_OFF);
		expect((await send(runRecord, 'HEAD')).status).toBe(405);
		expect(check.takeViolations().map((finding) => finding.message)).toEqual([
			'HEAD is not documented on this path (documented: GET, PUT, POST, DELETE)',
		]);
	});

	it('does not judge an answer an injected fault made, but still the request', async () => {
		api.faults.add({ kind: 'body', body: Buffer.from('not a listing'), contentType: 'text/plain' });
		await send(`/v2/key-value-stores/${DEMO_STORE.id}/keys`);
		expect(check.takeViolations()).toEqual([]);

		api.faults.add({ kind: 'status', status: 599 });
		await send(`/v2/key-value-stores/${DEMO_STORE.id}/keys?undocumented=1`);
		expect(check.takeViolations().map((finding) => finding.rule)).toEqual(['parameters']);
	});

	it("finds the enforced rate limit documented: its 429 and every answer's X-RateLimit-Limit", async () => {
		api.configure({ enforceRateLimits: true });
		// The tests before sent requests to the same store within the second.
		api.resetTraffic();
		const path = `/v2/key-value-stores/${DEMO_STORE.id}/keys?limit=1`;
		const answers = await Promise.all(Array.from({ length: 61 }, () => send(path)));
		expect(answers.filter((answer) => answer.status === 429)).toHaveLength(1);
		expect(check.takeViolations()).toEqual([]);
	});
});

it("offers in Run Origin, and models in the local API, exactly the spec's RunOrigin values", () => {
	const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as {
		components: { schemas: { RunOrigin: { enum: string[] } } };
	};
	const documented = [...spec.components.schemas.RunOrigin.enum].sort();
	expect([...RUN_ORIGINS].sort()).toEqual(documented);
	expect(
		RUN_ORIGIN_OPTIONS.map((option) => option.value)
			.filter((value) => value !== '')
			.sort(),
	).toEqual(documented);
});

it('knows every operation the node can send as an operation of the spec', () => {
	const documented = check.operations().map((operation) => operation.operationId);
	expect(Object.keys(NODE_OPERATIONS).filter((id) => !documented.includes(id))).toEqual([]);
});

describe('the contract proxy (the live check)', () => {
	it('passes bodies through unchanged and judges the answers, gzip-encoded JSON too', async () => {
		const binary = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));
		// An API whose key listing lacks required fields, gzip-encoded as a real server may send it.
		const upstream = createServer((req, res) => {
			if (req.url?.includes('/keys')) {
				res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
				res.end(gzipSync(JSON.stringify({ data: { items: [] } })));
			} else {
				res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
				res.end(binary);
			}
		});
		await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
		const proxyCheck = await ContractCheck.load();
		const proxy = await startContractProxy(
			`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
			proxyCheck,
		);
		try {
			const record = await fetch(`${proxy.url}/v2/key-value-stores/s1/records/file`);
			expect(Buffer.from(await record.arrayBuffer()).equals(binary)).toBe(true);
			const keys = await fetch(`${proxy.url}/v2/key-value-stores/s1/keys`);
			expect(await keys.json()).toEqual({ data: { items: [] } });
			await new Promise((resolve) => setTimeout(resolve, 50));
			expect(proxyCheck.violations.map(({ operationId, rule }) => [operationId, rule])).toEqual([
				['keyValueStore_keys_get', 'response-body'],
			]);
			expect(proxyCheck.exercised.get('keyValueStore_record_get')).toBe(1);
		} finally {
			await proxy.close();
			await new Promise((resolve) => upstream.close(resolve));
		}
	});
});
