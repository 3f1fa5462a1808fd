/**
 * `npm run bench`: this package's node against n8n's own nodes (and curl, and apify-client), on
 * data that the local Apify API generates as it is read. Each measured run is a child process of
 * its own (bench/case.ts); sides alternate within each repetition. Prints a table and writes
 * bench/results.md.
 *
 * Every case runs once; then the main cases are repeated up to BENCH_REPS (default 5; 3 for records) times, as
 * long as the next repetition fits in BENCH_BUDGET_MIN (default 13) minutes from the start; the
 * network cases' repetitions (3 at most) come after all others'.
 *
 * Environment: BENCH_REPS, BENCH_BUDGET_MIN; BENCH_QUICK=1 for about 1/16
 * of the data (trying the benchmark out); BENCH_ONLY=<case name prefix,...> to run some cases only
 * (BENCH_ONLY=net: the network cases, many items with the local API's round trip set);
 * BENCH_PARALLEL=<n> to set Options → Parallel Requests of this node in the network cases;
 * BENCH_TMPDIR=<folder> for where binary data and curl's output go (default: /dev/shm when it has room);
 * BENCH_CPU_PROFILE=<folder> for a V8 CPU profile of every child process;
 * BENCH_COMPARE_REF=<git ref> to run that commit's build of this package beside this checkout's in
 * every main case (bench/compare.ts), the two back to back in each repetition, and report
 * "HEAD / ref" per case (written to .cache/, never to bench/results.md).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { NODE_TYPE, packageNodeType } from '../dev/harness/engine';
import { digestOfGenerated, binaryStream } from '../dev/local-api/generated';
import { peakRssBytes, toMiB } from '../dev/local-api/process-memory';
import {
	RATE_LIMITS,
	startLocalApi,
	type FaultSpec,
	type LocalApi,
	type TrafficSnapshot,
} from '../dev/local-api/server';
import { decodedRecordBody, isGeneratedRecord } from '../dev/local-api/store-data';
import { BASELINE_DIR, BASELINE_VERSION, ensureBaseline, PROJECT_ROOT } from './baseline';
import { ensureCompareBuild, type CompareBuild } from './compare';
import {
	archiveUrl,
	BIG_RECORD_KEY,
	chain,
	compressionNode,
	COMPRESSION_VERSION,
	FULL_SCALE,
	httpRequestNode,
	HTTP_REQUEST_VERSION,
	MIB,
	ourNode,
	ourParameters,
	QUICK_SCALE,
	RECORD_BYTES,
	recordKey,
	recordSamples,
	recordUrl,
	seedStores,
	STORES,
	TOKEN,
	type HttpRequestSettings,
	type Job,
	type JobResult,
	type OutputCheck,
	type Scale,
	type WorkflowJob,
} from './cases';

const started = performance.now();
const loadAtStart = loadavg()[0];
const reps = Math.max(1, Number(process.env.BENCH_REPS ?? 5));
/** The largest archive HTTP Request → Compression is run on. */
const BASELINE_MAX_ARCHIVE_MIB = 1024;
const RECORDS_GROWTH_GOAL_MIB = 150;
/** The main records case takes ten times as long as the others: fewer repetitions of it. */
const recordsReps = Math.min(reps, 3);
const quick = process.env.BENCH_QUICK === '1';
const only = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
const compareRef = process.env.BENCH_COMPARE_REF;
/** How much slower than the compare ref a case may be: the goal of the before/after comparison. */
const COMPARE_TOLERANCE = 1.1;
const scale: Scale = quick ? QUICK_SCALE : FULL_SCALE;
/** Repetitions after the first stop once the next would end past this many minutes from the start. */
const budgetMinutes = Number(process.env.BENCH_BUDGET_MIN ?? 13);
const deadline = started + budgetMinutes * 60_000;
/**
 * Where n8n's binary data and curl's output go: a RAM disk (/dev/shm) when there is one with room,
 * so that the figures measure the nodes rather than this machine's disk, whose speed for writing
 * a 1 GiB file here varies threefold from run to run. BENCH_TMPDIR=<folder> picks another place,
 * e.g. a folder on disk, as n8n's own binary data folder would be.
 */
const scratch = process.env.BENCH_TMPDIR ?? defaultScratch();

function defaultScratch(): string {
	try {
		const stats = statfsSync('/dev/shm');
		if (stats.bavail * stats.bsize >= 8 * 1024 ** 3) return '/dev/shm';
	} catch {
		// No RAM disk here.
	}
	return tmpdir();
}

/** BENCH_PARALLEL=<n>: Options → Parallel Requests of this node in the network cases (the node's default otherwise). */
const benchParallel = process.env.BENCH_PARALLEL ? Number(process.env.BENCH_PARALLEL) : undefined;
/** BENCH_CPU_PROFILE=<dir>: every child process writes a V8 CPU profile there (for finding where time goes). */
const profileDir = process.env.BENCH_CPU_PROFILE;
const log = (line: string) => process.stdout.write(`${line}\n`);

// ----- measuring -----

interface Side {
	label: string;
	/** A job for a child process, or a command measured from outside (curl). */
	job?: Job;
	command?: () => Promise<{ ms: number; summary: string }>;
	env?: Record<string, string>;
}

interface Case {
	name: string;
	title: string;
	ours: Side;
	/** With BENCH_COMPARE_REF, main cases only: the same job with the ref's build of this package. */
	ref?: Side;
	/** None where no baseline can run the case (an archive larger than n8n's nodes can hold). */
	baseline?: Side;
	/** Beside the two: curl, and Node.js itself streaming the same URL into a file. */
	curl?: Side;
	nodeStream?: Side;
	reps: number;
	group: 'main' | 'scaling' | 'probe' | 'network';
	/** The network cases: what each side's run sets and checks on the local API. */
	network?: NetworkSetup;
	/**
	 * The local API refuses requests over Apify's documented limits with 429, as Apify does, during
	 * each side's run: where loopback lets a side go faster than Apify would let it.
	 */
	enforceRateLimits?: boolean;
}

/** What a network case sets on the local API around each side's run, and checks there after it. */
interface NetworkSetup {
	/** The local API's round trip during the case's runs (their warm-up included), 0 again after. */
	latencyMs: number;
	items: number;
	/** The store whose record requests the case counts. */
	store: string;
	/** How many requests at once this node may send: Options → Parallel Requests if it has it, and where that came from. */
	parallel: { count: number; source: string; option: boolean };
	/** Added afresh before each side's run, so that both sides meet the same faults; cleared after. */
	faults?: FaultSpec[];
	/** What the case is for when not the time against the ideal: memory (large files at once), or 429s. */
	aim?: 'memory' | 'refusals';
	/** Before each side's run. */
	prepare?: () => void;
	/** After each side's run: checks what it left on the API; throws when wrong, else says what it found. */
	verify?: () => string;
}

interface Measured {
	runs: JobResult[];
	failure?: string;
}

/** Child processes and folders of the runs under way, ended and removed if the benchmark is interrupted. */
const running = new Map<ChildProcess, string>();

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		for (const [child, folder] of running) {
			child.kill('SIGKILL');
			rmSync(folder, { recursive: true, force: true });
		}
		process.exit(130);
	});
}

