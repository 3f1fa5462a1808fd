import { crc32 } from 'node:zlib';

import type { IDataObject } from 'n8n-workflow';

import { readBinary, runNode, type RunResult } from '../../dev/harness/engine';
import { DEMO_STORE, fixtureRecord } from '../../dev/local-api/fixtures';
import { createRecordSignature } from '../../dev/local-api/signature';
import { byId, recordGetParameters, SECRETS, unpackServed, useLocalApi } from './setup';
import { craftZip, deflatedFill, type CraftedEntry } from './zip-craft';

const local = useLocalApi();

const unpack = async (archive: Buffer, options: IDataObject = {}): Promise<RunResult> =>
	await unpackServed(local.api, archive, options);

const stored = (name: string, text: string): CraftedEntry => ({ name, data: Buffer.from(text) });

describe('entry names: Apify names entries by their keys, so any other name is damage', () => {
	it.each([
		['../../etc/passwd'],
		['/abs'],
		['a\\..\\b'],
		['dir/../../x'],
		['folder/key'],
		['na\u0000me'],
		['bell\u0007\u001b[31m'],
	])('%j is refused, and nothing is output', async (name) => {
		const { items, error } = await unpack(
			craftZip([stored('first', 'one'), stored(name, 'content')]),
		);
		expect(items).toEqual([]);
		expect(error?.message).toBe(
			`The downloaded ZIP archive is damaged: entry ${JSON.stringify(name)} is not named by a valid record key`,
		);
		expect(error?.description).toMatch(/No records were output/);
	});

	it('a name of 65,535 bytes is refused from its length in the header', async () => {
		const { items, error } = await unpack(craftZip([stored('k'.repeat(65_535), 'content')]));
		expect(items).toEqual([]);
		expect(error?.message).toBe(
			"The downloaded ZIP archive is damaged: an entry's name of 65535 bytes is longer than a record key can be (256 characters)",
		);
	});

	it.each([['.'], ['..']])(
		'%j, a valid key, keeps its key and gets a safe file name',
		async (name) => {
			const { items, error } = await unpack(craftZip([stored(name, 'content')]));
			expect(error).toBeUndefined();
			expect(items).toHaveLength(1);
			expect(items[0].json.key).toBe(name);
			const fileName = items[0].binary?.data.fileName as string;
			expect(fileName).not.toMatch(/[/\\\u0000-\u001f]/);
			expect(fileName.replace(/\.txt$/, '')).not.toMatch(/^\.*$/);
			expect((await readBinary(items[0])).toString()).toBe('content');
		},
	);
});

describe('damaged archives output nothing', () => {
	const good = [stored('first', 'one'), stored('second', 'two'), stored('third', 'three')];

	it('a truncated archive', async () => {
		const archive = craftZip(good);
		const { items, error } = await unpack(archive.subarray(0, Math.floor(archive.length / 2)));
		expect(items).toEqual([]);
		expect(error?.message).toMatch(/^The downloaded ZIP archive is damaged: /);
		expect(error?.description).toMatch(/No records were output/);
	});

	it('an entry with a bad CRC after good ones', async () => {
		const bad = { ...stored('third', 'three'), crc: crc32(Buffer.from('other')) };
		const { items, error } = await unpack(craftZip([good[0], good[1], bad]));
		expect(items).toEqual([]);
		expect(error?.message).toBe(
			'The downloaded ZIP archive is damaged: entry "third" fails its CRC check',
		);
	});

	it('an entry larger than its directory says', async () => {
		const lying = { ...stored('liar', 'x'.repeat(1000)), uncompressedSize: 10 };
		const { items, error } = await unpack(craftZip([good[0], lying]));
		expect(items).toEqual([]);
		expect(error?.message).toMatch(/damaged: entry "liar" /);
	});
});

