/**
 * Items in parallel (Options → Parallel Requests) through n8n's engine: output in input order and
 * paired with its item whatever order the answers come in, errors on their item, no item started
 * after a failure or a stop, files streamed side by side, and 429s answered by the store's lane.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { readBinary, runNode, runPoll } from '../../dev/harness/engine';
import { decodedRecordBody, type LocalStore } from '../../dev/local-api/store-data';
import { byId, useLocalApi } from './setup';

const local = useLocalApi();

let storeCounter = 0;
/** A store with `count` JSON records `k00`, `k01`, …, each `{ "n": index }`. */
function storeWithRecords(count: number): { store: LocalStore; keys: string[] } {
	const store = local.api.addStore({ name: `parallel-${++storeCounter}` });
	const keys = Array.from({ length: count }, (_, index) => `k${String(index).padStart(2, '0')}`);
	keys.forEach((key, index) =>
		local.api.putRecord(store.id, key, JSON.stringify({ n: index }), {
			contentType: 'application/json; charset=utf-8',
		}),
	);
	return { store, keys };
}

const recordPath = (store: LocalStore, key: string) =>
	`/v2/key-value-stores/${store.id}/records/${key}`;

/** One input item per key, the node reading its key from the item. */
const inputOf = (keys: string[]): INodeExecutionData[] => keys.map((key) => ({ json: { key } }));

const getEach = (store: LocalStore, options: IDataObject, extra: IDataObject = {}) => ({
	resource: 'record',
	operation: 'get',
	storeId: byId(store.id),
	key: byId('={{ $json.key }}'),
	outputFormat: 'json',
	options,
	...extra,
});

/** Keys whose record was asked for, in the order the requests came. */
const requestedKeys = (store: LocalStore) =>
	local.api.requests
		.map((request) => request.path)
		.filter((path) => path.startsWith(`/v2/key-value-stores/${store.id}/records/`))
		.map((path) => decodeURIComponent(path.split('/').pop() ?? ''));

