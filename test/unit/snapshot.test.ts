import {
	diffSnapshots,
	loadSnapshot,
	saveSnapshot,
	type StoreSnapshot,
} from '../../nodes/ApifyKeyValueStoreTrigger/changes';

const snapshot = (sizes: Array<[string, number]>): StoreSnapshot => ({
	sizes: new Map(sizes),
	etags: new Map(),
});

describe("the trigger's snapshots", () => {
	it('survive a JSON round trip with keys named like object properties', () => {
		const current: StoreSnapshot = {
			sizes: new Map([
				['__proto__', 1],
				['constructor', 2],
			]),
			etags: new Map([['__proto__', '"e1"']]),
			hashes: new Map([['toString', 'abc']]),
		};
		const restored = loadSnapshot(JSON.parse(JSON.stringify(saveSnapshot(current))));
		expect(restored).toEqual(current);
		expect(diffSnapshots(restored, current)).toEqual([]);
	});

	it('are still read in the object form saved before, own keys only', () => {
		const saved = JSON.parse('{"sizes":{"a":1,"valueOf":3},"etags":{"a":"\\"x\\""}}');
		const restored = loadSnapshot(saved);
		expect([...restored.sizes]).toEqual([
			['a', 1],
			['valueOf', 3],
		]);
		expect(restored.hashes).toBeUndefined();
		expect(
			diffSnapshots(
				restored,
				snapshot([
					['a', 1],
					['toString', 5],
				]),
			),
		).toEqual([
			{ key: 'toString', change: 'added', size: 5 },
			{ key: 'valueOf', change: 'deleted', size: 3 },
		]);
	});
});