function runChild(api: LocalApi, side: Side): Promise<JobResult> {
	const userFolder = mkdtempSync(join(scratch, 'n8n-bench-'));
	return new Promise<JobResult>((resolve, reject) => {
		const child = spawn(
			process.execPath,
			[
				'--expose-gc',
				...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
				// Only tsx's require hook: its ESM loader would also route every dynamic import() of
				// the measured code (n8n-core imports file-type per file) through a worker thread.
				'--require',
				'tsx/cjs',
				join(__dirname, 'case.ts'),
				JSON.stringify(side.job),
			],
			{
				cwd: PROJECT_ROOT,
				env: { ...process.env, ...side.env, N8N_USER_FOLDER: userFolder, BENCH_API_URL: api.url },
				stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
			},
		);
		running.set(child, userFolder);
		// The child marks where its measured run starts and ends (bench/case.ts): the traffic report covers that run.
		let traffic: TrafficSnapshot | undefined;
		let measuredFrom: number | undefined;
		child.on('message', (message: { traffic?: 'start' | 'end' }) => {
			if (message.traffic === 'start') {
				api.resetTraffic();
				measuredFrom = performance.now();
			} else traffic = api.traffic();
			child.send('noted');
		});
		let stdout = '';
		let stderr = '';
		child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('error', reject);
		child.on('close', (code, signal) => {
			running.delete(child);
			rmSync(userFolder, { recursive: true, force: true });
			const line = stdout.split('\n').find((entry) => entry.startsWith('RESULT '));
			if (code === 0 && line)
				resolve({ ...(JSON.parse(line.slice('RESULT '.length)) as JobResult), traffic });
			else {
				const reason = stderr
					.split('\n')
					.filter((entry) => entry.trim() && !entry.includes('npm warn') && !/^\s+at /.test(entry))
					.slice(0, 3)
					.join(' | ');
				// A measured run that failed says what it sent first, e.g. how many requests were answered 429.
				const sent =
					measuredFrom === undefined ? '' : ` ${failedRunText(api.traffic(), measuredFrom)}`;
				reject(new Error(`exit ${code ?? signal}${sent}: ${reason || stdout.slice(-300)}`));
			}
		});
	});
}

function failedRunText(traffic: TrafficSnapshot, measuredFrom: number): string {
	const answered429 = Object.values(traffic.resources)
		.flatMap((kinds) => Object.values(kinds))
		.reduce((sum, counts) => sum + counts.rateLimited, 0);
	return `after ${seconds(performance.now() - measuredFrom)} s, ${traffic.total} requests, ${answered429} answered 429`;
}

async function runSide(api: LocalApi, side: Side, entry: Case): Promise<JobResult> {
	// Every run starts with no unwritten file data from the one before.
	spawnSync('sync');
	if (side.job) {
		api.configure({ enforceRateLimits: entry.enforceRateLimits ?? false });
		try {
			return entry.network
				? await runOverNetwork(api, side, entry.network)
				: await runChild(api, side);
		} finally {
			api.configure({ enforceRateLimits: false });
		}
	}
	const { ms, summary } = await (side.command as NonNullable<Side['command']>)();
	return { ms, rssBeforeMiB: 0, peakMiB: 0, growthMiB: 0, peakResetWorked: false, summary };
}

async function runOverNetwork(
	api: LocalApi,
	side: Side,
	network: NetworkSetup,
): Promise<JobResult> {
	network.prepare?.();
	api.configure({ latencyMs: network.latencyMs });
	for (const fault of network.faults ?? []) api.faults.add(fault);
	try {
		const result = await runChild(api, side);
		const verified = network.verify?.();
		return verified ? { ...result, summary: `${result.summary}; ${verified}` } : result;
	} finally {
		api.configure({ latencyMs: 0 });
		api.faults.clear();
	}
}

/**
 * A program that downloads the URL into a file, run as a child process. It is timed from outside
 * (process start to exit), or, where the program prints its own milliseconds, by what it prints.
 */
function downloadSide(
	label: string,
	expectedSize: number,
	commandFor: (file: string) => [string, string[]],
	printsMs: boolean,
): Side {
	return {
		label,
		command: async () => {
			const folder = mkdtempSync(join(scratch, 'bench-download-'));
			const file = join(folder, 'out');
			try {
				const [command, args] = commandFor(file);
				// Asynchronously: the local API answering the download runs in this process.
				const begin = performance.now();
				const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
					(resolve, reject) => {
						const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
						running.set(child, folder);
						child.on('close', () => running.delete(child));
						let stdout = '';
						let stderr = '';
						child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
						child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
						child.on('error', reject);
						child.on('close', (status) => resolve({ status, stdout, stderr }));
					},
				);
				const outsideMs = Math.round(performance.now() - begin);
				if (result.status !== 0) throw new Error(`${label} failed: ${result.stderr.slice(0, 300)}`);
				const size = statSync(file).size;
				if (expectedSize >= 0 && size !== expectedSize)
					throw new Error(`${label} got ${size} bytes, expected ${expectedSize}`);
				return {
					ms: printsMs ? Number(result.stdout.trim()) : outsideMs,
					summary: `${size} bytes`,
				};
			} finally {
				rmSync(folder, { recursive: true, force: true });
			}
		},
	};
}

/** `curl -o file` of a URL, timed from outside: process start to exit. */
const curlSide = (url: string, expectedSize: number): Side =>
	downloadSide(
		'curl -o file',
		expectedSize,
		(file) => ['curl', ['-sS', '-f', '-o', file, '-H', `Authorization: Bearer ${TOKEN}`, url]],
		false,
	);

/** Node.js itself streaming the URL into a file, timed by itself (without its start-up): the floor for any n8n node. */
const nodeStreamSide = (url: string, expectedSize: number): Side =>
	downloadSide(
		'Node.js stream → file',
		expectedSize,
		(file) => [process.execPath, [join(__dirname, 'plain-download.mjs'), url, file, TOKEN]],
		true,
	);

function curlAvailable(): boolean {
	return spawnSync('curl', ['--version']).status === 0;
}

// ----- the cases -----

