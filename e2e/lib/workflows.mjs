// @ts-check
// The CLI part of the suite: imports the example credential and workflows (plus a few test-only
// ones) into a real n8n, runs each with `n8n execute --id`, and checks the items, the binary files in
// n8n's storage, and the logs.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import JSZip from 'jszip';

import { CheckFailure, expect, expectEqual, show } from './checks.mjs';
import { sha256 } from './n8n.mjs';

/** @import { Checks } from './checks.mjs' */
/** @import { LocalApi } from './local-api.mjs' */
/** @import { N8n } from './n8n.mjs' */
/** @typedef {Awaited<ReturnType<N8n['execute']>>} ExecuteResult  a run by `n8n execute` */
/**
 * A workflow as n8n imports and exports it; only the fields the suite reads are typed.
 *
 * @typedef {{ id: string, name: string, nodes: Array<{ name: string, type: string }> }} WorkflowJson
 */
/**
 * One node of a test-only workflow: its name, its credential (ID and name) and its parameters.
 *
 * @typedef {[string, [string, string], Record<string, unknown>]} NodeSpec
 */

export const EXAMPLE_CREDENTIAL_ID = 'apifyLocalApi001';
/** The credential type of this package's nodes. */
export const CREDENTIAL_TYPE = 'apifyKeyValueStoreApi';
/** A node's `credentials`: the example credential the suites import. */
export const EXAMPLE_CREDENTIALS = {
	[CREDENTIAL_TYPE]: { id: EXAMPLE_CREDENTIAL_ID, name: 'Apify (local API)' },
};
const MANUAL = 'When clicking ‘Execute workflow’';
export const WEBHOOK_NODE = 'Webhook';

/**
 * A webhook node at `/webhook/<path>` (POST).
 *
 * @param {string} path
 */
export function webhookNode(path) {
	return {
		id: randomUUID(),
		name: WEBHOOK_NODE,
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0],
		parameters: { httpMethod: 'POST', path, options: {} },
		webhookId: randomUUID(),
	};
}

/**
 * A workflow of n8n's Manual Trigger and, after it, `nodes`, each fed by the trigger; the
 * builder gives each node its ID and place.
 *
 * @param {string} id
 * @param {string} name
 * @param {Array<{ name: string, [property: string]: unknown } | import('n8n-workflow').INode>} nodes
 */
export function manualWorkflow(id, name, nodes) {
	return {
		id,
		name,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: `${id}-trigger`,
				name: MANUAL,
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			...nodes.map((node, index) => ({
				...node,
				id: `${id}-node-${index}`,
				position: [260, index * 200],
			})),
		],
		connections: {
			[MANUAL]: { main: [nodes.map((node) => ({ node: node.name, type: 'main', index: 0 }))] },
		},
	};
}

/**
 * A workflow of `nodes` (the trigger first) that run one after another, each on the main output of
 * the one before.
 *
 * @param {string} id
 * @param {string} name
 * @param {Array<{ name: string }>} nodes
 */
export function chainedWorkflow(id, name, nodes) {
	return {
		id,
		name,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes,
		connections: Object.fromEntries(
			nodes
				.slice(0, -1)
				.map((node, index) => [
					node.name,
					{ main: [[{ node: nodes[index + 1].name, type: 'main', index: 0 }]] },
				]),
		),
	};
}

/** Records the local API stores compressed (br, gzip, deflate), as apify-client stores large ones. */
const COMPRESSED_KEYS = ['big-json', 'log-gz', 'data-deflate'];

/**
 * The example credential with its API Base URL pointed at the running local API.
 *
 * @param {string} examplesDir
 * @param {string} apiUrl
 */
export function exampleCredentials(examplesDir, apiUrl) {
	/** @type {Array<{ data: Record<string, unknown> }>} */
	const credentials = JSON.parse(
		readFileSync(join(examplesDir, 'local-api.credentials.json'), 'utf8'),
	);
	return credentials.map((credential) => ({
		...credential,
		data: { ...credential.data, baseUrl: apiUrl },
	}));
}

/**
 * Imports credentials and workflows with n8n's CLI, each kind in one call (each call starts n8n).
 *
 * @param {N8n} n8n
 * @param {string} dir  where the files to import are written
 * @param {{ credentials: object[], workflows: object[] }} what
 */
export async function importAll(n8n, dir, { credentials, workflows }) {
	const credentialsFile = join(dir, `${n8n.version}-credentials.json`);
	const workflowsFile = join(dir, `${n8n.version}-workflows.json`);
	writeFileSync(credentialsFile, JSON.stringify(credentials, null, 2));
	writeFileSync(workflowsFile, JSON.stringify(workflows, null, 2));
	await n8n.importFile('credentials', credentialsFile);
	await n8n.importFile('workflow', workflowsFile);
}

/**
 * The example workflows, by file name, in file name order.
 *
 * @param {string} examplesDir
 * @returns {Array<{ file: string, workflow: WorkflowJson }>}
 */
export function exampleWorkflows(examplesDir) {
	return readdirSync(examplesDir)
		.filter((file) => file.endsWith('.workflow.json'))
		.sort()
		.map((file) => ({ file, workflow: JSON.parse(readFileSync(join(examplesDir, file), 'utf8')) }));
}

