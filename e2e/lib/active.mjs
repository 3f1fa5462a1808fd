// @ts-check
// Active workflows in a running `n8n start`: the trigger polling a store on its schedule, across a
// restart of n8n, the webhook example answering a POST as Apify sends it when a run finishes, and
// Only If Changed remembering between webhook executions.
import { CheckFailure, expect, expectEqual, show } from './checks.mjs';
import { executionItems, N8nRest } from './rest.mjs';
import { MCP_EXAMPLE, runAgentChecks, runMcpChecks } from './mcp.mjs';
import { sleep, waitFor } from './proc.mjs';
import { EXAMPLE_CREDENTIALS, WEBHOOK_NODE, webhookNode } from './workflows.mjs';

/** @import { Checks } from './checks.mjs' */
/** @import { LocalApi } from './local-api.mjs' */
/** @import { N8n } from './n8n.mjs' */
/** @import { Execution } from './rest.mjs' */
/** @import { mcpFixture } from './mcp.mjs' */

const TRIGGER_NODE = 'Record changes';
const WEBHOOK_EXAMPLE = 'apify-run-finished-webhook.workflow.json';
/**
 * n8n polls at most once a minute per poll time; six poll times a minute apart by ten seconds
 * make a poll every 10 s, so the suite waits seconds, not minutes.
 */
const POLL_TIMES = [0, 10, 20, 30, 40, 50].map((second) => ({
	mode: 'custom',
	cronExpression: `${second} * * * * *`,
}));
const POLL_INTERVAL_MS = 10_000;
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

/**
 * A store of its own for each n8n (polls of one must not see the other's changes) and a workflow
 * that watches it, with values and same-size edit checks, as the example does.
 *
 * @param {object} options
 * @param {LocalApi} options.local
 * @param {string} options.nodeType  the node's type as workflows name it; the trigger's adds "Trigger"
 * @param {string} options.version  n8n's version
 */
export function triggerFixture({ local, nodeType, version }) {
	const store = local.api.addStore({ name: `watched-store-n8n-${version.split('.')[0]}` });
	local.api.putRecord(store.id, 'a-json', '{"n":1}', { contentType: 'application/json' });
	local.api.putRecord(store.id, 'b-text', 'hello', { contentType: 'text/plain' });
	local.api.putRecord(store.id, 'c-file', PNG, { contentType: 'image/png' });
	const id = `e2eTrigger${version.replace(/\D/g, '')}`.slice(0, 16);
	const workflow = {
		id,
		name: `E2E: trigger on ${store.name}`,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: `${id}-trigger`,
				name: TRIGGER_NODE,
				type: `${nodeType}Trigger`,
				typeVersion: 1,
				position: [0, 0],
				parameters: {
					pollTimes: { item: POLL_TIMES },
					storeId: { __rl: true, value: store.id, mode: 'id' },
					events: ['added', 'changed', 'deleted'],
					includeValue: true,
					checkEtags: true,
				},
				credentials: EXAMPLE_CREDENTIALS,
			},
		],
		connections: {},
	};
	return { store, workflow };
}

/** The two Record → Get nodes of the Only If Changed workflow, by where they remember. */
const ONLY_CHANGED_NODES = {
	workflow: 'Remembered in static data',
	apifyStore: 'Remembered on Apify',
};

/**
 * A workflow a webhook starts that gets one record with Only If Changed twice over: remembered in
 * the workflow's static data (the default), and in an Apify store. Its store is its own, so the
 * trigger does not see it.
 *
 * @param {object} options
 * @param {LocalApi} options.local
 * @param {string} options.nodeType
 * @param {string} options.version  n8n's version
 */