async function buildCases(api: LocalApi): Promise<Case[]> {
	const cases: Case[] = [];
	const hasCurl = curlAvailable();
	const base = api.url;
	const warmFile = { nodes: [ourNode(ourParameters.get(STORES.small, BIG_RECORD_KEY))] };
	const warmHttp = { nodes: [httpRequestNode(recordUrl(base, STORES.small, BIG_RECORD_KEY))] };
	const sizeText = (bytes: number) =>
		bytes >= 1024 * MIB ? `${bytes / 1024 / MIB} GiB` : `${bytes / MIB} MiB`;

	const wanted = (name: string) =>
		only.length === 0 || only.some((prefix) => name.startsWith(prefix));
	const bigDigest = wanted('get-record')
		? await digestOfGenerated(() => binaryStream(scale.bigRecordBytes, 1))
		: { size: scale.bigRecordBytes, sha256: '' };
	const bigUrl = recordUrl(base, STORES.bigRecord, BIG_RECORD_KEY);
	const fileCheck = (node: string) => ({
		kind: 'file' as const,
		node,
		size: bigDigest.size,
		sha256: bigDigest.sha256,
	});
	cases.push({
		name: 'get-record',
		title: `Record → Get, ${sizeText(scale.bigRecordBytes)} binary`,
		group: 'main',
		reps,
		ours: {
			label: 'this node',
			job: {
				kind: 'workflow',
				nodes: [ourNode(ourParameters.get(STORES.bigRecord, BIG_RECORD_KEY))],
				warmUp: warmFile,
				check: fileCheck('Apify Key-Value Store'),
			},
		},
		baseline: {
			label: `HTTP Request ${HTTP_REQUEST_VERSION}`,
			job: {
				kind: 'workflow',
				nodes: [httpRequestNode(bigUrl)],
				warmUp: warmHttp,
				check: fileCheck('HTTP Request'),
			},
		},
		curl: hasCurl ? curlSide(bigUrl, scale.bigRecordBytes) : undefined,
		nodeStream: nodeStreamSide(bigUrl, scale.bigRecordBytes),
	});

	const lastKey = `key-${String(scale.keyCount - 1).padStart(6, '0')}`;
	const keysCheck = { count: scale.keyCount, first: 'key-000000', last: lastKey };
	cases.push({
		name: 'list-keys',
		title: `Key → List, ${scale.keyCount.toLocaleString('en')} keys, Return All, Apify's rate limits enforced`,
		group: 'main',
		reps,
		// A page a round trip: only loopback goes faster than Apify's 60 requests a second to a
		// store's key listing, which this node keeps and apify-client does not.
		enforceRateLimits: true,
		ours: {
			label: 'this node',
			job: {
				kind: 'workflow',
				nodes: [ourNode(ourParameters.list(STORES.keys))],
				warmUp: { nodes: [ourNode(ourParameters.list(STORES.small))] },
				check: { kind: 'keys', node: 'Apify Key-Value Store', ...keysCheck },
			},
		},
		baseline: {
			label: 'apify-client listKeys()',
			job: {
				kind: 'apify-client',
				baseUrl: base,
				storeId: STORES.keys,
				warmUpStoreId: STORES.small,
				check: keysCheck,
			},
		},
	});

	const zipUrl = archiveUrl(base, STORES.zip);
	const partBytes = Math.floor(scale.zipBytes / scale.zipParts);
	const zipSize = wanted('download-zip') ? await archiveSize(zipUrl) : 0;
	const zipCheck = (node: string) => ({ kind: 'file' as const, node, size: zipSize });
	cases.push({
		name: 'download-zip',
		title: `Record → Download All, one ZIP file, ${sizeText(partBytes * scale.zipParts)}`,
		group: 'main',
		reps,
		ours: {
			label: 'this node',
			job: {
				kind: 'workflow',
				nodes: [ourNode(ourParameters.zip(STORES.zip))],
				warmUp: { nodes: [ourNode(ourParameters.zip(STORES.small))] },
				check: zipCheck('Apify Key-Value Store'),
			},
		},
		baseline: {
			label: `HTTP Request ${HTTP_REQUEST_VERSION}`,
			job: {
				kind: 'workflow',
				nodes: [httpRequestNode(zipUrl)],
				warmUp: { nodes: [httpRequestNode(archiveUrl(base, STORES.small))] },
				check: zipCheck('HTTP Request'),
			},
		},
		curl: hasCurl ? curlSide(zipUrl, zipSize) : undefined,
		nodeStream: nodeStreamSide(zipUrl, zipSize),
	});

	const compressionEnv = (entries: number) => ({
		N8N_COMPRESSION_NODE_MAX_ZIP_ENTRIES: String(Math.max(5000, entries)),
	});
	const recordsCase = (
		count: number,
		storeId: string,
		name: string,
		title: string,
		group: Case['group'],
		caseReps: number,
		recordBytes: number,
		samples: boolean,
		withBaseline = true,
	): Case => {
		const checkOf = (node: string, layout: 'items' | 'properties') => ({
			kind: 'records' as const,
			node,
			layout,
			count,
			totalBytes: count * recordBytes,
			samples: samples ? recordSamples(count) : [],
		});
		return {
			name,
			title,
			group,
			reps: caseReps,
			ours: {
				label: 'this node',
				job: {
					kind: 'workflow',
					nodes: [ourNode(ourParameters.records(storeId))],
					warmUp: { nodes: [ourNode(ourParameters.records(STORES.small))] },
					check: checkOf('Apify Key-Value Store', 'items'),
				},
			},
			baseline: withBaseline
				? {
						label: `HTTP Request ${HTTP_REQUEST_VERSION} → Compression ${COMPRESSION_VERSION}`,
						env: compressionEnv(count),
						job: {
							kind: 'workflow',
							nodes: [httpRequestNode(archiveUrl(base, storeId)), compressionNode()],
							connections: chain('HTTP Request', 'Compression'),
							warmUp: {
								nodes: [httpRequestNode(archiveUrl(base, STORES.small)), compressionNode()],
								connections: chain('HTTP Request', 'Compression'),
							},
							check: checkOf('Compression', 'properties'),
						},
					}
				: undefined,
		};
	};
	for (const count of scale.recordCounts) {
		const mb = (count * RECORD_BYTES) / 1e6;
		cases.push(
			recordsCase(
				count,
				STORES.records(count),
				`records-${count}`,
				`Record → Download All, one item per record, ${count.toLocaleString('en')} records / ${mb} MB`,
				count === 10_000 || count === scale.recordCounts[1] ? 'main' : 'scaling',
				count > 10_000 ? 1 : recordsReps,
				RECORD_BYTES,
				true,
			),
		);
	}
	for (const mib of scale.probeArchiveMiB) {
		cases.push(
			recordsCase(
				mib,
				STORES.probe(mib),
				`probe-${mib}`,
				`One item per record, archive of ${mib} MiB (${mib} incompressible records of 1 MiB)`,
				'probe',
				// Repeated where the baseline runs, for a ratio taken over more than one spell of the machine.
				mib <= BASELINE_MAX_ARCHIVE_MIB ? recordsReps : 1,
				MIB,
				false,
				// HTTP Request → Compression holds the archive and every file in memory, in buffers
				// that Node.js caps below 4 GiB.
				mib <= BASELINE_MAX_ARCHIVE_MIB,
			),
		);
	}
	cases.push(...networkCases(api));
	return cases.filter((entry) => wanted(entry.name));
}

// ----- many items over a network -----

/** The network cases' round trips: most cases, and the one with many items. */
const NET_LATENCY_MS = 50;
const NET_MANY_LATENCY_MS = 20;
/** Which record requests the 429 case answers 429: every fifth. */
const NET_429_EVERY = 5;

/**
 * The default of Options → Parallel Requests for Record → `operation` in this build of the node;
 * undefined while the node has no such option.
 */
