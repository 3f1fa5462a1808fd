// @ts-check
// The node as a tool for AI agents, in a running `n8n start`: the MCP example (n8n's MCP Server
// Trigger with the package's tools) active, and a real MCP client (the official SDK) connected to
// it over HTTP on loopback, listing the tools and calling them as a model would. Then an AI Agent
// workflow with the same tools is loaded, and n8n's own code builds the schemas its model would get.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { CheckFailure, expect, expectEqual, show } from './checks.mjs';
import { waitFor } from './proc.mjs';
import { N8nRest } from './rest.mjs';

/** @import { Checks } from './checks.mjs' */
/** @import { LocalApi } from './local-api.mjs' */
/** @import { N8n } from './n8n.mjs' */
/** @import { WorkflowJson } from './workflows.mjs' */

export const MCP_EXAMPLE = 'mcp-server-tools.workflow.json';
const MCP_PATH = 'apify-kvs';
const TOOL_TEXT_LIMIT = 20_000;
const AGENT_WORKFLOW_ID = 'e2eAiAgentTools1';
const AGENT_TOOLS = ['get_record', 'list_keys'];

/**
 * A store of its own for each n8n (the MCP calls write to it), with a JSON, a text, a long text
 * and two image records; and an AI Agent workflow with two of the example's tools.
 *
 * @param {object} options
 * @param {LocalApi} options.local
 * @param {string} options.version  n8n's version
 * @param {WorkflowJson & { nodes: any[] }} options.example  the MCP example workflow
 */
export function mcpFixture({ local, version, example }) {
	const { fixtures } = local;
	const demo = fixtures.DEMO_STORE;
	const store = local.api.addStore({ name: `mcp-store-n8n-${version.split('.')[0]}` });
	/** @type {Record<string, { body: Buffer, contentType: string }>} */
	const records = {};
	for (const key of ['OUTPUT', 'notes', 'img-001', 'img-002']) {
		const { body, contentType } = fixtures.fixtureRecord(demo.id, key);
		records[key] = { body, contentType };
	}
	records['long-text'] = {
		body: Buffer.from('0123456789'.repeat(3000)),
		contentType: 'text/plain; charset=utf-8',
	};
	for (const [key, { body, contentType }] of Object.entries(records))
		local.api.putRecord(store.id, key, body, { contentType });

	const toolNodes = example.nodes.filter((node) => AGENT_TOOLS.includes(node.name));
	const agent = {
		id: AGENT_WORKFLOW_ID,
		name: 'E2E: AI Agent with the Apify Key-Value Store tools',
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: `${AGENT_WORKFLOW_ID}-chat`,
				name: 'When chat message received',
				type: '@n8n/n8n-nodes-langchain.chatTrigger',
				typeVersion: 1.1,
				position: [0, 0],
				parameters: { options: {} },
				webhookId: '0f1e2d3c-4b5a-4968-8776-e2e0a9a9a001',
			},
			{
				id: `${AGENT_WORKFLOW_ID}-agent`,
				name: 'AI Agent',
				type: '@n8n/n8n-nodes-langchain.agent',
				typeVersion: 2,
				position: [260, 0],
				parameters: { options: {} },
			},
			...toolNodes.map((node, index) => ({
				...node,
				id: `${AGENT_WORKFLOW_ID}-tool-${index}`,
				position: [260 + index * 200, 240],
			})),
		],
		connections: {
			'When chat message received': { main: [[{ node: 'AI Agent', type: 'main', index: 0 }]] },
			...Object.fromEntries(
				toolNodes.map((node) => [
					node.name,
					{ ai_tool: [[{ node: 'AI Agent', type: 'ai_tool', index: 0 }]] },
				]),
			),
		},
	};
	return { store, records, agent };
}

/**
 * The text of a tool call's answer, and whether n8n marked it an error.
 *
 * @param {any} result  the SDK's CallToolResult
 */
function answerOf(result) {
	const content = Array.isArray(result?.content) ? result.content : [];
	expect(
		content.length === 1 && content[0].type === 'text',
		`expected one text block, got ${show(result)}`,
	);
	return { text: String(content[0].text), isError: result.isError === true };
}

/**
 * The items of a successful call, as the model reads them.
 *
 * @param {any} result
 * @returns {any[]}
 */
function itemsOf(result) {
	const { text, isError } = answerOf(result);
	expect(!isError, `the call failed: ${text}`);
	return JSON.parse(text);
}

