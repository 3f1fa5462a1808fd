// @ts-check
// The workflows of the queue suite: the examples behind a Webhook node instead of their manual or
// schedule trigger (so that n8n's main instance hands them to the workers), and a few of its own on
// a store of large generated records. And how each example's output is checked, from n8n's REST API
// and the files in n8n's database.
import { createHash, randomUUID } from 'node:crypto';

import JSZip from 'jszip';

import { CheckFailure, expect, expectEqual, show } from './checks.mjs';
import { executionItems } from './rest.mjs';
import {
	chainedWorkflow,
	EXAMPLE_CREDENTIALS,
	exampleWorkflows,
	WEBHOOK_NODE,
	webhookNode,
} from './workflows.mjs';

/** @import { LocalApi } from './local-api.mjs' */
/** @import { Execution } from './rest.mjs' */
/** @typedef {Awaited<ReturnType<typeof import('./queue.mjs').binaryDataTable>>} BinaryTable */

const MIB = 1024 * 1024;
/** The Apify store Only If Changed remembers in, in the workflow that keeps its memory there. */
export const MEMORY_STORE = 'queue-only-if-changed';

/** The examples that only read, so that 40 runs at once do not race each other. */
export const CONCURRENT_EXAMPLES = [
	'record-get.workflow.json',
	'key-list.workflow.json',
	'record-download-all.workflow.json',
	'daily-image-fingerprints.workflow.json',
	'share-links-and-stores.workflow.json',
];

/** @param {Buffer} bytes */
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/**
 * An example with a Webhook node at `/webhook/queue-<file>` in place of its manual trigger; its
 * schedule trigger is dropped.
 *
 * @param {{ file: string, workflow: any }} example
 */
function webhookVariant({ file, workflow }) {
	const triggerTypes = ['n8n-nodes-base.manualTrigger', 'n8n-nodes-base.scheduleTrigger'];
	const triggers = workflow.nodes.filter((/** @type {any} */ node) =>
		triggerTypes.includes(node.type),
	);
	const manual = triggers.find(
		(/** @type {any} */ node) => node.type === 'n8n-nodes-base.manualTrigger',
	);
	if (!manual) throw new Error(`${file} has no manual trigger`);
	const path = `queue-${file.replace('.workflow.json', '')}`;
	const connections = { ...workflow.connections };
	for (const trigger of triggers) delete connections[trigger.name];
	connections[WEBHOOK_NODE] = workflow.connections[manual.name];
	return {
		file,
		path,
		workflow: {
			...workflow,
			id: `q${workflow.id}`.slice(0, 16),
			name: `Queue: ${workflow.name}`,
			nodes: [
				webhookNode(path),
				...workflow.nodes.filter((/** @type {any} */ node) => !triggers.includes(node)),
			],
			connections,
		},
	};
}

/**
 * The queue suite's workflows, and the store of large records they read.
 *
 * @param {{ local: LocalApi, examplesDir: string, nodeType: string }} options
 */