function parallelRequestsDefault(operation: 'get' | 'put'): number | undefined {
	const shownFor = ({ displayOptions }: INodeProperties) =>
		(displayOptions?.show?.resource?.includes('record') ?? true) &&
		(displayOptions?.show?.operation?.includes(operation) ?? true);
	const option = packageNodeType(NODE_TYPE)
		.description.properties.filter((property) => property.name === 'options' && shownFor(property))
		.flatMap((property) => (property.options ?? []) as INodeProperties[])
		.find((candidate) => candidate.name === 'parallelRequests');
	return option === undefined ? undefined : Number(option.default);
}

/** How many requests at once this node sends for Record → `operation` in the network cases, and why. */
function ourParallelRequests(operation: 'get' | 'put'): NetworkSetup['parallel'] {
	const nodeDefault = parallelRequestsDefault(operation);
	if (nodeDefault === undefined) {
		const ignored =
			benchParallel === undefined ? '' : `; BENCH_PARALLEL=${benchParallel} changes nothing`;
		const source = `the node has no Parallel Requests option: one at a time${ignored}`;
		return { count: 1, source, option: false };
	}
	if (benchParallel === undefined)
		return { count: nodeDefault, source: "the node's default", option: true };
	const source = `BENCH_PARALLEL; the node's default is ${nodeDefault}`;
	return { count: benchParallel, source, option: true };
}

/**
 * Many items, one request each, with the local API's round trip set: Key → List (Return All) of a
 * store, then per item either this node's Record → Get or Put of `{{ $json.key }}` (its default
 * parameters, Parallel Requests from BENCH_PARALLEL) or n8n's HTTP Request node with its defaults,
 * which sends every item's request at once.
 */
function networkCases(api: LocalApi): Case[] {
	const parallelOption: IDataObject =
		benchParallel === undefined ? {} : { parallelRequests: benchParallel };
	const urlOf = (storeId: string) =>
		`=${api.url}/v2/key-value-stores/${storeId}/records/{{ encodeURIComponent($json.key) }}`;
	const listThen = (storeId: string, node: WorkflowJob['nodes'][number]) => ({
		nodes: [ourNode(ourParameters.list(storeId), 'List keys'), node],
		connections: chain('List keys', node.name),
	});
	const networkCase = ({
		name,
		title,
		operation,
		from,
		to = from,
		warmUpTo,
		outputFormat = 'json',
		http,
		check,
		enforceRateLimits,
		...setup
	}: Omit<NetworkSetup, 'store' | 'parallel'> & {
		name: string;
		enforceRateLimits?: boolean;
		title: string;
		operation: 'get' | 'put';
		/** The store listed; and the one read or written, with their warm-up's. */
		from: string;
		to?: string;
		warmUpTo: string;
		outputFormat?: 'json' | 'binary';
		http: HttpRequestSettings;
		check: Omit<Extract<OutputCheck, { kind: 'items' }>, 'kind' | 'node' | 'count'>;
	}): Case => {
		const ours = (storeId: string) =>
			ourNode(
				operation === 'get'
					? ourParameters.getEach(storeId, outputFormat, parallelOption)
					: ourParameters.putEach(storeId, parallelOption),
			);
		const job = (node: (storeId: string) => WorkflowJob['nodes'][number]): WorkflowJob => ({
			kind: 'workflow',
			...listThen(from, node(to)),
			warmUp: listThen(STORES.netWarmUp, node(warmUpTo)),
			check: { kind: 'items', node: node(to).name, count: setup.items, ...check },
		});
		const parallel = ourParallelRequests(operation);
		return {
			name,
			title,
			group: 'network',
			reps: recordsReps,
			network: { ...setup, store: to, parallel },
			enforceRateLimits,
			ours: {
				label: parallel.option ? `this node, Parallel Requests ${parallel.count}` : 'this node',
				job: job(ours),
			},
			baseline: {
				label: `HTTP Request ${HTTP_REQUEST_VERSION}${http.retryOnFail ? ', Retry On Fail' : ''}`,
				job: job((storeId) => httpRequestNode(urlOf(storeId), http)),
			},
		};
	};

	const many = scale.networkManyItems;
	const items = scale.networkItems;
	const large = scale.networkLargeFiles;
	const count = (value: number) => value.toLocaleString('en');
	const getJson = {
		operation: 'get' as const,
		http: { responseFormat: 'autodetect' as const },
		warmUpTo: STORES.netWarmUp,
		check: { records: true },
	};
	const putStore = api.findStore(STORES.netPut);
	return [
		networkCase({
			name: 'net-get-json',
			title: `Record → Get, ${count(items)} JSON records, ${NET_LATENCY_MS} ms round trip`,
			...getJson,
			from: STORES.netJson(items),
			items,
			latencyMs: NET_LATENCY_MS,
		}),
		networkCase({
			name: 'net-put-json',
			title: `Record → Put, ${count(items)} JSON records, ${NET_LATENCY_MS} ms round trip`,
			operation: 'put',
			from: STORES.netJson(items),
			to: STORES.netPut,
			warmUpTo: STORES.netWarmUpPut,
			http: {
				method: 'PUT',
				jsonBody: '={{ JSON.stringify($json) }}',
				responseFormat: 'autodetect',
			},
			check: {},
			items,
			latencyMs: NET_LATENCY_MS,
			// Each side writes into an empty store, and what it wrote is read back.
			prepare: () => {
				for (const key of [...putStore.keys()]) putStore.deleteRecord(key);
			},
			verify: () => {
				const written = putStore.keys().length;
				if (written !== items) throw new Error(`${written} records written, expected ${items}`);
				for (let index = 0; index < items; index++) {
					const record = putStore.getRecord(recordKey(index));
					const body =
						record &&
						!isGeneratedRecord(record) &&
						record.contentType.startsWith('application/json')
							? (JSON.parse(decodedRecordBody(record).toString('utf8')) as { key?: string })
							: undefined;
					if (body?.key !== recordKey(index))
						throw new Error(`record ${recordKey(index)} is not the input item as JSON`);
				}
				return `${items} records written as JSON, each its input item`;
			},
		}),
		networkCase({
			name: 'net-get-files',
			title: `Record → Get, ${count(items)} files of 1 MiB (Output: File), ${NET_LATENCY_MS} ms round trip`,
			operation: 'get',
			outputFormat: 'binary',
			from: STORES.netFiles,
			warmUpTo: STORES.netWarmUp,
			http: { responseFormat: 'file' },
			check: { files: { size: MIB, samples: [0, Math.floor(items / 2), items - 1] } },
			items,
			latencyMs: NET_LATENCY_MS,
		}),
		networkCase({
			name: 'net-get-json-enforced',
			title: `Record → Get, ${count(items)} JSON records, ${NET_LATENCY_MS} ms round trip, Apify's rate limits enforced`,
			...getJson,
			from: STORES.netJson(items),
			items,
			latencyMs: NET_LATENCY_MS,
			enforceRateLimits: true,
		}),
		networkCase({
			name: 'net-get-large-files',
			title: `Record → Get, ${count(large.count)} files of ${large.mib} MiB (Output: File), ${NET_LATENCY_MS} ms round trip`,
			operation: 'get',
			outputFormat: 'binary',
			from: STORES.netLargeFiles,
			warmUpTo: STORES.netWarmUp,
			http: { responseFormat: 'file' },
			check: { files: { size: large.mib * MIB, samples: [0, large.count - 1] } },
			items: large.count,
			latencyMs: NET_LATENCY_MS,
			aim: 'memory',
		}),
		networkCase({
			name: 'net-get-json-many',
			title: `Record → Get, ${count(many)} JSON records, ${NET_MANY_LATENCY_MS} ms round trip`,
			...getJson,
			from: STORES.netJson(many),
			items: many,
			latencyMs: NET_MANY_LATENCY_MS,
		}),
		networkCase({
			name: 'net-get-json-429',
			title: `Record → Get, ${count(items)} JSON records, ${NET_LATENCY_MS} ms round trip, every ${NET_429_EVERY}th record request answered 429`,
			...getJson,
			// n8n's own retry: the node runs again, every item's request again.
			http: { ...getJson.http, retryOnFail: true },
			aim: 'refusals',
			from: STORES.netJson(items),
			items,
			latencyMs: NET_LATENCY_MS,
			faults: [
				{
					server: 'api',
					path: new RegExp(`^/v2/key-value-stores/${STORES.netJson(items)}/records/`),
					kind: 'status',
					status: 429,
					everyNth: NET_429_EVERY,
					times: Infinity,
				},
			],
		}),
	];
}

