/**
 * Runs workflows through n8n's own engine (n8n-core WorkflowExecute) in this process, with the
 * package loaded from dist/ as n8n loads it, credentials encrypted and decrypted by n8n-core, and
 * binary data in n8n's filesystem storage. Nothing of the engine or of HTTP is replaced.
 *
 * HARNESS_PACKAGE_DIR=<folder with package.json and dist/> loads another build of this package
 * instead of this checkout's, on this project's engine (the benchmark's BENCH_COMPARE_REF).
 */
import 'reflect-metadata';

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// n8n-core reads its folder when first imported. A folder made here (its config, binary data)
// goes with the process, or under Jest with the run's folder (HARNESS_TEMP_ROOT), so that test
// and benchmark runs leave nothing behind.
if (!process.env.N8N_USER_FOLDER) {
	const userFolder = mkdtempSync(join(process.env.HARNESS_TEMP_ROOT ?? tmpdir(), 'n8n-engine-'));
	process.env.N8N_USER_FOLDER = userFolder;
	process.once('exit', () => rmSync(userFolder, { recursive: true, force: true }));
}
process.env.N8N_DEFAULT_BINARY_DATA_MODE ??= 'filesystem';

import { Container } from '@n8n/di';
import {
	BinaryDataService,
	Cipher,
	Credentials,
	EncryptionKeyProxy,
	ExecutionLifecycleHooks,
	InstanceSettings,
	LoadOptionsContext,
	PollContext,
	WorkflowExecute,
	type KeyInfo,
} from 'n8n-core';
import {
	createRunExecutionData,
	ICredentialsHelper,
	NodeConnectionTypes,
	NodeHelpers,
	Workflow,
	type IExecuteFunctions,
	type INodeTypeDescription,
	type ICredentialDataDecryptedObject,
	type ICredentials,
	type ICredentialType,
	type IConnections,
	type IDataObject,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeExecutionData,
	type INodeListSearchResult,
	type INodeParameters,
	type INodeType,
	type INodeTypes,
	type IRun,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

import { assertProjectEngine, PROJECT_ROOT, useProjectEngineFor } from './project-engine';

const packageRoot = process.env.HARNESS_PACKAGE_DIR
	? resolve(process.env.HARNESS_PACKAGE_DIR)
	: PROJECT_ROOT;
if (packageRoot !== PROJECT_ROOT) useProjectEngineFor(packageRoot);
const pkg = require(join(packageRoot, 'package.json')) as {
	name: string;
	n8n: { nodes: string[]; credentials: string[] };
};

/** Loads every node and credential the package's "n8n" section lists, from dist/, as n8n does. */
function loadPackage(): {
	nodeTypes: Map<string, INodeType>;
	credentialTypes: Map<string, ICredentialType>;
} {
	const nodeTypes = new Map<string, INodeType>();
	const credentialTypes = new Map<string, ICredentialType>();
	for (const file of pkg.n8n.nodes) {
		for (const NodeClass of Object.values(
			require(join(packageRoot, file)) as Record<string, new () => INodeType>,
		)) {
			const node = new NodeClass();
			nodeTypes.set(`${pkg.name}.${node.description.name}`, node);
		}
	}
	for (const file of pkg.n8n.credentials) {
		for (const CredentialClass of Object.values(
			require(join(packageRoot, file)) as Record<string, new () => ICredentialType>,
		)) {
			const credential = new CredentialClass();
			credentialTypes.set(credential.name, credential);
		}
	}
	return { nodeTypes, credentialTypes };
}

const loaded = loadPackage();
assertProjectEngine(`The package in ${packageRoot}`);
export const NODE_TYPE = `${pkg.name}.apifyKeyValueStore`;
export const TRIGGER_TYPE = `${pkg.name}.apifyKeyValueStoreTrigger`;
export const CREDENTIAL_TYPE = 'apifyKeyValueStoreApi';

/** The node as an AI agent's tool, by the type name n8n gives it. */
export const TOOL_TYPE = `${NODE_TYPE}Tool`;
/** A stand-in for an AI agent (test-only): calls the tools connected to it, as an agent's model would. */
export const TOOL_CALLER_TYPE = 'harness.toolCaller';

/**
 * The node as n8n's app makes a tool of a node that is `usableAsTool` when it runs one (n8n's
 * NodeTypes and convertNodeToAiTool): the same node with the type name `<name>Tool`, no main input,
 * an `ai_tool` output and the Tool Description parameters. Replacements of `usableAsTool` apply only
 * to the editor's copy of the description, so not here either.
 */
function toolOf(nodeType: INodeType): INodeType {
	const base = nodeType.description;
	const description: INodeTypeDescription = {
		...base,
		name: `${base.name}Tool`,
		displayName: `${base.displayName} Tool`,
		inputs: [],
		outputs: [NodeConnectionTypes.AiTool],
		usableAsTool: undefined,
		properties: [
			{
				displayName: 'Tool Description',
				name: 'descriptionType',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Set Automatically', value: 'auto' },
					{ name: 'Set Manually', value: 'manual' },
				],
				default: 'auto',
			},
			{
				displayName: 'Description',
				name: 'toolDescription',
				type: 'string',
				default: base.description,
				displayOptions: { show: { descriptionType: ['manual'] } },
			},
			...base.properties,
		],
	};
	return Object.create(nodeType, { description: { value: description } }) as INodeType;
}