/**
 * Credentials and workflows only the suite uses: a URL signature, and the failures it must survive.
 *
 * @param {object} options
 * @param {string} options.apiUrl  the local API's
 * @param {string} options.nodeType  the node's type as workflows name it
 * @param {string} options.signature  a URL signature of the demo store
 * @param {string} options.wrongSignature  a URL signature of another store
 * @param {string} options.demoStoreId
 * @param {string} options.token  a valid API token of the local API
 */
export function testOnlyFixtures({
	apiUrl,
	nodeType,
	signature,
	wrongSignature,
	demoStoreId,
	token,
}) {
	/**
	 * @param {string} id
	 * @param {string} name
	 * @param {Record<string, string>} data
	 */
	const credential = (id, name, data) => ({
		id,
		name,
		type: CREDENTIAL_TYPE,
		data: { baseUrl: apiUrl, ...data },
	});
	const badToken = 'apify_api_E2EbadToken_that_is_not_valid_00000000009';
	const credentials = [
		credential('e2eSignature0001', 'Apify (URL signature)', {
			authType: 'urlSignature',
			signature,
			signatureStoreId: demoStoreId,
		}),
		credential('e2eBadSignature1', 'Apify (wrong signature)', {
			authType: 'urlSignature',
			signature: wrongSignature,
			signatureStoreId: demoStoreId,
		}),
		credential('e2eBadToken00001', 'Apify (bad token)', {
			authType: 'apiToken',
			apiToken: badToken,
		}),
		// The local API as an IPv4-mapped IPv6 address: plain HTTP to what is not a loopback name,
		// which must be refused before the (valid) token is sent.
		credential('e2ePlainHttp0001', 'Apify (plain HTTP)', {
			authType: 'apiToken',
			apiToken: token,
			baseUrl: apiUrl.replace('//127.0.0.1:', '//[::ffff:127.0.0.1]:'),
		}),
	];
	const storeById = { __rl: true, value: demoStoreId, mode: 'id' };
	/**
	 * A Manual Trigger and, after it, one node of this package per entry of `nodes`: [name, credential, parameters].
	 *
	 * @param {string} id
	 * @param {string} name
	 * @param {NodeSpec[]} nodes
	 */
	const workflow = (id, name, nodes) =>
		manualWorkflow(
			id,
			name,
			nodes.map(([nodeName, [credentialId, credentialName], parameters]) => ({
				name: nodeName,
				type: nodeType,
				typeVersion: 1,
				parameters,
				credentials: { [CREDENTIAL_TYPE]: { id: credentialId, name: credentialName } },
			})),
		);
	/**
	 * @param {string} id
	 * @param {string} name
	 * @param {string} nodeName
	 * @param {string} credentialId
	 * @param {string} credentialName
	 * @param {Record<string, unknown>} parameters
	 */
	const single = (id, name, nodeName, credentialId, credentialName, parameters) =>
		workflow(id, name, [[nodeName, [credentialId, credentialName], parameters]]);
	/**
	 * @param {string} key
	 * @returns {NodeSpec}
	 */
	const asFile = (key) => [
		`Get ${key}`,
		[EXAMPLE_CREDENTIAL_ID, 'Apify (local API)'],
		{
			resource: 'record',
			operation: 'get',
			storeId: storeById,
			key: { __rl: true, value: key, mode: 'id' },
			outputFormat: 'binary',
		},
	];
	const workflows = {
		compressed: workflow(
			'e2eCompressedFile',
			'E2E: compressed records as files',
			COMPRESSED_KEYS.map(asFile),
		),
		signature: single(
			'e2eSignatureList',
			'E2E: list keys with a URL signature',
			'List keys',
			'e2eSignature0001',
			'Apify (URL signature)',
			{
				resource: 'key',
				operation: 'list',
				storeId: storeById,
				returnAll: true,
			},
		),
		missingRecord: single(
			'e2eMissingRecord',
			'E2E: a record that does not exist',
			'Get record',
			EXAMPLE_CREDENTIAL_ID,
			'Apify (local API)',
			{
				resource: 'record',
				operation: 'get',
				storeId: storeById,
				key: { __rl: true, value: 'no-such-record', mode: 'id' },
			},
		),
		badToken: single(
			'e2eBadTokenList',
			'E2E: a wrong API token',
			'List keys',
			'e2eBadToken00001',
			'Apify (bad token)',
			{
				resource: 'key',
				operation: 'list',
				storeId: storeById,
				returnAll: true,
			},
		),
		badSignature: single(
			'e2eBadSignature',
			'E2E: a signature for another store',
			'Download store',
			'e2eBadSignature1',
			'Apify (wrong signature)',
			{
				resource: 'record',
				operation: 'download',
				storeId: storeById,
				outputMode: 'zip',
			},
		),
		continueOnFail: continueOnFailWorkflow({ nodeType, storeById }),
	};
	return { credentials, workflows, badToken };
}

/**
 * Key → List of the images, then Record → Get of each with the second key broken, On Error: Continue.
 *
 * @param {{ nodeType: string, storeById: Record<string, unknown> }} options
 */