/** A main case gets the ref's build beside ours: the same job, loaded from the ref's package folder. */
function addCompareSide(entry: Case, compare: CompareBuild): void {
	if (entry.group !== 'main') return;
	entry.ours = { ...entry.ours, label: 'this node, this checkout' };
	entry.ref = {
		...entry.ours,
		label: `this node, ${compare.label}`,
		env: { ...entry.ours.env, HARNESS_PACKAGE_DIR: compare.dir },
	};
}

/**
 * Lists every key of the key store once, so that the local API has sorted the keys and signed
 * their public URLs (it keeps both) before the first measured run: otherwise whichever side
 * runs first would pay for it.
 */
async function warmUpApi(api: LocalApi): Promise<void> {
	let exclusiveStartKey: string | null = null;
	do {
		const query: string = exclusiveStartKey
			? `?exclusiveStartKey=${encodeURIComponent(exclusiveStartKey)}`
			: '';
		const response = await fetch(`${api.url}/v2/key-value-stores/${STORES.keys}/keys${query}`, {
			headers: { Authorization: `Bearer ${TOKEN}` },
		});
		exclusiveStartKey = (
			(await response.json()) as { data: { nextExclusiveStartKey: string | null } }
		).data.nextExclusiveStartKey;
	} while (exclusiveStartKey);
}

/** The size of an archive as the API sends it, read through once (it is generated, so nothing is kept). */
async function archiveSize(url: string): Promise<number> {
	const response = await fetch(url, { headers: { Authorization: `Bearer ${TOKEN}` } });
	if (!response.ok || !response.body) throw new Error(`GET ${url}: ${response.status}`);
	let size = 0;
	for await (const chunk of response.body) size += (chunk as Uint8Array).length;
	return size;
}

// ----- reporting -----

const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const seconds = (ms: number) => (ms / 1000).toFixed(2);
const mib = (value: number) => value.toFixed(0);

interface Row {
	entry: Case;
	ours: Measured;
	ref?: Measured;
	baseline: Measured;
	curl?: Measured;
	nodeStream?: Measured;
}

const timeOf = (measured: Measured | undefined) =>
	measured && measured.runs.length ? median(measured.runs.map((run) => run.ms)) : NaN;
const maxOf = (measured: Measured, pick: (run: JobResult) => number) =>
	Math.max(...measured.runs.map(pick));
function cell(measured: Measured | undefined): string {
	if (!measured) return '–';
	// A reason may hold " | " between its lines, which would end a table's cell.
	if (measured.failure && !measured.runs.length)
		return `failed: ${measured.failure.replaceAll('|', '\\|')}`;
	if (!measured.runs.length) return '–';
	const times = measured.runs.map((run) => run.ms);
	const range =
		times.length > 1
			? ` (${times.length} runs: ${seconds(Math.min(...times))}–${seconds(Math.max(...times))})`
			: '';
	return `${seconds(timeOf(measured))} s${range}`;
}
const memoryCell = (measured: Measured) =>
	measured.runs.length
		? `${mib(maxOf(measured, (run) => run.peakMiB))} (+${mib(maxOf(measured, (run) => run.growthMiB))})`
		: '–';

/**
 * The median of the repetitions' ratios: the sides of one repetition run back to back, so a slow
 * spell of this shared machine, which can double every time of a repetition, slows both.
 */
function timeRatio(
	ours: Measured,
	against: Measured | undefined,
	pick: (run: JobResult) => number | undefined = (run) => run.ms,
): number {
	return median(repetitionRatios(ours, against, pick));
}

/** Ours / against within each repetition; NaN where a side has no figure. */
function repetitionRatios(
	ours: Measured,
	against: Measured | undefined,
	pick: (run: JobResult) => number | undefined = (run) => run.ms,
): number[] {
	const paired = Math.min(ours.runs.length, against?.runs.length ?? 0);
	if (!against || paired === 0) return [NaN];
	return Array.from(
		{ length: paired },
		(_, index) => (pick(ours.runs[index]) ?? NaN) / (pick(against.runs[index]) ?? NaN),
	);
}

function ratio(row: Row, against: Measured | undefined): string {
	const value = timeRatio(row.ours, against);
	return Number.isFinite(value) ? `${value.toFixed(2)}×` : '–';
}

/** The table; with a compare ref, also the ref's time and memory and "HEAD / ref", after "Ours / baseline". */
function table(rows: Row[], compare?: CompareBuild): string[] {
	const refHeads = compare ? ['Ref time', 'HEAD / ref', 'Ref peak RSS, MiB (growth)'] : [];
	const heads = [
		'Case',
		'Baseline',
		'Ours',
		'Baseline time',
		'Ours / baseline',
		...refHeads,
		'Ours peak RSS, MiB (growth)',
		'Baseline peak RSS, MiB (growth)',
		'curl -o',
		'Ours / curl',
		'Node.js stream → file',
		'Ours / Node.js',
	];
	const lines = [`| ${heads.join(' | ')} |`, `|${heads.map(() => '---').join('|')}|`];
	for (const row of rows) {
		const refCells = compare
			? [cell(row.ref), row.ref ? ratio(row, row.ref) : '–', row.ref ? memoryCell(row.ref) : '–']
			: [];
		const cells = [
			row.entry.title,
			row.entry.baseline?.label ?? 'none (cannot run)',
			cell(row.ours),
			cell(row.baseline),
			ratio(row, row.baseline),
			...refCells,
			memoryCell(row.ours),
			memoryCell(row.baseline),
			cell(row.curl),
			row.curl ? ratio(row, row.curl) : '–',
			cell(row.nodeStream),
			row.nodeStream ? ratio(row, row.nodeStream) : '–',
		];
		lines.push(`| ${cells.join(' | ')} |`);
	}
	return lines;
}

