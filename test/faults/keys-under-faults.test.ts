/** Long runs under failure: 100,000 keys through failing pages, and an archive of a million entries. */
import { runNode } from '../../dev/harness/engine';
import { byId, unpackServed, useLocalApi } from '../engine/setup';
import { craftZip } from '../engine/zip-craft';

const local = useLocalApi();
const KEY_COUNT = 100_000;

jest.setTimeout(120_000);

it('lists 100,000 keys while about 10% of requests fail with 5xx, resets and cut bodies: each key once, in order', async () => {
	const store = local.api.addStore({ name: 'hundred-thousand' });
	const keys: string[] = [];
	for (let index = 0; index < KEY_COUNT; index++) {
		// Mixed case and punctuation, so that byte order differs from a locale order.
		const key = `${['a', 'B', 'c', '_', 'D', '('][index % 6]}${index.toString(36)}`;
		keys.push(key);
		local.api.putRecord(store.id, key, 'x', { contentType: 'text/plain' });
	}
	keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
	const keysPath = `/v2/key-value-stores/${store.id}/keys`;
	const faults = [
		local.api.faults.add({
			path: keysPath,
			kind: 'status',
			status: 503,
			everyNth: 30,
			times: Infinity,
		}),
		local.api.faults.add({ path: keysPath, kind: 'reset', everyNth: 29, times: Infinity }),
		local.api.faults.add({ path: keysPath, kind: 'reset-mid-body', everyNth: 28, times: Infinity }),
	];

	const { items, error } = await runNode({
		parameters: { resource: 'key', operation: 'list', storeId: byId(store.id), returnAll: true },
	});

	expect(error).toBeUndefined();
	const listed = items.map((item) => item.json.key as string);
	expect(listed).toHaveLength(KEY_COUNT);
	expect(new Set(listed).size).toBe(KEY_COUNT);
	expect(listed).toEqual(keys);
	const failed = faults.reduce((sum, fault) => sum + fault.hits, 0);
	const requests = local.api.requests.filter((request) => request.path === keysPath).length;
	expect(requests).toBe(KEY_COUNT / 1000 + failed);
	expect(failed / requests).toBeGreaterThan(0.08);
	process.stdout.write(
		`keys under faults: ${listed.length} listed, ${failed} of ${requests} requests failed and were retried\n`,
	);
});

it('refuses an archive of 1,000,000 tiny entries at the first entry past Max Records, in seconds', async () => {
	const entries = (function* () {
		for (let index = 0; index < 1_000_000; index++)
			yield { name: index.toString(36), data: Buffer.alloc(0) };
	})();
	const archive = craftZip(entries);
	const peakBefore = process.resourceUsage().maxRSS;
	const started = Date.now();
	// Max Records at its default; retries as the node's defaults set them.
	const { items, error } = await unpackServed(local.api, archive, { maxRetries: 8 });
	const seconds = (Date.now() - started) / 1000;
	// Growth of the process's peak resident memory (kB), which a transient spike would raise too.
	const grewMb = (process.resourceUsage().maxRSS - peakBefore) / 1024;
	expect(items).toEqual([]);
	expect(error?.message).toBe(
		'The store has more than 10000 records, the limit set in Max Records',
	);
	expect(seconds).toBeLessThan(10);
	expect(grewMb).toBeLessThan(300);
	process.stdout.write(
		`million-entry archive: ${(archive.length / 1024 / 1024).toFixed(1)} MB refused after ${seconds.toFixed(2)} s, peak RSS +${grewMb.toFixed(0)} MB\n`,
	);
});
