/**
 * One measured run, in a process of its own so that its peak memory is the run's alone:
 * `node --expose-gc --import tsx bench/case.ts '<job as JSON>'`. Loads the engine and nodes,
 * runs the job once on small data (so that the measured run loads no code), collects garbage,
 * resets the process's peak resident memory, runs the job, and reads the peak. The output is
 * checked afterwards, outside the measurement. Prints one line: `RESULT {json}`.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { ApifyClient } from 'apify-client';
import type { IBinaryData, INodeExecutionData } from 'n8n-workflow';

import { credentialsHelper, CREDENTIAL_TYPE, initBinaryData } from '../dev/harness/engine';
import { binaryStream, digestOfGenerated, jsonBody } from '../dev/local-api/generated';
import {
	currentRssBytes,
	peakRssBytes,
	resetPeakRss,
	toMiB,
} from '../dev/local-api/process-memory';
import {
	CREDENTIAL_ID,
	netFileSeed,
	recordKey,
	TOKEN,
	type ClientJob,
	type Job,
	type JobResult,
	type OutputCheck,
	type WorkflowJob,
} from './cases';
import { outputOf, prepareWorkflow } from './workflow';

const gc = (globalThis as { gc?: () => void }).gc;

function settle(): void {
	if (!gc) throw new Error('Run with --expose-gc');
	gc();
	gc();
}

async function sha256OfBinary(binary: IBinaryData): Promise<{ sha256: string; size: number }> {
	const service = await initBinaryData();
	const hash = createHash('sha256');
	let size = 0;
	for await (const chunk of await service.getAsStream(binary.id as string)) {
		hash.update(chunk as Buffer);
		size += (chunk as Buffer).length;
	}
	return { sha256: hash.digest('hex'), size };
}

/** Checks the output against what the local API generated; returns a one-line summary. */
async function checkOutput(items: INodeExecutionData[], check: OutputCheck): Promise<string> {
	const fail = (message: string): never => {
		throw new Error(`Output check failed: ${message}`);
	};
	switch (check.kind) {
		case 'file': {
			const binary = items[0]?.binary?.data ?? fail('no binary property "data"');
			// Without a hash to compare, the size n8n recorded when it stored the file is enough.
			const { sha256, size } = check.sha256
				? await sha256OfBinary(binary)
				: { sha256: '', size: binary.bytes ?? -1 };
			if (size !== check.size) fail(`${size} bytes, expected ${check.size}`);
			if (check.sha256 && sha256 !== check.sha256)
				fail('SHA-256 differs from the generated record');
			return `1 file, ${size} bytes${check.sha256 ? ', SHA-256 matches' : ''}`;
		}
		case 'items': {
			if (items.length !== check.count) fail(`${items.length} items, expected ${check.count}`);
			for (const [index, item] of items.entries()) {
				const paired = item.pairedItem;
				const from = typeof paired === 'object' && !Array.isArray(paired) ? paired.item : paired;
				if (from !== index)
					fail(
						`item ${index} answers input ${JSON.stringify(paired)}: lost, twice or out of order`,
					);
				if (check.records && (item.json.key !== recordKey(index) || item.json.index !== index))
					fail(`item ${index} holds ${JSON.stringify(item.json).slice(0, 100)}`);
				if (check.files && item.binary?.data?.bytes !== check.files.size)
					fail(`item ${index} has no file of ${check.files.size} bytes`);
			}
			for (const index of check.files?.samples ?? []) {
				const binary = items[index].binary?.data ?? fail(`no file in item ${index}`);
				const size = check.files?.size ?? 0;
				const expected = await digestOfGenerated(() => binaryStream(size, netFileSeed(index)));
				if ((await sha256OfBinary(binary)).sha256 !== expected.sha256)
					fail(`the file of item ${index} differs from the generated one`);
			}
			const content = check.records
				? ', each its record'
				: check.files
					? `, each a file of ${check.files.size} bytes, ${check.files.samples.length} checked byte for byte`
					: '';
			return `${items.length} items in input order${content}`;
		}
		case 'keys': {
			if (items.length !== check.count) fail(`${items.length} keys, expected ${check.count}`);
			if (items[0].json.key !== check.first || items[items.length - 1].json.key !== check.last)
				fail('first or last key differs');
			return `${items.length} keys in order`;
		}
		case 'records': {
			const binaries: Array<[string, IBinaryData]> =
				check.layout === 'items'
					? items.map((item) => [
							String(item.json.key),
							item.binary?.data ?? fail(`no file for ${String(item.json.key)}`),
						])
					: Object.values(items[0]?.binary ?? {}).map((binary) => [binary.fileName ?? '', binary]);
			if (binaries.length !== check.count)
				fail(`${binaries.length} records, expected ${check.count}`);
			const byKey = new Map(binaries);
			let totalBytes = 0;
			for (const [, binary] of binaries) totalBytes += binary.bytes ?? 0;
			if (totalBytes !== check.totalBytes)
				fail(`${totalBytes} bytes in all, expected ${check.totalBytes}`);
			for (const sample of check.samples) {
				const binary = byKey.get(sample.key) ?? fail(`no record ${sample.key}`);
				const expected = createHash('sha256')
					.update(jsonBody(sample.size, sample.seed))
					.digest('hex');
				if ((await sha256OfBinary(binary)).sha256 !== expected)
					fail(`record ${sample.key} differs from the generated one`);
			}
			return `${binaries.length} records, ${totalBytes} bytes, ${check.samples.length} checked byte for byte`;
		}
	}
}