/**
 * One line per case run against the compare ref: HEAD / ref in time and in CPU time, and whether
 * the time is within the tolerance. CPU time, which other processes change less, tells a slow
 * spell of the machine from a slower node when the time ratios scatter.
 */
function comparison(rows: Row[], compare: CompareBuild): string[] {
	const percent = `${Math.round((COMPARE_TOLERANCE - 1) * 100)}%`;
	const lines = [
		`HEAD is this checkout's build (uncommitted changes included), ref is ${compare.label}, built from that commit; both ran back to back in every repetition, in alternating order. Goal: HEAD at most ${percent} slower than ref in every case (HEAD / ref ≤ ${COMPARE_TOLERANCE.toFixed(2)}×, the median of the repetitions' time ratios). CPU is the ratio of the runs' CPU time (user and system).`,
		'',
	];
	const ratioText = (ratios: number[]) => {
		const value = median(ratios);
		if (!Number.isFinite(value)) return { value, text: '–' };
		const range =
			ratios.length > 1
				? ` (${ratios.length} repetitions: ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`
				: ' (1 repetition)';
		return { value, text: `${value.toFixed(2)}×${range}` };
	};
	for (const row of rows) {
		const ref = row.ref;
		if (!ref) continue;
		const time = ratioText(repetitionRatios(row.ours, ref));
		if (!Number.isFinite(time.value)) {
			lines.push(
				`- ${row.entry.title}: no ratio (${row.ours.failure ?? ref.failure ?? 'no runs'}).`,
			);
			continue;
		}
		const cpu = ratioText(repetitionRatios(row.ours, ref, (run) => run.cpuMs));
		const within = time.value <= COMPARE_TOLERANCE;
		const verdict = within
			? `within ${percent}`
			: cpu.value <= COMPARE_TOLERANCE
				? `NOT within ${percent} in time, but within in CPU time: likely the machine; repeat with more repetitions or the full scale`
				: `NOT within ${percent}`;
		const peak = (measured: Measured) => mib(maxOf(measured, (run) => run.peakMiB));
		lines.push(
			`- ${row.entry.title}: HEAD / ref ${time.text}, CPU ${cpu.text}: ${verdict}; peak RSS ${peak(row.ours)} MiB against ${peak(ref)} MiB.`,
		);
	}
	return lines;
}

function goals(rows: Row[]): string[] {
	const find = (name: string) => rows.find((row) => row.entry.name === name);
	const lines: string[] = [];
	const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
	const get = find('get-record');
	if (get && get.ours.runs.length) {
		const growth = maxOf(get.ours, (run) => run.growthMiB);
		lines.push(
			`- Get record: peak RSS growth ${mib(growth)} MiB (goal ≤ 100): ${verdict(growth <= 100)}.`,
		);
		if (get.curl?.runs.length) {
			const value = timeRatio(get.ours, get.curl);
			lines.push(
				`- Get record: ${value.toFixed(2)}× curl (goal ≤ 1.3×): ${verdict(value <= 1.3)}.`,
			);
		}
		const value = timeRatio(get.ours, get.baseline);
		lines.push(
			`- Get record: ${value.toFixed(2)}× the HTTP Request node (goal ≤ 1×): ${verdict(value <= 1)}.`,
		);
	}
	const list = find('list-keys');
	if (list && list.ours.runs.length) {
		const value = timeRatio(list.ours, list.baseline);
		lines.push(
			`- List keys: ${value.toFixed(2)}× apify-client (goal ≤ 1.1×): ${verdict(value <= 1.1)}.`,
		);
		const ours = maxOf(list.ours, (run) => run.growthMiB);
		const client = list.baseline.runs.length ? maxOf(list.baseline, (run) => run.growthMiB) : 0;
		const perKey = ((ours - client) * MIB) / scale.keyCount;
		lines.push(
			`- List keys: peak RSS growth ${mib(ours)} MiB against apify-client's ${mib(client)} MiB, which keeps no keys: about ${Math.max(0, perKey).toFixed(0)} bytes more per output item.`,
		);
	}
	const zip = find('download-zip');
	if (zip && zip.ours.runs.length) {
		const growth = maxOf(zip.ours, (run) => run.growthMiB);
		lines.push(
			`- Download ZIP: peak RSS growth ${mib(growth)} MiB (goal ≤ 100, streamed): ${verdict(growth <= 100)}.`,
		);
	}
	const records = find(`records-${scale.recordCounts[1]}`);
	if (records && records.ours.runs.length && records.baseline.runs.length) {
		const value = timeRatio(records.ours, records.baseline);
		lines.push(
			`- One item per record (${records.entry.title.split(', ').pop()}): ${value.toFixed(2)}× HTTP Request → Compression (goal < 1×): ${verdict(value < 1)}.`,
		);
		const ours = maxOf(records.ours, (run) => run.peakMiB);
		const theirs = maxOf(records.baseline, (run) => run.peakMiB);
		lines.push(
			`- One item per record: peak RSS ${mib(ours)} MiB against ${mib(theirs)} MiB (goal ≤ theirs): ${verdict(ours <= theirs)}.`,
		);
	}
	return lines;
}

/**
 * Records mode's goals: peak RSS growth at most RECORDS_GROWTH_GOAL_MIB for the large cases (the
 * largest count of records, and the archives of 1 GiB and more), and at most 0.9× HTTP Request →
 * Compression wherever that runs.
 */
function unpackingGoals(rows: Row[]): string[] {
	const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
	const largest = Math.max(...scale.recordCounts);
	const lines: string[] = [];
	for (const row of rows) {
		if (!row.ours.runs.length) continue;
		const what = row.entry.title.replace(/^(Record → Download All, )?one item per record, /i, '');
		const large = row.entry.name === `records-${largest}` || row.entry.group === 'probe';
		if (large) {
			const growth = maxOf(row.ours, (run) => run.growthMiB);
			lines.push(
				`- ${what}: peak RSS growth ${mib(growth)} MiB (goal ≤ ${RECORDS_GROWTH_GOAL_MIB}): ${verdict(growth <= RECORDS_GROWTH_GOAL_MIB)}.`,
			);
		}
		if (row.baseline.runs.length) {
			const value = timeRatio(row.ours, row.baseline);
			lines.push(
				`- ${what}: ${value.toFixed(2)}× HTTP Request → Compression (goal ≤ 0.9×): ${verdict(value <= 0.9)}.`,
			);
		}
	}
	return lines;
}

/** The records of the case's store as the local API counted them in one run. */
const recordTraffic = (run: JobResult, store: string) => run.traffic?.resources[store]?.records;

function trafficText(run: JobResult, store: string): string {
	const records = recordTraffic(run, store);
	return `${run.traffic?.total ?? '?'} requests, at most ${run.traffic?.maxInFlight ?? '?'} in flight, at most ${records?.maxPerSecond ?? 0} record requests/s to the store (${records?.lastSecond ?? 0} in the last second), ${records?.rateLimited ?? 0} answered 429`;
}

/** A case's ideal time: every request one round trip, this node's parallel requests at once, within Apify's limit. */
function idealMs({ items, latencyMs, parallel }: NetworkSetup): number {
	return Math.max((items * latencyMs) / parallel.count, (items / RATE_LIMITS.records) * 1000);
}

