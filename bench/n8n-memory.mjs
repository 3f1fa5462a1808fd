// @ts-check
// `npm run bench:n8n-memory`: the peak memory of a real n8n downloading one large binary record,
// this package's node against n8n's own HTTP Request node.
//
// With the end-to-end suite's Node 24 and n8n 2.41.1 (installed into .cache/e2e when missing), it
// starts the local Apify API with one generated record (512 MiB of incompressible bytes, made as it
// is read), installs the package into a fresh n8n user folder as a community package (as the suite
// does), imports two workflows and runs each with `n8n execute --id` under `/usr/bin/time -v`:
//
//   a. Manual Trigger → Apify Key-Value Store, Record → Get, output Binary
//   b. Manual Trigger → HTTP Request 4.2, GET of the same record URL with the token header,
//      response format File
//
// alternating (a b, b a, a b, …), and prints the maximum resident set size of every run and the
// median of each side. Binary data is in n8n's filesystem mode (n8n 2.x's default); every run's
// file is checked (size; SHA-256 on each side's first run) and then deleted.
//
//   node bench/n8n-memory.mjs [--package <dir>] [--runs <n>] [--size-mib <n>]
//
// --package: a folder with package.json and dist/ (e.g. .cache/bench-compare/<commit>); by default
// this checkout, which `npm run bench:n8n-memory` builds first. --runs: pairs (default 3).
// --size-mib: the record's size (default 512). Needs GNU time; installs Debian's `time` with apt
// when it is missing and this runs as root.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { N8N_VERSION } from '../e2e/lib/install.mjs';
import { cleanEnv, tail } from '../e2e/lib/proc.mjs';
import { log, ROOT } from '../e2e/lib/setup.mjs';
import { manualWorkflow } from '../e2e/lib/workflows.mjs';

import { alternating, firstOutput, inRealN8n, median, requireTs } from './real-n8n.mjs';

/** @import { RealN8n } from './real-n8n.mjs' */
/** @typedef {typeof import('../dev/local-api/generated.ts')} Generated */
/** @typedef {typeof import('./cases.ts')} Cases */

const TIME = '/usr/bin/time';
const MIB = 1024 * 1024;
const STORE_ID = 'benchMemoryStore1';
const KEY = 'big-file';
const CREDENTIAL = { id: 'benchMemoryCred1', name: 'Apify (local API, memory benchmark)' };
const OURS_NODE = 'Apify Key-Value Store';
const HTTP_NODE = 'HTTP Request';

const { values: options } = parseArgs({
	options: {
		package: { type: 'string' },
		runs: { type: 'string', default: '3' },
		'size-mib': { type: 'string', default: '512' },
	},
});
const packageDir = resolve(options.package ?? ROOT);
const pairs = Math.max(1, Number(options.runs));
const size = Number(options['size-mib']) * MIB;

/** GNU time, for the peak resident memory of `n8n execute`; installed with apt when missing and root. */
function ensureTime() {
	const works = () => {
		// It prints its version to standard output (older releases: to standard error).
		const answer = spawnSync(TIME, ['-V'], { encoding: 'utf8' });
		return `${answer.stdout ?? ''}${answer.stderr ?? ''}`.includes('GNU Time');
	};
	if (works()) return;
	if (process.getuid?.() !== 0)
		throw new Error(`${TIME} (GNU time) is missing: sudo apt-get install -y time`);
	log('GNU time: installing the Debian package time with apt-get …');
	const env = cleanEnv({ DEBIAN_FRONTEND: 'noninteractive' });
	execFileSync('apt-get', ['update', '-q'], { env, stdio: 'ignore' });
	execFileSync('apt-get', ['install', '-y', '-q', 'time'], { env, stdio: 'ignore' });
	if (!works()) throw new Error(`apt-get installed time, but ${TIME} -V does not answer`);
}

/** @param {string} file */
async function sha256OfFile(file) {
	const hash = createHash('sha256');
	for await (const chunk of createReadStream(file)) hash.update(chunk);
	return hash.digest('hex');
}

