import {
	NodeApiError,
	NodeOperationError,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

import { getRetryPolicy } from '../helpers/parameters';
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
 * Runs the chosen operation once per input item, after its token check and with its retry policy;
 * with Continue On Fail a failing item yields its error and the rest go on.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const output: INodeExecutionData[] = [];
	let connection: ApifyConnection | undefined;
	// As an AI agent's tool, operations that output files have a variant that outputs JSON only.
	const asTool = runsAsTool(this.getNode());

	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const resourceName = this.getNodeParameter('resource', itemIndex) as string;
			const operationName = this.getNodeParameter('operation', itemIndex) as string;
			const resource = ownEntry(resources, resourceName) as
				| Resource<keyof ApifyKeyValueStoreType>
				| undefined;
			const operation = resource
				? ownEntry(resource.operations as Record<string, Operation>, operationName)
				: undefined;
			if (!resource || !operation) {
				throw new NodeOperationError(
					this.getNode(),
					`The operation "${operationName}" of "${resourceName}" is not supported`,
					{ itemIndex },
				);
			}
			connection ??= await getConnection(this, itemIndex);
			const { needsToken, defaultTimeoutSeconds } = operation.settings;
			if (needsToken && connection.authType !== 'apiToken') {
				const label = resource.operationOptions.find((option) => option.value === operationName);
				throw new NodeOperationError(
					this.getNode(),
					`${resource.displayName} → ${label?.name ?? operationName} needs an API token, not a URL signature`,
					{
						description: `${TOKEN_NEEDED_BECAUSE[needsToken]} Use an "Apify Key-Value Store API" credential with Authentication set to API Token.`,
						itemIndex,
					},
				);
			}
			const retry = getRetryPolicy(this, itemIndex, defaultTimeoutSeconds);
			const execute = (asTool && operation.executeAsTool) || operation.execute;
			// One by one: spreading an operation's items into push() overflows the call stack at
			// around 120,000 items, and a store's key listing can give hundreds of thousands.
			for (const item of await execute.call(this, itemIndex, { connection, retry }))
				output.push(item);
		} catch (error) {
			if (this.continueOnFail()) {
				output.push({ json: { error: (error as Error).message }, pairedItem: { item: itemIndex } });
				continue;
			}
			const nodeError =
				error instanceof NodeOperationError || error instanceof NodeApiError
					? error
					: new NodeOperationError(this.getNode(), (error as Error).message, { itemIndex });
			throw nodeError;
		}
	}
	return [output];
}

/** A table's own entry of that name: never one of Object's (`constructor`, `toString`). */
function ownEntry<T extends object>(table: T, name: string): T[keyof T] | undefined {
	return Object.hasOwn(table, name) ? table[name as keyof T] : undefined;
}
