/**
 * Runs one example workflow of Apify Key-Value Store nodes through n8n's own engine
 * (n8n-core WorkflowExecute) and prints what every node returned.
 *
 *   npm run demo
 *       Against the seeded local Apify API (started and stopped here).
 *   APIFY_TOKEN=… APIFY_STORE=username~store-name npm run demo
 *       Against api.apify.com (or APIFY_BASE_URL). APIFY_STORE is required: an ID,
 *       username~store-name, ~store-name or a Console URL. Optional: APIFY_PREFIX (keys to
 *       list and fetch, default img-) and APIFY_RECORD (record to get, default OUTPUT).
 *
 * The workflow:
 *
 *   Get OUTPUT ─┬─> List image keys ──> Get each image
 *               ├─> Download store as ZIP
 *               └─> Download records
 *
 * "Get OUTPUT" is the start node; it outputs one item, so each node after it runs once. Against
 * the local API, the Apify Key-Value Store Trigger then polls the same store: a baseline, changes
 * the demo makes, and the items they fire.
 * Exits with 1 when a node fails, 2 when APIFY_TOKEN is set without APIFY_STORE.
 */
import type {
	IBinaryData,
	IConnections,
	IDataObject,
	INode,
	INodeExecutionData,
	IRun,
} from 'n8n-workflow';

import { DEMO_STORE, FULL_ACCESS_TOKEN, startSeededLocalApi } from '../dev/local-api/fixtures';
import type { LocalApi } from '../dev/local-api/server';
import { apifyBaseUrlFromEnv, printTable, withHarness, type Harness } from './support';

const CREDENTIAL_ID = 'demo-credential';
const CREDENTIAL_NAME = 'Apify (demo)';
const CELL_WIDTH = 36;

interface Target {
	baseUrl: string;
	token: string;
	store: string;
	prefix: string;
	recordKey: string;
	/** Where the API runs, for the banner; never holds the token. */
	label: string;
}

/** "Get OUTPUT" with the local API: the start node, named after the record it reads. */
function startNodeName(target: Target): string {
	return `Get ${target.recordKey}`;
}

