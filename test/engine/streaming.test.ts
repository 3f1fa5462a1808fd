/**
 * Streaming, proved by memory rather than by time: each workflow runs in a process of its own
 * (the benchmark's case runner), whose peak resident memory during the run must stay far below
 * the size of the data that went through it. The bytes are checked there too, by SHA-256 read
 * back from n8n's binary data storage, so this process never holds them either.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';

import { ourNode, ourParameters, STORES, type Job, type JobResult } from '../../bench/cases';
import { binaryStream, digestOfGenerated } from '../../dev/local-api/generated';
import { startLocalApi, type LocalApi } from '../../dev/local-api/server';
import { useContractCheck } from './setup';

const MIB = 1024 * 1024;
const PROJECT_ROOT = resolve(__dirname, '../..');
const NODE_NAME = 'Apify Key-Value Store';
/** How much the running process may grow: a quarter of what goes through it, and more than the usual +30 to +50 MiB. */
const BOUND_MIB = 96;
const RECORD_BYTES = 384 * MIB;

let api: LocalApi;
const contract = useContractCheck();

/** `size` bytes of one JSON string of x's: deflates about 1000:1, so a small archive unpacks to a lot. */
function repetitiveJson(size: number): Readable {
	const chunk = Buffer.alloc(MIB, 'x');
	let sent = 0;
	return new Readable({
		read() {
			if (sent >= size) return void this.push(null);
			const length = Math.min(MIB, size - sent);
			const piece = Buffer.from(chunk.subarray(0, length));
			if (sent === 0) piece[0] = 0x22; // opening quote
			if (sent + length === size) piece[length - 1] = 0x22; // closing quote
			sent += length;
			this.push(piece);
		},
	});
}

beforeAll(async () => {
	api = await startLocalApi({ observer: contract.check });
	const add = (id: string) => api.addStore({ id, name: id.toLowerCase() });
	add(STORES.small);
	api.putGeneratedRecord(STORES.small, 'small', {
		size: 1000,
		contentType: 'application/octet-stream',
		generate: () => binaryStream(1000, 3),
	});
	add(STORES.bigRecord);
	api.putGeneratedRecord(STORES.bigRecord, 'big-file', {
		size: RECORD_BYTES,
		contentType: 'application/octet-stream',
		generate: () => binaryStream(RECORD_BYTES, 1),
	});
	add(STORES.zip);
	for (let part = 0; part < 4; part++) {
		api.putGeneratedRecord(STORES.zip, `part-${part}`, {
			size: RECORD_BYTES / 4,
			contentType: 'application/octet-stream',
			zipCompression: 'STORE',
			generate: () => binaryStream(RECORD_BYTES / 4, 10 + part),
		});
	}
	add(STORES.records(300));
	for (let index = 0; index < 300; index++) {
		api.putGeneratedRecord(STORES.records(300), `record-${index}`, {
			size: MIB,
			contentType: 'application/json',
			generate: () => repetitiveJson(MIB),
		});
	}
});

afterAll(async () => await api.close());

/** Runs a job in a child process, as `npm run bench` does, and returns its measurement. */
function runInChild(job: Job): Promise<JobResult> {
	const userFolder = mkdtempSync(join(tmpdir(), 'n8n-streaming-'));
	return new Promise<JobResult>((resolvePromise, reject) => {
		const child = spawn(
			process.execPath,
			[
				'--expose-gc',
				'--require',
				'tsx/cjs',
				join(PROJECT_ROOT, 'bench/case.ts'),
				JSON.stringify(job),
			],
			{
				cwd: PROJECT_ROOT,
				env: { ...process.env, N8N_USER_FOLDER: userFolder, BENCH_API_URL: api.url },
				stdio: ['ignore', 'pipe', 'pipe'],
			},
		);
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('error', reject);
		child.on('close', (code) => {
			rmSync(userFolder, { recursive: true, force: true });
			const line = stdout.split('\n').find((entry) => entry.startsWith('RESULT '));
			if (code === 0 && line) {
				const result = JSON.parse(line.slice('RESULT '.length)) as JobResult;
				process.stdout.write(
					`streaming: ${result.summary}; peak RSS ${result.peakMiB} MiB, +${result.growthMiB} MiB during the run\n`,
				);
				resolvePromise(result);
			} else reject(new Error(`The workflow process exited with ${code}: ${stderr.slice(-2000)}`));
		});
	});
}

const warmUp = { nodes: [ourNode(ourParameters.get(STORES.small, 'small'))] };

describe('streaming through n8n binary data, in a process of its own', () => {
	jest.setTimeout(90_000);

	it(`Record → Get of a ${RECORD_BYTES / MIB} MiB file grows the process by less than ${BOUND_MIB} MiB, with every byte right`, async () => {
		const expected = await digestOfGenerated(() => binaryStream(RECORD_BYTES, 1));
		const result = await runInChild({
			kind: 'workflow',
			nodes: [ourNode(ourParameters.get(STORES.bigRecord, 'big-file'))],
			warmUp,
			check: { kind: 'file', node: NODE_NAME, size: RECORD_BYTES, sha256: expected.sha256 },
		});
		expect(result.summary).toBe(`1 file, ${RECORD_BYTES} bytes, SHA-256 matches`);
		expect(result.peakResetWorked || process.platform !== 'linux').toBe(true);
		expect(result.growthMiB).toBeLessThan(BOUND_MIB);
	});

	it(`Record → Download All as one ZIP file of ${RECORD_BYTES / MIB} MiB grows the process by less than ${BOUND_MIB} MiB`, async () => {
		const result = await runInChild({
			kind: 'workflow',
			nodes: [ourNode(ourParameters.zip(STORES.zip))],
			warmUp,
			// 4 STORE entries: the records, plus headers, data descriptors and the directory.
			check: {
				kind: 'file',
				node: NODE_NAME,
				size: RECORD_BYTES + 4 * (30 + 6 + 16 + 46 + 6) + 22,
			},
		});
		expect(result.summary).toMatch(/^1 file, \d+ bytes$/);
		expect(result.growthMiB).toBeLessThan(BOUND_MIB);
	});

	it(`one item per record never holds all records: 300 MiB unpacked from a small archive, less than ${BOUND_MIB} MiB of growth`, async () => {
		const result = await runInChild({
			kind: 'workflow',
			nodes: [ourNode(ourParameters.records(STORES.records(300)))],
			warmUp,
			check: {
				kind: 'records',
				node: NODE_NAME,
				layout: 'items',
				count: 300,
				totalBytes: 300 * MIB,
				samples: [],
			},
		});
		expect(result.summary).toBe(`300 records, ${300 * MIB} bytes, 0 checked byte for byte`);
		expect(result.growthMiB).toBeLessThan(BOUND_MIB);
	});
});
