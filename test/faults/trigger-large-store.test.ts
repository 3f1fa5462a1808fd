/** The trigger on a store of 100,000 keys: changes found from the listing alone, each once. */
import { runPoll } from '../../dev/harness/engine';
import { triggerParameters, useLocalApi } from '../engine/setup';

const local = useLocalApi();
const KEY_COUNT = 100_000;

jest.setTimeout(120_000);

it('reports the 3 changes among 100,000 records from the listing, downloading only the changed records', async () => {
	const store = local.api.addStore({ name: 'trigger-hundred-thousand' });
	const key = (index: number) => `k-${String(index).padStart(6, '0')}`;
	for (let index = 0; index < KEY_COUNT; index++)
		local.api.putRecord(store.id, key(index), 'x', { contentType: 'text/plain' });
	const parameters = triggerParameters(store.id, { includeValue: true });

	const baseline = await runPoll(parameters);
	expect(baseline.items).toEqual([]);
	local.api.putRecord(store.id, key(500), 'edited', { contentType: 'text/plain' });
	local.api.deleteRecord(store.id, key(70_000));
	local.api.putRecord(store.id, 'k-new', 'added', { contentType: 'text/plain' });
	local.api.clearRequests();

	const started = Date.now();
	const { items, staticData } = await runPoll(parameters, baseline.staticData);
	const seconds = (Date.now() - started) / 1000;
	expect(items.map((item) => [item.json.key, item.json.change])).toEqual([
		[key(500), 'changed'],
		[key(70_000), 'deleted'],
		['k-new', 'added'],
	]);
	expect(items[0].json.text).toBe('edited');
	const listings = local.api.requests.filter((request) => request.path.endsWith('/keys')).length;
	expect(listings).toBe(KEY_COUNT / 1000);
	const recordReads = local.api.requests.filter((request) => request.path.includes('/records/'));
	expect(
		recordReads.map((request) => decodeURIComponent(request.path.split('/').pop() ?? '')).sort(),
	).toEqual([key(500), 'k-new']);
	const requests = local.api.requests.length;
	expect((await runPoll(parameters, staticData)).items).toEqual([]);
	process.stdout.write(
		`trigger on ${KEY_COUNT} keys: 3 changes in ${seconds.toFixed(1)} s, ${requests} requests, state ${(JSON.stringify(staticData).length / 1e6).toFixed(1)} MB\n`,
	);
});
