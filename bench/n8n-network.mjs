// @ts-check
// `npm run bench:n8n-network`: many items over a network in a real n8n, as users run them: this
// package's Record → Get of every key a Key → List gave, against n8n's HTTP Request node doing the
// same GETs, with the local API waiting a round trip before every answer.
//
// With the end-to-end suite's Node 24 and n8n 2.41.1 (installed into .cache/e2e when missing), it
// starts the local Apify API with a store of small JSON records, installs the package into a fresh
// n8n user folder as a community package, imports three workflows and runs each with
// `n8n execute --id`, alternating:
//
//   list: Manual Trigger → Key → List (Return All), the part both others share
//   a:    … → Apify Key-Value Store, Record → Get of {{ $json.key }} (its defaults)
//   b:    … → HTTP Request 4.2, GET of the same record URL with the token header
//
// and prints each run's time beyond the list workflow's (n8n's start and the listing cancel out),
// the medians, and the most record requests a second the local API counted for each side.
//
//   node bench/n8n-network.mjs [--items <n>] [--latency-ms <n>] [--runs <n>]
import { parseArgs } from 'node:util';

import { N8N_VERSION } from '../e2e/lib/install.mjs';
import { tail } from '../e2e/lib/proc.mjs';
import { log } from '../e2e/lib/setup.mjs';
import { chainedWorkflow } from '../e2e/lib/workflows.mjs';

import { alternating, firstOutput, inRealN8n, median, requireTs } from './real-n8n.mjs';

/** @import { RealN8n } from './real-n8n.mjs' */
/** @typedef {typeof import('./cases.ts')} Cases */

const STORE_ID = 'benchNetworkStore';
const CREDENTIAL = { id: 'benchNetworkCred1', name: 'Apify (local API, network benchmark)' };
const LIST = 'Key → List';
const GET = 'Record → Get';
const HTTP = 'HTTP Request';

const { values: options } = parseArgs({
	options: {
		items: { type: 'string', default: '200' },
		'latency-ms': { type: 'string', default: '50' },
		runs: { type: 'string', default: '3' },
	},
});
const items = Number(options.items);
const latencyMs = Number(options['latency-ms']);
const runs = Math.max(1, Number(options.runs));

/**
 * Manual Trigger → the nodes, one after another.
 * @param {string} id @param {string} name
 * @param {Array<{ name: string, [property: string]: unknown } | import('n8n-workflow').INode>} nodes
 */
function manualChain(id, name, nodes) {
	const all = [
		{ name: 'Manual', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, parameters: {} },
		...nodes,
	].map((node, index) => ({ ...node, id: `${id}-${index}`, position: [index * 260, 0] }));
	return chainedWorkflow(id, name, all);
}

/** @param {RealN8n} real */
async function benchmark({ n8n, api, packageNode, importWorkflows }) {
	/** @type {Cases} */
	const cases = requireTs('./cases.ts');
	for (let index = 0; index < items; index++) {
		const key = `record-${String(index).padStart(5, '0')}`;
		api.putRecord(STORE_ID, key, JSON.stringify({ key, index }), {
			contentType: 'application/json; charset=utf-8',
		});
	}
	log(`local Apify API on ${api.url}: ${items} JSON records, ${latencyMs} ms round trip`);

	const list = packageNode(LIST, cases.ourParameters.list(STORE_ID));
	const url = `=${api.url}/v2/key-value-stores/${STORE_ID}/records/{{ encodeURIComponent($json.key) }}`;
	const sides = [
		{ label: 'list only', last: LIST, workflow: manualChain('benchNetList1', 'List', [list]) },
		{
			label: 'a: Record → Get',
			last: GET,
			workflow: manualChain('benchNetOurs1', 'Ours', [
				list,
				packageNode(GET, cases.ourParameters.getEach(STORE_ID, 'json', {})),
			]),
		},
		{
			label: 'b: HTTP Request 4.2',
			last: HTTP,
			workflow: manualChain('benchNetHttp1', 'HTTP Request', [
				list,
				{ ...cases.httpRequestNode(url, { responseFormat: 'autodetect' }), name: HTTP },
			]),
		},
	].map((side) => ({
		...side,
		runs: /** @type {Array<{ ms: number, rate: number }>} */ ([]),
	}));
	await importWorkflows(sides.map((side) => side.workflow));
	api.configure({ latencyMs });

	for (const side of alternating(sides, runs)) {
		api.resetTraffic();
		const result = await n8n.execute(side.workflow.id, { timeoutMs: 10 * 60_000 });
		const output = firstOutput(result, side.last);
		if (!Array.isArray(output) || output.length !== items)
			throw new Error(
				`${side.label}: ${output?.length ?? 'no'} items, expected ${items} (exit ${result.code}):\n${tail(result.output)}`,
			);
		if (side.last !== LIST) {
			output.forEach((item, index) => {
				if (item.json?.index !== index)
					throw new Error(`${side.label}: item ${index} is not record ${index}`);
			});
		}
		const rate = api.traffic().resources[STORE_ID]?.records?.maxPerSecond ?? 0;
		side.runs.push({ ms: result.durationMs, rate });
		log(
			`${side.label.padEnd(22)} ${(result.durationMs / 1000).toFixed(2)} s, at most ${rate} record requests a second`,
		);
	}
	const [listOnly, ours, http] = sides;
	const base = median(listOnly.runs.map((entry) => entry.ms));
	const beyond = (/** @type {typeof sides[number]} */ side) =>
		median(side.runs.map((entry) => entry.ms)) - base;
	console.log('');
	console.log(
		`n8n ${N8N_VERSION} on Node 24, \`n8n execute\`, ${items} items, ${latencyMs} ms round trip, ${runs} runs each; time beyond Key → List alone (median ${(base / 1000).toFixed(2)} s):`,
	);
	for (const side of [ours, http]) {
		const most = Math.max(...side.runs.map((entry) => entry.rate));
		console.log(
			`  ${side.label.padEnd(22)} ${(beyond(side) / 1000).toFixed(2)} s (runs: ${side.runs.map((entry) => ((entry.ms - base) / 1000).toFixed(2)).join(', ')}), at most ${most} record requests a second`,
		);
	}
	console.log(`  a / b: ${(beyond(ours) / beyond(http)).toFixed(2)}×`);
}

inRealN8n(
	{ name: 'network', credential: CREDENTIAL, store: { id: STORE_ID, name: 'bench-network' } },
	benchmark,
).catch((error) => {
	console.error(error instanceof Error ? (error.stack ?? error.message) : error);
	process.exit(1);
});