function continueOnFailWorkflow({ nodeType, storeById }) {
	/**
	 * @param {string} name
	 * @param {[number, number]} position
	 * @param {Record<string, unknown>} parameters
	 * @param {Record<string, unknown>} [extra]
	 */
	const node = (name, position, parameters, extra = {}) => ({
		id: `e2eContinue-${position[0]}`,
		name,
		type: nodeType,
		typeVersion: 1,
		position,
		parameters,
		credentials: EXAMPLE_CREDENTIALS,
		...extra,
	});
	/** @param {string} name */
	const to = (name) => ({ main: [[{ node: name, type: 'main', index: 0 }]] });
	return {
		id: 'e2eContinueOnFail',
		name: 'E2E: one failing item, On Error: Continue',
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: 'e2eContinue-trigger',
				name: MANUAL,
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			node('List image keys', [260, 0], {
				resource: 'key',
				operation: 'list',
				storeId: storeById,
				recordFilter: 'prefix',
				prefix: 'img-',
				returnAll: true,
			}),
			node(
				'Get each image',
				[520, 0],
				{
					resource: 'record',
					operation: 'get',
					storeId: storeById,
					key: {
						__rl: true,
						value: "={{ $json.key === 'img-002' ? 'img-002-missing' : $json.key }}",
						mode: 'id',
					},
					outputFormat: 'binary',
				},
				{ onError: 'continueRegularOutput' },
			),
		],
		connections: { [MANUAL]: to('List image keys'), 'List image keys': to('Get each image') },
	};
}

/**
 * The items a node output in a run that `n8n execute` printed.
 *
 * @param {any} run  n8n's run, as JSON
 * @param {string} nodeName
 * @returns {any[]} the items, as n8n output them
 */
function nodeItems(run, nodeName) {
	const runs = run?.data?.resultData?.runData?.[nodeName];
	if (!runs?.length) throw new CheckFailure(`node "${nodeName}" did not run`);
	if (runs[0].error) throw new CheckFailure(`node "${nodeName}" failed: ${runs[0].error.message}`);
	return runs[0].data?.main?.[0] ?? [];
}

/**
 * @param {ExecuteResult} result
 * @param {string} what  the run, for the failure message
 */
function expectSuccess(result, what) {
	const error = result.run?.data?.resultData?.error;
	const printedSuccess =
		result.run && !error && result.run.status === 'success' && result.run.finished === true;
	if (printedSuccess && result.code === null && result.signal) {
		// n8n itself sometimes crashes (SIGSEGV) on exit here, also with only a Manual Trigger and a No Operation node.
		console.log(`note: ${what}: n8n printed a successful run, then exited by ${result.signal}`);
		return;
	}
	if (result.code !== 0 || !printedSuccess) {
		throw new CheckFailure(
			`${what} did not succeed (exit ${result.code ?? result.signal})${error ? `: ${error.message}` : ''}\n${lastLines(result.output)}`,
		);
	}
}

/** @param {string} text */
function lastLines(text, count = 15) {
	return text.trimEnd().split('\n').slice(-count).join('\n');
}

/**
 * A binary property as n8n stored it: its fields, and its bytes read back from n8n's filesystem storage.
 *
 * @param {N8n} n8n
 * @param {any} binary  an item's binary property, as n8n output it
 * @param {{ bytes: Buffer, mimeType: string, fileName: string }} expected
 * @param {string} what  the file, for the failure message
 */
function expectStoredBinary(n8n, binary, { bytes, mimeType, fileName }, what) {
	expect(binary, `${what}: no binary property`);
	expectEqual(binary.mimeType, mimeType, `${what} mimeType`);
	expectEqual(binary.fileName, fileName, `${what} fileName`);
	expect(
		typeof binary.fileSize === 'string' && binary.fileSize.length > 0,
		`${what}: fileSize missing (${show(binary.fileSize)})`,
	);
	if (binary.bytes !== undefined) expectEqual(binary.bytes, bytes.length, `${what} bytes`);
	const path = n8n.binaryDataPath(binary.id);
	expect(
		path,
		`${what}: not in n8n's filesystem binary storage (id ${show(binary.id)}, data ${show(binary.data?.slice?.(0, 40))})`,
	);
	expect(existsSync(path), `${what}: ${path} (from id ${binary.id}) does not exist`);
	const stored = readFileSync(path);
	expect(
		stored.equals(bytes),
		`${what}: the stored file ${path} has ${stored.length} bytes (sha256 ${sha256(stored).slice(0, 12)}…), the fixture ${bytes.length} (sha256 ${sha256(bytes).slice(0, 12)}…)`,
	);
	const metadataPath = `${path}.metadata`;
	if (existsSync(metadataPath)) {
		const metadata = JSON.parse(readFileSync(metadataPath, 'utf8'));
		expectEqual(
			{ fileName: metadata.fileName, mimeType: metadata.mimeType },
			{ fileName, mimeType },
			`${what} storage metadata`,
		);
	}
	return stored;
}

/**
 * The secrets must not appear in what n8n printed.
 *
 * @param {string} text
 * @param {Record<string, string>} secrets  by label
 * @param {string} what  the output, for the failure message
 */
function expectNoSecrets(text, secrets, what) {
	for (const [label, secret] of Object.entries(secrets)) {
		expect(!text.includes(secret), `${what}: the ${label} appears in n8n's output`);
	}
}