describe('items in parallel', () => {
	it('outputs every item once, in input order and paired with its item, whatever order the answers come in', async () => {
		const { store, keys } = storeWithRecords(24);
		// Answers come back in a shuffled order: every record waits 0 to 150 ms.
		const delays = keys.map((_, index) => (index * 37) % 151);
		keys.forEach((key, index) =>
			local.api.faults.add({ path: recordPath(store, key), kind: 'slow', delayMs: delays[index] }),
		);
		const started = Date.now();
		const { items, error } = await runNode({
			parameters: getEach(store, { parallelRequests: 8 }),
			input: inputOf(keys),
		});
		const elapsed = Date.now() - started;
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.n)).toEqual(keys.map((_, index) => index));
		expect(items.map((item) => item.pairedItem)).toEqual(keys.map((_, item) => ({ item })));
		// One by one, the waits alone add up to the sum of the delays.
		const sumOfDelays = delays.reduce((sum, delay) => sum + delay, 0);
		expect(elapsed).toBeLessThan(sumOfDelays / 2);
	});

	it('handles items one by one with Parallel Requests 1', async () => {
		const { store, keys } = storeWithRecords(6);
		for (const key of keys) {
			local.api.faults.add({ path: recordPath(store, key), kind: 'slow', delayMs: 100 });
		}
		const started = Date.now();
		const { items, error } = await runNode({
			parameters: getEach(store, { parallelRequests: 1 }),
			input: inputOf(keys),
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.n)).toEqual([0, 1, 2, 3, 4, 5]);
		// Six waits of 100 ms one after another.
		expect(Date.now() - started).toBeGreaterThanOrEqual(600);
	});

	it('without Continue On Fail: fails with the first failing item, starts no item after it, leaves none running', async () => {
		const { store, keys } = storeWithRecords(10);
		store.deleteRecord(keys[2]);
		store.deleteRecord(keys[3]);
		for (const key of keys) {
			// Item 2's 404 comes after item 3's: the node still fails with item 2, the first in item order.
			const delayMs = key === keys[3] ? 0 : 250;
			local.api.faults.add({ path: recordPath(store, key), kind: 'slow', delayMs });
		}
		const { items, error } = await runNode({
			parameters: getEach(store, { parallelRequests: 4, maxRetries: 0 }),
			input: inputOf(keys),
		});
		expect(items).toEqual([]);
		expect(error?.message).toContain('not found');
		expect(error?.context?.itemIndex).toBe(2);
		expect(error?.description).toContain(`"${keys[2]}"`);
		// Items 0–3 started together; item 3 failed at once, so no item after it was asked for.
		expect(requestedKeys(store).sort()).toEqual(keys.slice(0, 4));
	});

	it('with Continue On Fail: the error stays on its item, every other item is output in order', async () => {
		const { store, keys } = storeWithRecords(10);
		store.deleteRecord(keys[4]);
		const { items, error } = await runNode({
			parameters: getEach(store, { parallelRequests: 5, maxRetries: 0 }),
			input: inputOf(keys),
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(10);
		expect(items.map((item) => item.pairedItem)).toEqual(keys.map((_, item) => ({ item })));
		expect(items[4].json.error).toEqual(expect.stringContaining('not found'));
		expect(items.filter((_, index) => index !== 4).map((item) => item.json.n)).toEqual([
			0, 1, 2, 3, 5, 6, 7, 8, 9,
		]);
	});

	it('stopped mid-way: starts no more items and leaves no request running', async () => {
		const { store, keys } = storeWithRecords(30);
		for (const key of keys) {
			local.api.faults.add({ path: recordPath(store, key), kind: 'slow', delayMs: 400 });
		}
		let stop!: () => void;
		const stopped = new Promise<void>((resolve) => (stop = resolve));
		const asked = () => requestedKeys(store).length;
		const watch = (async () => {
			while (asked() < 3) await new Promise((resolve) => setTimeout(resolve, 5));
			stop();
		})();
		const started = Date.now();
		const { run } = await runNode({
			parameters: getEach(store, { parallelRequests: 3 }),
			input: inputOf(keys),
			cancelWhen: stopped,
		});
		await watch;
		expect(run.status).toBe('canceled');
		expect(Date.now() - started).toBeLessThan(400 * 3);
		// The requests under way were aborted: their answers (400 ms later) start no next item.
		await new Promise((resolve) => setTimeout(resolve, 1000));
		expect(asked()).toBe(3);
	});

	it('downloads files side by side, each whole into its own item', async () => {
		const store = local.api.addStore({ name: `parallel-files-${++storeCounter}` });
		const bodies = Array.from({ length: 6 }, (_, index) =>
			Buffer.alloc(3 * 1024 * 1024 + index, String.fromCharCode(97 + index)),
		);
		const keys = bodies.map((_, index) => `file-${index}`);
		bodies.forEach((body, index) =>
			local.api.putRecord(store.id, keys[index], body, { contentType: 'application/octet-stream' }),
		);
		const { items, error } = await runNode({
			parameters: getEach(store, { parallelRequests: 6 }, { outputFormat: 'binary' }),
			input: inputOf(keys),
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.key)).toEqual(keys);
		for (const [index, item] of items.entries()) {
			const bytes = await readBinary(item);
			expect(bytes.length).toBe(bodies[index].length);
			expect(bytes.equals(bodies[index])).toBe(true);
		}
	});

	it('puts files from binary input items side by side, each to its key', async () => {
		const store = local.api.addStore({ name: `parallel-put-${++storeCounter}` });
		const input: INodeExecutionData[] = Array.from({ length: 8 }, (_, index) => {
			const body = Buffer.from(`file ${index} `.repeat(1000 + index));
			return {
				json: { key: `upload-${index}` },
				binary: {
					data: {
						data: body.toString('base64'),
						mimeType: 'text/plain',
						fileName: `upload-${index}.txt`,
					},
				},
			};
		});
		const { items, error } = await runNode({
			parameters: {
				resource: 'record',
				operation: 'put',
				storeId: byId(store.id),
				key: byId('={{ $json.key }}'),
				valueSource: 'binary',
				options: { parallelRequests: 4 },
			},
			input,
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.pairedItem)).toEqual(input.map((_, item) => ({ item })));
		for (const [index, item] of input.entries()) {
			const stored = store.getRecord(`upload-${index}`);
			if (!stored || !('stored' in stored)) throw new Error(`upload-${index} was not stored`);
			const expected = Buffer.from(item.binary?.data.data ?? '', 'base64');
			expect(decodedRecordBody(stored).equals(expected)).toBe(true);
		}
	});

	it('Only If Changed outputs a record asked for by several items of one run once', async () => {
		const { store } = storeWithRecords(3);
		const keys = ['k00', 'k01', 'k00', 'k02', 'k00', 'k01'];
		const { items, error } = await runNode({
			parameters: getEach(store, { parallelRequests: 6, onlyChanged: true }),
			input: inputOf(keys),
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.n)).toEqual([0, 1, 2]);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 3 }]);
	});

	it('answers 429s to every fifth request by pausing the store: every item once, in order, without a storm', async () => {
		const { store, keys } = storeWithRecords(20);
		const fault = local.api.faults.add({
			path: new RegExp(`^/v2/key-value-stores/${store.id}/records/`),
			kind: 'status',
			status: 429,
			errorType: 'rate-limit-exceeded',
			everyNth: 5,
			times: Infinity,
		});
		const { items, error } = await runNode({
			parameters: getEach(store, { parallelRequests: 10 }),
			input: inputOf(keys),
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.n)).toEqual(keys.map((_, index) => index));
		expect(fault.hits).toBeGreaterThan(0);
		// Each 429 costs one more request, no more: 20 answers and the 429s on the way.
		expect(requestedKeys(store)).toHaveLength(20 + fault.hits);
		// Retried records are asked for again; every key reached its answer exactly once.
		const counts = new Map<string, number>();
		for (const key of requestedKeys(store)) counts.set(key, (counts.get(key) ?? 0) + 1);
		expect([...counts.keys()].sort()).toEqual(keys);
	});

	it('reads Parallel Requests only for more than one item, and refuses a wrong one before any request', async () => {
		const { store } = storeWithRecords(1);
		const { items, error } = await runNode({
			parameters: getEach(store, { parallelRequests: '={{ 0 }}' }),
			input: inputOf(['k00']),
		});
		expect(error).toBeUndefined();
		expect(items[0].json.n).toBe(0);
		const many = await runNode({
			parameters: getEach(store, { parallelRequests: '={{ 0 }}' }),
			input: inputOf(['k00', 'k00']),
		});
		expect(many.error?.message).toBe(
			'The Parallel Requests parameter must be a whole number from 1 to 100, not 0',
		);
		expect(requestedKeys(store)).toEqual(['k00']);
	});
});

