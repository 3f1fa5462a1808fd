import {
	NodeApiError,
	NodeOperationError,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

import { getConnection, type ApifyConnection } from '../transport';
import * as key from './key/Key.resource';
import * as record from './record/Record.resource';
import * as store from './store/Store.resource';

type OperationExecute = (
	this: IExecuteFunctions,
	itemIndex: number,
	connection: ApifyConnection,
) => Promise<INodeExecutionData[]>;

const operations: Record<string, Record<string, OperationExecute>> = {
	record: {
		get: record.get.execute,
		download: record.download.execute,
		put: record.put.execute,
		delete: record.deleteRecord.execute,
		exists: record.exists.execute,
		getPublicUrl: record.getPublicUrl.execute,
	},
	key: { list: key.list.execute, getPublicListingUrl: key.getPublicListingUrl.execute },
	store: {
		get: store.get.execute,
		list: store.list.execute,
		getOrCreate: store.getOrCreate.execute,
		delete: store.delete.execute,
	},
};

/** Runs the chosen operation once per input item; with Continue On Fail a failing item yields its error and the rest go on. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const output: INodeExecutionData[] = [];
	let connection: ApifyConnection | undefined;

	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const resource = this.getNodeParameter('resource', itemIndex) as string;
			const operation = this.getNodeParameter('operation', itemIndex) as string;
			const execute = operations[resource]?.[operation];
			if (!execute) {
				throw new NodeOperationError(
					this.getNode(),
					`The operation "${operation}" of "${resource}" is not supported`,
					{
						itemIndex,
					},
				);
			}
			connection ??= await getConnection(this, itemIndex);
			output.push(...(await execute.call(this, itemIndex, connection)));
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