/**
 * A run that failed with a message that matches `message`, printed in n8n's log; returns the error.
 *
 * @param {ExecuteResult} result
 * @param {{ message: RegExp }} expected
 * @param {string} what  the run, for the failure message
 */
function expectFailure(result, { message }, what) {
	expect(result.code !== 0, `${what}: n8n execute exited with 0; expected a failure`);
	const error = result.run?.data?.resultData?.error;
	expect(error, `${what}: no error in the run; output:\n${lastLines(result.output)}`);
	expect(
		message.test(error.message),
		`${what}: error message ${show(error.message)} does not match ${message}`,
	);
	expect(
		result.output.includes(error.message),
		`${what}: the node's error message is not in n8n's log`,
	);
	return error;
}

/**
 * Imports and runs everything against `n8n`; `local` is the running local API (fixtures, signatures).
 * `extraWorkflows` are imported too, for later parts. Returns the IDs of the imported example
 * workflows by file name.
 *
 * @param {Checks} checks
 * @param {N8n} n8n
 * @param {object} options
 * @param {LocalApi} options.local
 * @param {string} options.examplesDir
 * @param {string} options.runDir  where the files to import are written
 * @param {string} options.nodeType  the node's type as workflows name it
 * @param {string} options.label  the n8n version, before every check's name
 * @param {object[]} [options.extraWorkflows]
 */
export async function runCliChecks(
	checks,
	n8n,
	{ local, examplesDir, runDir, nodeType, label, extraWorkflows = [] },
) {
	const { fixtures } = local;
	const demo = fixtures.DEMO_STORE;
	/** @param {string} key */
	const fixture = (key) => fixtures.fixtureRecord(demo.id, key);
	const signature = local.storeSignature(demo);
	const wrongSignature = local.storeSignature(fixtures.PAGING_STORE);
	const token = fixtures.FULL_ACCESS_TOKEN;
	const tests = testOnlyFixtures({
		apiUrl: local.url,
		nodeType,
		signature,
		wrongSignature,
		demoStoreId: demo.id,
		token,
	});
	const examples = exampleWorkflows(examplesDir);
	const allSecrets = {
		'API token': token,
		'bad API token': tests.badToken,
		'URL signature': signature,
		'wrong URL signature': wrongSignature,
	};

	await checkImport(checks, n8n, {
		label,
		local,
		examples,
		examplesDir,
		runDir,
		nodeType,
		tests,
		extraWorkflows,
	});

	const byFile = Object.fromEntries(examples.map(({ file, workflow }) => [file, workflow]));
	/** @type {string[]} */
	const logs = [];
	/** @param {{ id: string }} workflow */
	const execute = async (workflow) => {
		const result = await n8n.execute(workflow.id);
		logs.push(result.output);
		return result;
	};

	/** @type {CliContext} */
	const context = {
		checks,
		n8n,
		label,
		local,
		fixtures,
		demo,
		fixture,
		execute,
		byFile,
		tests,
		signature,
		wrongSignature,
		token,
	};
	await checkRecordGet(context);
	await checkDownloadAll(context);
	await checkKeyList(context);
	await checkDailyImageFingerprints(context);
	await checkRecordWriteAndStores(context);
	await checkShareLinksAndStores(context);
	await checkCompressedRecords(context);
	await checkSignatureCredential(context);
	await checkFailures(context);
	await checkContinueOnFail(context);
	await checks.check(`${label}: no token or signature in any n8n output of this part`, () => {
		for (const text of logs) expectNoSecrets(text, allSecrets, 'n8n output');
	});
	return {
		examples: Object.fromEntries(examples.map(({ file, workflow }) => [file, workflow.id])),
		secrets: allSecrets,
	};
}

/**
 * The examples name this package's types exactly as users' workflows do; n8n's CLI imports them,
 * the example credential and the suite's own credentials and workflows.
 *
 * @param {Checks} checks
 * @param {N8n} n8n
 * @param {object} options
 * @param {string} options.label
 * @param {LocalApi} options.local
 * @param {Array<{ file: string, workflow: WorkflowJson }>} options.examples
 * @param {string} options.examplesDir
 * @param {string} options.runDir
 * @param {string} options.nodeType
 * @param {ReturnType<typeof testOnlyFixtures>} options.tests
 * @param {object[]} options.extraWorkflows
 */
async function checkImport(
	checks,
	n8n,
	{ label, local, examples, examplesDir, runDir, nodeType, tests, extraWorkflows },
) {
	await checks.check(
		`${label}: import the example credential and workflows with n8n's CLI`,
		async () => {
			for (const { file, workflow } of examples) {
				// The package's types, exactly as users' workflows name them: the node, its trigger, and
				// the node as an AI agent's tool.
				const packageTypes = [nodeType, `${nodeType}Trigger`, `${nodeType}Tool`];
				const types = workflow.nodes
					.map((node) => node.type)
					.filter((type) => type.startsWith(nodeType.split('.')[0] + '.'));
				expect(
					types.length > 0 && types.every((type) => packageTypes.includes(type)),
					`${file}: node types ${show(types)}, expected ${show(packageTypes)}`,
				);
			}
			await importAll(n8n, runDir, {
				credentials: [...exampleCredentials(examplesDir, local.url), ...tests.credentials],
				workflows: [
					...examples.map(({ workflow }) => workflow),
					...Object.values(tests.workflows),
					...extraWorkflows,
				],
			});
			return `${examples.length} examples`;
		},
	);
}