export function onlyChangedFixture({ local, nodeType, version }) {
	const major = version.split('.')[0];
	const store = local.api.addStore({ name: `only-if-changed-n8n-${major}` });
	local.api.putRecord(store.id, 'watched', '{"version":1}', { contentType: 'application/json' });
	const id = `e2eOnlyChanged${major}`.slice(0, 16);
	const path = `only-if-changed-${major}`;
	const memoryStoreName = `e2e-memory-n8n-${major}`;
	const nodes = Object.entries(ONLY_CHANGED_NODES).map(([changeMemory, name], index) => ({
		id: `${id}-${changeMemory}`,
		name,
		type: nodeType,
		typeVersion: 1,
		position: [260, index * 200],
		parameters: {
			resource: 'record',
			operation: 'get',
			storeId: { __rl: true, value: store.id, mode: 'id' },
			key: { __rl: true, value: 'watched', mode: 'id' },
			outputFormat: 'auto',
			options: { onlyChanged: true, changeMemory, memoryStoreName },
		},
		credentials: EXAMPLE_CREDENTIALS,
	}));
	const workflow = {
		id,
		name: `E2E: Only If Changed on ${store.name}`,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [webhookNode(path), ...nodes],
		connections: {
			[WEBHOOK_NODE]: {
				main: [nodes.map((node) => ({ node: node.name, type: 'main', index: 0 }))],
			},
		},
	};
	return { store, path, memoryStoreName, workflow };
}

/**
 * Activates workflows with n8n's CLI before `n8n start`: n8n 2.x publishes them, n8n 1.x sets them active.
 *
 * @param {N8n} n8n
 * @param {string[]} ids
 */
export async function activateWorkflows(n8n, ids) {
	for (const id of ids) {
		const args = n8n.version.startsWith('1.')
			? ['update:workflow', `--id=${id}`, '--active=true']
			: ['publish:workflow', `--id=${id}`];
		const result = await n8n.cli(args, { label: `activate-${id}` });
		if (result.code !== 0) {
			throw new CheckFailure(
				`n8n ${args.join(' ')} failed (exit ${result.code}):\n${result.output.slice(-1500)}`,
			);
		}
	}
}

/**
 * Starts n8n with the trigger and the webhook example active, checks both, restarts n8n once in
 * between; leaves n8n running (the editor checks use it) unless `stopAfter`.
 *
 * @param {Checks} checks
 * @param {N8n} n8n
 * @param {object} options
 * @param {LocalApi} options.local
 * @param {ReturnType<typeof triggerFixture>} options.trigger
 * @param {ReturnType<typeof onlyChangedFixture>} [options.onlyChanged]  its workflow's checks, when it is imported
 * @param {Record<string, string>} options.examples  IDs of the example workflows by file name
 * @param {number} options.port  for `n8n start`
 * @param {string} options.label  the n8n version, before every check's name
 * @param {boolean} options.stopAfter
 * @param {{ fixture: ReturnType<typeof mcpFixture>, example: any, secrets: Record<string, string> }} [options.mcp]  the MCP example's checks, when it is imported
 */