/**
 * Connects an MCP client to the active MCP example and checks the tools and their calls.
 *
 * @param {Checks} checks
 * @param {N8n} n8n  running, with the MCP example active
 * @param {object} options
 * @param {string} options.url  n8n's
 * @param {string} options.label
 * @param {ReturnType<typeof mcpFixture>} options.fixture
 * @param {WorkflowJson & { nodes: any[] }} options.example
 * @param {Record<string, string>} options.secrets  none may appear in an answer
 */
export async function runMcpChecks(checks, n8n, { url, label, fixture, example, secrets }) {
	const client = new Client({ name: 'n8n-nodes-apify-key-value-store-e2e', version: '1.0.0' });
	const connected = await checks.check(
		`${label}: MCP: the official MCP client connects to the MCP Server Trigger over HTTP (${MCP_PATH})`,
		async () => {
			// n8n activates its workflows after it starts listening.
			await waitFor(
				async () =>
					(
						await fetch(`${url}/mcp/${MCP_PATH}`, {
							method: 'POST',
							headers: { 'content-type': 'application/json' },
							body: '{}',
						})
					).status !== 404,
				{ timeoutMs: 60_000, message: `n8n did not serve /mcp/${MCP_PATH} within 60 s` },
			);
			await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp/${MCP_PATH}`)));
			return client.getServerVersion()?.name ?? 'connected';
		},
	);
	if (!connected) return;
	/** @type {string[]} every answer's text, for the secrets check */
	const answers = [];
	/**
	 * @param {string} name
	 * @param {Record<string, unknown>} args
	 */
	const call = async (name, args) => {
		const result = await client.callTool({ name, arguments: args });
		answers.push(JSON.stringify(result));
		return result;
	};
	const store = fixture.store.id;
	const { records } = fixture;
	try {
		await checks.check(
			`${label}: MCP: tools/list gives the example's 8 tools with their descriptions and argument schemas`,
			async () => {
				const { tools } = await client.listTools();
				const toolNodes = example.nodes.filter((node) => node.type.endsWith('Tool'));
				expectEqual(
					tools.map((tool) => tool.name).sort(),
					toolNodes.map((node) => node.name).sort(),
					'tool names',
				);
				for (const tool of tools) {
					const node = /** @type {any} */ (
						toolNodes.find((candidate) => candidate.name === tool.name)
					);
					expectEqual(
						tool.description,
						node.parameters.toolDescription,
						`${tool.name} description`,
					);
				}
				const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool.inputSchema]));
				/**
				 * @param {string} name
				 * @param {string[]} required
				 * @param {string[]} optional
				 */
				const expectArguments = (name, required, optional) => {
					const schema = /** @type {any} */ (byName[name]);
					expectEqual(schema.type, 'object', `${name} schema type`);
					expectEqual(
						Object.keys(schema.properties ?? {}).sort(),
						[...required, ...optional].sort(),
						`${name} arguments`,
					);
					expectEqual(
						[...(schema.required ?? [])].sort(),
						[...required].sort(),
						`${name} required`,
					);
					for (const [key, property] of Object.entries(schema.properties ?? {})) {
						const described = /** @type {any} */ (property);
						expect(
							described.type === 'string' && String(described.description ?? '').length > 10,
							`${name}.${key}: a described string, got ${show(described)}`,
						);
					}
				};
				expectArguments('list_keys', ['store'], ['prefix']);
				expectArguments('get_record', ['store', 'key'], []);
				expectArguments('put_record', ['store', 'key', 'value'], []);
				expectArguments('record_exists', ['store', 'key'], []);
				expectArguments('delete_record', ['store', 'key'], []);
				expectArguments('list_stores', [], []);
				expectArguments('get_store', ['store'], []);
				expectArguments('download_store_zip', ['store'], ['prefix']);
				expect(
					String(/** @type {any} */ (byName.get_record).properties.store.description).includes(
						'username~store-name',
					),
					'the store argument says what a store is',
				);
				return `${tools.length} tools`;
			},
		);

		await checks.check(
			`${label}: MCP: list_keys with a prefix gives those keys and sizes`,
			async () => {
				const items = itemsOf(await call('list_keys', { store, prefix: 'img-' }));
				expectEqual(
					items.map((item) => [item.key, item.size]),
					[
						['img-001', records['img-001'].body.length],
						['img-002', records['img-002'].body.length],
					],
					'keys',
				);
			},
		);

		await checks.check(`${label}: MCP: get_record of a JSON record gives its value`, async () => {
			const [item] = itemsOf(await call('get_record', { store, key: 'OUTPUT' }));
			expectEqual(
				item,
				{
					key: 'OUTPUT',
					storeId: store,
					contentType: records.OUTPUT.contentType,
					size: records.OUTPUT.body.length,
					value: JSON.parse(records.OUTPUT.body.toString('utf8')),
				},
				'OUTPUT',
			);
		});

		await checks.check(
			`${label}: MCP: get_record of a long text record gives it cut at ${TOOL_TEXT_LIMIT} characters, marked`,
			async () => {
				const [item] = itemsOf(await call('get_record', { store, key: 'long-text' }));
				const whole = records['long-text'].body.toString('utf8');
				expect(
					String(item.text).startsWith(
						`${whole.slice(0, TOOL_TEXT_LIMIT)}\n[… truncated at ${TOOL_TEXT_LIMIT} characters`,
					),
					`text ends ${show(String(item.text).slice(TOOL_TEXT_LIMIT - 20))}`,
				);
				expectEqual(item.truncated, true, 'truncated');
			},
		);

		await checks.check(
			`${label}: MCP: get_record of an image gives metadata and a signed URL that, fetched without a token, gives the exact bytes`,
			async () => {
				const result = await call('get_record', { store, key: 'img-002' });
				const { text } = answerOf(result);
				const png = records['img-002'].body;
				expect(
					!text.includes(png.toString('base64').slice(0, 24)),
					'the answer holds base64 of the file',
				);
				expect(text.length < 1500, `the answer is ${text.length} characters`);
				const [item] = JSON.parse(text);
				expectEqual(
					[item.contentType, item.size, item.fileName],
					['image/png', png.length, 'img-002.png'],
					'metadata',
				);
				const link = new URL(item.url);
				expect(
					link.searchParams.has('signature') && !link.searchParams.has('token'),
					`url ${link.href}`,
				);
				const response = await fetch(link);
				const body = Buffer.from(await response.arrayBuffer());
				expectEqual(response.status, 200, 'status of the signed URL');
				expectEqual(
					createHash('sha256').update(body).digest('hex'),
					createHash('sha256').update(png).digest('hex'),
					'SHA-256 of the bytes the URL gives',
				);
			},
		);

		await checks.check(
			`${label}: MCP: put_record stores a JSON value and a text value; get_record reads them back; record_exists and delete_record`,
			async () => {
				const [put] = itemsOf(
					await call('put_record', { store, key: 'from-mcp', value: '{"agent":"mcp","n":1}' }),
				);
				expectEqual([put.key, put.contentType], ['from-mcp', 'application/json'], 'put');
				itemsOf(await call('put_record', { store, key: 'note-mcp', value: 'plain words' }));
				const [json] = itemsOf(await call('get_record', { store, key: 'from-mcp' }));
				expectEqual(json.value, { agent: 'mcp', n: 1 }, 'JSON read back');
				const [text] = itemsOf(await call('get_record', { store, key: 'note-mcp' }));
				expectEqual(text.text, 'plain words', 'text read back');
				const [exists] = itemsOf(await call('record_exists', { store, key: 'note-mcp' }));
				expectEqual(exists.exists, true, 'exists');
				itemsOf(await call('delete_record', { store, key: 'note-mcp' }));
				const [gone] = itemsOf(await call('record_exists', { store, key: 'note-mcp' }));
				expectEqual(gone.exists, false, 'exists after delete_record');
			},
		);

		await checks.check(
			`${label}: MCP: get_record of a missing key answers an error text that says what to change; the server stays up`,
			async () => {
				const { text, isError } = answerOf(await call('get_record', { store, key: 'no-such-key' }));
				expect(isError, `isError: ${text}`);
				expect(/Record was not found/.test(text), `error text ${show(text)}`);
				expect(/Check the Key|list the store's keys/.test(text), `error text ${show(text)}`);
				const invalid = answerOf(await call('get_record', { store, key: 'bad key/with slash' }));
				expect(invalid.isError, `isError for an invalid key: ${invalid.text}`);
				expect(/key/i.test(invalid.text), `error text ${show(invalid.text)}`);
				// The same connection goes on working.
				const [item] = itemsOf(await call('record_exists', { store, key: 'OUTPUT' }));
				expectEqual(item.exists, true, 'a call after the errors');
				return text.split('\n')[0];
			},
		);

		await checks.check(
			`${label}: MCP: list_stores and get_store give the store without its signing key; download_store_zip gives a ZIP link and a key listing link`,
			async () => {
				const stores = itemsOf(await call('list_stores', {}));
				expect(
					stores.some((item) => item.id === store),
					`list_stores: ${show(stores.map((item) => item.id))}`,
				);
				const [details] = itemsOf(await call('get_store', { store }));
				expectEqual([details.id, details.urlSigningSecretKey], [store, undefined], 'get_store');
				const [zip] = itemsOf(await call('download_store_zip', { store, prefix: 'img-' }));
				const response = await fetch(zip.url);
				const body = Buffer.from(await response.arrayBuffer());
				expectEqual([response.status, body.subarray(0, 2).toString()], [200, 'PK'], 'ZIP download');
				expect(
					body.includes(Buffer.from('img-001')) && !body.includes(Buffer.from('OUTPUT')),
					'ZIP entries',
				);
				// The documented fallback: the key listing, signed the same way.
				const listing = await fetch(zip.keysUrl);
				const keys = (await listing.json()).data.items.map((/** @type {any} */ item) => item.key);
				expect(
					listing.status === 200 && keys.includes('img-001') && !keys.includes('OUTPUT'),
					`keysUrl: ${listing.status} ${show(keys)}`,
				);
			},
		);

		await checks.check(`${label}: MCP: no token or signature in any answer`, () => {
			const all = answers.join('\n');
			for (const [what, secret] of Object.entries(secrets))
				expect(!all.includes(secret), `the ${what} appears in an answer`);
			return `${answers.length} calls`;
		});
	} finally {
		await client.close().catch(() => {});
	}
}