function networkTable(rows: Row[]): string[] {
	const heads = [
		'Case',
		'Ours',
		'HTTP Request',
		'Ours / HTTP Request',
		'Ideal',
		'Ours / ideal',
		'In flight at most, ours / HTTP Request',
		'Record requests per second to the store at most, ours / HTTP Request',
		'Requests in a run (at most), ours / HTTP Request',
		'Answered 429 (at most), ours / HTTP Request',
		'Peak RSS growth, MiB (at most), ours / HTTP Request',
	];
	const lines = [`| ${heads.join(' | ')} |`, `|${heads.map(() => '---').join('|')}|`];
	for (const row of rows) {
		const network = row.entry.network as NetworkSetup;
		const most = (pick: (run: JobResult) => number | undefined) =>
			[row.ours, row.baseline]
				.map((measured) => (measured.runs.length ? maxOf(measured, (run) => pick(run) ?? 0) : '–'))
				.join(' / ');
		const ideal = idealMs(network);
		const overIdeal = timeOf(row.ours) / ideal;
		lines.push(
			`| ${[
				row.entry.title,
				cell(row.ours),
				cell(row.baseline),
				ratio(row, row.baseline),
				`${seconds(ideal)} s (${network.parallel.count} at once)`,
				Number.isFinite(overIdeal) ? `${overIdeal.toFixed(2)}×` : '–',
				most((run) => run.traffic?.maxInFlight),
				most((run) => recordTraffic(run, network.store)?.maxPerSecond),
				most((run) => run.traffic?.total),
				most((run) => recordTraffic(run, network.store)?.rateLimited),
				most((run) => run.growthMiB),
			].join(' | ')} |`,
		);
	}
	return lines;
}

/**
 * The network cases' goals, for this node: at most HTTP Request's time, within 1.25× of the ideal,
 * at most Apify's 200 record requests per second to a store, and every item once, in order.
 */
function networkGoals(rows: Row[]): string[] {
	const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
	const lines: string[] = [];
	for (const row of rows) {
		const network = row.entry.network as NetworkSetup;
		const title = row.entry.title;
		if (!row.ours.runs.length) {
			lines.push(`- ${title}: this node failed: ${row.ours.failure ?? 'no runs'}. Goals NOT met.`);
			continue;
		}
		const against = timeRatio(row.ours, row.baseline);
		lines.push(
			Number.isFinite(against)
				? `- ${title}: ${against.toFixed(2)}× HTTP Request ${network.aim === 'memory' ? '(no time goal)' : `(goal ≤ 1.0×): ${verdict(against <= 1)}`}.`
				: `- ${title}: HTTP Request ${row.baseline.failure ? `failed: ${row.baseline.failure}` : 'did not run'}; no ratio.`,
		);
		const overIdeal = timeOf(row.ours) / idealMs(network);
		const growth = maxOf(row.ours, (run) => run.growthMiB);
		lines.push(
			network.aim === 'refusals'
				? `- ${title}: ${overIdeal.toFixed(2)}× the ideal ${seconds(idealMs(network))} s (no time goal: every 429 pauses the store's requests and lowers their rate).`
				: network.aim === 'memory'
					? `- ${title}: peak RSS growth ${growth} MiB with ${network.items} downloads at once, ${(growth / network.items).toFixed(1)} MiB each (a streaming window, not the file; no time goal).`
					: `- ${title}: ${overIdeal.toFixed(2)}× the ideal ${seconds(idealMs(network))} s (goal ≤ 1.25×): ${verdict(overIdeal <= 1.25)}.`,
		);
		const rate = maxOf(row.ours, (run) => recordTraffic(run, network.store)?.maxPerSecond ?? 0);
		lines.push(
			`- ${title}: at most ${rate} record requests per second to the store (goal ≤ ${RATE_LIMITS.records}): ${verdict(rate <= RATE_LIMITS.records)}.`,
		);
		if (network.faults?.length) {
			const last = row.ours.runs.map((run) => recordTraffic(run, network.store)?.lastSecond ?? 0);
			lines.push(
				`- ${title}: after the 429s, ${last.join(', ')} record requests in the last second of each run (${maxOf(row.ours, (run) => recordTraffic(run, network.store)?.rateLimited ?? 0)} answered 429 at most).`,
			);
		}
		const runs = row.ours.runs.length;
		const failed = row.ours.failure ? `, then a run failed: ${row.ours.failure}` : '';
		lines.push(
			`- ${title}: 0 lost, 0 duplicated, order kept, in ${runs} run${runs === 1 ? '' : 's'}${failed}: ${verdict(!row.ours.failure)}.`,
		);
	}
	return lines;
}

function machine(): string[] {
	const cpu = cpus();
	const n8nCore = (
		JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules/n8n-core/package.json'), 'utf8')) as {
			version: string;
		}
	).version;
	return [
		`- CPU: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores; memory ${(totalmem() / 1024 ** 3).toFixed(1)} GiB (${(freemem() / 1024 ** 3).toFixed(1)} GiB free at the start); Linux ${release()}`,
		`- Load average (1 min) ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0].toFixed(1)} at the end (the benchmark itself keeps about 2 busy)`,
		`- Binary data and curl's output in ${scratch}${scratch === '/dev/shm' ? ' (a RAM disk)' : ''}`,
		`- Node.js ${process.version}; n8n-core ${n8nCore}; n8n-nodes-base ${BASELINE_VERSION} (HTTP Request ${HTTP_REQUEST_VERSION}, Compression ${COMPRESSION_VERSION})`,
	];
}

// ----- main -----

/** One repetition of a case: each side once, the order alternating between repetitions. */
async function runRepetition(api: LocalApi, row: Row, rep: number): Promise<void> {
	const { entry } = row;
	log(`\n${entry.title}${entry.reps > 1 ? ` (repetition ${rep + 1} of ${entry.reps})` : ''}`);
	// The ref's build runs right beside ours, so that both see the same spell of this machine.
	const sides: Array<[Side, Measured]> = [
		...(entry.ref && row.ref ? [[entry.ref, row.ref] as [Side, Measured]] : []),
		[entry.ours, row.ours],
		...(entry.baseline ? [[entry.baseline, row.baseline] as [Side, Measured]] : []),
		...(entry.curl && row.curl ? [[entry.curl, row.curl] as [Side, Measured]] : []),
		...(entry.nodeStream && row.nodeStream
			? [[entry.nodeStream, row.nodeStream] as [Side, Measured]]
			: []),
	];
	// Alternate which side goes first, so that neither always runs on a warmer machine.
	const order = rep % 2 === 0 ? sides : [...sides].reverse();
	for (const [side, measured] of order) {
		if (measured.failure) continue;
		try {
			// Files are hashed on the first repetition only: reading 1 GiB back adds nothing to what is measured.
			const result = await runSide(api, rep === 0 ? side : withoutHash(side), entry);
			measured.runs.push(result);
			const memory = side.job
				? `, peak RSS ${mib(result.peakMiB)} MiB (+${mib(result.growthMiB)}), CPU ${seconds(result.cpuMs ?? NaN)} s`
				: '';
			const traffic = entry.network ? `; ${trafficText(result, entry.network.store)}` : '';
			log(
				`  ${side.label.padEnd(36)} ${seconds(result.ms).padStart(7)} s${memory}; ${result.summary}${traffic}`,
			);
		} catch (error) {
			measured.failure = (error as Error).message.slice(0, 300);
			log(`  ${side.label.padEnd(36)} FAILED: ${measured.failure}`);
		}
	}
}