export async function runActiveChecks(
	checks,
	n8n,
	{ local, trigger, onlyChanged, examples, port, label, stopAfter, mcp },
) {
	const { fixtures } = local;
	const webhookId = examples[WEBHOOK_EXAMPLE];
	const activated = await checks.check(
		`${label}: the trigger${mcp ? ', the webhook example and the MCP example' : ' and the webhook example'} are activated with n8n's CLI`,
		async () => {
			await activateWorkflows(n8n, [
				trigger.workflow.id,
				...(onlyChanged ? [onlyChanged.workflow.id] : []),
				webhookId,
				...(mcp ? [examples[MCP_EXAMPLE]] : []),
			]);
		},
	);
	if (!activated) return;
	// The same URL after the restart below: n8n starts on the same port.
	const url = await checks.check(
		`${label}: n8n start with the active workflows is ready on loopback`,
		async () => await n8n.start({ port }),
	);
	if (!url) return;
	const rest = new N8nRest(n8n);

	const listingPath = `/v2/key-value-stores/${trigger.store.id}/keys`;
	const polls = () =>
		local.api.requests.filter((request) => request.method === 'GET' && request.path === listingPath)
			.length;
	/**
	 * Waits until n8n has polled `count` more times, and the last poll has had time to start its execution.
	 *
	 * @param {number} count
	 */
	const waitForPolls = async (count) => {
		const target = polls() + count;
		await waitFor(async () => polls() >= target, {
			timeoutMs: (count + 2) * POLL_INTERVAL_MS,
			intervalMs: 250,
			message: `n8n polled ${polls()} times; waited for ${target} (a poll every ${POLL_INTERVAL_MS / 1000} s)`,
		});
		await sleep(3000);
	};
	const triggerExecutions = async () => await rest.executions(trigger.workflow.id);
	/**
	 * The changes one execution of the trigger output, as [key, change].
	 *
	 * @param {{ id: string }} execution
	 */
	const changesOf = async (execution) =>
		executionItems(await rest.execution(execution.id), TRIGGER_NODE);

	const baseline = await checks.check(
		`${label}: trigger: the first polls set a baseline and start no execution`,
		async () => {
			// Activation polls once; the schedule polls every 10 s.
			await waitForPolls(3);
			expectEqual((await triggerExecutions()).length, 0, 'executions after the baseline polls');
			return `${polls()} polls`;
		},
	);
	if (!baseline) return;

	const storeId = trigger.store.id;
	await checks.check(
		`${label}: trigger: an add, an edit, a same-size edit and a delete start one execution with one item each`,
		async () => {
			// One synchronous step: no poll can fall between the changes.
			local.api.putRecord(storeId, 'd-new', 'new record', { contentType: 'text/plain' });
			local.api.putRecord(storeId, 'b-text', 'hello, longer now', { contentType: 'text/plain' });
			local.api.putRecord(storeId, 'a-json', '{"n":2}', { contentType: 'application/json' });
			local.api.deleteRecord(storeId, 'c-file');
			await waitForExecution(rest, trigger.workflow.id, 1, 4 * POLL_INTERVAL_MS);
			// The polls after it must not fire again.
			await waitForPolls(2);
			const executions = await triggerExecutions();
			expectEqual(executions.length, 1, 'executions of the trigger');
			expectEqual(
				[executions[0].status, executions[0].mode],
				['success', 'trigger'],
				'execution status and mode',
			);
			const items = await changesOf(executions[0]);
			expectEqual(
				items.map((item) => [item.json.key, item.json.change]),
				[
					['a-json', 'changed'],
					['b-text', 'changed'],
					['c-file', 'deleted'],
					['d-new', 'added'],
				],
				'changes',
			);
			const byKey = Object.fromEntries(items.map((item) => [item.json.key, item.json]));
			expectEqual(byKey['a-json'].value, { n: 2 }, 'a-json value (same size, told by its content)');
			expectEqual(
				[byKey['b-text'].text, byKey['b-text'].previousSize],
				['hello, longer now', 5],
				'b-text text and previous size',
			);
			expectEqual(byKey['c-file'].size, PNG.length, 'c-file size it had');
			expectEqual(byKey['d-new'].text, 'new record', 'd-new text');
			return `execution ${executions[0].id}, ${items.length} items`;
		},
	);

	await checks.check(
		`${label}: trigger: a record added while n8n is stopped fires once after the restart, nothing else again`,
		async () => {
			await n8n.stop();
			local.api.putRecord(storeId, 'e-while-stopped', Buffer.from(PNG), {
				contentType: 'image/png',
			});
			await n8n.start({ port });
			rest.cookie = undefined;
			await waitForExecution(rest, trigger.workflow.id, 2, 4 * POLL_INTERVAL_MS);
			await waitForPolls(2);
			const executions = await triggerExecutions();
			expectEqual(executions.length, 2, 'executions of the trigger');
			expectEqual(executions[1].status, 'success', 'execution status');
			const items = await changesOf(executions[1]);
			expectEqual(
				items.map((item) => [item.json.key, item.json.change]),
				[['e-while-stopped', 'added']],
				'changes after the restart',
			);
			const binary = items[0].binary?.data;
			expect(
				binary?.mimeType === 'image/png' && binary.fileName === 'e-while-stopped.png',
				`the added file's binary: ${show(binary)}`,
			);
		},
	);

	await checks.check(
		`${label}: the webhook example: a POST as Apify sends it gets the run's OUTPUT record`,
		async () => {
			const run = fixtures.SUCCEEDED_RUN.run;
			const response = await postApifyWebhook(url, run, fixtures.DEMO_ACTOR.userId);
			expectEqual(response.status, 200, `webhook answer ${show(response.body)}`);
			const execution = await waitForExecution(rest, webhookId, 1);
			expectEqual(
				[execution.status, execution.mode],
				['success', 'webhook'],
				'execution status and mode',
			);
			expectEqual(
				executionItems(execution, "Get the run's OUTPUT").map((item) => item.json),
				[{ runId: run.id, status: 'SUCCEEDED' }],
				"the run's OUTPUT",
			);
		},
	);
	await checks.check(
		`${label}: the webhook example: a POST naming an unknown run fails that execution with "Actor run was not found"`,
		async () => {
			const response = await postApifyWebhook(
				url,
				{ ...fixtures.SUCCEEDED_RUN.run, id: 'runUnknownRun0001' },
				fixtures.DEMO_ACTOR.userId,
			);
			expectEqual(response.status, 200, `webhook answer ${show(response.body)}`);
			const execution = await waitForExecution(rest, webhookId, 2);
			expectEqual(execution.status, 'error', 'execution status');
			const message = execution.error?.message ?? '';
			expect(/run was not found/i.test(message), `execution error ${show(message)}`);
		},
	);

	if (onlyChanged) await runOnlyChangedCheck(checks, { local, rest, url, label, onlyChanged });

	if (mcp) {
		await runMcpChecks(checks, n8n, { url, label, ...mcp });
		await runAgentChecks(checks, n8n, { label, fixture: mcp.fixture });
	}

	if (stopAfter) await n8n.stop();
}