/**
 * The AI Agent workflow in n8n: loaded with the tools, and the schemas n8n-core makes of their
 * `$fromAI()` parameters for a model (no model runs here).
 *
 * @param {Checks} checks
 * @param {N8n} n8n  running
 * @param {{ label: string, fixture: ReturnType<typeof mcpFixture> }} options
 */
export async function runAgentChecks(checks, n8n, { label, fixture }) {
	await checks.check(
		`${label}: AI Agent: the workflow with the tools loads, and n8n-core builds each tool's schema from its $fromAI() parameters`,
		async () => {
			const rest = new N8nRest(n8n);
			const workflow = await rest.get(`/workflows/${fixture.agent.id}`);
			const tools = workflow.nodes.filter((/** @type {any} */ node) => node.type.endsWith('Tool'));
			expectEqual(
				tools.map((/** @type {any} */ node) => node.name).sort(),
				AGENT_TOOLS,
				'tool nodes',
			);
			// n8n's own code that makes a node an agent's tool, from the installed n8n's n8n-core.
			const requireN8n = createRequire(join(n8n.n8n.dir, 'node_modules', 'n8n', 'package.json'));
			const corePath = requireN8n.resolve('n8n-core');
			const { createNodeAsTool } = createRequire(corePath)(
				join(
					corePath.slice(0, corePath.lastIndexOf('/dist/') + 6),
					'execution-engine/node-execution-context/utils/create-node-as-tool.js',
				),
			);
			for (const node of tools) {
				const { response: tool } = createNodeAsTool({
					node,
					nodeType: { description: { name: node.type, properties: [], defaults: {} } },
					handleToolInvocation: async () => '',
				});
				expectEqual(tool.name, node.name, 'tool name');
				expectEqual(tool.description, node.parameters.toolDescription, `${node.name} description`);
				const shape = tool.schema.shape;
				const keys = Object.keys(shape).sort();
				expectEqual(
					keys,
					node.name === 'get_record' ? ['key', 'store'] : ['prefix', 'store'],
					`${node.name} arguments`,
				);
				for (const key of keys)
					expect(
						String(shape[key].description ?? '').length > 10,
						`${node.name}.${key} has a description`,
					);
			}
			// The node types as the editor loads them, the tool's built by n8n with the replacements.
			const types = await fetch(`${n8n.url}/types/nodes.json`, {
				headers: { cookie: rest.cookie ?? (await rest.signIn()), 'browser-id': rest.browserId },
			});
			if (!types.ok) throw new CheckFailure(`GET /types/nodes.json: ${types.status}`);
			const toolType = (await types.json()).find(
				(/** @type {any} */ type) => type.name === tools[0].type,
			);
			expect(
				/files as a signed link/.test(toolType?.description ?? ''),
				`the tool's description in the editor: ${show(toolType?.description)}`,
			);
			return `${tools.length} tools`;
		},
	);
}