/**
 * What each group of CLI checks gets: the checks, the n8n under test and its label, the local API
 * with its fixtures (the demo store and its records), `execute` (runs a workflow with n8n's CLI and
 * keeps its output for the final secrets check), the example workflows by file name, the suite's own
 * fixtures, and the secrets.
 *
 * @typedef {object} CliContext
 * @property {Checks} checks
 * @property {N8n} n8n
 * @property {string} label
 * @property {LocalApi} local
 * @property {LocalApi['fixtures']} fixtures
 * @property {LocalApi['fixtures']['DEMO_STORE']} demo
 * @property {(key: string) => ReturnType<LocalApi['fixtures']['fixtureRecord']>} fixture  a record of the demo store
 * @property {(workflow: { id: string }) => Promise<ExecuteResult>} execute
 * @property {Record<string, WorkflowJson>} byFile
 * @property {ReturnType<typeof testOnlyFixtures>} tests
 * @property {string} signature
 * @property {string} wrongSignature
 * @property {string} token
 */

/**
 * Record → Get (record-get): a JSON record's fields, a text record's text, a PNG in n8n's binary storage.
 *
 * @param {CliContext} context
 */
async function checkRecordGet({ checks, n8n, label, fixture, execute, byFile }) {
	const get = await execute(byFile['record-get.workflow.json']);
	await checks.check(`${label}: record-get runs successfully`, () =>
		expectSuccess(get, 'record-get'),
	);
	await checks.check(`${label}: Record → Get of a JSON record gives its fields`, () => {
		const items = nodeItems(get.run, 'Get OUTPUT (JSON)');
		expectEqual(items.length, 1, 'item count');
		expectEqual(items[0].json, JSON.parse(fixture('OUTPUT').body.toString('utf8')), 'OUTPUT item');
	});
	await checks.check(`${label}: Record → Get of a text record gives its text`, () => {
		const [item] = nodeItems(get.run, 'Get notes (text)');
		const record = fixture('notes');
		expectEqual(
			item.json,
			{
				key: 'notes',
				contentType: record.contentType,
				size: record.body.length,
				notes: record.body.toString('utf8'),
			},
			'notes item',
		);
	});
	await checks.check(
		`${label}: Record → Get of a PNG gives screenshot.png in n8n's binary storage, byte for byte`,
		() => {
			const [item] = nodeItems(get.run, 'Get screenshot (file)');
			const record = fixture('screenshot');
			expectEqual(
				item.json,
				{
					key: 'screenshot',
					contentType: 'image/png',
					size: record.body.length,
					fileName: 'screenshot.png',
				},
				'screenshot item',
			);
			expectStoredBinary(
				n8n,
				item.binary?.data,
				{ bytes: record.body, mimeType: 'image/png', fileName: 'screenshot.png' },
				'screenshot',
			);
			return `${item.binary.data.fileSize}, ${item.binary.data.id}`;
		},
	);
}

/**
 * Record → Download All (record-download-all): one ZIP file, and one item per record, byte for byte.
 *
 * @param {CliContext} context
 */
async function checkDownloadAll({ checks, n8n, label, fixtures, demo, fixture, execute, byFile }) {
	const download = await execute(byFile['record-download-all.workflow.json']);
	await checks.check(`${label}: record-download-all runs successfully`, () =>
		expectSuccess(download, 'record-download-all'),
	);
	const zipOrder = await checks.check(
		`${label}: Download All as one ZIP file holds every record, byte for byte`,
		async () => {
			const items = nodeItems(download.run, 'Download store as ZIP');
			expectEqual(items.length, 1, 'item count');
			const [{ json, binary }] = items;
			const fileName = `${demo.id}.zip`;
			expectEqual(
				{ storeId: json.storeId, fileName: json.fileName },
				{ storeId: demo.id, fileName },
				'ZIP item',
			);
			const stored = expectStoredBinary(
				n8n,
				binary?.data,
				{ bytes: readStored(n8n, binary?.data), mimeType: 'application/zip', fileName },
				'ZIP',
			);
			expectEqual(json.size, stored.length, 'ZIP item size');
			const zip = await JSZip.loadAsync(stored);
			const entries = Object.values(zip.files).filter((entry) => !entry.dir);
			const names = entries.map((entry) => entry.name);
			expectEqual([...names].sort(), [...fixtures.fixtureKeys(demo.id)].sort(), 'ZIP entries');
			for (const entry of entries) {
				const bytes = await entry.async('nodebuffer');
				expect(
					bytes.equals(fixture(entry.name).body),
					`ZIP entry ${entry.name} differs from the fixture`,
				);
			}
			return names;
		},
	);
	await checks.check(
		`${label}: Download All as one item per record: each record's file in n8n's storage, byte for byte`,
		() => {
			const items = nodeItems(download.run, 'Download records, one item each');
			const keys = items.map((item) => item.json.key);
			expectEqual([...keys].sort(), [...fixtures.fixtureKeys(demo.id)].sort(), 'record keys');
			if (Array.isArray(zipOrder)) expectEqual(keys, zipOrder, "items in the archive's order");
			/** @type {Record<string, { mimeType: string, fileName: string }>} */
			const expected = {
				OUTPUT: { mimeType: 'application/json', fileName: 'OUTPUT.json' },
				screenshot: { mimeType: 'image/png', fileName: 'screenshot.png' },
				'img-001': { mimeType: 'image/png', fileName: 'img-001.png' },
				report: { mimeType: 'application/pdf', fileName: 'report.pdf' },
				notes: { mimeType: 'text/plain', fileName: 'notes.txt' },
			};
			for (const item of items) {
				const { key } = item.json;
				const record = fixture(key);
				const binary = item.binary?.data;
				expectEqual(item.json.size, record.body.length, `${key} size`);
				expectEqual(item.json.fileName, binary?.fileName, `${key} fileName in JSON and binary`);
				expectEqual(
					item.json.contentType,
					binary?.mimeType,
					`${key} contentType in JSON and binary`,
				);
				const want = expected[key];
				if (want) {
					expect(
						binary?.mimeType?.startsWith(want.mimeType),
						`${key}: mimeType ${show(binary?.mimeType)}, expected ${want.mimeType}`,
					);
				}
				expectStoredBinary(
					n8n,
					binary,
					{
						bytes: record.body,
						mimeType: binary?.mimeType,
						fileName: want?.fileName ?? binary?.fileName,
					},
					key,
				);
			}
			const output = items.find((item) => item.json.key === 'OUTPUT');
			expectEqual(
				output.json.value,
				JSON.parse(fixture('OUTPUT').body.toString('utf8')),
				'OUTPUT value (Parse JSON Records)',
			);
			return `${items.length} items`;
		},
	);
}