/** The store parameter as the editor saves it: a pasted URL in "By URL" mode, anything else "By ID or Name". */
function storeParameter(store: string): IDataObject {
	return { __rl: true, mode: /^https?:\/\//i.test(store) ? 'url' : 'id', value: store };
}

function demoNodes(
	target: Target,
	nodeType: string,
	credentialType: string,
): { nodes: INode[]; connections: IConnections } {
	const storeId = storeParameter(target.store);
	const getRecord = startNodeName(target);
	const node = (name: string, position: [number, number], parameters: IDataObject): INode => ({
		id: `demo-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
		name,
		type: nodeType,
		typeVersion: 1,
		position,
		parameters: parameters as INode['parameters'],
		credentials: { [credentialType]: { id: CREDENTIAL_ID, name: CREDENTIAL_NAME } },
	});
	const nodes = [
		node(getRecord, [0, 200], {
			resource: 'record',
			operation: 'get',
			storeId,
			key: { __rl: true, mode: 'id', value: target.recordKey },
			outputFormat: 'auto',
		}),
		node('List image keys', [260, 0], {
			resource: 'key',
			operation: 'list',
			storeId,
			...(target.prefix
				? { recordFilter: 'prefix', prefix: target.prefix }
				: { recordFilter: 'all' }),
			returnAll: true,
		}),
		node('Get each image', [520, 0], {
			resource: 'record',
			operation: 'get',
			storeId,
			key: { __rl: true, mode: 'id', value: '={{ $json.key }}' },
			outputFormat: 'auto',
			binaryPropertyName: 'data',
		}),
		node('Download store as ZIP', [260, 200], {
			resource: 'record',
			operation: 'download',
			storeId,
			outputMode: 'zip',
			binaryPropertyName: 'data',
		}),
		node('Download records', [260, 400], {
			resource: 'record',
			operation: 'download',
			storeId,
			outputMode: 'records',
			binaryPropertyName: 'data',
			options: { parseJson: true },
		}),
	];
	const to = (...names: string[]) => ({
		main: [names.map((name) => ({ node: name, type: 'main' as const, index: 0 }))],
	});
	const connections: IConnections = {
		[getRecord]: to('List image keys', 'Download store as ZIP', 'Download records'),
		'List image keys': to('Get each image'),
	};
	return { nodes, connections };
}

/** Reads the environment; undefined (after a message) when the real-API mode lacks a store. */
async function chooseTarget(): Promise<{ target: Target; api?: LocalApi } | undefined> {
	const token = process.env.APIFY_TOKEN?.trim();
	const prefix = process.env.APIFY_PREFIX ?? 'img-';
	const recordKey = process.env.APIFY_RECORD ?? 'OUTPUT';
	if (token) {
		const store = process.env.APIFY_STORE?.trim();
		if (!store) {
			console.error(
				'APIFY_TOKEN is set, so the demo runs against the Apify API and needs a store to read.',
			);
			console.error(
				'Set APIFY_STORE to a store ID, username~store-name, ~store-name or a Console URL, e.g.',
			);
			console.error('  APIFY_TOKEN=… APIFY_STORE=~my-store npm run demo');
			console.error('Or unset APIFY_TOKEN to run against the local API with its demo data.');
			return undefined;
		}
		const baseUrl = apifyBaseUrlFromEnv();
		return {
			target: {
				baseUrl,
				token,
				store,
				prefix,
				recordKey,
				label: `${baseUrl} (token from APIFY_TOKEN)`,
			},
		};
	}
	const api = await startSeededLocalApi();
	return {
		api,
		target: {
			baseUrl: api.url,
			token: FULL_ACCESS_TOKEN,
			store: DEMO_STORE.id,
			prefix,
			recordKey,
			label: `local Apify API at ${api.url} (seeded; store ${DEMO_STORE.username}~${DEMO_STORE.name})`,
		},
	};
}

// ---- printing ----

let secrets: string[] = [];

/** Hides the credential's token (unless too short to tell from other text) and any URL signature. */
function redact(text: string): string {
	let safe = text.replace(/([?&]signature=)[^&\s"]+/g, '$1…');
	for (const secret of secrets) if (secret.length >= 8) safe = safe.split(secret).join('<secret>');
	return safe;
}

function truncate(text: string, width = CELL_WIDTH): string {
	const flat = text.replace(/\s+/g, ' ');
	return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

function formatValue(value: unknown): string {
	if (typeof value === 'string') return value;
	if (value === undefined) return '';
	return JSON.stringify(value);
}

function formatBytes(bytes: number | undefined): string {
	if (bytes === undefined || !Number.isFinite(bytes)) return '?';
	if (bytes < 1024) return `${bytes} B`;
	if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
	return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function formatBinary(binary: Record<string, IBinaryData> | undefined): string {
	return Object.entries(binary ?? {})
		.map(
			([field, file]) =>
				`${field}: ${file.fileName ?? '(no name)'}, ${file.mimeType}, ${formatBytes(file.bytes)}`,
		)
		.join('; ');
}

/** One row per item: its JSON fields (long values cut short) and its files. */
function printItems(items: INodeExecutionData[]): void {
	const fields: string[] = [];
	for (const item of items)
		for (const field of Object.keys(item.json)) if (!fields.includes(field)) fields.push(field);
	const hasBinary = items.some((item) => item.binary && Object.keys(item.binary).length > 0);
	const header = [
		'#',
		...fields,
		...(hasBinary ? ['binary (field: file name, MIME type, size)'] : []),
	];
	const rows = items.map((item, index) => [
		String(index),
		...fields.map((field) => truncate(redact(formatValue(item.json[field])))),
		...(hasBinary ? [redact(formatBinary(item.binary))] : []),
	]);
	printTable(header, rows);
}

function operationLabel(node: INode): string {
	const { resource, operation } = node.parameters as { resource?: string; operation?: string };
	const names: Record<string, string> = {
		'record.get': 'Record → Get',
		'record.download': 'Record → Download All',
		'key.list': 'Key → List',
	};
	return names[`${resource}.${operation}`] ?? `${resource} → ${operation}`;
}

function printWorkflow(nodes: INode[], connections: IConnections): void {
	console.log('Workflow:');
	for (const node of nodes) {
		const next = (connections[node.name]?.main?.[0] ?? []).map((connection) => connection.node);
		console.log(
			`  ${node.name.padEnd(22)} ${operationLabel(node).padEnd(22)} ${next.length ? `→ ${next.join(', ')}` : ''}`.trimEnd(),
		);
	}
	console.log('');
}

/** Prints each node's output or error; returns the names of the nodes that failed. */
function printRun(run: IRun, nodes: INode[]): string[] {
	const failed: string[] = [];
	const stopped = Object.values(run.data.resultData.runData).some((tasks) => tasks[0]?.error);
	for (const node of nodes) {
		const task = run.data.resultData.runData[node.name]?.[0];
		const title = `■ ${node.name}  (${operationLabel(node)})`;
		if (!task) {
			const why = stopped ? 'the workflow stopped at the failed node' : 'no items reached it';
			console.log(`${title}: did not run (${why})\n`);
			continue;
		}
		if (task.error) {
			failed.push(node.name);
			const error = task.error as Error & { description?: string | null; httpCode?: string | null };
			console.log(`${title}: FAILED after ${task.executionTime} ms`);
			console.log(`    Error: ${redact(error.message)}`);
			if (error.description) console.log(`    What to do: ${redact(error.description)}`);
			console.log('');
			continue;
		}
		const items = task.data?.main?.[0] ?? [];
		console.log(
			`${title}: ${items.length} item${items.length === 1 ? '' : 's'} in ${task.executionTime} ms`,
		);
		if (items.length > 0) printItems(items);
		console.log('');
	}
	const workflowError = run.data.resultData.error;
	if (workflowError && failed.length === 0) {
		failed.push('(workflow)');
		console.log(`Workflow error: ${redact(workflowError.message)}\n`);
	}
	return failed;
}

type RunPoll = Harness['runPoll'];

/**
 * The trigger on the same store, local API only (it writes to the store): a first poll that only
 * takes the baseline, two changes, a poll that reports them, and a quiet poll after it.
 */
async function demoTrigger(api: LocalApi, target: Target, runPoll: RunPoll): Promise<void> {
	const parameters = {
		storeId: storeParameter(target.store),
		prefix: target.prefix,
		events: ['added', 'changed', 'deleted'],
		checkEtags: true,
	};
	console.log(
		`■ Apify Key-Value Store Trigger on the same store, key prefix "${target.prefix}" (each poll as after a restart of n8n)`,
	);
	const baseline = await runPoll(parameters, {}, 'trigger', CREDENTIAL_ID);
	console.log(
		`    poll 1: ${baseline.items.length} items: the first poll only remembers each record's size and content hash (or ETag, where the API sends one)`,
	);
	const [first, second] = api
		.findStore(target.store)
		.keys()
		.filter((key) => key.startsWith(target.prefix));
	const changes = [`adds "${target.prefix}new"`];
	api.putRecord(target.store, `${target.prefix}new`, 'a new record', { contentType: 'text/plain' });
	if (first) {
		api.deleteRecord(target.store, first);
		changes.push(`deletes "${first}"`);
	}
	if (second) {
		api.putRecord(target.store, second, 'replaced', { contentType: 'text/plain' });
		changes.push(`replaces "${second}"`);
	}
	console.log(`    (the demo ${changes.join(', ')})`);
	const changed = await runPoll(parameters, baseline.staticData, 'trigger', CREDENTIAL_ID);
	console.log(`    poll 2: ${changed.items.length} items, one per change:`);
	printItems(changed.items);
	const quiet = await runPoll(parameters, changed.staticData, 'trigger', CREDENTIAL_ID);
	console.log(`    poll 3: ${quiet.items.length} items: each change fires once\n`);
}

async function main(): Promise<number> {
	const chosen = await chooseTarget();
	if (!chosen) return 2;
	const { target, api } = chosen;
	secrets = [target.token];
	try {
		return await withHarness(
			async ({ CREDENTIAL_TYPE, NODE_TYPE, credentialsHelper, runPoll, runWorkflow }) => {
				await credentialsHelper.add(CREDENTIAL_ID, CREDENTIAL_TYPE, {
					authType: 'apiToken',
					apiToken: target.token,
					baseUrl: target.baseUrl,
				});

				console.log(`Apify Key-Value Store demo: ${target.label}`);
				console.log(
					`Store: ${target.store}   key prefix: ${target.prefix}   record: ${target.recordKey}\n`,
				);
				const { nodes, connections } = demoNodes(target, NODE_TYPE, CREDENTIAL_TYPE);
				printWorkflow(nodes, connections);

				const run = await runWorkflow({ nodes, connections, startNode: startNodeName(target) });
				const failed = printRun(run, nodes);
				if (failed.length > 0) {
					console.log(`Failed: ${failed.join(', ')}`);
					return 1;
				}
				console.log(`All nodes succeeded (workflow status: ${run.status}).\n`);
				if (api) await demoTrigger(api, target, runPoll);
				return 0;
			},
		);
	} finally {
		await api?.close();
	}
}

main().then(
	(code) => {
		process.exitCode = code;
	},
	(error: unknown) => {
		console.error(
			`The demo could not run: ${redact(error instanceof Error ? (error.stack ?? error.message) : String(error))}`,
		);
		process.exitCode = 1;
	},
);