/** What the tool caller outputs for each call: the tool as a model sees it, and its answer. */
export interface ToolCall {
	name: string;
	description: string;
	/** The tool's arguments (its `$fromAI()` keys), with their descriptions. */
	arguments: Record<string, string | undefined>;
	/** The tool's answer, as the model gets it: JSON text. */
	result?: string;
	/** The error the call ended with. */
	error?: string;
}

interface CallableTool {
	name: string;
	description: string;
	schema: { shape: Record<string, { description?: string }> };
	invoke(args: IDataObject): Promise<string>;
}

const toolCaller: INodeType = {
	description: {
		displayName: 'Tool Caller',
		name: 'toolCaller',
		group: ['transform'],
		version: 1,
		description: 'Calls the connected tools with the arguments of each input item',
		defaults: { name: 'Tool Caller' },
		inputs: [
			NodeConnectionTypes.Main,
			{ type: NodeConnectionTypes.AiTool, displayName: 'Tools', required: true },
		],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	},
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const connected = (await this.getInputConnectionData(NodeConnectionTypes.AiTool, 0)) as
			| CallableTool
			| CallableTool[];
		const tools = Array.isArray(connected) ? connected : [connected];
		const output: INodeExecutionData[] = [];
		for (const [index, item] of this.getInputData().entries()) {
			const tool = required(
				tools.find((candidate) => candidate.name === item.json.tool),
				`tool ${String(item.json.tool)}`,
			);
			const call: ToolCall = {
				name: tool.name,
				description: tool.description,
				arguments: Object.fromEntries(
					Object.entries(tool.schema.shape).map(([key, type]) => [key, type.description]),
				),
			};
			try {
				call.result = await tool.invoke((item.json.args ?? {}) as IDataObject);
			} catch (error) {
				call.error = (error as Error).message;
			}
			output.push({ json: call as unknown as IDataObject, pairedItem: { item: index } });
		}
		return [output];
	},
};

const nodeTypes: INodeTypes = {
	getByName: (type) => typeOf(type),
	getByNameAndVersion: (type, version) => NodeHelpers.getVersionedNodeType(typeOf(type), version),
	getKnownTypes: () => ({}),
};

const toolTypes = new Map<string, INodeType>();

function typeOf(type: string): INodeType {
	if (type === TOOL_CALLER_TYPE) return toolCaller;
	if (type === TOOL_TYPE) {
		const tool = toolTypes.get(type) ?? toolOf(required(loaded.nodeTypes.get(NODE_TYPE), type));
		toolTypes.set(type, tool);
		return tool;
	}
	return required(loaded.nodeTypes.get(type), type);
}

/** A node type of this package, as loaded from dist/; its type name is `NODE_TYPE` or `TRIGGER_TYPE`. */
export function packageNodeType(type: string): INodeType {
	return required(loaded.nodeTypes.get(type), type);
}