/**
 * Key → List (key-list): every key in byte order with sizes, and paging past 1000 keys.
 *
 * @param {CliContext} context
 */
async function checkKeyList({ checks, label, fixtures, demo, execute, byFile }) {
	const list = await execute(byFile['key-list.workflow.json']);
	await checks.check(`${label}: key-list runs successfully`, () => expectSuccess(list, 'key-list'));
	await checks.check(
		`${label}: Key → List gives every key of the store in byte order, with sizes`,
		() => {
			const items = nodeItems(list.run, 'List keys');
			const records = fixtures.fixtureRecords(demo.id);
			expectEqual(
				items.map((item) => item.json.key),
				records.map((record) => record.key),
				'keys',
			);
			// The API reports the stored size: compressed records are smaller than their content.
			for (const [index, record] of records.entries()) {
				const { size } = items[index].json;
				if (record.contentEncoding)
					expect(
						size > 0 && size < record.body.length,
						`${record.key}: size ${size} of a compressed record`,
					);
				else expectEqual(size, record.body.length, `${record.key} size`);
			}
			return `${items.length} keys`;
		},
	);
	await checks.check(`${label}: Key → List with Limit 1500 pages past 1000 keys, in order`, () => {
		const items = nodeItems(list.run, 'List the first 1500 keys');
		expectEqual(items.length, 1500, 'item count');
		expectEqual(
			items.map((item) => item.json.key),
			fixtures.fixtureKeys(fixtures.PAGING_STORE.id).slice(0, 1500),
			'keys',
		);
	});
}

/**
 * The realistic example (daily-image-fingerprints): a prefix listing, each image as a file, hashed downstream.
 *
 * @param {CliContext} context
 */
async function checkDailyImageFingerprints({ checks, n8n, label, fixture, execute, byFile }) {
	const daily = await execute(byFile['daily-image-fingerprints.workflow.json']);
	await checks.check(`${label}: daily-image-fingerprints runs successfully`, () =>
		expectSuccess(daily, 'daily-image-fingerprints'),
	);
	await checks.check(
		`${label}: daily-image-fingerprints: prefix img- lists 3 keys, each image is fetched as a file`,
		() => {
			const keys = nodeItems(daily.run, 'List image keys').map((item) => item.json.key);
			expectEqual(keys, ['img-001', 'img-002', 'img-003'], 'listed keys');
			const images = nodeItems(daily.run, 'Get each image');
			expectEqual(images.length, 3, 'image count');
			for (const [index, item] of images.entries()) {
				const key = keys[index];
				expectEqual(item.pairedItem?.item ?? item.pairedItem, index, `${key} paired item`);
				expectStoredBinary(
					n8n,
					item.binary?.data,
					{ bytes: fixture(key).body, mimeType: 'image/png', fileName: `${key}.png` },
					key,
				);
			}
		},
	);
	await checks.check(
		`${label}: daily-image-fingerprints: the downstream Crypto node read each file (SHA-256 of the fixture)`,
		() => {
			const hashed = nodeItems(daily.run, 'SHA-256 of each image');
			expectEqual(
				hashed.map((item) => [item.json.key, item.json.sha256]),
				['img-001', 'img-002', 'img-003'].map((key) => [key, sha256(fixture(key).body)]),
				'SHA-256 per image',
			);
		},
	);
}

/**
 * Writing, stores and a run's store (record-write-and-stores): Put, Get, Exists, Delete; Store → Get or Create and Delete; an Actor run's OUTPUT.
 *
 * @param {CliContext} context
 */