describe("Apify's rate limits", () => {
	/** The most record requests the local API saw to a store within any second, and their total. */
	const recordRate = (storeId: string) => {
		const records = local.api.traffic().resources[storeId]?.records;
		return { most: records?.maxPerSecond ?? 0, total: records?.total ?? 0 };
	};
	beforeEach(() => local.api.resetTraffic());

	// As files, a request's span in its lane ends at the answer's headers, before its body is read.
	it.each(['json', 'binary'])(
		'Record → Get of 300 items at 100 in parallel (output %s) sends at most 200 record requests a second to the store, none refused where the API enforces the limit',
		async (outputFormat) => {
			local.api.configure({ enforceRateLimits: true });
			try {
				const { store, keys } = storeWithRecords(300);
				const { items, error } = await runNode({
					parameters: getEach(store, { parallelRequests: 100, maxRetries: 0 }, { outputFormat }),
					input: inputOf(keys),
				});
				expect(error).toBeUndefined();
				if (outputFormat === 'json')
					expect(items.map((item) => item.json.n)).toEqual(keys.map((_, index) => index));
				else {
					expect(items.map((item) => item.json.key)).toEqual(keys);
					expect(JSON.parse((await readBinary(items[299])).toString())).toEqual({ n: 299 });
				}
				expect(recordRate(store.id).total).toBe(300);
				expect(recordRate(store.id).most).toBeLessThanOrEqual(200);
				expect(local.api.traffic().resources[store.id]?.records?.rateLimited).toBe(0);
			} finally {
				local.api.configure({ enforceRateLimits: false });
			}
		},
	);

	it("the trigger's value reads keep to the limit", async () => {
		const { store, keys } = storeWithRecords(260);
		const parameters = {
			storeId: byId(store.id),
			events: ['added', 'changed', 'deleted'],
			includeValue: true,
		};
		const first = await runPoll(parameters);
		for (const key of keys) {
			local.api.putRecord(store.id, key, JSON.stringify({ changed: key }), {
				contentType: 'application/json; charset=utf-8',
			});
		}
		local.api.resetTraffic();
		const changed = await runPoll(parameters, first.staticData);
		expect(changed.items).toHaveLength(260);
		expect(changed.items.map((item) => item.json.value)).toEqual(
			[...keys].sort().map((key) => ({ changed: key })),
		);
		expect(recordRate(store.id).total).toBe(260);
		expect(recordRate(store.id).most).toBeLessThanOrEqual(200);
	});

	it("Only If Changed's memory reads and writes keep to the limit of the memory store", async () => {
		const { store, keys } = storeWithRecords(90);
		const memoryName = `parallel-memory-${++storeCounter}`;
		const { items, error } = await runNode({
			parameters: getEach(store, {
				parallelRequests: 50,
				onlyChanged: true,
				changeMemory: 'apifyStore',
				memoryStoreName: memoryName,
			}),
			input: inputOf(keys),
			mode: 'webhook',
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(90);
		const memory = local.api.findStore(memoryName);
		expect(memory.keys()).toHaveLength(90);
		// Per item: a read that finds nothing, the write, and the read that sees it.
		expect(recordRate(memory.id).total).toBe(270);
		expect(recordRate(memory.id).most).toBeLessThanOrEqual(200);
	});
});
