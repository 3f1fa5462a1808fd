/**
 * Runs a benchmark workflow through n8n-core's WorkflowExecute, as the engine tests do, with node
 * types from this package (dist/) and n8n's own HTTP Request and Compression nodes. Credentials
 * and binary data come from the engine harness, so both sides share one engine set-up.
 */
import { join } from 'node:path';

import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import {
	createRunExecutionData,
	NodeHelpers,
	Workflow,
	type IConnections,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypes,
	type IRun,
	type IVersionedNodeType,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

import { credentialsHelper, initBinaryData, NODE_TYPE } from '../dev/harness/engine';
import { loadBaselineNodes, PROJECT_ROOT } from './baseline';

export const HTTP_REQUEST_TYPE = 'n8n-nodes-base.httpRequest';
export const COMPRESSION_TYPE = 'n8n-nodes-base.compression';

type AnyNodeType = INodeType | IVersionedNodeType;

/** This package's node, from the file its package.json names, as n8n loads it. */
function loadOurNode(): AnyNodeType {
	const pkg = require(join(PROJECT_ROOT, 'package.json')) as { n8n: { nodes: string[] } };
	const exported = require(join(PROJECT_ROOT, pkg.n8n.nodes[0])) as Record<
		string,
		new () => AnyNodeType
	>;
	return new (Object.values(exported)[0])();
}

let registry: Map<string, AnyNodeType> | undefined;

/** Node types known to the runner; the baseline nodes are loaded only when a workflow uses them. */
function nodeTypesFor(nodes: INode[]): INodeTypes {
	registry ??= new Map([[NODE_TYPE, loadOurNode()]]);
	if (
		nodes.some((node) => node.type.startsWith('n8n-nodes-base.')) &&
		!registry.has(HTTP_REQUEST_TYPE)
	) {
		const baseline = loadBaselineNodes();
		registry.set(HTTP_REQUEST_TYPE, baseline.httpRequest);
		registry.set(COMPRESSION_TYPE, baseline.compression);
	}
	const known = registry;
	const get = (type: string) => {
		const nodeType = known.get(type);
		if (!nodeType) throw new Error(`Unknown node type ${type}`);
		return nodeType;
	};
	return {
		getByName: (type) => get(type),
		getByNameAndVersion: (type, version) => NodeHelpers.getVersionedNodeType(get(type), version),
		getKnownTypes: () => ({}),
	};
}

function additionalData(
	hooks: ExecutionLifecycleHooks,
	executionId: string,
	workflowId: string,
): IWorkflowExecuteAdditionalData {
	const unsupported = async () => {
		throw new Error('Not used by the benchmark');
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

export interface PreparedWorkflow {
	/** Runs the workflow from its first node, which gets one empty item, to the end. */
	run(): Promise<IRun>;
}

let workflowCounter = 0;

/** Builds everything a run needs (node types loaded, binary data ready) so that `run()` is only the run. */
export async function prepareWorkflow(
	nodes: INode[],
	connections: IConnections = {},
): Promise<PreparedWorkflow> {
	await initBinaryData();
	const nodeTypes = nodeTypesFor(nodes);
	const id = `bench-${++workflowCounter}`;
	const workflowData: IWorkflowBase = {
		id,
		name: 'benchmark',
		active: false,
		isArchived: false,
		activeVersionId: null,
		nodes,
		connections,
		settings: {},
		createdAt: new Date(),
		updatedAt: new Date(),
	};
	return {
		run: async () => {
			const workflow = new Workflow({
				id,
				name: workflowData.name,
				nodes,
				connections,
				active: false,
				nodeTypes,
				settings: {},
			});
			const executionId = `exec-${id}`;
			let finish!: (run: IRun) => void;
			const finished = new Promise<IRun>((resolve) => (finish = resolve));
			const hooks = new ExecutionLifecycleHooks('manual', executionId, workflowData);
			hooks.addHandler('workflowExecuteAfter', (run) => finish(run));
			const runExecutionData = createRunExecutionData({
				executionData: {
					nodeExecutionStack: [{ node: nodes[0], data: { main: [[{ json: {} }]] }, source: null }],
				},
			});
			await new WorkflowExecute(
				additionalData(hooks, executionId, id),
				'manual',
				runExecutionData,
			).processRunExecutionData(workflow);
			return await finished;
		},
	};
}

/** The first output of a node in a finished run; throws with the node's error when the run failed. */
export function outputOf(run: IRun, nodeName: string): INodeExecutionData[] {
	const task = run.data.resultData.runData[nodeName]?.[0];
	const error = task?.error ?? run.data.resultData.error;
	if (error)
		throw new Error(
			`${nodeName} failed: ${error.message}${error.description ? ` (${error.description})` : ''}`,
		);
	const items = task?.data?.main?.[0];
	if (!items) throw new Error(`${nodeName} produced no output (run status ${run.status})`);
	return items;
}