async function checkRecordWriteAndStores({ checks, label, fixtures, demo, execute, byFile }) {
	const write = await execute(byFile['record-write-and-stores.workflow.json']);
	await checks.check(`${label}: record-write-and-stores runs successfully`, () =>
		expectSuccess(write, 'record-write-and-stores'),
	);
	await checks.check(
		`${label}: Record → Put, Get, Exists, Delete, Exists: the record is written, read back, then gone`,
		() => {
			const summary = { status: 'SUCCEEDED', itemCount: 3 };
			const [put] = nodeItems(write.run, 'Put run-summary');
			expectEqual(
				put.json,
				{
					key: 'run-summary',
					storeId: demo.id,
					contentType: 'application/json',
					size: JSON.stringify(summary).length,
				},
				'Put item',
			);
			expectEqual(
				nodeItems(write.run, 'Get run-summary').map((item) => item.json),
				[summary],
				'Get item',
			);
			expectEqual(
				nodeItems(write.run, 'Exists before delete')[0].json.exists,
				true,
				'exists before delete',
			);
			expectEqual(
				nodeItems(write.run, 'Delete run-summary')[0].json,
				{ deleted: true, key: 'run-summary', storeId: demo.id },
				'Delete item',
			);
			expectEqual(
				nodeItems(write.run, 'Exists after delete')[0].json.exists,
				false,
				'exists after delete',
			);
		},
	);
	await checks.check(`${label}: Store → Get or Create, then Delete of the store it made`, () => {
		const [created] = nodeItems(write.run, 'Get or create a store');
		expectEqual(created.json.name, 'e2e-scratch-store', 'created store name');
		expect(!('urlSigningSecretKey' in created.json), 'the store item carries its signing secret');
		expectEqual(
			nodeItems(write.run, 'Delete that store')[0].json,
			{ deleted: true, storeId: created.json.id },
			'Delete item',
		);
	});
	await checks.check(
		`${label}: Record → Get from the store of an Actor's last succeeded run`,
		() => {
			const [item] = nodeItems(write.run, 'OUTPUT of a succeeded run');
			expectEqual(
				item.json,
				{ runId: fixtures.SUCCEEDED_RUN.run.id, status: 'SUCCEEDED' },
				'run OUTPUT',
			);
		},
	);
	await checks.check(
		`${label}: Record → Get from the store of the last run a schedule started (Run Origin), past a newer run started in Console`,
		() => {
			const [item] = nodeItems(write.run, 'OUTPUT of the last scheduled run');
			expectEqual(
				item.json,
				{ runId: fixtures.SUCCEEDED_RUN.run.id, status: 'SUCCEEDED' },
				'scheduled run OUTPUT',
			);
		},
	);
}

/**
 * Stores and signed links (share-links-and-stores): Store → List and Get; the public links fetched by n8n's HTTP Request node without a token.
 *
 * @param {CliContext} context
 */
async function checkShareLinksAndStores({
	checks,
	n8n,
	label,
	local,
	fixtures,
	demo,
	fixture,
	execute,
	byFile,
	signature,
	token,
}) {
	const links = await execute(byFile['share-links-and-stores.workflow.json']);
	await checks.check(`${label}: share-links-and-stores runs successfully`, () =>
		expectSuccess(links, 'share-links-and-stores'),
	);
	await checks.check(
		`${label}: Store → List gives the token's named stores; Store → Get describes one; neither shows the signing key`,
		() => {
			const names = nodeItems(links.run, 'List my stores').map((item) => item.json.name);
			for (const name of [demo.name, fixtures.PAGING_STORE.name])
				expect(names.includes(name), `stores ${show(names)} lack ${name}`);
			expect(
				!names.includes(fixtures.OTHER_STORE.name) && !names.includes(null),
				`stores ${show(names)}: another user's store or an unnamed one`,
			);
			const [described] = nodeItems(links.run, 'Describe demo-store');
			expectEqual(
				[described.json.id, described.json.name],
				[demo.id, demo.name],
				'described store',
			);
			expect(
				!JSON.stringify(links.run.data.resultData.runData).includes(demo.urlSigningSecretKey),
				"the store's URL signing key is in the run",
			);
		},
	);
	await checks.check(
		`${label}: Record → Get Public URL: the HTTP Request node downloads the record with it, without a token`,
		() => {
			const [link] = nodeItems(links.run, 'Public link to the screenshot');
			const url = new URL(link.json.url);
			expectEqual(
				`${url.origin}${url.pathname}`,
				`${local.url}/v2/key-value-stores/${demo.id}/records/screenshot`,
				'link address',
			);
			expect(
				url.searchParams.get('signature') && !url.searchParams.has('token'),
				`link ${show(link.json.url)} has no signature or has a token`,
			);
			const [downloaded] = nodeItems(links.run, 'Download it without a token');
			const bytes = readStored(n8n, downloaded.binary?.data);
			expect(
				bytes.equals(fixture('screenshot').body),
				`the downloaded file has ${bytes.length} bytes, not the screenshot's ${fixture('screenshot').body.length}`,
			);
		},
	);
	await checks.check(
		`${label}: Key → Get Public Listing URL: the HTTP Request node lists the img- keys with it, without a token; it expires in an hour`,
		() => {
			const [link] = nodeItems(links.run, 'Public link to the image keys');
			const url = new URL(link.json.url);
			expectEqual(
				[url.pathname, url.searchParams.get('prefix')],
				[`/v2/key-value-stores/${demo.id}/keys`, 'img-'],
				'link path and prefix',
			);
			const expiresIn = Date.parse(link.json.expiresAt) - Date.now();
			expect(
				expiresIn > 50 * 60_000 && expiresIn <= 3_600_000,
				`expiresAt ${show(link.json.expiresAt)} is not about an hour from now`,
			);
			const [listing] = nodeItems(links.run, 'List them without a token');
			expectEqual(
				listing.json.data?.items?.map((/** @type {{ key: string }} */ item) => item.key),
				['img-001', 'img-002', 'img-003'],
				'keys listed with the link',
			);
		},
	);
}