/**
 * The Only If Changed workflow from its webhook, four times, the record changed before the third:
 * both nodes output it on the first and third execution only.
 *
 * @param {Checks} checks
 * @param {{ local: LocalApi, rest: N8nRest, url: string, label: string, onlyChanged: ReturnType<typeof onlyChangedFixture> }} options
 */
async function runOnlyChangedCheck(checks, { local, rest, url, label, onlyChanged }) {
	await checks.check(
		`${label}: Record → Get with Only If Changed from a webhook, remembered in static data and in an Apify store: the record comes out once, then once more after it changed`,
		async () => {
			/** @type {Array<Record<string, unknown[]>>} */
			const outputs = [];
			for (const [index, change] of [false, false, true, false].entries()) {
				if (change)
					local.api.putRecord(onlyChanged.store.id, 'watched', '{"version":2}', {
						contentType: 'application/json',
					});
				const response = await fetch(`${url}/webhook/${onlyChanged.path}`, { method: 'POST' });
				expectEqual(response.status, 200, 'webhook answer');
				const execution = await waitForExecution(rest, onlyChanged.workflow.id, index + 1);
				expectEqual(execution.status, 'success', `execution ${execution.id} status`);
				outputs.push(
					Object.fromEntries(
						Object.values(ONLY_CHANGED_NODES).map((node) => [
							node,
							executionItems(execution, node).map((item) => item.json.version),
						]),
					),
				);
			}
			const expected = [[1], [], [2], []];
			expectEqual(
				outputs,
				expected.map((versions) =>
					Object.fromEntries(Object.values(ONLY_CHANGED_NODES).map((node) => [node, versions])),
				),
				'versions each node output, execution by execution',
			);
			const memory = local.api.findStore(onlyChanged.memoryStoreName);
			expectEqual(memory.keys().length, 1, 'records in the memory store');
			return show(outputs);
		},
	);
}

/**
 * Posts Apify's default webhook payload for ACTOR.RUN.SUCCEEDED to the webhook example.
 *
 * @param {string} url  n8n's
 * @param {{ id: string, actId: string, status: string, defaultKeyValueStoreId: string }} run
 * @param {string} userId  the run's owner: its Actor's
 */
async function postApifyWebhook(url, run, userId) {
	const payload = {
		userId,
		createdAt: new Date().toISOString(),
		eventType: 'ACTOR.RUN.SUCCEEDED',
		eventData: { actorId: run.actId, actorRunId: run.id },
		resource: {
			id: run.id,
			actId: run.actId,
			status: run.status,
			defaultKeyValueStoreId: run.defaultKeyValueStoreId,
		},
	};
	const response = await fetch(`${url}/webhook/apify-run-finished`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(payload),
	});
	return { status: response.status, body: await response.text() };
}

/**
 * The workflow's `count`-th execution once it has finished, with its data.
 *
 * @param {N8nRest} rest
 * @param {string} workflowId
 * @param {number} count
 * @returns {Promise<Execution>}
 */
export async function waitForExecution(rest, workflowId, count, timeoutMs = 60_000) {
	const summary = await waitFor(
		async () => {
			const executions = await rest.executions(workflowId);
			const execution = executions[count - 1];
			return execution && !['new', 'running', 'waiting'].includes(execution.status)
				? execution
				: undefined;
		},
		{
			timeoutMs,
			intervalMs: 500,
			message: `execution ${count} of workflow ${workflowId} did not finish within ${timeoutMs / 1000} s`,
		},
	);
	return await rest.execution(summary.id);
}
