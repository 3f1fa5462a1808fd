/**
 * What the benchmark measures: the stores it generates on the local Apify API, and for each case
 * the workflow of this package's node ("ours") and of the baseline, with how to check the output.
 */
import type { IConnections, IDataObject, INode } from 'n8n-workflow';

import { CREDENTIAL_TYPE, NODE_TYPE } from '../dev/harness/engine';
import { FULL_ACCESS_TOKEN } from '../dev/local-api/accounts';
import { binaryStream, jsonStream } from '../dev/local-api/generated';
import type { GeneratedRecordOptions, LocalApi, TrafficSnapshot } from '../dev/local-api/server';
import { COMPRESSION_TYPE, HTTP_REQUEST_TYPE } from './workflow';

export const MIB = 1024 * 1024;
export const TOKEN = FULL_ACCESS_TOKEN;
/** The credential every "ours" workflow uses; the child process registers it. */
export const CREDENTIAL_ID = 'bench';
/** HTTP Request node version of the baseline; n8n 2.41 adds new HTTP Request nodes as 4.x. */
export const HTTP_REQUEST_VERSION = 4.2;
export const COMPRESSION_VERSION = 1.1;
/** Records per store in the records-mode cases, and per record size: 10,000 records are 200 MB. */
export const RECORD_BYTES = 20_000;

export interface Scale {
	bigRecordBytes: number;
	keyCount: number;
	zipBytes: number;
	zipParts: number;
	recordCounts: number[];
	/** Sizes (MiB) of the archives of 1 MiB incompressible records that show records mode at any size. */
	probeArchiveMiB: number[];
	/** Items of the network cases (one request each), and of the one with many items. */
	networkItems: number;
	networkManyItems: number;
	/** The network case of large files: how many, of how many MiB each. */
	networkLargeFiles: { count: number; mib: number };
}

export const FULL_SCALE: Scale = {
	bigRecordBytes: 1024 * MIB,
	keyCount: 100_000,
	zipBytes: 1024 * MIB,
	zipParts: 16,
	recordCounts: [1_000, 10_000, 50_000],
	probeArchiveMiB: [1024, 4096],
	networkItems: 300,
	networkManyItems: 2_000,
	networkLargeFiles: { count: 30, mib: 100 },
};

/** For trying the benchmark itself out: the same cases, about 1/16 of the data. */
export const QUICK_SCALE: Scale = {
	bigRecordBytes: 64 * MIB,
	keyCount: 10_000,
	zipBytes: 64 * MIB,
	zipParts: 4,
	recordCounts: [500, 2_000],
	probeArchiveMiB: [64],
	networkItems: 60,
	networkManyItems: 400,
	networkLargeFiles: { count: 8, mib: 8 },
};

// ----- stores -----

export const STORES = {
	bigRecord: 'benchBigRecord001',
	keys: 'benchKeyList00001',
	zip: 'benchZipStore0001',
	small: 'benchWarmUpStore1',
	records: (count: number) => `benchRecords${String(count).padStart(5, '0')}`,
	probe: (mib: number) => `benchArchive${String(mib).padStart(5, '0')}`,
	/** The network cases: small JSON objects, files of 1 MiB, where Record → Put writes, and their warm-up's. */
	netJson: (count: number) => `benchNetJson${String(count).padStart(5, '0')}`,
	netFiles: 'benchNetFiles0001',
	netLargeFiles: 'benchNetLargeFile',
	netPut: 'benchNetPutTarget',
	netWarmUp: 'benchNetWarmUp001',
	netWarmUpPut: 'benchNetWarmUpPut',
} as const;

export const BIG_RECORD_KEY = 'big-file';
const pad = (index: number) => String(index).padStart(6, '0');

function binaryRecord(
	size: number,
	seed: number,
	zipCompression: 'STORE' | 'DEFLATE' = 'STORE',
): GeneratedRecordOptions {
	return {
		size,
		contentType: 'application/octet-stream',
		generate: () => binaryStream(size, seed),
		zipCompression,
	};
}

export function jsonRecord(index: number, size = RECORD_BYTES): GeneratedRecordOptions {
	return {
		size,
		contentType: 'application/json; charset=utf-8',
		generate: () => jsonStream(size, index),
	};
}

export const recordKey = (index: number) => `record-${pad(index)}`;

/** Items of the network cases' warm-up runs. */
const NET_WARM_UP_ITEMS = 10;
/** A network case's JSON record: an object that names its key and index, so that any client's output shows both. */
export const netJsonBody = (index: number) =>
	JSON.stringify({ key: recordKey(index), index, title: `Item ${index} of the network cases` });
/** The seed of a network case's file `recordKey(index)`. */
export const netFileSeed = (index: number) => 2000 + index;