/**
 * Records stored compressed, fetched as files: the decoded bytes and their size.
 *
 * @param {CliContext} context
 */
async function checkCompressedRecords({ checks, n8n, label, fixture, execute, tests }) {
	const compressed = await execute(tests.workflows.compressed);
	await checks.check(
		`${label}: Record → Get as a file of records stored compressed: decoded bytes and their size`,
		() => {
			expectSuccess(compressed, 'compressed records');
			for (const key of COMPRESSED_KEYS) {
				const [item] = nodeItems(compressed.run, `Get ${key}`);
				const record = fixture(key);
				expectEqual(item.json.size, record.body.length, `${key} size`);
				expectStoredBinary(
					n8n,
					item.binary?.data,
					{ bytes: record.body, mimeType: record.contentType, fileName: item.json.fileName },
					key,
				);
			}
		},
	);
}

/**
 * Key → List with a URL signature credential; the signature stays out of n8n's output.
 *
 * @param {CliContext} context
 */
async function checkSignatureCredential({
	checks,
	label,
	fixtures,
	demo,
	execute,
	tests,
	signature,
}) {
	const signed = await execute(tests.workflows.signature);
	await checks.check(`${label}: Key → List with a URL signature credential`, () => {
		expectSuccess(signed, 'signature list');
		expectEqual(
			nodeItems(signed.run, 'List keys').map((item) => item.json.key),
			fixtures.fixtureKeys(demo.id),
			'keys',
		);
		expectNoSecrets(signed.output, { 'URL signature': signature }, 'signature run');
	});
}

/**
 * Failures: a missing record, a wrong API token, a signature for another store; the node's messages, no secrets in the log.
 *
 * @param {CliContext} context
 */
async function checkFailures({ checks, label, execute, tests, signature, wrongSignature, token }) {
	const missing = await execute(tests.workflows.missingRecord);
	await checks.check(
		`${label}: a record that does not exist fails with the node's message; no token in the log`,
		() => {
			const error = expectFailure(
				missing,
				{ message: /^Apify API error 404 record-not-found: Record was not found\.$/ },
				'missing record',
			);
			expect(
				/no-such-record/.test(error.description ?? ''),
				`description ${show(error.description)} does not name the key`,
			);
			expectNoSecrets(missing.output, { 'API token': token }, 'missing-record run');
		},
	);
	const badToken = await execute(tests.workflows.badToken);
	await checks.check(
		`${label}: a wrong API token fails with 401; the token is not in the log`,
		() => {
			expectFailure(badToken, { message: /^Apify API error 401 / }, 'bad token');
			expectNoSecrets(badToken.output, { 'bad API token': tests.badToken }, 'bad-token run');
		},
	);
	const badSignature = await execute(tests.workflows.badSignature);
	await checks.check(
		`${label}: a signature for another store fails with 403; the signature is not in the log`,
		() => {
			expectFailure(badSignature, { message: /^Apify API error 403 / }, 'wrong signature');
			expectNoSecrets(
				badSignature.output,
				{ 'wrong URL signature': wrongSignature },
				'wrong-signature run',
			);
		},
	);
}

/**
 * On Error: Continue with one failing item among files.
 *
 * @param {CliContext} context
 */
async function checkContinueOnFail({ checks, n8n, label, fixture, execute, tests }) {
	const continued = await execute(tests.workflows.continueOnFail);
	await checks.check(
		`${label}: On Error: Continue gives the failing item an error and the others their files, each paired`,
		() => {
			expectSuccess(continued, 'continue on fail');
			const items = nodeItems(continued.run, 'Get each image');
			expectEqual(items.length, 3, 'item count');
			expectEqual(
				items.map((item) => item.pairedItem?.item ?? item.pairedItem),
				[0, 1, 2],
				'paired items',
			);
			expectEqual(
				items[1].json,
				{ error: 'Apify API error 404 record-not-found: Record was not found.' },
				'the failing item',
			);
			for (const index of [0, 2]) {
				const key = `img-00${index + 1}`;
				expectStoredBinary(
					n8n,
					items[index].binary?.data,
					{ bytes: fixture(key).body, mimeType: 'image/png', fileName: `${key}.png` },
					key,
				);
			}
		},
	);
}

/**
 * A binary property's bytes from n8n's filesystem storage.
 *
 * @param {N8n} n8n
 * @param {any} binary  an item's binary property, as n8n output it
 */
function readStored(n8n, binary) {
	const path = n8n.binaryDataPath(binary?.id);
	if (!path || !existsSync(path))
		throw new CheckFailure(`binary ${show(binary?.id)} is not in n8n's filesystem storage`);
	return readFileSync(path);
}