/**
 * Tells bench/run.ts, whose process serves the local API, where the measured run starts and ends,
 * so that the API's traffic report covers that run only; answered once the API has taken note.
 * Without an IPC channel (the child started by hand), there is no one to tell.
 */
function markTraffic(mark: 'start' | 'end'): Promise<void> {
	const send = process.send?.bind(process);
	if (!send) return Promise.resolve();
	return new Promise((resolve) => {
		process.once('message', () => resolve());
		send({ traffic: mark });
	});
}

async function measure(
	run: () => Promise<string | void>,
): Promise<Omit<JobResult, 'summary'> & { value: string | void }> {
	await markTraffic('start');
	settle();
	const rssBefore = currentRssBytes();
	const peakResetWorked = resetPeakRss();
	const started = performance.now();
	const cpuBefore = process.cpuUsage();
	const value = await run();
	const cpu = process.cpuUsage(cpuBefore);
	const ms = performance.now() - started;
	const peak = peakRssBytes();
	await markTraffic('end');
	return {
		ms: Math.round(ms),
		cpuMs: Math.round((cpu.user + cpu.system) / 1000),
		rssBeforeMiB: toMiB(rssBefore),
		peakMiB: toMiB(peak),
		growthMiB: toMiB(peak - rssBefore),
		peakResetWorked,
		value,
	};
}

async function runWorkflowJob(job: WorkflowJob): Promise<JobResult> {
	await credentialsHelper.add(CREDENTIAL_ID, CREDENTIAL_TYPE, {
		authType: 'apiToken',
		apiToken: TOKEN,
		baseUrl: process.env.BENCH_API_URL as string,
	});
	const warmUp = await prepareWorkflow(job.warmUp.nodes, job.warmUp.connections);
	outputOf(await warmUp.run(), job.warmUp.nodes[job.warmUp.nodes.length - 1].name);
	const workflow = await prepareWorkflow(job.nodes, job.connections);
	let items: INodeExecutionData[] = [];
	const result = await measure(async () => {
		items = outputOf(await workflow.run(), job.check.node);
	});
	return { ...result, summary: await checkOutput(items, job.check) };
}

/** apify-client iterating listKeys(), as its documentation shows; keys are counted, not kept. */
async function runClientJob(job: ClientJob): Promise<JobResult> {
	const client = new ApifyClient({ token: TOKEN, baseUrl: job.baseUrl });
	const iterate = async (storeId: string) => {
		let count = 0;
		let first = '';
		let last = '';
		for await (const item of client.keyValueStore(storeId).listKeys()) {
			if (count++ === 0) first = item.key;
			last = item.key;
		}
		return { count, first, last };
	};
	await iterate(job.warmUpStoreId);
	let listed = { count: 0, first: '', last: '' };
	const result = await measure(async () => {
		listed = await iterate(job.storeId);
	});
	if (
		listed.count !== job.check.count ||
		listed.first !== job.check.first ||
		listed.last !== job.check.last
	) {
		throw new Error(
			`Output check failed: ${JSON.stringify(listed)}, expected ${JSON.stringify(job.check)}`,
		);
	}
	return { ...result, summary: `${listed.count} keys in order` };
}

async function main(): Promise<void> {
	const job = JSON.parse(process.argv[2]) as Job;
	const result = job.kind === 'workflow' ? await runWorkflowJob(job) : await runClientJob(job);
	process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

main().then(
	() => process.exit(0),
	(error: Error) => {
		process.stderr.write(`${error.stack ?? error.message}\n`);
		process.exit(1);
	},
);
