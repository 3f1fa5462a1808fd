/**
 * The live check: every operation of the node and the trigger against an Apify API, through n8n's
 * engine with the built package (dev/harness), and plain-HTTP probes of what Apify does not
 * document (see the "Unknown" list of what the API is known to do).
 *
 *   APIFY_TOKEN=… npm run test:live
 *       Against api.apify.com, or APIFY_BASE_URL. APIFY_RUN_ID (optional): a run with a default
 *       store, for the probe of HEAD on a run alias. Without APIFY_TOKEN it does nothing.
 *
 * It works in a temporary store, `n8n-live-check-<random>`, which it deletes at the end, also when
 * a check failed. It prints what the API did for each unknown and whether the node coped, then the
 * result of each operation; it exits with 1 if an operation failed. The token, the store's signing
 * key and every signature are never printed.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import JSZip from 'jszip';
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { ContractCheck } from '../dev/contract/check';
import type { ContractFinding } from '../dev/contract/exchange';
import { writeCoverage } from '../dev/contract/coverage';
import { startContractProxy } from '../dev/contract/proxy';
import type { UndocumentedSettings } from '../dev/contract/exchange';
import type { RunOptions } from '../dev/harness/engine';
import { recordSignature, storeSignature } from '../nodes/ApifyKeyValueStore/helpers/signature';
import { apifyBaseUrlFromEnv, printTable, withHarness, type Harness } from './support';

export interface LiveTarget {
	/** The API origin, e.g. https://api.apify.com. */
	baseUrl: string;
	token: string;
	/** A run with a default store: HEAD on its run alias is probed, and Exists is run on it. */
	runId?: string;
	/** Where the API is, for the banner; never holds the token. */
	label: string;
	/**
	 * The local API's UNDOCUMENTED switches, when the target is the local API: its answers must then
	 * keep to Apify's OpenAPI, and a violation fails the check. The real API's disagreements with its
	 * own OpenAPI are reported, not failed.
	 */
	localApi?: { settings: UndocumentedSettings; suite: string };
}

/** The operations the assumptions' "node coped" column points to. */
const OP = {
	create: 'Store → Get or Create (new store)',
	createAgain: 'Store → Get or Create (same name again)',
	storeGet: 'Store → Get',
	storeList: 'Store → List',
	putJson: 'Record → Put (JSON)',
	putText: 'Record → Put (text)',
	putFile: 'Record → Put (file)',
	getJson: 'Record → Get (JSON, right after its Put)',
	getText: 'Record → Get (text)',
	getFile: 'Record → Get (file)',
	onlyIfChanged: 'Record → Get, Only If Changed (twice)',
	onlyIfChangedShared: 'Record → Get, Only If Changed in an Apify store (twice, as two workers)',
	getGzip: 'Record → Get (record stored gzip)',
	getUntyped: 'Record → Get (record PUT without Content-Type)',
	existsTrue: 'Record → Exists (true)',
	existsFalse: 'Record → Exists (false)',
	existsRun: "Record → Exists (a run's store)",
	publicUrl: 'Record → Get Public URL, fetched without token',
	keyList: 'Key → List',
	listingUrl: 'Key → Get Public Listing URL, fetched without token',
	zip: 'Record → Download All (ZIP)',
	records: 'Record → Download All (one item per record)',
	sigGet: 'URL signature: Record → Get',
	sigExists: 'URL signature: Record → Exists',
	sigList: 'URL signature: Key → List',
	sigDownload: 'URL signature: Record → Download All',
	trigger: 'Trigger: baseline, then add + same-size edit + delete',
	badToken: 'Record → Get with a bad token (must fail)',
	missingKey: 'Record → Get of a missing key (must fail)',
	missingStore: 'Record → Get in a missing store (must fail)',
	badSignature: 'URL signature of another key: Key → List (must fail)',
	delete: 'Record → Delete',
	storeDelete: 'Store → Delete',
} as const;

interface OperationResult {
	name: string;
	ok: boolean;
	/** What it gave, or the message it failed with. */
	detail: string;
	ms: number;
}

interface Observation {
	assumption: string;
	observed: string;
	/** The operations that depend on it; none: the node does not depend on it, `why` says so. */
	reliesOn: string[];
	why?: string;
}

const byId = (value: string) => ({ __rl: true, mode: 'id', value });
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const KEYS_OF_TRIGGER = 'trig-';
/** How long the check waits for a write to show before it reads on regardless. */
const SHOW_TIMEOUT_MS = 10_000;
const PROBE_TIMEOUT_MS = 5_000;

/** Polls `probe` every 25 ms until it gives a value or `timeoutMs` passed; a probe that throws counts as no value yet. */
async function waitFor<T>(
	probe: () => Promise<T | undefined>,
	timeoutMs: number,
): Promise<{ value?: T; ms: number }> {
	const started = Date.now();
	for (;;) {
		const value = await probe().catch(() => undefined);
		const ms = Date.now() - started;
		if (value !== undefined || ms >= timeoutMs) return { value, ms };
		await sleep(25);
	}
}

interface HttpOptions {
	method?: string;
	/** Send the token (default) or not. */
	token?: boolean | string;
	signature?: string;
	headers?: Record<string, string>;
	body?: Buffer;
}

/** `404 record-not-found`: the status and Apify's error type (HEAD answers have no body). */
async function answerOf(response: Response): Promise<string> {
	const text = await response.text();
	if (response.ok) return String(response.status);
	try {
		const type = (JSON.parse(text) as { error?: { type?: string } }).error?.type;
		if (type) return `${response.status} ${type}`;
	} catch {
		// Not Apify's error body.
	}
	return `${response.status} (no error body)`;
}

class LiveCheck {
	private readonly operations: OperationResult[] = [];
	private readonly observations: Observation[] = [];
	/** The decoded bytes of every record the store should hold now. */
	private readonly expected = new Map<string, Buffer>();
	private readonly secrets: string[];
	private readonly credential: { token: string; signature: string; wrongSignature: string };
	private readonly storeName = `n8n-live-check-${randomBytes(4).toString('hex')}`;
	/** Where Only If Changed remembers when told to use an Apify store; deleted at the end too. */
	private readonly memoryStoreName = `${this.storeName}-memory`;
	private storeId = '';
	private signingKey = '';
	/** Why there is no signing key, if there is none. */
	private noSigningKey = 'the API did not give it to the token';