function required<T>(value: T | undefined, name: string): T {
	if (!value) throw new Error(`Unknown type ${name}`);
	return value;
}

/** Credentials stored encrypted, as n8n stores them; `getDecrypted` applies defaults as n8n's CredentialsHelper does. */
class CredentialsHelper extends ICredentialsHelper {
	private readonly stored = new Map<string, ICredentials>();

	async add(id: string, type: string, data: ICredentialDataDecryptedObject): Promise<void> {
		const credentials = new Credentials({ id, name: id }, type);
		await credentials.setData(data);
		this.stored.set(id, credentials);
	}

	getParentTypes(): string[] {
		return [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const authenticate = required(loaded.credentialTypes.get(typeName), typeName).authenticate;
		if (typeof authenticate !== 'function')
			throw new Error(`${typeName} has no authenticate function`);
		return await authenticate(credentials, requestOptions);
	}

	async preAuthentication(): Promise<undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<undefined> {
		return undefined;
	}

	async getCredentials(details: INodeCredentialsDetails): Promise<ICredentials> {
		return required(this.stored.get(details.id ?? ''), `credential ${details.id}`);
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		details: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const data = await (await this.getCredentials(details)).getData();
		return NodeHelpers.getNodeParameters(
			this.getCredentialsProperties(type),
			data as INodeParameters,
			true,
			false,
			null,
			null,
		) as ICredentialDataDecryptedObject;
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(type: string) {
		return required(loaded.credentialTypes.get(type), type).properties;
	}
}

/**
 * The n8n app registers a key provider backed by its database; without a database this is the
 * instance's own key in n8n's legacy (unprefixed) format, which the app uses for older instances.
 */
function provideInstanceEncryptionKey(): void {
	const cipher = Container.get(Cipher);
	const legacyKey: KeyInfo = {
		id: 'instance',
		value: cipher.encryptDEKWithInstanceKey(Container.get(InstanceSettings).encryptionKey),
		algorithm: 'aes-256-cbc',
		format: 'no-prefix',
	};
	Container.get(EncryptionKeyProxy).setProvider({
		getActiveKey: async () => legacyKey,
		getKeyById: async (id) => (id === legacyKey.id ? legacyKey : null),
		getLegacyKey: async () => legacyKey,
	});
}

provideInstanceEncryptionKey();

export const credentialsHelper = new CredentialsHelper();

let binaryDataReady: Promise<void> | undefined;

/** Filesystem binary mode, as n8n 2.x runs: a stream handed to prepareBinaryData goes to disk. */
export async function initBinaryData(): Promise<BinaryDataService> {
	const service = Container.get(BinaryDataService);
	binaryDataReady ??= service.init();
	await binaryDataReady;
	return service;
}

export interface RunOptions {
	/** Parameters of the Apify Key-Value Store node. */
	parameters: IDataObject;
	/** Items the node receives, as if from a previous node; one empty item by default. */
	input?: INodeExecutionData[];
	credentialId?: string;
	continueOnFail?: boolean;
	/** The workflow's static data as n8n saved it after an earlier run; a JSON copy is used. */
	staticData?: IDataObject;
	/** The workflow's ID, for runs of one saved workflow; a new one by default. */
	workflowId?: string;
	/** How the execution was started; `manual` (a run from the editor) by default. */
	mode?: WorkflowExecuteMode;
	/** Stops the execution, as n8n's Stop button does, when this settles. */
	cancelWhen?: Promise<unknown>;
}

export interface RunResult {
	run: IRun;
	/** The node's first output, or [] when it produced none. */
	items: INodeExecutionData[];
	/** The node's error, when the run failed. */
	error?: Error & { description?: string; httpCode?: string; context?: IDataObject };
	/** The workflow's static data after the run, as n8n would save it. */
	staticData: IDataObject;
}

let runCounter = 0;

export function apifyNode(
	parameters: IDataObject,
	credentialId = 'default',
	continueOnFail = false,
): INode {
	return {
		id: 'node-1',
		name: 'Apify Key-Value Store',
		type: NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: parameters as INode['parameters'],
		credentials: { [CREDENTIAL_TYPE]: { id: credentialId, name: credentialId } },
		...(continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
	};
}

/** The engine's workflow of a saved one; the benchmark brings node types of n8n's own too. */
export function workflowOf(
	workflowData: IWorkflowBase,
	staticData?: IDataObject,
	types: INodeTypes = nodeTypes,
): Workflow {
	return new Workflow({
		id: workflowData.id,
		name: workflowData.name,
		nodes: workflowData.nodes,
		connections: workflowData.connections,
		active: false,
		nodeTypes: types,
		settings: {},
		staticData: staticData ? (JSON.parse(JSON.stringify(staticData)) as IDataObject) : undefined,
	});
}

/** A saved workflow as n8n's engine takes it, with a new ID; the benchmark names its own. */
export function workflowDataOf(
	nodes: INode[],
	connections: IConnections = {},
	name = 'engine test',
): IWorkflowBase {
	return {
		id: `wf-${++runCounter}`,
		name,
		active: false,
		isArchived: false,
		activeVersionId: null,
		nodes,
		connections,
		settings: {},
		createdAt: new Date(),
		updatedAt: new Date(),
	};
}

export interface WorkflowRunOptions {
	nodes: INode[];
	connections?: IConnections;
	/** The node the run starts at; the first node by default. */
	startNode?: string;
	/** Items the start node receives; one empty item by default. */
	input?: INodeExecutionData[];
	staticData?: IDataObject;
	workflowId?: string;
	mode?: WorkflowExecuteMode;
	/** Stops the execution, as n8n's Stop button does, when this settles. */
	cancelWhen?: Promise<unknown>;
}

/**
 * Runs `workflow` through WorkflowExecute (in manual mode unless told), starting at `startNode` with `input` as if
 * a trigger had emitted it, and resolves with the finished run. The workflow brings its own node
 * types, so the benchmark runs n8n's nodes through this too.
 */
export async function executeWorkflow(
	workflow: Workflow,
	workflowData: IWorkflowBase,
	startNode: INode,
	input: INodeExecutionData[],
	executionId: string,
	mode: WorkflowExecuteMode = 'manual',
	cancelWhen?: Promise<unknown>,
): Promise<IRun> {
	let finish!: (run: IRun) => void;
	const finished = new Promise<IRun>((resolveRun) => (finish = resolveRun));
	const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
	hooks.addHandler('workflowExecuteAfter', (run) => finish(run));
	const additionalData = createAdditionalData(hooks, executionId, workflowData.id);
	const runExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [{ node: startNode, data: { main: [input] }, source: null }],
		},
	});
	const execution = new WorkflowExecute(
		additionalData,
		mode,
		runExecutionData,
	).processRunExecutionData(workflow);
	void cancelWhen?.finally(() => execution.cancel());
	await execution;
	return await finished;
}