export function queueWorkflows({ local, examplesDir, nodeType }) {
	const examples = exampleWorkflows(examplesDir);
	const variants = examples
		.filter(({ file }) => CONCURRENT_EXAMPLES.includes(file))
		.map((example) => webhookVariant(example));

	const { binaryStream } = local.generated;
	const store = local.api.addStore({ name: 'queue-large-records' });
	/** @type {Record<string, { size: number, sha256?: string }>} */
	const records = {
		medium: { size: 5 * MIB },
		'over-limit': { size: 30 * MIB },
		'big-100': { size: 100 * MIB },
		'big-400': { size: 400 * MIB },
	};
	for (const [index, [key, { size }]] of Object.entries(records).entries()) {
		local.api.putGeneratedRecord(store.id, key, {
			size,
			contentType: 'application/octet-stream',
			generate: () => binaryStream(size, 100 + index),
		});
	}
	local.api.putRecord(store.id, 'watched', '{"version":1}', { contentType: 'application/json' });
	local.api.putRecord(store.id, 'watched-shared', '{"version":1}', {
		contentType: 'application/json',
	});

	const storeById = { __rl: true, value: store.id, mode: 'id' };
	/**
	 * @param {string} name
	 * @param {Record<string, unknown>} parameters
	 */
	const apifyNode = (name, parameters) => ({
		id: randomUUID(),
		name,
		type: nodeType,
		typeVersion: 1,
		position: [260, 0],
		parameters,
		credentials: EXAMPLE_CREDENTIALS,
	});
	/**
	 * @param {string} id
	 * @param {string} name
	 * @param {any[]} nodes  after the webhook, in a chain
	 */
	const chain = (id, name, nodes) => ({
		path: id.toLowerCase(),
		workflow: chainedWorkflow(id, name, [webhookNode(id.toLowerCase()), ...nodes]),
	});
	const getAsFile = apifyNode('Get the record as a file', {
		resource: 'record',
		operation: 'get',
		storeId: storeById,
		key: { __rl: true, value: '={{ $json.body.key }}', mode: 'id' },
		outputFormat: 'binary',
		options: {},
	});
	const own = {
		fileAndHash: chain('qFileAndHash0001', 'Queue: a record as a file, hashed downstream', [
			getAsFile,
			{
				id: randomUUID(),
				name: 'SHA-256 of the file',
				type: 'n8n-nodes-base.crypto',
				typeVersion: 2,
				position: [520, 0],
				parameters: {
					binaryData: true,
					binaryPropertyName: 'data',
					type: 'SHA256',
					dataPropertyName: 'sha256',
					encoding: 'hex',
				},
			},
		]),
		fileOnly: chain('qFileOnly0000001', 'Queue: a record as a file', [
			{ ...getAsFile, id: randomUUID() },
		]),
		onlyChanged: chain('qOnlyChanged0001', 'Queue: a record, only if changed', [
			apifyNode('Get it if it changed', {
				resource: 'record',
				operation: 'get',
				storeId: storeById,
				key: { __rl: true, value: 'watched', mode: 'id' },
				outputFormat: 'auto',
				options: { onlyChanged: true },
			}),
		]),
		onlyChangedShared: chain(
			'qOnlyChangedApfy',
			'Queue: a record, only if changed, remembered on Apify',
			[
				apifyNode('Get it if it changed', {
					resource: 'record',
					operation: 'get',
					storeId: storeById,
					key: { __rl: true, value: 'watched-shared', mode: 'id' },
					outputFormat: 'auto',
					options: { onlyChanged: true, changeMemory: 'apifyStore', memoryStoreName: MEMORY_STORE },
				}),
			],
		),
	};
	return {
		variants,
		own,
		store,
		records,
		/**
		 * The SHA-256 of a generated record of the store, made again.
		 *
		 * @param {string} key
		 */
		async recordSha256(key) {
			const entry = records[key];
			if (!entry.sha256) {
				const index = Object.keys(records).indexOf(key);
				const hash = createHash('sha256');
				for await (const chunk of binaryStream(entry.size, 100 + index)) hash.update(chunk);
				entry.sha256 = hash.digest('hex');
			}
			return entry.sha256;
		},
	};
}

/**
 * A file an item refers to, as n8n's database holds it: its bytes' SHA-256, name and type.
 *
 * @param {BinaryTable} table
 * @param {any} binary  an item's binary property
 * @param {{ sha256: string, mimeType?: string, fileName?: string }} expected
 * @param {string} what
 */
export async function expectDatabaseFile(table, binary, expected, what) {
	expect(binary?.id, `${what}: no binary data (${show(binary)})`);
	expect(
		/^database:/.test(binary.id),
		`${what}: binary ${show(binary.id)} is not in database mode`,
	);
	const file = await table.file(binary.id);
	expect(file, `${what}: ${binary.id} is not in n8n's binary_data table`);
	expectEqual(file.sha256, expected.sha256, `${what}: SHA-256 of the stored bytes`);
	if (expected.mimeType) expectEqual(file.mimeType, expected.mimeType, `${what} MIME type`);
	if (expected.fileName) expectEqual(file.fileName, expected.fileName, `${what} file name`);
	expectEqual(
		[binary.mimeType, binary.fileName],
		[file.mimeType, file.fileName],
		`${what}: the item's and the database's MIME type and file name`,
	);
	return file;
}