/** @param {RealN8n} real */
async function benchmark({ n8n, api, pkg, packageNode, importWorkflows }) {
	log(`packed ${pkg.name}@${pkg.version} from ${packageDir}`);
	/** @type {Generated} */
	const generated = requireTs('../dev/local-api/generated.ts');
	/** @type {Cases} */
	const cases = requireTs('./cases.ts');
	api.putGeneratedRecord(STORE_ID, KEY, {
		size,
		contentType: 'application/octet-stream',
		generate: () => generated.binaryStream(size, 1),
	});
	const expected = await generated.digestOfGenerated(() => generated.binaryStream(size, 1));
	const url = `${api.url}/v2/key-value-stores/${STORE_ID}/records/${KEY}?attachment=true`;
	log(`local Apify API on ${api.url}: one generated record of ${size / MIB} MiB`);

	const sides = [
		{
			label: 'a: this package, Record → Get',
			node: OURS_NODE,
			workflow: manualWorkflow('benchMemoryOurs1', 'Memory: Record → Get (binary)', [
				packageNode(OURS_NODE, {
					resource: 'record',
					operation: 'get',
					storeId: { __rl: true, mode: 'id', value: STORE_ID },
					key: { __rl: true, mode: 'id', value: KEY },
					outputFormat: 'binary',
				}),
			]),
			/** @type {Array<{ kib: number, seconds: number, note: string }>} */
			runs: [],
		},
		{
			label: 'b: HTTP Request 4.2, file',
			node: HTTP_NODE,
			// The benchmark's HTTP Request node; the workflow builder gives it its ID and place.
			workflow: manualWorkflow('benchMemoryHttp1', 'Memory: HTTP Request 4.2 (file)', [
				cases.httpRequestNode(url),
			]),
			runs: [],
		},
	];
	await importWorkflows(sides.map((side) => side.workflow));

	for (const side of alternating(sides, pairs)) {
		const result = await n8n.execute(side.workflow.id, {
			timeoutMs: 10 * 60_000,
			prefix: [TIME, '-v'],
		});
		const kib = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.output)?.[1]);
		const file = n8n.binaryDataPath(firstOutput(result, side.node)?.[0]?.binary?.data?.id);
		if (!Number.isFinite(kib) || !file || !existsSync(file))
			throw new Error(
				`${side.label}: no stored file or no peak memory (exit ${result.code}):\n${tail(result.output)}`,
			);
		const stored = statSync(file).size;
		if (stored !== size) throw new Error(`${side.label}: stored ${stored} bytes, expected ${size}`);
		const hashed = side.runs.length === 0;
		if (hashed && (await sha256OfFile(file)) !== expected.sha256)
			throw new Error(`${side.label}: the stored file differs from the record`);
		rmSync(file, { force: true });
		// n8n 2.41.1's CLI sometimes ends with a segmentation fault after it printed the run (CONTRIBUTING.md).
		const note =
			result.code === 0 ? '' : ` (n8n exited with ${result.code} after printing the run)`;
		side.runs.push({ kib, seconds: result.durationMs / 1000, note });
		log(
			`${side.label.padEnd(32)} max RSS ${(kib / 1024).toFixed(0).padStart(5)} MiB, ${(result.durationMs / 1000).toFixed(1)} s${hashed ? ', SHA-256 matches' : ''}${note}`,
		);
	}

	const medianMiB = (/** @type {typeof sides[number]} */ side) =>
		median(side.runs.map((entry) => entry.kib)) / 1024;
	const [ours, http] = sides;
	console.log('');
	console.log(
		`n8n ${N8N_VERSION} on Node 24, \`n8n execute\`, binary data in the filesystem, a ${size / MIB} MiB record; ${pkg.name}@${pkg.version} from ${packageDir}.`,
	);
	console.log('Maximum resident set size of `n8n execute` (GNU time), MiB:');
	for (const side of sides) {
		console.log(
			`  ${side.label.padEnd(32)} ${side.runs.map((entry) => (entry.kib / 1024).toFixed(0)).join(', ')}; median ${medianMiB(side).toFixed(0)}`,
		);
	}
	console.log(`  a − b (medians): ${(medianMiB(ours) - medianMiB(http)).toFixed(0)} MiB`);
}

async function main() {
	if (!existsSync(join(packageDir, 'dist')))
		throw new Error(`${packageDir} has no dist/: build it first (npm run build)`);
	ensureTime();
	await inRealN8n(
		{
			name: 'memory',
			packageDir,
			credential: CREDENTIAL,
			store: { id: STORE_ID, name: 'bench-memory' },
		},
		benchmark,
	);
}

main().catch((error) => {
	console.error(error instanceof Error ? (error.stack ?? error.message) : error);
	process.exit(1);
});