	/** `nodeBaseUrl`: where the node's credential points, the contract proxy in front of the target. */
	constructor(
		private readonly target: LiveTarget,
		private readonly harness: Harness,
		private readonly nodeBaseUrl: string,
	) {
		const suffix = randomBytes(3).toString('hex');
		this.credential = {
			token: `live-token-${suffix}`,
			signature: `live-signature-${suffix}`,
			wrongSignature: `live-wrong-signature-${suffix}`,
		};
		this.secrets = [target.token];
	}

	// ---- running ----

	async run(): Promise<boolean> {
		console.log(`Live check of the Apify Key-Value Store node: ${this.target.label}`);
		console.log(`Temporary store: ${this.storeName}\n`);
		await this.addCredential(this.credential.token, {
			authType: 'apiToken',
			apiToken: this.target.token,
		});
		try {
			if (await this.operation(OP.create, () => this.createStore())) await this.checkStore();
		} catch (error) {
			// A step outside the operations (plain HTTP) failed: what ran so far is still reported.
			const detail = `the check stopped: ${(error as Error).message}`;
			this.operations.push({ name: 'The live check itself', ok: false, detail, ms: 0 });
		} finally {
			await this.deleteStore();
			await this.deleteMemoryStore();
		}
		this.print();
		return this.operations.every((operation) => operation.ok);
	}

	private async checkStore(): Promise<void> {
		await this.operation(OP.createAgain, () => this.createStoreAgain());
		await this.operation(OP.storeGet, () => this.getStore());
		await this.operation(OP.storeList, () => this.listStores());
		await this.readSigningKey();

		await this.probeWriteVisibility();
		await this.operation(OP.putJson, () => this.putJson());
		await this.operation(OP.getJson, () => this.getJson());
		await this.operation(OP.putText, () => this.putText());
		await this.operation(OP.getText, () => this.getText());
		await this.operation(OP.putFile, () => this.putFile());
		await this.operation(OP.getFile, () => this.getFile());
		await this.operation(OP.onlyIfChanged, () => this.getOnlyIfChanged());
		await this.operation(OP.onlyIfChangedShared, () => this.getOnlyIfChangedShared());
		await this.operation(OP.existsTrue, () => this.exists('json-record', true));
		await this.operation(OP.existsFalse, () => this.exists('no-such-key', false));
		if (this.target.runId) await this.operation(OP.existsRun, () => this.existsInRunStore());

		await this.probeEtags();
		await this.probeConditionalRequests();
		await this.probeStoreSignatureOnRecord();
		await this.probeHeadWithSignature();
		await this.probeHeadOnRunAlias();
		await this.probeErrors();
		await this.probeDeleteOfMissingKey();
		await this.probeListingSize();
		await this.operation(OP.getGzip, () => this.getGzip());
		await this.probeDefaultContentType();
		await this.operation(OP.getUntyped, () => this.getUntyped());
		await this.probeZipDownload();

		await this.untilListingMatches();
		await this.operation(OP.keyList, () => this.listKeys());
		await this.operation(OP.listingUrl, () => this.publicListingUrl());
		await this.operation(OP.publicUrl, () => this.publicUrl());
		await this.operation(OP.zip, () => this.downloadZip());
		await this.operation(OP.records, () => this.downloadRecords(this.credential.token));

		await this.operation(OP.sigGet, () => this.signatureGet());
		await this.operation(OP.sigExists, () => this.signatureExists());
		await this.operation(OP.sigList, () => this.signatureList());
		await this.operation(OP.sigDownload, () => this.signatureDownload());

		await this.operation(OP.badToken, () => this.failsWithBadToken());
		await this.operation(OP.missingKey, () => this.failsOnMissingKey());
		await this.operation(OP.missingStore, () => this.failsOnMissingStore());
		await this.operation(OP.badSignature, () => this.failsWithWrongSignature());

		await this.operation(OP.trigger, () => this.trigger());
		await this.operation(OP.delete, () => this.deleteRecord());
	}

	/** Runs one check of a node operation: it gives a short detail, or throws. */
	private async operation(name: string, check: () => Promise<string>): Promise<boolean> {
		const started = Date.now();
		let result: Omit<OperationResult, 'ms'>;
		try {
			result = { name, ok: true, detail: await check() };
		} catch (error) {
			result = { name, ok: false, detail: (error as Error).message };
		}
		this.operations.push({ ...result, ms: Date.now() - started });
		return result.ok;
	}

	/** Records what the API did for one unknown; a probe that throws says so. */
	private async observe(
		assumption: string,
		reliesOn: string[],
		probe: () => Promise<string>,
		why?: string,
	): Promise<void> {
		let observed: string;
		try {
			observed = await probe();
		} catch (error) {
			observed = `probe failed: ${(error as Error).message}`;
		}
		this.observations.push({ assumption, observed, reliesOn, why });
	}

	// ---- the node, through n8n's engine ----

	private async addCredential(id: string, data: IDataObject): Promise<void> {
		const { credentialsHelper, CREDENTIAL_TYPE } = this.harness;
		await credentialsHelper.add(id, CREDENTIAL_TYPE, {
			...data,
			baseUrl: this.nodeBaseUrl,
		} as never);
	}

	private async runNode(
		parameters: IDataObject,
		options: Pick<RunOptions, 'input' | 'staticData' | 'workflowId' | 'mode'> & {
			credential?: string;
		} = {},
	) {
		const { credential, ...run } = options;
		return await this.harness.runNode({
			parameters,
			credentialId: credential ?? this.credential.token,
			...run,
		});
	}

	/** The node's output items; throws the node's error message if it failed. */
	private async nodeItems(
		parameters: IDataObject,
		options: Parameters<LiveCheck['runNode']>[1] = {},
	): Promise<INodeExecutionData[]> {
		const { items, error } = await this.runNode(parameters, options);
		if (error) throw new Error(error.message);
		return items;
	}

	/** The node's error message; throws if the node did not fail or failed with another message. */
	private async nodeError(
		parameters: IDataObject,
		expected: RegExp,
		credential?: string,
	): Promise<string> {
		const { items, error } = await this.runNode(parameters, { credential });
		if (!error) throw new Error(`did not fail: ${items.length} items`);
		if (!expected.test(error.message))
			throw new Error(`failed with an unexpected message: ${error.message}`);
		return `failed as it should: ${error.message}`;
	}

