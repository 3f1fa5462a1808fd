import JSZip from 'jszip';

import { compareKeysByBytes } from '../../dev/local-api/store-data';
import {
	DEMO_ACTOR,
	DEMO_STORE,
	FAILED_RUN,
	OTHER_USER_RUN,
	RUNNING_RUN,
	SUCCEEDED_RUN,
	PAGING_PREFIX_GROUPS,
	PAGING_RECORD_COUNT,
	PAGING_STORE,
	fixtureKeys,
	fixtureRecord,
} from '../../dev/local-api/fixtures';

describe('fixture data', () => {
	it('has every demo record the tests and the demo rely on', () => {
		expect(fixtureKeys(DEMO_STORE.id)).toEqual([
			'INPUT',
			'OUTPUT',
			'archive',
			'big-json',
			'data-deflate',
			'img-001',
			'img-002',
			'img-003',
			'list-json',
			'log-gz',
			'no-type',
			'notes',
			'page',
			'report',
			'screenshot',
			"weird!key_(1).v'2",
		]);
	});

	it('has a real 64x48 PNG screenshot and distinct image records', () => {
		const png = fixtureRecord(DEMO_STORE.id, 'screenshot').body;
		expect(png.subarray(0, 8)).toEqual(
			Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		);
		expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([64, 48]);
		const images = ['img-001', 'img-002', 'img-003'].map((key) =>
			fixtureRecord(DEMO_STORE.id, key).body.toString('hex'),
		);
		expect(new Set(images).size).toBe(3);
	});

	it('has a real PDF and a ZIP with two files', async () => {
		const pdf = fixtureRecord(DEMO_STORE.id, 'report').body.toString('latin1');
		expect(pdf.startsWith('%PDF-1.')).toBe(true);
		expect(pdf.trimEnd().endsWith('%%EOF')).toBe(true);
		const zip = await JSZip.loadAsync(fixtureRecord(DEMO_STORE.id, 'archive').body);
		expect(Object.keys(zip.files).sort()).toEqual(['hello.txt', 'values.csv']);
	});

	it('stores large or compressible records encoded, like the official client', () => {
		const bigJson = fixtureRecord(DEMO_STORE.id, 'big-json');
		expect(bigJson.contentEncoding).toBe('br');
		expect(bigJson.body.length).toBeGreaterThan(2048);
		expect(Array.isArray(JSON.parse(bigJson.body.toString('utf8')))).toBe(true);
		expect(fixtureRecord(DEMO_STORE.id, 'log-gz').contentEncoding).toBe('gzip');
		expect(fixtureRecord(DEMO_STORE.id, 'data-deflate').contentEncoding).toBe('deflate');
	});

	it('has multi-line non-ASCII text and a top-level JSON array', () => {
		const notes = fixtureRecord(DEMO_STORE.id, 'notes').body.toString('utf8');
		expect(notes.split('\n').length).toBeGreaterThan(3);
		expect(notes).toMatch(/[^\x00-\x7f]/);
		expect(
			Array.isArray(JSON.parse(fixtureRecord(DEMO_STORE.id, 'list-json').body.toString('utf8'))),
		).toBe(true);
	});

	it('has an Actor whose SUCCEEDED run is older than its FAILED and RUNNING runs, each with an OUTPUT', () => {
		const demoRuns = [SUCCEEDED_RUN, FAILED_RUN, RUNNING_RUN].map(({ run }) => run);
		expect(demoRuns.map((run) => [run.actId, run.status])).toEqual([
			[DEMO_ACTOR.id, 'SUCCEEDED'],
			[DEMO_ACTOR.id, 'FAILED'],
			[DEMO_ACTOR.id, 'RUNNING'],
		]);
		const startTimes = demoRuns.map((run) => run.startedAt.getTime());
		expect([...startTimes].sort((a, b) => a - b)).toEqual(startTimes);
		expect(RUNNING_RUN.run.finishedAt).toBeUndefined();
		const runStores = [SUCCEEDED_RUN, FAILED_RUN, RUNNING_RUN, OTHER_USER_RUN].map(
			({ run, store }) => {
				expect(run.defaultKeyValueStoreId).toBe(store.id);
				return store.id;
			},
		);
		expect(new Set(runStores).size).toBe(4);
		for (const storeId of runStores) expect(fixtureKeys(storeId)).toContain('OUTPUT');
	});

	it('has paging keys whose byte order differs from localeCompare', () => {
		const keys = fixtureKeys(PAGING_STORE.id);
		expect(keys).toHaveLength(PAGING_RECORD_COUNT);
		expect(new Set(keys).size).toBe(PAGING_RECORD_COUNT);
		expect([...keys].sort((a, b) => a.localeCompare(b))).not.toEqual(keys);
		expect([...keys].sort(compareKeysByBytes)).toEqual(keys);
		for (const [prefix, count] of Object.entries(PAGING_PREFIX_GROUPS)) {
			expect(keys.filter((key) => key.startsWith(prefix))).toHaveLength(count);
		}
		for (const special of ['!', '(', "'", '-', '_', '.', 'A', 'a', '0']) {
			expect(keys.some((key) => key.includes(special))).toBe(true);
		}
	});
});