/**
 * Runs a workflow through WorkflowExecute, starting at one node with the given items as if a
 * trigger had emitted them. Nodes may be of this package's types only.
 */
export async function runWorkflow(
	options: WorkflowRunOptions,
): Promise<IRun & { staticData: IDataObject }> {
	await initBinaryData();
	const workflowData = {
		...workflowDataOf(options.nodes, options.connections),
		...(options.workflowId ? { id: options.workflowId } : {}),
	};
	const workflow = workflowOf(workflowData, options.staticData);
	const startNode = options.nodes.find(
		(node) => node.name === (options.startNode ?? options.nodes[0].name),
	);
	if (!startNode) throw new Error(`No start node ${options.startNode}`);
	const run = await executeWorkflow(
		workflow,
		workflowData,
		startNode,
		options.input ?? [{ json: {} }],
		`exec-${runCounter}`,
		options.mode,
		options.cancelWhen,
	);
	return Object.assign(run, {
		staticData: JSON.parse(JSON.stringify(workflow.staticData)) as IDataObject,
	});
}

/** Runs a one-node workflow whose node gets `input`. */
export async function runNode(options: RunOptions): Promise<RunResult> {
	const node = apifyNode(options.parameters, options.credentialId, options.continueOnFail);
	const { staticData, ...run } = await runWorkflow({
		nodes: [node],
		input: options.input,
		staticData: options.staticData,
		workflowId: options.workflowId,
		mode: options.mode,
		cancelWhen: options.cancelWhen,
	});
	const taskData = run.data.resultData.runData[node.name]?.[0];
	return {
		run,
		staticData,
		items: taskData?.data?.main?.[0] ?? [],
		error: (taskData?.error ?? run.data.resultData.error) as RunResult['error'],
	};
}