/** Puts every benchmark store on the local API; bodies are generated when read, so this holds no data. */
export function seedStores(api: LocalApi, scale: Scale): void {
	const add = (id: string) => api.addStore({ id, name: id.toLowerCase() });

	add(STORES.bigRecord);
	api.putGeneratedRecord(STORES.bigRecord, BIG_RECORD_KEY, binaryRecord(scale.bigRecordBytes, 1));

	add(STORES.keys);
	api.putGeneratedRecords(
		STORES.keys,
		(function* () {
			for (let index = 0; index < scale.keyCount; index++)
				yield { key: `key-${pad(index)}`, ...jsonRecord(index, 100) };
		})(),
	);

	add(STORES.zip);
	const partBytes = Math.floor(scale.zipBytes / scale.zipParts);
	for (let part = 0; part < scale.zipParts; part++) {
		api.putGeneratedRecord(STORES.zip, `part-${pad(part)}`, binaryRecord(partBytes, 100 + part));
	}

	// Small data that loads every code path once before a measured run.
	add(STORES.small);
	api.putGeneratedRecord(STORES.small, BIG_RECORD_KEY, binaryRecord(64 * 1024, 2));
	for (let index = 0; index < 20; index++)
		api.putGeneratedRecord(STORES.small, recordKey(index), jsonRecord(index));

	for (const count of scale.recordCounts) {
		add(STORES.records(count));
		api.putGeneratedRecords(
			STORES.records(count),
			(function* () {
				for (let index = 0; index < count; index++)
					yield { key: recordKey(index), ...jsonRecord(index) };
			})(),
		);
	}

	for (const mib of scale.probeArchiveMiB) {
		add(STORES.probe(mib));
		for (let index = 0; index < mib; index++) {
			api.putGeneratedRecord(STORES.probe(mib), recordKey(index), binaryRecord(MIB, 1000 + index));
		}
	}

	const networkJson: Array<[string, number]> = [
		[STORES.netWarmUp, NET_WARM_UP_ITEMS],
		[STORES.netJson(scale.networkItems), scale.networkItems],
		[STORES.netJson(scale.networkManyItems), scale.networkManyItems],
	];
	for (const [storeId, count] of networkJson) {
		add(storeId);
		for (let index = 0; index < count; index++) {
			api.putRecord(storeId, recordKey(index), netJsonBody(index), {
				contentType: 'application/json; charset=utf-8',
			});
		}
	}
	add(STORES.netFiles);
	for (let index = 0; index < scale.networkItems; index++)
		api.putGeneratedRecord(
			STORES.netFiles,
			recordKey(index),
			binaryRecord(MIB, netFileSeed(index)),
		);
	add(STORES.netLargeFiles);
	for (let index = 0; index < scale.networkLargeFiles.count; index++)
		api.putGeneratedRecord(
			STORES.netLargeFiles,
			recordKey(index),
			binaryRecord(scale.networkLargeFiles.mib * MIB, netFileSeed(index)),
		);
	add(STORES.netPut);
	add(STORES.netWarmUpPut);
}

// ----- workflows -----

const byId = (value: string) => ({ __rl: true, mode: 'id', value });

export function ourNode(parameters: IDataObject, name = 'Apify Key-Value Store'): INode {
	return {
		id: name,
		name,
		type: NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: parameters as INode['parameters'],
		credentials: { [CREDENTIAL_TYPE]: { id: CREDENTIAL_ID, name: CREDENTIAL_ID } },
	};
}

/** How the HTTP Request node is set beyond its defaults: what it sends, and how it reads the answer. */
export interface HttpRequestSettings {
	method?: 'GET' | 'PUT';
	/** An expression for a JSON body, sent with Content-Type application/json. */
	jsonBody?: string;
	/** `file` (the default here) stores the answer as binary data; `autodetect` is the node's own default. */
	responseFormat?: 'file' | 'autodetect';
	/** n8n's node setting Retry On Fail (3 tries, 1 s apart, n8n's defaults). */
	retryOnFail?: boolean;
}

export function httpRequestNode(
	url: string,
	{ method = 'GET', jsonBody, responseFormat = 'file', retryOnFail }: HttpRequestSettings = {},
): INode {
	return {
		id: 'http',
		name: 'HTTP Request',
		type: HTTP_REQUEST_TYPE,
		typeVersion: HTTP_REQUEST_VERSION,
		position: [0, 0],
		...(retryOnFail ? { retryOnFail } : {}),
		parameters: {
			method,
			url,
			authentication: 'none',
			sendHeaders: true,
			specifyHeaders: 'keypair',
			headerParameters: { parameters: [{ name: 'Authorization', value: `Bearer ${TOKEN}` }] },
			...(jsonBody === undefined
				? {}
				: { sendBody: true, contentType: 'json', specifyBody: 'json', jsonBody }),
			options:
				responseFormat === 'file'
					? { response: { response: { responseFormat: 'file', outputPropertyName: 'data' } } }
					: {},
		},
	};
}

