/** Archives built to exhaust memory, refused at once: a 450 MB JSON record, and a million and a half folder entries. */
import type { IDataObject } from 'n8n-workflow';

import type { RunResult } from '../../dev/harness/engine';
import { unpackServed, useLocalApi } from '../engine/setup';
import { craftZip, deflatedFill, type CraftedEntry } from '../engine/zip-craft';

const local = useLocalApi();
const MB = 1024 * 1024;

jest.setTimeout(120_000);

/** Runs Download All, one item per record, over `archive`; how long it took and how much the process's peak memory grew. */
async function unpack(
	archive: Buffer,
	options: IDataObject,
): Promise<RunResult & { seconds: number; grewMb: number }> {
	const peakBefore = process.resourceUsage().maxRSS;
	const started = Date.now();
	const result = await unpackServed(local.api, archive, options);
	const seconds = (Date.now() - started) / 1000;
	// Growth of the process's peak resident memory (kB), which a transient spike would raise too.
	const grewMb = (process.resourceUsage().maxRSS - peakBefore) / 1024;
	return { ...result, seconds, grewMb };
}

it('refuses to parse a 450 MB big.json in a 0.4 MB archive, holding little of it', async () => {
	const size = 450_000_000;
	const { data, crc } = await deflatedFill(size, { head: '{"text":"', fill: 0x78, tail: '"}' });
	const archive = craftZip([
		{ name: 'big.json', data, deflated: true, uncompressedSize: size, crc },
	]);
	expect(archive.length).toBeLessThan(MB);
	const { items, error, seconds, grewMb } = await unpack(archive, { parseJson: true });
	expect(items).toEqual([]);
	expect(error?.message).toBe('Record "big.json" is too large to parse as JSON: over 10 MiB');
	expect(grewMb).toBeLessThan(100);
	process.stdout.write(
		`450 MB big.json: refused after ${seconds.toFixed(2)} s, peak RSS +${grewMb.toFixed(0)} MB\n`,
	);
});

it('refuses 1,500,000 folder entries and one record at the second entry when Max Records is 1', async () => {
	const entries = (function* (): Generator<CraftedEntry> {
		for (let index = 0; index < 1_500_000; index++)
			yield { name: `${index.toString(36)}/`, data: Buffer.alloc(0) };
		yield { name: 'record', data: Buffer.from('the one record') };
	})();
	const archive = craftZip(entries);
	const { items, error, seconds } = await unpack(archive, { maxRecords: 1, maxTotalMegabytes: 1 });
	expect(items).toEqual([]);
	expect(error?.message).toBe('The store has more than 1 records, the limit set in Max Records');
	expect(seconds).toBeLessThan(2);
	process.stdout.write(
		`folder entries: ${(archive.length / MB).toFixed(1)} MB archive refused after ${seconds.toFixed(2)} s\n`,
	);
});