	private recordParameters(operation: string, key: string, extra: IDataObject = {}): IDataObject {
		return {
			resource: 'record',
			operation,
			storeId: byId(this.storeId),
			key: byId(key),
			...extra,
		};
	}

	private storeParameters(resource: string, operation: string, extra: IDataObject = {}) {
		return { resource, operation, storeId: byId(this.storeId), ...extra };
	}

	private async valueBytes(item: INodeExecutionData): Promise<Buffer> {
		if (item.binary?.data) return await this.harness.readBinary(item);
		if (typeof item.json.text === 'string') return Buffer.from(item.json.text);
		return Buffer.from(JSON.stringify(item.json));
	}

	private expectBytes(key: string, actual: Buffer): string {
		const expected = this.expected.get(key);
		if (!expected) throw new Error(`"${key}" is not in the store`);
		if (!actual.equals(expected))
			throw new Error(`"${key}": ${actual.length} B differ from the ${expected.length} B written`);
		return `bytes match (${actual.length} B)`;
	}

	/** The keys the store should hold, in the API's (UTF-8 byte) order. */
	private expectedKeys(): string[] {
		return [...this.expected.keys()].sort(byteOrder);
	}

	private expectKeys(actual: string[], what: string): string {
		const expected = this.expectedKeys();
		if (JSON.stringify(actual) !== JSON.stringify(expected))
			throw new Error(`${what} ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
		return `${actual.length} keys, as written`;
	}

	// ---- Store ----

	private async createStore(): Promise<string> {
		const [item] = await this.nodeItems({
			resource: 'store',
			operation: 'getOrCreate',
			name: this.storeName,
		});
		this.storeId = String(item?.json.id ?? '');
		if (!this.storeId) throw new Error('no store ID in the output');
		return `created ${this.storeId}`;
	}

	private async createStoreAgain(): Promise<string> {
		const [item] = await this.nodeItems({
			resource: 'store',
			operation: 'getOrCreate',
			name: this.storeName,
		});
		if (item?.json.id !== this.storeId) throw new Error(`another store: ${String(item?.json.id)}`);
		return 'the same store';
	}

	private async getStore(): Promise<string> {
		const [item] = await this.nodeItems(this.storeParameters('store', 'get'));
		if (item?.json.id !== this.storeId) throw new Error(`another store: ${String(item?.json.id)}`);
		if ('urlSigningSecretKey' in item.json) throw new Error('the output holds the signing key');
		return `name ${String(item.json.name)}, no signing key in the output`;
	}

	private async listStores(): Promise<string> {
		const items = await this.nodeItems({
			resource: 'store',
			operation: 'list',
			returnAll: false,
			limit: 100,
			options: { desc: true },
		});
		if (!items.some((item) => item.json.id === this.storeId))
			throw new Error(`the new store is not among the ${items.length} newest`);
		return `${items.length} stores, the new one among them`;
	}

	/** The node keeps the signing key out of its output: the check reads it as a client would. */
	private async readSigningKey(): Promise<void> {
		const response = await this.http(`/v2/key-value-stores/${this.storeId}`);
		if (!response.ok) {
			this.noSigningKey = `a GET of the store answered ${await answerOf(response)}`;
			return;
		}
		const body = (await response.json()) as { data?: { urlSigningSecretKey?: string } };
		this.signingKey = body.data?.urlSigningSecretKey ?? '';
		if (!this.signingKey) return;
		const signature = storeSignature(this.signingKey, this.storeId, 0);
		// Valid for a record of this store, but not for its listing.
		const wrong = recordSignature(this.signingKey, 'another-key');
		this.secrets.push(this.signingKey, signature, wrong);
		await this.addCredential(this.credential.signature, {
			authType: 'urlSignature',
			signature,
			signatureStoreId: this.storeId,
		});
		await this.addCredential(this.credential.wrongSignature, {
			authType: 'urlSignature',
			signature: wrong,
			signatureStoreId: this.storeId,
		});
	}

	/** In `finally`: the store Only If Changed remembered in, if it was made. */
	private async deleteMemoryStore(): Promise<void> {
		const path = `/v2/key-value-stores/~${this.memoryStoreName}`;
		const answer = await answerOf(await this.http(path, { method: 'DELETE' })).catch(
			(error: Error) => `failed: ${error.message}`,
		);
		if (!answer.startsWith('204') && !answer.startsWith('404'))
			console.log(`Deleting the memory store ${this.memoryStoreName} answered ${answer}.`);
	}

	/** In `finally`: by the node, and if that failed, directly, so that no store is left behind. */
	private async deleteStore(): Promise<void> {
		if (!this.storeId) return;
		const deleted = await this.operation(OP.storeDelete, async () => {
			const [item] = await this.nodeItems({
				resource: 'store',
				operation: 'delete',
				storeToDelete: byId(this.storeId),
			});
			if (item?.json.deleted !== true) throw new Error('the output does not say deleted');
			const answer = await answerOf(await this.http(`/v2/key-value-stores/${this.storeId}`));
			if (!answer.startsWith('404')) throw new Error(`the store still answers ${answer}`);
			return 'deleted; a GET of it answers 404';
		});
		if (deleted) return;
		const answer = await answerOf(
			await this.http(`/v2/key-value-stores/${this.storeId}`, { method: 'DELETE' }),
		).catch((error: Error) => `failed: ${error.message}`);
		console.log(`The check deleted the store itself: DELETE answered ${answer}.`);
	}

	// ---- Record: Put, Get, Exists, Delete ----

	private async put(
		key: string,
		parameters: IDataObject,
		input: INodeExecutionData,
		bytes: Buffer,
	) {
		const [item] = await this.nodeItems(this.recordParameters('put', key, parameters), {
			input: [input],
		});
		if (item?.json.size !== bytes.length)
			throw new Error(`size ${String(item?.json.size)}, expected ${bytes.length}`);
		this.expected.set(key, bytes);
		return `${bytes.length} B, ${String(item.json.contentType)}`;
	}

	private async putJson(): Promise<string> {
		const value = { check: 'live', n: 1, nested: { ok: true, list: [1, 'two'] } };
		return await this.put(
			'json-record',
			{ valueSource: 'item' },
			{ json: value },
			Buffer.from(JSON.stringify(value)),
		);
	}

	private async putText(): Promise<string> {
		const text = 'Grüße from the live check.\nA second line.\n';
		return await this.put(
			'text-record',
			{ valueSource: 'field', fieldName: 'text', contentType: 'text/plain; charset=utf-8' },
			{ json: { text } },
			Buffer.from(text),
		);
	}

	private async putFile(): Promise<string> {
		const bytes = randomBytes(3000);
		const data = { data: bytes.toString('base64'), mimeType: 'application/octet-stream' };
		return await this.put(
			'file-record',
			{ valueSource: 'binary', binaryPropertyName: 'data' },
			{ json: {}, binary: { data: { ...data, fileName: 'random.bin' } } },
			bytes,
		);
	}

	private async getJson(): Promise<string> {
		const [item] = await this.nodeItems(
			this.recordParameters('get', 'json-record', { outputFormat: 'json' }),
		);
		return this.expectBytes('json-record', Buffer.from(JSON.stringify(item?.json)));
	}

	private async getText(): Promise<string> {
		const [item] = await this.nodeItems(
			this.recordParameters('get', 'text-record', { outputFormat: 'text' }),
		);
		return this.expectBytes('text-record', Buffer.from(String(item?.json.text)));
	}

	private async getFile(): Promise<string> {
		const [item] = await this.nodeItems(
			this.recordParameters('get', 'file-record', {
				outputFormat: 'binary',
				binaryPropertyName: 'data',
			}),
		);
		return this.expectBytes('file-record', await this.harness.readBinary(item));
	}

	private async getOnlyIfChanged(): Promise<string> {
		const parameters = this.recordParameters('get', 'text-record', {
			outputFormat: 'text',
			options: { onlyChanged: true },
		});
		const first = await this.runNode(parameters);
		if (first.error) throw new Error(first.error.message);
		if (first.items.length !== 1) throw new Error(`first run: ${first.items.length} items`);
		const second = await this.runNode(parameters, { staticData: first.staticData });
		if (second.error) throw new Error(second.error.message);
		if (second.items.length !== 0)
			throw new Error(`second run, nothing changed: ${second.items.length} items`);
		return 'first run 1 item, second run none';
	}

	/** Two production runs of one workflow without static data, as queue mode's workers run them. */
	private async getOnlyIfChangedShared(): Promise<string> {
		const parameters = this.recordParameters('get', 'text-record', {
			outputFormat: 'text',
			options: {
				onlyChanged: true,
				changeMemory: 'apifyStore',
				memoryStoreName: this.memoryStoreName,
			},
		});
		const runs = {
			workflowId: `liveCheck${randomBytes(4).toString('hex')}`,
			mode: 'webhook' as const,
		};
		const first = await this.runNode(parameters, runs);
		if (first.error) throw new Error(first.error.message);
		if (first.items.length !== 1) throw new Error(`first run: ${first.items.length} items`);
		const second = await this.runNode(parameters, runs);
		if (second.error) throw new Error(second.error.message);
		if (second.items.length !== 0)
			throw new Error(`second run, nothing changed: ${second.items.length} items`);
		return `first run 1 item, second run none; memory in store ${this.memoryStoreName}`;
	}

	private async exists(key: string, expected: boolean): Promise<string> {
		const [item] = await this.nodeItems(this.recordParameters('exists', key));
		if (item?.json.exists !== expected) throw new Error(`exists: ${String(item?.json.exists)}`);
		return `exists: ${expected}`;
	}

	private async existsInRunStore(): Promise<string> {
		const runId = this.target.runId ?? '';
		const key = await this.firstKeyOfRun(runId);
		const [item] = await this.nodeItems({
			resource: 'record',
			operation: 'exists',
			storeSource: 'run',
			runId,
			key: byId(key ?? 'no-such-key'),
		});
		if (item?.json.exists !== (key !== undefined))
			throw new Error(`exists: ${String(item?.json.exists)}`);
		return `exists: ${String(item.json.exists)}`;
	}

	private async deleteRecord(): Promise<string> {
		const [item] = await this.nodeItems(this.recordParameters('delete', 'json-record'));
		if (item?.json.deleted !== true) throw new Error('the output does not say deleted');
		this.expected.delete('json-record');
		const gone = await waitFor(
			async () => ((await this.recordAnswer('json-record')).startsWith('404') ? true : undefined),
			SHOW_TIMEOUT_MS,
		);
		if (!gone.value) throw new Error('the record still answers');
		return `deleted; gone after ${gone.ms} ms`;
	}

	private async getGzip(): Promise<string> {
		const [item] = await this.nodeItems(
			this.recordParameters('get', 'probe-gzip', { outputFormat: 'text' }),
		);
		return this.expectBytes('probe-gzip', Buffer.from(String(item?.json.text)));
	}

	private async getUntyped(): Promise<string> {
		const [item] = await this.nodeItems(
			this.recordParameters('get', 'probe-untyped', { binaryPropertyName: 'data' }),
		);
		return `${this.expectBytes('probe-untyped', await this.valueBytes(item))}, as ${String(item.json.contentType ?? 'JSON')}`;
	}

	// ---- Key, links and downloads ----

	private async listKeys(): Promise<string> {
		const items = await this.nodeItems(
			this.storeParameters('key', 'list', { recordFilter: 'all', returnAll: true }),
		);
		return this.expectKeys(
			items.map((item) => String(item.json.key)),
			'listed',
		);
	}

	private async publicListingUrl(): Promise<string> {
		const [item] = await this.nodeItems(
			this.storeParameters('key', 'getPublicListingUrl', { recordFilter: 'all' }),
		);
		const response = await fetch(String(item?.json.url), { signal: timeout() });
		if (!response.ok) throw new Error(`the link answered ${await answerOf(response)}`);
		const body = (await response.json()) as { data: { items: Array<{ key: string }> } };
		return this.expectKeys(
			body.data.items.map((listed) => listed.key),
			'the link listed',
		);
	}

	private async publicUrl(): Promise<string> {
		const [item] = await this.nodeItems(this.recordParameters('getPublicUrl', 'text-record'));
		const response = await fetch(String(item?.json.url), { signal: timeout() });
		if (!response.ok) throw new Error(`the link answered ${await answerOf(response)}`);
		return this.expectBytes('text-record', Buffer.from(await response.arrayBuffer()));
	}

	private async downloadZip(): Promise<string> {
		const [item] = await this.nodeItems(
			this.storeParameters('record', 'download', {
				recordFilter: 'all',
				outputMode: 'zip',
				binaryPropertyName: 'data',
			}),
		);
		const zip = await JSZip.loadAsync(await this.harness.readBinary(item));
		const names = Object.keys(zip.files).sort(byteOrder);
		this.expectKeys(names, 'the ZIP holds');
		for (const name of names) this.expectBytes(name, await zip.file(name)!.async('nodebuffer'));
		return `${names.length} files, bytes match`;
	}

	private async downloadRecords(credential: string): Promise<string> {
		const items = await this.nodeItems(
			this.storeParameters('record', 'download', {
				recordFilter: 'all',
				outputMode: 'records',
				binaryPropertyName: 'data',
			}),
			{ credential },
		);
		const keys = items.map((item) => String(item.json.key)).sort(byteOrder);
		this.expectKeys(keys, 'items of');
		for (const item of items)
			this.expectBytes(String(item.json.key), await this.harness.readBinary(item));
		return `${items.length} items, bytes match`;
	}

	// ---- with a URL signature ----

	private requireSignature(): void {
		if (!this.signingKey) throw new Error(`no signing key: ${this.noSigningKey}`);
	}

	private async signatureGet(): Promise<string> {
		this.requireSignature();
		const [item] = await this.nodeItems(
			this.recordParameters('get', 'text-record', { outputFormat: 'text' }),
			{ credential: this.credential.signature },
		);
		return this.expectBytes('text-record', Buffer.from(String(item?.json.text)));
	}

	private async signatureExists(): Promise<string> {
		this.requireSignature();
		const [item] = await this.nodeItems(this.recordParameters('exists', 'text-record'), {
			credential: this.credential.signature,
		});
		if (item?.json.exists !== true) throw new Error(`exists: ${String(item?.json.exists)}`);
		return 'exists: true';
	}

	private async signatureList(): Promise<string> {
		this.requireSignature();
		const items = await this.nodeItems(
			this.storeParameters('key', 'list', { recordFilter: 'all', returnAll: true }),
			{ credential: this.credential.signature },
		);
		return this.expectKeys(
			items.map((item) => String(item.json.key)),
			'listed',
		);
	}

	private async signatureDownload(): Promise<string> {
		this.requireSignature();
		return await this.downloadRecords(this.credential.signature);
	}

	// ---- failures the node must report ----

	private async failsWithBadToken(): Promise<string> {
		const badToken = `apify_api_${randomBytes(18).toString('hex')}`;
		this.secrets.push(badToken);
		const credential = `${this.credential.token}-bad`;
		await this.addCredential(credential, { authType: 'apiToken', apiToken: badToken });
		return await this.nodeError(
			this.recordParameters('get', 'text-record'),
			/\b401\b|token/i,
			credential,
		);
	}

	private async failsOnMissingKey(): Promise<string> {
		return await this.nodeError(this.recordParameters('get', 'no-such-key'), /not found|404/i);
	}

	private async failsOnMissingStore(): Promise<string> {
		return await this.nodeError(
			{ ...this.recordParameters('get', 'text-record'), storeId: byId(missingStoreId()) },
			/not found|404/i,
		);
	}

	private async failsWithWrongSignature(): Promise<string> {
		this.requireSignature();
		return await this.nodeError(
			this.storeParameters('key', 'list', { recordFilter: 'all', returnAll: true }),
			/\b40[13]\b|signature/i,
			this.credential.wrongSignature,
		);
	}

	// ---- the trigger ----

	private async trigger(): Promise<string> {
		await this.putRaw(`${KEYS_OF_TRIGGER}edit`, 'before-1', 'text/plain');
		await this.putRaw(`${KEYS_OF_TRIGGER}gone`, 'to be deleted', 'text/plain');
		await this.untilListingMatches();
		const parameters = {
			storeId: byId(this.storeId),
			prefix: KEYS_OF_TRIGGER,
			events: ['added', 'changed', 'deleted'],
			checkEtags: true,
		};
		const baseline = await this.harness.runPoll(parameters, {}, 'trigger', this.credential.token);
		if (baseline.items.length !== 0)
			throw new Error(`the baseline poll gave ${baseline.items.length} items`);

		await this.putRaw(`${KEYS_OF_TRIGGER}new`, 'added record', 'text/plain');
		await this.putRaw(`${KEYS_OF_TRIGGER}edit`, 'after--2', 'text/plain');
		await this.http(this.recordPath(`${KEYS_OF_TRIGGER}gone`), { method: 'DELETE' });
		this.expected.delete(`${KEYS_OF_TRIGGER}gone`);
		await this.untilListingMatches();
		await this.untilRecordReads(`${KEYS_OF_TRIGGER}edit`);

		const poll = await this.harness.runPoll(
			parameters,
			baseline.staticData,
			'trigger',
			this.credential.token,
		);
		const changes = poll.items
			.map((item) => `${String(item.json.key)} ${String(item.json.change)}`)
			.sort();
		const expected = [
			`${KEYS_OF_TRIGGER}edit changed`,
			`${KEYS_OF_TRIGGER}gone deleted`,
			`${KEYS_OF_TRIGGER}new added`,
		];
		if (JSON.stringify(changes) !== JSON.stringify(expected))
			throw new Error(`the poll gave [${changes.join(', ')}], expected [${expected.join(', ')}]`);
		return 'baseline 0 items; then exactly: added, changed (same size), deleted';
	}

	// ---- probes of what Apify does not document, with plain HTTP ----

	private async probeWriteVisibility(): Promise<void> {
		const key = 'probe-record';
		await this.observe(
			'Visibility: ms until a GET (and the listing) shows a PUT record',
			[OP.getJson, OP.existsTrue],
			async () => {
				await this.putRaw(key, 'probe\n', 'text/plain');
				// Both timed from the PUT's answer.
				const [shown, listed] = await Promise.all([
					waitFor(
						async () => ((await this.recordAnswer(key)) === '200' ? true : undefined),
						PROBE_TIMEOUT_MS,
					),
					waitFor(
						async () => ((await this.listedKeys(key)).includes(key) ? true : undefined),
						PROBE_TIMEOUT_MS,
					),
				]);
				const after = (what: string, { value, ms }: { value?: boolean; ms: number }) =>
					value ? `${what} after ${ms} ms` : `${what} not within ${PROBE_TIMEOUT_MS} ms`;
				return `${after('GET', shown)}, ${after('listing', listed)}`;
			},
		);
	}

	private async probeEtags(): Promise<void> {
		await this.observe('ETag on a record GET / HEAD', [OP.onlyIfChanged, OP.trigger], async () => {
			const get = await this.http(this.recordPath('probe-record'));
			await get.arrayBuffer();
			const head = await this.http(this.recordPath('probe-record'), { method: 'HEAD' });
			const has = (response: Response) =>
				response.headers.get('etag') ? 'ETag' : `no ETag (${response.status})`;
			return `GET: ${has(get)}; HEAD: ${has(head)}`;
		});
	}

	private async probeConditionalRequests(): Promise<void> {
		await this.observe('If-None-Match answered 304', [OP.onlyIfChanged], async () => {
			const etag = (
				await this.http(this.recordPath('probe-record'), { method: 'HEAD' })
			).headers.get('etag');
			const tag = etag ?? '*';
			const response = await this.http(this.recordPath('probe-record'), {
				headers: { 'If-None-Match': tag },
			});
			await response.arrayBuffer();
			return `If-None-Match: ${etag ? 'its ETag' : '* (no ETag sent)'} → ${response.status}`;
		});
		await this.observe(
			'If-Match answered 412',
			[],
			async () => {
				const key = 'probe-if-match';
				await this.putRaw(key, 'first', 'text/plain');
				await this.untilRecordReads(key);
				const response = await this.http(this.recordPath(key), {
					method: 'PUT',
					headers: { 'Content-Type': 'text/plain', 'If-Match': '"not-the-current-etag"' },
					body: Buffer.from('second'),
				});
				const answer = await answerOf(response);
				if (response.ok) {
					this.expected.set(key, Buffer.from('second'));
					await this.untilRecordReads(key);
				}
				return `a PUT with a stale If-Match → ${answer}${response.ok ? ' (replaced)' : ''}`;
			},
			'the node sends no If-Match',
		);
	}

	private async probeStoreSignatureOnRecord(): Promise<void> {
		await this.observe(
			'Store signature opens a single record (GET / HEAD)',
			[OP.sigGet],
			async () => {
				this.requireSignature();
				const signature = storeSignature(this.signingKey, this.storeId, 0);
				const path = this.recordPath('probe-record');
				const get = await this.http(path, { token: false, signature });
				const head = await this.http(path, { method: 'HEAD', token: false, signature });
				return `GET ${await answerOf(get)}; HEAD ${await answerOf(head)}`;
			},
		);
	}

	private async probeHeadWithSignature(): Promise<void> {
		await this.observe('HEAD with ?signature= (record signature)', [OP.sigExists], async () => {
			this.requireSignature();
			const response = await this.http(this.recordPath('probe-record'), {
				method: 'HEAD',
				token: false,
				signature: recordSignature(this.signingKey, 'probe-record'),
			});
			return `HEAD ${await answerOf(response)}`;
		});
	}

	private async probeHeadOnRunAlias(): Promise<void> {
		const { runId } = this.target;
		if (!runId) {
			this.observations.push({
				assumption: 'HEAD on a run alias',
				observed: 'not checked: no run given (APIFY_RUN_ID)',
				reliesOn: [],
				why: 'not checked',
			});
			return;
		}
		await this.observe('HEAD on a run alias', [OP.existsRun], async () => {
			const key = (await this.firstKeyOfRun(runId)) ?? 'no-such-key';
			const path = `/v2/actor-runs/${encodeURIComponent(runId)}/key-value-store/records/${encodeURIComponent(key)}`;
			const response = await this.http(path, { method: 'HEAD' });
			return `HEAD of ${key === 'no-such-key' ? 'a missing key' : 'a record'} → ${await answerOf(response)}`;
		});
	}

	private async probeErrors(): Promise<void> {
		await this.observe('Error for a bad token', [OP.badToken], async () => {
			const token = `apify_api_${randomBytes(18).toString('hex')}`;
			this.secrets.push(token);
			return await answerOf(await this.http(this.recordPath('probe-record'), { token }));
		});
		await this.observe('Error for a missing record', [OP.missingKey], async () =>
			answerOf(await this.http(this.recordPath('no-such-key'))),
		);
		await this.observe('Error for a record of a missing store', [OP.missingStore], async () =>
			answerOf(await this.http(`/v2/key-value-stores/${missingStoreId()}/records/probe-record`)),
		);
		await this.observe(
			'Error for a bad / an expired signature (keys listing)',
			[OP.badSignature],
			async () => {
				this.requireSignature();
				const path = `/v2/key-value-stores/${this.storeId}/keys`;
				const expired = storeSignature(this.signingKey, this.storeId, Date.now() - 60_000);
				this.secrets.push(expired);
				const wrong = recordSignature(this.signingKey, 'another-key');
				const bad = await this.http(path, { token: false, signature: wrong });
				const old = await this.http(path, { token: false, signature: expired });
				return `bad: ${await answerOf(bad)}; expired: ${await answerOf(old)}`;
			},
		);
	}

	private async probeDeleteOfMissingKey(): Promise<void> {
		await this.observe(
			'DELETE of a missing key',
			[],
			async () => answerOf(await this.http(this.recordPath('no-such-key'), { method: 'DELETE' })),
			'the node does not depend on it',
		);
	}

	private async probeListingSize(): Promise<void> {
		await this.observe('Size in listings: stored or decoded bytes', [OP.getGzip], async () => {
			const text = Buffer.from(
				Array.from({ length: 400 }, (_, i) => `line ${i % 10} of a compressible text\n`).join(''),
			);
			const gzipped = gzipSync(text);
			const response = await this.http(this.recordPath('probe-gzip'), {
				method: 'PUT',
				headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Encoding': 'gzip' },
				body: gzipped,
			});
			if (!response.ok) return `the gzip PUT was refused: ${await answerOf(response)}`;
			this.expected.set('probe-gzip', text);
			const listed = await waitFor(async () => {
				const response = await this.http(
					`/v2/key-value-stores/${this.storeId}/keys?prefix=probe-gzip`,
				);
				const body = (await response.json()) as { data: { items: KeySize[] } };
				return body.data.items.find((item) => item.key === 'probe-gzip');
			}, SHOW_TIMEOUT_MS);
			if (!listed.value) return 'the record was not listed';
			const { size } = listed.value;
			const which =
				size === gzipped.length ? 'stored' : size === text.length ? 'decoded' : 'neither';
			return `${which}: size ${size} (gzip ${gzipped.length} B, decoded ${text.length} B)`;
		});
	}

	private async probeDefaultContentType(): Promise<void> {
		await this.observe('Content type of a PUT without one', [OP.getUntyped], async () => {
			const body = Buffer.from('bytes sent without a content type');
			const response = await this.http(this.recordPath('probe-untyped'), {
				method: 'PUT',
				body,
			});
			if (!response.ok) return `the PUT was refused: ${await answerOf(response)}`;
			this.expected.set('probe-untyped', body);
			await this.untilRecordReads('probe-untyped');
			const get = await this.http(this.recordPath('probe-untyped'));
			await get.arrayBuffer();
			return `served as ${get.headers.get('content-type') ?? '(none)'}`;
		});
	}

	private async probeZipDownload(): Promise<void> {
		await this.observe(
			'ZIP download: Content-Disposition; how its entries are written (One Item per Record reads them as they stream); which signature opens it',
			[OP.zip, OP.sigDownload],
			async () => {
				const path = `/v2/key-value-stores/${this.storeId}/records`;
				const withToken = await this.http(path);
				const layout = zipLayout(Buffer.from(await withToken.arrayBuffer()));
				const disposition = `${withToken.headers.get('content-disposition') ?? '(none)'}; entries: ${layout}`;
				if (!this.signingKey) return `Content-Disposition: ${disposition}`;
				const store = await this.http(path, {
					token: false,
					signature: storeSignature(this.signingKey, this.storeId, 0),
				});
				await store.arrayBuffer();
				return `Content-Disposition: ${disposition.replace(this.storeId, '<store ID>')}; store signature → ${store.status}`;
			},
		);
	}

	// ---- plain HTTP ----

	private recordPath(key: string): string {
		return `/v2/key-value-stores/${this.storeId}/records/${encodeURIComponent(key)}`;
	}

	private async http(path: string, options: HttpOptions = {}): Promise<Response> {
		const url = new URL(this.target.baseUrl.replace(/\/+$/, '') + path);
		if (options.signature) url.searchParams.set('signature', options.signature);
		const token =
			options.token === undefined || options.token === true ? this.target.token : options.token;
		const headers: Record<string, string> = { ...options.headers };
		if (token) headers.Authorization = `Bearer ${token}`;
		return await fetch(url, {
			method: options.method ?? 'GET',
			headers,
			body: options.body,
			signal: timeout(),
		});
	}

	/** A PUT outside the node; the record counts as written once the API accepted it. */
	private async putRaw(key: string, text: string, contentType: string): Promise<void> {
		const response = await this.http(this.recordPath(key), {
			method: 'PUT',
			headers: { 'Content-Type': contentType },
			body: Buffer.from(text),
		});
		if (!response.ok) throw new Error(`PUT of "${key}" answered ${await answerOf(response)}`);
		this.expected.set(key, Buffer.from(text));
	}

	/** `200`, or the status and error type of a token GET of the record. */
	private async recordAnswer(key: string): Promise<string> {
		return await answerOf(await this.http(this.recordPath(key)));
	}

	/** Waits until a GET gives the bytes last written. */
	private async untilRecordReads(key: string): Promise<void> {
		const expected = this.expected.get(key);
		await waitFor(async () => {
			const response = await this.http(this.recordPath(key));
			const bytes = Buffer.from(await response.arrayBuffer());
			return response.ok && expected?.equals(bytes) ? true : undefined;
		}, SHOW_TIMEOUT_MS);
	}

	private async listedKeys(prefix = ''): Promise<string[]> {
		const query = new URLSearchParams({ prefix, limit: '1000' });
		const response = await this.http(`/v2/key-value-stores/${this.storeId}/keys?${query}`);
		if (!response.ok) throw new Error(`the keys listing answered ${await answerOf(response)}`);
		const body = (await response.json()) as { data: { items: KeySize[] } };
		return body.data.items.map((item) => item.key);
	}

	/** Waits until the listing shows exactly the records written, as Apify's own tests wait after writes. */
	private async untilListingMatches(): Promise<void> {
		const expected = JSON.stringify(this.expectedKeys());
		await waitFor(
			async () => (JSON.stringify(await this.listedKeys()) === expected ? true : undefined),
			SHOW_TIMEOUT_MS,
		);
	}

	private async firstKeyOfRun(runId: string): Promise<string | undefined> {
		const response = await this.http(
			`/v2/actor-runs/${encodeURIComponent(runId)}/key-value-store/keys?limit=1`,
		);
		if (!response.ok) throw new Error(`the run's keys answered ${await answerOf(response)}`);
		const body = (await response.json()) as { data: { items: KeySize[] } };
		return body.data.items[0]?.key;
	}

	// ---- printing ----

	private redact(text: string): string {
		let safe = text.replace(/([?&]signature=)[^&\s"]+/g, '$1…');
		for (const secret of this.secrets) if (secret) safe = safe.split(secret).join('<secret>');
		return safe;
	}

	private coped({ reliesOn, why }: Observation): string {
		if (reliesOn.length === 0) return `n/a: ${why ?? 'not used'}`;
		const problems = reliesOn.flatMap((name) => {
			const result = this.operations.find((operation) => operation.name === name);
			if (!result) return [`${name} did not run`];
			return result.ok ? [] : [name];
		});
		if (problems.length === 0) return `yes (${reliesOn.join('; ')})`;
		return `NO: ${problems.join('; ')}`;
	}

	private print(): void {
		console.log('What the API did where Apify documents nothing, and whether the node coped:');
		if (this.observations.length === 0) {
			console.log('    (nothing probed: there was no store to probe)');
		} else {
			printTable(
				['Assumption', 'What the API did', 'Node coped'],
				this.observations.map((observation) => [
					observation.assumption,
					this.redact(observation.observed),
					this.coped(observation),
				]),
			);
		}
		console.log("\nOperations of the node (through n8n's engine):");
		printTable(
			['Operation', 'Result', 'ms'],
			this.operations.map(({ name, ok, detail, ms }) => [
				name,
				this.redact(ok ? `ok: ${detail}` : `FAILED: ${detail}`),
				String(ms),
			]),
		);
		const failed = this.operations.filter((operation) => !operation.ok).length;
		console.log(
			`\n${this.operations.length - failed} of ${this.operations.length} operations ok${failed ? `, ${failed} FAILED` : ''}.`,
		);
	}
}

interface KeySize {
	key: string;
	size: number;
}

function timeout(): AbortSignal {
	return AbortSignal.timeout(60_000);
}

/** A store ID no account has: Apify IDs are 17 characters of [a-zA-Z0-9]. */
function missingStoreId(): string {
	return `zz${randomBytes(12).toString('hex').slice(0, 15)}`;
}

/** Runs the check against `target` with the engine harness already loaded; true if every operation worked. */
/**
 * Runs the live check with the node's requests going through the contract proxy, then prints
 * where the API's answers (or the node's requests) and Apify's OpenAPI disagree.
 */
export async function runLiveCheck(target: LiveTarget, harness: Harness): Promise<boolean> {
	const contract = await ContractCheck.load();
	const proxy = await startContractProxy(target.baseUrl, contract, target.localApi?.settings);
	try {
		const passed = await new LiveCheck(target, harness, proxy.url).run();
		printContract(contract, target);
		writeCoverage(contract, target.localApi?.suite ?? 'live');
		return passed && (target.localApi === undefined || contract.violations.length === 0);
	} finally {
		await proxy.close();
	}
}

/** The violations, one row per operation, rule and message, with how often and one request. */
function printContract(contract: ContractCheck, target: LiveTarget): void {
	const calls = [...contract.exercised.values()].reduce((sum, count) => sum + count, 0);
	console.log(
		`\nApify's OpenAPI (dev/contract) on the node's ${calls} requests to ${contract.exercised.size} documented operations:`,
	);
	if (contract.excused.length > 0) {
		console.log(
			`    ${contract.excused.length} findings excused: the local API's UNDOCUMENTED behaviours (dev/contract/undocumented.ts).`,
		);
	}
	if (contract.violations.length === 0) {
		console.log('    every request and every answer matched it.');
		return;
	}
	const rows = new Map<string, { finding: ContractFinding; times: number }>();
	for (const finding of contract.violations) {
		const row = `${finding.operationId ?? ''}|${finding.rule}|${finding.message}`;
		const seen = rows.get(row);
		if (seen) seen.times++;
		else rows.set(row, { finding, times: 1 });
	}
	console.log(
		target.localApi
			? '    The local API broke it (this FAILS the check):'
			: '    Where the API and its own OpenAPI disagree:',
	);
	printTable(
		['Operation', 'Rule', 'What', 'Times', 'First request'],
		[...rows.values()].map(({ finding, times }) => [
			finding.operationId ?? '(none)',
			finding.rule,
			finding.message,
			String(times),
			finding.exchange,
		]),
	);
}

/** APIFY_TOKEN, APIFY_BASE_URL and APIFY_RUN_ID, as `npm run demo` reads them. */
export function targetFromEnv(): LiveTarget | undefined {
	const token = process.env.APIFY_TOKEN?.trim();
	if (!token) return undefined;
	const baseUrl = apifyBaseUrlFromEnv();
	return {
		baseUrl,
		token,
		runId: process.env.APIFY_RUN_ID?.trim() || undefined,
		label: `${baseUrl} (token from APIFY_TOKEN)`,
	};
}

async function main(): Promise<number> {
	const target = targetFromEnv();
	if (!target) {
		console.log('The live check did nothing: APIFY_TOKEN is not set.');
		console.log(
			'It needs an Apify API token that may create stores: it creates a temporary store, runs every',
		);
		console.log('operation against it and deletes it. Run it as');
		console.log('  APIFY_TOKEN=… npm run test:live');
		console.log(
			'(optional: APIFY_BASE_URL, APIFY_RUN_ID). npm run test:live:local runs it against the local API.',
		);
		return 0;
	}
	const started = Date.now();
	try {
		const ok = await withHarness((harness) => runLiveCheck(target, harness));
		console.log(`Run time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
		return ok ? 0 : 1;
	} catch (error) {
		// The message only, without the token: a stack or a request could hold it.
		const message = (error as Error)?.message ?? String(error);
		console.error(`The live check could not run: ${message.split(target.token).join('<secret>')}`);
		return 1;
	}
}

if (require.main === module) {
	void main().then((code) => {
		process.exitCode = code;
	});
}

/**
 * How the API writes a ZIP's entries, from its directory: compression methods, whether sizes follow
 * the data (bit 3) and whether those data descriptors start with their signature, and ZIP64. The
 * streaming reader reads each of these forms.
 */
function zipLayout(archive: Buffer): string {
	const end = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
	if (end < 0) return 'no end-of-directory record';
	const kinds = new Map<string, number>();
	let at = archive.readUInt32LE(end + 16);
	const zip64 = at === 0xffffffff;
	for (let entry = 0; !zip64 && entry < archive.readUInt16LE(end + 10); entry++) {
		const flags = archive.readUInt16LE(at + 8);
		const method = archive.readUInt16LE(at + 10) === 8 ? 'deflate' : 'stored';
		const compressed = archive.readUInt32LE(at + 20);
		const local = archive.readUInt32LE(at + 42);
		const dataEnd =
			local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28) + compressed;
		const descriptor =
			flags & 0x8
				? archive.readUInt32LE(dataEnd) === 0x08074b50
					? 'descriptor with signature'
					: 'descriptor without signature'
				: 'sizes in header';
		const kind = `${method}, ${descriptor}`;
		kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
		at +=
			46 +
			archive.readUInt16LE(at + 28) +
			archive.readUInt16LE(at + 30) +
			archive.readUInt16LE(at + 32);
	}
	if (zip64) return 'ZIP64 directory';
	return [...kinds].map(([kind, count]) => `${count} ${kind}`).join('; ') || 'none';
}