function withoutHash(side: Side): Side {
	if (side.job?.kind !== 'workflow' || side.job.check.kind !== 'file') return side;
	return { ...side, job: { ...side.job, check: { ...side.job.check, sha256: undefined } } };
}

async function main(): Promise<void> {
	log(
		`Benchmark${quick ? ' (quick scale)' : ''}: every case once, then up to ${reps} runs of the main cases within ${budgetMinutes} min.`,
	);
	const install = ensureBaseline(log);
	if (install.installSeconds === 0) log(`Baseline nodes: ${BASELINE_DIR} (reused).`);
	const compare = compareRef ? ensureCompareBuild(compareRef, log) : undefined;

	const api = await startLocalApi();
	const rows: Row[] = [];
	let apiPeakMiB = 0;
	try {
		const seeding = performance.now();
		seedStores(api, scale);
		await warmUpApi(api);
		log(
			`Local API at ${api.url}; stores generated in ${seconds(performance.now() - seeding)} s (bodies are made when read).`,
		);
		const cases = await buildCases(api);
		if (compare) cases.forEach((entry) => addCompareSide(entry, compare));
		for (const entry of cases) {
			rows.push({
				entry,
				ours: { runs: [] },
				ref: entry.ref ? { runs: [] } : undefined,
				baseline: { runs: [] },
				curl: entry.curl ? { runs: [] } : undefined,
				nodeStream: entry.nodeStream ? { runs: [] } : undefined,
			});
		}
		// Every case once, then more repetitions while the next one still fits in the time budget.
		const firstRepMs = new Map<Row, number>();
		for (const row of rows) {
			const begin = performance.now();
			await runRepetition(api, row, 0);
			firstRepMs.set(row, performance.now() - begin);
		}
		// The network cases repeat after the others: with one request at a time they take minutes,
		// which would leave the main cases' repetitions out of the budget.
		const byGroup = (network: boolean) =>
			rows.filter((row) => (row.entry.group === 'network') === network);
		for (const group of [byGroup(false), byGroup(true)]) {
			for (let rep = 1; rep < reps; rep++) {
				for (const row of group) {
					if (rep >= row.entry.reps) continue;
					if (performance.now() + (firstRepMs.get(row) ?? 0) > deadline) {
						log(
							`\n${row.entry.title}: repetition ${rep + 1} left out, it would pass the time budget of ${budgetMinutes} min`,
						);
						continue;
					}
					await runRepetition(api, row, rep);
				}
			}
		}
	} finally {
		apiPeakMiB = toMiB(peakRssBytes());
		await api.close();
	}

	const totalSeconds = (performance.now() - started) / 1000;
	const main = rows.filter((row) => row.entry.group === 'main');
	const scaling = rows.filter((row) => row.entry.name.startsWith('records-'));
	const probes = rows.filter((row) => row.entry.group === 'probe');
	const network = rows.filter((row) => row.entry.group === 'network');
	const parallelSources = [
		...new Set(
			network.map(
				({ entry }) => `${entry.network?.parallel.count} (${entry.network?.parallel.source})`,
			),
		),
	];
	const report = [
		'# Benchmark results',
		'',
		`Measured by \`${compare ? `BENCH_COMPARE_REF=${compare.ref} ` : ''}npm run bench\` on ${new Date().toISOString().slice(0, 10)}${quick ? ' at the quick scale (BENCH_QUICK=1), not the full one' : ''}; up to ${reps} runs of each main case: times are medians (the number of runs and fastest–slowest in brackets), ratios the medians of the ratios within each repetition, whose sides run back to back, peak RSS the highest of the runs, growth its rise during the run.`,
		'',
		...machine(),
		'',
		'## Main cases',
		'',
		...table(main, compare),
		'',
		...goals(rows),
		'',
		...(compare ? [`## Against ${compare.label}`, '', ...comparison(main, compare), ''] : []),
		'## One item per record: how time and memory grow',
		'',
		...table(scaling),
		'',
		'## Records mode at any size (unpacked as it downloads)',
		'',
		...table(probes),
		'',
		...unpackingGoals([...scaling, ...probes]),
		'',
		'## Many items over a network',
		'',
		`Each case: Key → List (Return All) of a store, then one request per item: this node's Record → Get or Put of \`{{ $json.key }}\` with its default parameters, or n8n's HTTP Request node with its defaults, which sends every item's request at once. The local API waits the round trip before every answer, each request on its own, as a network does. This node's Parallel Requests: ${parallelSources.join('; ') || '–'}. Ideal: every request one round trip, that many at once, within Apify's ${RATE_LIMITS.records} record requests per second to a store (max(items × round trip ÷ parallel requests, items ÷ ${RATE_LIMITS.records}/s)); the times also hold Key → List's request. In flight and per second as the local API counted them in the measured runs, the most of any run.`,
		'',
		...networkTable(network),
		'',
		...networkGoals(network),
		'',
		`The local API (in the benchmark's own process) peaked at ${mib(apiPeakMiB)} MiB RSS while it generated every body and archive above.`,
		`Total time of this run: ${(totalSeconds / 60).toFixed(1)} min${install.installSeconds ? `, of which ${install.installSeconds} s installing the baseline nodes` : ' (baseline nodes already installed)'}${compare?.buildSeconds ? `; ${compare.buildSeconds} s building ${compare.label}` : ''}.`,
		'',
	];
	// Only a full run without a compare ref replaces bench/results.md; the others go to the git-ignored cache.
	const kind = [compare ? 'compare' : '', quick ? 'quick' : only.length ? 'partial' : '']
		.filter(Boolean)
		.join('.');
	const output = kind
		? join(PROJECT_ROOT, '.cache', `bench-results.${kind}.md`)
		: join(__dirname, 'results.md');
	writeFileSync(output, report.join('\n') + handWrittenPart(output));
	log(`\n${report.slice(4).join('\n')}`);
	log(`Written to ${output}`);
}

/**
 * Notes written by hand under the generated report (runs of other commands, comparisons, findings)
 * start at this line; a full run replaces what is above it and keeps them.
 */
const HAND_WRITTEN_MARKER = '<!-- Written by hand from here on: a full run keeps what follows. -->';

/** The file's part from HAND_WRITTEN_MARKER on, after a blank line; empty when it has none. */
function handWrittenPart(file: string): string {
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch {
		return '';
	}
	const at = text.indexOf(HAND_WRITTEN_MARKER);
	return at < 0 ? '' : `\n${text.slice(at)}`;
}

main().catch((error: Error) => {
	process.stderr.write(`${error.stack ?? error.message}\n`);
	process.exit(1);
});
