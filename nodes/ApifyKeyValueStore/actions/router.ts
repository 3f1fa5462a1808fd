import pMap from 'p-map';
import {
	NodeApiError,
	NodeOperationError,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

import { getParallelRequests, getRetryPolicy } from '../parameters';
import { runsAsTool } from '../helpers/tool';
import { getConnection, type ApifyConnection } from '../transport';
import * as key from './key/Key.resource';
import type { ApifyKeyValueStoreType, Operation, Resource, TokenNeed } from './node.type';
import * as record from './record/Record.resource';
import * as store from './store/Store.resource';

const resources: { [R in keyof ApifyKeyValueStoreType]: Resource<R> } = { record, key, store };

/** Why a URL signature will not do, by what the operation needs the token for. */
const TOKEN_NEEDED_BECAUSE: Record<TokenNeed, string> = {
	write:
		'A URL signature grants read access only: writing needs an API token with write access to the store.',
	account: 'A URL signature only reads the keys and records of the one store it was made for.',
	signing:
		"The link is signed with the store's URL signing key, which Apify shows only to an API token with write access.",
};

/**
 * Runs the chosen operation once per input item, after its token check and with its retry policy,
 * up to Options → Parallel Requests items at once; output keeps the input's order. With Continue On
 * Fail a failing item yields its error and the rest go on. Without it, no item starts after one
 * failed, the items under way finish, and the node fails with the first failed item's error.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	// As an AI agent's tool, operations that output files have a variant that outputs JSON only.
	const asTool = runsAsTool(this.getNode());
	const parallel = items.length > 1 ? getParallelRequests(this) : 1;
	const cancelled = this.getExecutionCancelSignal?.();
	let connection: Promise<ApifyConnection> | undefined;
	/** Items that failed with Continue On Fail off: the first (in item order) fails the node. */
	const failures: Array<{ itemIndex: number; error: NodeOperationError | NodeApiError }> = [];

	const runItem = async (itemIndex: number): Promise<INodeExecutionData[]> => {
		if (failures.length > 0 || cancelled?.aborted) return [];
		try {
			const { operation, label } = operationOf(this, itemIndex);
			// Asked once: the first item's request, which every other waits for.
			connection ??= getConnection(this, itemIndex);
			const itemConnection = await connection;
			const { needsToken, defaultTimeoutSeconds } = operation.settings;
			if (needsToken && itemConnection.authType !== 'apiToken') {
				throw new NodeOperationError(
					this.getNode(),
					`${label} needs an API token, not a URL signature`,
					{
						description: `${TOKEN_NEEDED_BECAUSE[needsToken]} Use an "Apify Key-Value Store API" credential with Authentication set to API Token.`,
						itemIndex,
					},
				);
			}
			const retry = getRetryPolicy(this, itemIndex, defaultTimeoutSeconds);
			const execute = (asTool && operation.executeAsTool) || operation.execute;
			return await execute.call(this, itemIndex, { connection: itemConnection, retry });
		} catch (error) {
			if (this.continueOnFail()) {
				return [{ json: { error: (error as Error).message }, pairedItem: { item: itemIndex } }];
			}
			const nodeError =
				error instanceof NodeOperationError || error instanceof NodeApiError
					? error
					: new NodeOperationError(this.getNode(), (error as Error).message, { itemIndex });
			failures.push({ itemIndex, error: nodeError });
			return [];
		}
	};

	const perItem = await pMap(
		items.map((_, itemIndex) => itemIndex),
		runItem,
		{ concurrency: parallel },
	);
	if (failures.length > 0) {
		throw failures.reduce((first, next) => (next.itemIndex < first.itemIndex ? next : first)).error;
	}
	const output: INodeExecutionData[] = [];
	// One by one: spreading an operation's items into push() overflows the call stack at around
	// 120,000 items, and a store's key listing can give hundreds of thousands.
	for (const itemOutput of perItem) for (const item of itemOutput) output.push(item);
	return [output];
}

/** The item's resource and operation, or the error for a combination the node does not have. */
function operationOf(
	ctx: IExecuteFunctions,
	itemIndex: number,
): { operation: Operation; label: string } {
	const resourceName = ctx.getNodeParameter('resource', itemIndex) as string;
	const operationName = ctx.getNodeParameter('operation', itemIndex) as string;
	const resource = ownEntry(resources, resourceName) as
		| Resource<keyof ApifyKeyValueStoreType>
		| undefined;
	const operation = resource
		? ownEntry(resource.operations as Record<string, Operation>, operationName)
		: undefined;
	if (!resource || !operation) {
		throw new NodeOperationError(
			ctx.getNode(),
			`The operation "${operationName}" of "${resourceName}" is not supported`,
			{ itemIndex },
		);
	}
	const option = resource.operationOptions.find((entry) => entry.value === operationName);
	return { operation, label: `${resource.displayName} → ${option?.name ?? operationName}` };
}

/** A table's own entry of that name: never one of Object's (`constructor`, `toString`). */
function ownEntry<T extends object>(table: T, name: string): T[keyof T] | undefined {
	return Object.hasOwn(table, name) ? table[name as keyof T] : undefined;
}