export interface ToolNodeOptions {
	/** The node's name: its tool's name is this with spaces as underscores. */
	name: string;
	/** Parameters of the tool node, `$fromAI()` expressions included. */
	parameters: IDataObject;
	credentialId?: string;
}

/**
 * Calls tools of this package as an AI agent does, through n8n-core: each tool node is connected
 * to a tool caller (a stand-in for the agent), which calls `calls` in order, each with its
 * arguments; n8n-core makes each node a tool and runs it as it runs an agent's tools.
 */
export async function runTools(
	tools: ToolNodeOptions[],
	calls: Array<{ tool: string; args: IDataObject }>,
): Promise<{ run: IRun; calls: ToolCall[] }> {
	const caller: INode = {
		id: 'caller-1',
		name: 'Tool Caller',
		type: TOOL_CALLER_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};
	const toolNodes: INode[] = tools.map((tool, index) => ({
		...apifyNode(tool.parameters, tool.credentialId),
		id: `tool-${index}`,
		name: tool.name,
		type: TOOL_TYPE,
	}));
	const connections: IConnections = Object.fromEntries(
		toolNodes.map((node) => [
			node.name,
			{
				[NodeConnectionTypes.AiTool]: [
					[{ node: caller.name, type: NodeConnectionTypes.AiTool, index: 0 }],
				],
			},
		]),
	);
	const run = await runWorkflow({
		nodes: [caller, ...toolNodes],
		connections,
		startNode: caller.name,
		input: calls.map((call) => ({ json: call })),
	});
	const output = run.data.resultData.runData[caller.name]?.[0];
	if (!output?.data) throw run.data.resultData.error ?? new Error('The tool caller did not run');
	return {
		run,
		calls: output.data.main[0]?.map((item) => item.json as unknown as ToolCall) ?? [],
	};
}

export interface PollRun {
	/** What the poll emitted; [] when it returned null. */
	items: INodeExecutionData[];
	/** The workflow's static data after the poll, as n8n would save it. */
	staticData: IDataObject;
}

/**
 * One poll of the trigger through n8n-core's PollContext, starting from `staticData` as n8n would
 * have saved it: a JSON copy, so that every poll is as after a restart of n8n.
 */
export async function runPoll(
	parameters: IDataObject,
	staticData: IDataObject = {},
	mode: 'trigger' | 'manual' = 'trigger',
	credentialId = 'default',
): Promise<PollRun> {
	await initBinaryData();
	const node: INode = {
		id: 'trigger-1',
		name: 'Apify Key-Value Store Trigger',
		type: TRIGGER_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: parameters as INode['parameters'],
		credentials: { [CREDENTIAL_TYPE]: { id: credentialId, name: credentialId } },
	};
	const workflowData = workflowDataOf([node]);
	const workflow = new Workflow({
		id: workflowData.id,
		name: workflowData.name,
		nodes: [node],
		connections: {},
		active: mode === 'trigger',
		nodeTypes,
		settings: {},
		staticData: JSON.parse(JSON.stringify(staticData)) as IDataObject,
	});
	const hooks = new ExecutionLifecycleHooks(mode, `poll-${runCounter}`, workflowData);
	const context = new PollContext(
		workflow,
		node,
		createAdditionalData(hooks, `poll-${runCounter}`, workflowData.id),
		mode,
		mode === 'manual' ? 'manual' : 'activate',
	);
	const trigger = required(loaded.nodeTypes.get(TRIGGER_TYPE)?.poll, 'poll');
	const output = await trigger.call(context);
	return {
		items: output?.[0] ?? [],
		staticData: JSON.parse(JSON.stringify(workflow.staticData)) as IDataObject,
	};
}