export function compressionNode(): INode {
	return {
		id: 'compression',
		name: 'Compression',
		type: COMPRESSION_TYPE,
		typeVersion: COMPRESSION_VERSION,
		position: [200, 0],
		parameters: { operation: 'decompress', binaryPropertyName: 'data', outputPrefix: 'file_' },
	};
}

export const recordUrl = (baseUrl: string, storeId: string, key: string) =>
	`${baseUrl}/v2/key-value-stores/${storeId}/records/${encodeURIComponent(key)}?attachment=true`;
export const archiveUrl = (baseUrl: string, storeId: string) =>
	`${baseUrl}/v2/key-value-stores/${storeId}/records`;

// ----- what a child process runs -----

/** How the child checks a run's output, after the measurement. */
export type OutputCheck =
	| { kind: 'file'; node: string; size: number; sha256?: string }
	/**
	 * One output item per input item, item i answering input item i (n8n's pairedItem): none lost,
	 * none twice, in order. `records`: each holds the network case's JSON record `recordKey(i)`;
	 * `files`: each a file of `size` bytes, those of the sample items byte for byte as generated.
	 */
	| {
			kind: 'items';
			node: string;
			count: number;
			records?: boolean;
			files?: { size: number; samples: number[] };
	  }
	| { kind: 'keys'; node: string; count: number; first: string; last: string }
	/** Records as items of their own (ours) or as binary properties `file_N` of one item (the Compression node). */
	| {
			kind: 'records';
			node: string;
			layout: 'items' | 'properties';
			count: number;
			totalBytes: number;
			samples: Array<{ key: string; size: number; seed: number }>;
	  };

export interface WorkflowJob {
	kind: 'workflow';
	nodes: INode[];
	connections?: IConnections;
	/** The same workflow on small data, run once first so that the measured run loads no code. */
	warmUp: { nodes: INode[]; connections?: IConnections };
	check: OutputCheck;
}

export interface ClientJob {
	kind: 'apify-client';
	baseUrl: string;
	storeId: string;
	warmUpStoreId: string;
	check: { count: number; first: string; last: string };
}

export type Job = WorkflowJob | ClientJob;

export interface JobResult {
	ms: number;
	/**
	 * CPU time (user and system, all threads) of the run's process during the run: less changed than
	 * `ms` by other processes on the machine. Not measured for programs timed from outside (curl).
	 */
	cpuMs?: number;
	/** Resident memory just before the measured run, and its peak during the run. */
	rssBeforeMiB: number;
	peakMiB: number;
	growthMiB: number;
	/** Whether the peak was reset before the run (Linux); otherwise it is the process's lifetime peak. */
	peakResetWorked: boolean;
	summary: string;
	/** What the local API saw of the measured run (workflow jobs; bench/run.ts adds it). */
	traffic?: TrafficSnapshot;
}

export const chain = (from: string, to: string): IConnections => ({
	[from]: { main: [[{ node: to, type: 'main', index: 0 }]] },
});

export function recordSamples(count: number): Array<{ key: string; size: number; seed: number }> {
	return [...new Set([0, Math.floor(count / 2), count - 1])].map((index) => ({
		key: recordKey(index),
		size: RECORD_BYTES,
		seed: index,
	}));
}

export const ourParameters = {
	get: (storeId: string, key: string) => ({
		resource: 'record',
		operation: 'get',
		storeId: byId(storeId),
		key: byId(key),
		outputFormat: 'binary',
	}),
	list: (storeId: string) => ({
		resource: 'key',
		operation: 'list',
		storeId: byId(storeId),
		returnAll: true,
	}),
	/** Record → Get of the key the input item names; `options` e.g. Parallel Requests. */
	getEach: (storeId: string, outputFormat: 'json' | 'binary', options: IDataObject) => ({
		resource: 'record',
		operation: 'get',
		storeId: byId(storeId),
		key: byId('={{ $json.key }}'),
		outputFormat,
		options,
	}),
	/** Record → Put of the input item's JSON under the key it names. */
	putEach: (storeId: string, options: IDataObject) => ({
		resource: 'record',
		operation: 'put',
		storeId: byId(storeId),
		key: byId('={{ $json.key }}'),
		options,
	}),
	zip: (storeId: string) => ({
		resource: 'record',
		operation: 'download',
		storeId: byId(storeId),
		outputMode: 'zip',
	}),
	records: (storeId: string) => ({
		resource: 'record',
		operation: 'download',
		storeId: byId(storeId),
		outputMode: 'records',
		// Raised for the benchmark, as the baseline's entry limit is: the defaults are 10,000 records and 256 MB.
		options: { maxRecords: 1_000_000, maxTotalMegabytes: 8192 },
	}),
};
