/**
 * Runs a benchmark workflow through n8n-core's WorkflowExecute, as the engine tests do, with node
 * types from this package (dist/) and n8n's own HTTP Request and Compression nodes. This
 * package's node, the credentials, binary data and the engine's run set-up come from the engine
 * harness, so both sides share one engine set-up.
 */
import {
	NodeHelpers,
	type IConnections,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypes,
	type IRun,
	type IVersionedNodeType,
} from 'n8n-workflow';

import {
	executeWorkflow,
	initBinaryData,
	NODE_TYPE,
	packageNodeType,
	workflowDataOf,
	workflowOf,
} from '../dev/harness/engine';
import { loadBaselineNodes } from './baseline';

export const HTTP_REQUEST_TYPE = 'n8n-nodes-base.httpRequest';
export const COMPRESSION_TYPE = 'n8n-nodes-base.compression';

type AnyNodeType = INodeType | IVersionedNodeType;

let registry: Map<string, AnyNodeType> | undefined;

/** Node types known to the runner; the baseline nodes are loaded only when a workflow uses them. */
function nodeTypesFor(nodes: INode[]): INodeTypes {
	registry ??= new Map<string, AnyNodeType>([[NODE_TYPE, packageNodeType(NODE_TYPE)]]);
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

export interface PreparedWorkflow {
	/** Runs the workflow from its first node, which gets one empty item, to the end. */
	run(): Promise<IRun>;
}

/** Builds everything a run needs (node types loaded, binary data ready) so that `run()` is only the run. */
export async function prepareWorkflow(
	nodes: INode[],
	connections: IConnections = {},
): Promise<PreparedWorkflow> {
	await initBinaryData();
	const nodeTypes = nodeTypesFor(nodes);
	const workflowData = workflowDataOf(nodes, connections, 'benchmark');
	return {
		run: async () =>
			await executeWorkflow(
				workflowOf(workflowData, undefined, nodeTypes),
				workflowData,
				nodes[0],
				[{ json: {} }],
				`exec-${workflowData.id}`,
			),
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