/** Calls a list search method as the editor does, through n8n-core's LoadOptionsContext. */
export async function runListSearch(
	method: string,
	parameters: IDataObject,
	filter?: string,
	paginationToken?: string,
	credentialId = 'default',
): Promise<INodeListSearchResult> {
	const node = apifyNode(parameters, credentialId);
	const workflowData = workflowDataOf([node]);
	const hooks = new ExecutionLifecycleHooks('manual', `load-${runCounter}`, workflowData);
	const additionalData = createAdditionalData(hooks, `load-${runCounter}`, workflowData.id);
	// The editor sends the node's current parameters along, as here.
	additionalData.currentNodeParameters = node.parameters;
	const context = new LoadOptionsContext(
		workflowOf(workflowData),
		node,
		additionalData,
		'parameters',
	);
	const search = required(loaded.nodeTypes.get(NODE_TYPE)?.methods?.listSearch?.[method], method);
	return await search.call(context, filter, paginationToken);
}

/**
 * What n8n's app hands the engine for a run: the credentials helper and the instance's URLs; the
 * features this package does not use (sub-workflows, task runners) throw.
 */
export function createAdditionalData(
	hooks: ExecutionLifecycleHooks,
	executionId: string,
	workflowId: string,
): IWorkflowExecuteAdditionalData {
	const unsupported = async () => {
		throw new Error('Not used by this package');
	};
	return {
		hooks,
		credentialsHelper,
		executionId,
		workflowId,
		executeWorkflow: unsupported,
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		startRunnerTask: unsupported,
		logAiEvent: () => {},
		currentNodeExecutionIndex: 0,
		variables: {},
		restApiUrl: 'http://localhost:5678/rest',
		instanceBaseUrl: 'http://localhost:5678/',
		formBaseUrl: 'http://localhost:5678/form',
		formWaitingBaseUrl: 'http://localhost:5678/form-waiting',
		formTestBaseUrl: 'http://localhost:5678/form-test',
		webhookBaseUrl: 'http://localhost:5678/webhook',
		webhookWaitingBaseUrl: 'http://localhost:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://localhost:5678/webhook-test',
		mcpBaseUrl: 'http://localhost:5678/mcp',
		mcpTestBaseUrl: 'http://localhost:5678/mcp-test',
	} as unknown as IWorkflowExecuteAdditionalData;
}

/** Reads a binary property of an output item back from n8n's binary data storage. */
export async function readBinary(item: INodeExecutionData, property = 'data'): Promise<Buffer> {
	const binary = item.binary?.[property];
	if (!binary) throw new Error(`The item has no binary property "${property}"`);
	return await (await initBinaryData()).getAsBuffer(binary);
}

/**
 * Runs the credential type's `test` request as n8n's credential test does: its expressions resolved
 * with `$credentials` by n8n's expression engine, the request authenticated by the credential type.
 */
export async function testCredential(
	credentialId: string,
): Promise<{ statusCode: number; body: string }> {
	const type = required(loaded.credentialTypes.get(CREDENTIAL_TYPE), CREDENTIAL_TYPE);
	const request = required(type.test, 'credential test').request;
	const node = apifyNode({}, credentialId);
	const workflow = workflowOf(workflowDataOf([node]));
	const credentials = await credentialsHelper.getDecrypted(
		{} as IWorkflowExecuteAdditionalData,
		{ id: credentialId, name: credentialId },
		CREDENTIAL_TYPE,
	);
	const resolve = (value: string | undefined) =>
		String(
			workflow.expression.getSimpleParameterValue(
				node,
				value,
				'internal',
				{ $credentials: credentials },
				undefined,
				'',
			),
		);
	const options = await credentialsHelper.authenticate(credentials, CREDENTIAL_TYPE, {
		url: resolve(request.url),
		baseURL: resolve(request.baseURL),
		method: 'GET',
	});
	const url = new URL(options.baseURL + options.url);
	for (const [name, value] of Object.entries(options.qs ?? {}))
		url.searchParams.set(name, String(value));
	const response = await fetch(url, { headers: options.headers as Record<string, string> });
	return { statusCode: response.status, body: await response.text() };
}