describe('ZIP bombs are refused at the limits', () => {
	let gigabyte: { data: Buffer; crc: number };
	beforeAll(async () => {
		gigabyte = await deflatedFill(1024 ** 3);
	}, 60_000);

	it('an archive of a few MB that unpacks to 3 GiB, before inflating anything', async () => {
		const entry = (name: string): CraftedEntry => ({
			name,
			data: gigabyte.data,
			deflated: true,
			uncompressedSize: 1024 ** 3,
			crc: gigabyte.crc,
		});
		const archive = craftZip([entry('a'), entry('b'), entry('c')]);
		expect(archive.length).toBeLessThan(10 * 1024 * 1024);
		const peakBefore = process.resourceUsage().maxRSS;
		const started = Date.now();
		const { items, error } = await unpack(archive, { maxTotalMegabytes: 256 });
		expect(items).toEqual([]);
		expect(error?.message).toBe(
			`The records would unpack to at least ${1024 ** 3} bytes, more than the limit of ${256 * 1024 ** 2} bytes`,
		);
		expect(Date.now() - started).toBeLessThan(5_000);
		expect(process.resourceUsage().maxRSS - peakBefore).toBeLessThan(100 * 1024);
	});

	it('an entry that claims 100 bytes and inflates to 1 GiB, stopped at the claim', async () => {
		const archive = craftZip([
			{ name: 'bomb', data: gigabyte.data, deflated: true, uncompressedSize: 100, crc: 0 },
		]);
		const peakBefore = process.resourceUsage().maxRSS;
		const { items, error } = await unpack(archive);
		expect(items).toEqual([]);
		expect(error?.message).toBe(
			'The downloaded ZIP archive is damaged: entry "bomb" inflates to more than its declared 100 bytes',
		);
		expect(process.resourceUsage().maxRSS - peakBefore).toBeLessThan(100 * 1024);
	});

	it('folder entries count against Max Records', async () => {
		const folders = Array.from({ length: 5 }, (_, index) => stored(`folder-${index}/`, ''));
		const { items, error } = await unpack(craftZip([...folders, stored('record', 'x')]), {
			maxRecords: 1,
		});
		expect(items).toEqual([]);
		expect(error?.message).toBe('The store has more than 1 records, the limit set in Max Records');
	});

	it('more entries than Max Records, stopped at the first one past the limit', async () => {
		const entries = Array.from({ length: 70_000 }, (_, index) => stored(`e${index}`, ''));
		const { items, error } = await unpack(craftZip(entries));
		expect(items).toEqual([]);
		expect(error?.message).toBe(
			'The store has more than 10000 records, the limit set in Max Records',
		);
	});
});

describe('input edge cases', () => {
	it('outputs nothing for no input items', async () => {
		const { items, error } = await runNode({
			parameters: recordGetParameters('OUTPUT'),
			input: [],
		});
		expect(error).toBeUndefined();
		expect(items).toEqual([]);
		expect(local.api.requests).toHaveLength(0);
	});

	it("reads a record through its listing's signed link where the API does not accept a store signature for it", async () => {
		local.api.configure({ storeSignatureGrantsRecords: false });
		try {
			const { items, error } = await runNode({
				parameters: recordGetParameters('OUTPUT'),
				credentialId: 'signature',
			});
			expect(error).toBeUndefined();
			expect(items.map((item) => item.json)).toEqual([
				JSON.parse(fixtureRecord(DEMO_STORE.id, 'OUTPUT').body.toString()),
			]);
			const [refused, listing, signedLink] = local.api.requests;
			expect(refused.path).toBe(`/v2/key-value-stores/${DEMO_STORE.id}/records/OUTPUT`);
			expect(refused.query.signature).toBeDefined();
			expect(listing).toMatchObject({ path: `/v2/key-value-stores/${DEMO_STORE.id}/keys` });
			expect(listing.query).toMatchObject({ prefix: 'OUTPUT', limit: '1' });
			expect(signedLink.path).toBe(`/v2/key-value-stores/${DEMO_STORE.id}/records/OUTPUT`);
			expect(signedLink.query.signature).toBe(
				createRecordSignature(DEMO_STORE.urlSigningSecretKey, 'OUTPUT'),
			);
			expect(local.api.requests).toHaveLength(3);
		} finally {
			local.api.configure({ storeSignatureGrantsRecords: true });
		}
	});
});

describe('secrets in logs', () => {
	it('no token or signature reaches stdout, stderr or the console during failing runs', async () => {
		const written: string[] = [];
		const capture = (original: typeof process.stdout.write) =>
			((chunk: unknown, ...rest: unknown[]) => {
				written.push(String(chunk));
				return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
			}) as typeof process.stdout.write;
		const stdout = process.stdout.write;
		const stderr = process.stderr.write;
		const consoleSpies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
			jest
				.spyOn(console, method)
				.mockImplementation((...args: unknown[]) => void written.push(args.map(String).join(' '))),
		);
		process.stdout.write = capture(stdout);
		process.stderr.write = capture(stderr);
		try {
			await runNode({ parameters: recordGetParameters('OUTPUT'), credentialId: 'badToken' });
			await runNode({ parameters: recordGetParameters('missing'), credentialId: 'signature' });
			await runNode({
				parameters: recordGetParameters('OUTPUT', { storeId: byId('kvsOtherStore0001') }),
			});
		} finally {
			process.stdout.write = stdout;
			process.stderr.write = stderr;
			for (const spy of consoleSpies) spy.mockRestore();
		}
		const log = written.join('\n');
		for (const secret of SECRETS) expect(log).not.toContain(secret);
	});
});
