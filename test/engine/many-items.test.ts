/** An operation that outputs more items than a function call takes arguments: 200,000 keys. */
import { runNode } from '../../dev/harness/engine';
import { byId, useLocalApi } from './setup';

const local = useLocalApi();
const KEY_COUNT = 200_000;

jest.setTimeout(60_000);

it('Key → List with Return All outputs every key of a 200,000-key store once, in order', async () => {
	const store = local.api.addStore({ name: 'two-hundred-thousand-keys' });
	const key = (index: number) => `page-${String(index).padStart(6, '0')}`;
	for (let index = 0; index < KEY_COUNT; index++)
		local.api.putRecord(store.id, key(index), 'x', { contentType: 'text/plain' });

	const started = Date.now();
	const result = await runNode({
		parameters: { resource: 'key', operation: 'list', storeId: byId(store.id), returnAll: true },
	});
	const seconds = (Date.now() - started) / 1000;
	expect(result.error).toBeUndefined();
	expect(result.items).toHaveLength(KEY_COUNT);
	const misplaced = result.items.findIndex((item, index) => item.json.key !== key(index));
	expect(misplaced).toBe(-1);
	expect(result.items[KEY_COUNT - 1].pairedItem).toEqual({ item: 0 });
	process.stdout.write(`Key → List of ${KEY_COUNT} keys: ${seconds.toFixed(1)} s\n`);
});