/**
 * Checks one execution of an example's webhook variant: the same output as `n8n execute` gives in
 * the main suite, every file byte for byte in n8n's database.
 *
 * @param {string} file  the example's file name
 * @param {Execution} execution
 * @param {{ local: LocalApi, table: BinaryTable }} context
 */
export async function checkExampleOutput(file, execution, { local, table }) {
	const { fixtures } = local;
	const demo = fixtures.DEMO_STORE;
	/** @param {string} key */
	const fixture = (key) => fixtures.fixtureRecord(demo.id, key);
	/** @param {string} node */
	const items = (node) => executionItems(execution, node);
	switch (file) {
		case 'record-get.workflow.json': {
			expectEqual(
				items('Get OUTPUT (JSON)').map((item) => item.json),
				[JSON.parse(fixture('OUTPUT').body.toString('utf8'))],
				'OUTPUT',
			);
			expectEqual(
				items('Get notes (text)')[0].json.notes,
				fixture('notes').body.toString('utf8'),
				'notes',
			);
			const [shot] = items('Get screenshot (file)');
			await expectDatabaseFile(
				table,
				shot.binary?.data,
				{
					sha256: sha256(fixture('screenshot').body),
					mimeType: 'image/png',
					fileName: 'screenshot.png',
				},
				'screenshot',
			);
			return;
		}
		case 'key-list.workflow.json': {
			expectEqual(
				items('List keys').map((item) => item.json.key),
				fixtures.fixtureKeys(demo.id),
				'keys',
			);
			expectEqual(
				items('List the first 1500 keys').map((item) => item.json.key),
				fixtures.fixtureKeys(fixtures.PAGING_STORE.id).slice(0, 1500),
				'1500 keys',
			);
			return;
		}
		case 'record-download-all.workflow.json': {
			const [zipItem] = items('Download store as ZIP');
			const bytes = await table.bytes(zipItem.binary?.data?.id);
			expect(bytes, `the ZIP ${show(zipItem.binary?.data?.id)} is not in the database`);
			const zip = await JSZip.loadAsync(bytes);
			const entries = Object.values(zip.files).filter((entry) => !entry.dir);
			expectEqual(
				entries.map((entry) => entry.name).sort(),
				[...fixtures.fixtureKeys(demo.id)].sort(),
				'ZIP entries',
			);
			for (const entry of entries) {
				const content = await entry.async('nodebuffer');
				expect(content.equals(fixture(entry.name).body), `ZIP entry ${entry.name} differs`);
			}
			const records = items('Download records, one item each');
			expectEqual(records.length, entries.length, 'one item per record');
			for (const item of records) {
				await expectDatabaseFile(
					table,
					item.binary?.data,
					{ sha256: sha256(fixture(item.json.key).body) },
					item.json.key,
				);
			}
			return;
		}
		case 'daily-image-fingerprints.workflow.json': {
			const keys = ['img-001', 'img-002', 'img-003'];
			const images = items('Get each image');
			for (const [index, item] of images.entries()) {
				await expectDatabaseFile(
					table,
					item.binary?.data,
					{
						sha256: sha256(fixture(keys[index]).body),
						mimeType: 'image/png',
						fileName: `${keys[index]}.png`,
					},
					keys[index],
				);
			}
			expectEqual(
				items('SHA-256 of each image').map((item) => [item.json.key, item.json.sha256]),
				keys.map((key) => [key, sha256(fixture(key).body)]),
				'SHA-256 per image (the Crypto node read each file from the database)',
			);
			return;
		}
		case 'share-links-and-stores.workflow.json': {
			const [downloaded] = items('Download it without a token');
			await expectDatabaseFile(
				table,
				downloaded.binary?.data,
				{ sha256: sha256(fixture('screenshot').body) },
				'the screenshot through its public link',
			);
			expectEqual(
				items('List them without a token')[0].json.data?.items?.map(
					(/** @type {{ key: string }} */ item) => item.key,
				),
				['img-001', 'img-002', 'img-003'],
				'keys through the public listing link',
			);
			return;
		}
		default:
			throw new CheckFailure(`no output check for ${file}`);
	}
}
