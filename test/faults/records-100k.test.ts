/** One item per record at scale: 100,000 tiny records unpacked as they download, and the same archive cut off at its very end. */
import { Readable } from 'node:stream';

import { readBinary, runNode } from '../../dev/harness/engine';
import { byId, useLocalApi } from '../engine/setup';
import { directoryOffset, streamedZip } from '../engine/zip-craft';

const local = useLocalApi();
const COUNT = 100_000;
const keyOf = (index: number) => `tiny-${String(index).padStart(6, '0')}`;
const bodyOf = (index: number) => Buffer.from(`{"n":${index}}`);

jest.setTimeout(300_000);

function parameters(storeId: string) {
	return {
		resource: 'record',
		operation: 'download',
		storeId: byId(storeId),
		outputMode: 'records',
		options: { maxRecords: COUNT, maxRetries: 0 },
	};
}

it('outputs 100,000 tiny records once each, in order (a ZIP64 archive), with their bytes', async () => {
	const store = local.api.addStore({ name: 'hundred-thousand-records' });
	local.api.putGeneratedRecords(
		store.id,
		(function* () {
			for (let index = 0; index < COUNT; index++) {
				const body = bodyOf(index);
				yield {
					key: keyOf(index),
					size: body.length,
					contentType: 'application/json; charset=utf-8',
					generate: () => Readable.from([body]),
				};
			}
		})(),
	);
	const started = Date.now();
	const { items, error } = await runNode({ parameters: parameters(store.id) });
	const seconds = (Date.now() - started) / 1000;
	expect(error).toBeUndefined();
	const keys = items.map((item) => item.json.key);
	expect(keys).toHaveLength(COUNT);
	expect(new Set(keys).size).toBe(COUNT);
	expect(keys).toEqual(Array.from({ length: COUNT }, (_, index) => keyOf(index)));
	for (const index of [0, 1, 54_321, COUNT - 1]) {
		expect(items[index].json.size).toBe(bodyOf(index).length);
		expect((await readBinary(items[index])).equals(bodyOf(index))).toBe(true);
	}
	process.stdout.write(`100,000 records: unpacked and stored in ${seconds.toFixed(1)} s\n`);
});

it('outputs none of 100,000 records when the archive is cut off in its directory', async () => {
	const files = Object.fromEntries(
		Array.from({ length: COUNT }, (_, index) => [keyOf(index), bodyOf(index)]),
	);
	const archive = await streamedZip(files, 'DEFLATE');
	const store = local.api.addStore({ name: 'hundred-thousand-cut' });
	local.api.faults.add({
		path: `/v2/key-value-stores/${store.id}/records`,
		kind: 'body',
		body: archive.subarray(0, directoryOffset(archive) + 1000),
		contentType: 'application/zip',
	});
	const { items, error } = await runNode({ parameters: parameters(store.id) });
	expect(items).toEqual([]);
	expect(error?.message).toMatch(/^The downloaded ZIP archive is damaged: /);
});
