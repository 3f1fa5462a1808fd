import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { requestStatus, type ApifyConnection } from '../../transport';
import {
	getOptions,
	getRetryPolicy,
	getStoreId,
	optionsCollection,
	requireApiToken,
	STORE_NEEDS_TOKEN,
	storePath,
	storeToDeleteLocator,
} from '../common.descriptions';

const DEFAULT_TIMEOUT_SECONDS = 30;

const properties: INodeProperties[] = [
	{
		...storeToDeleteLocator,
		description:
			'The key-value store to delete, with all its records. Type its ID or username~store-name.',
	},
	optionsCollection(DEFAULT_TIMEOUT_SECONDS),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['store'], operation: ['delete'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	connection: ApifyConnection,
): Promise<INodeExecutionData[]> {
	requireApiToken(this, connection, 'Store → Delete', STORE_NEEDS_TOKEN, itemIndex);
	const storeId = getStoreId(this, itemIndex, storeToDeleteLocator.name);
	const options = getOptions(this, itemIndex);
	await requestStatus(this, connection, {
		method: 'DELETE',
		path: storePath(storeId),
		// Gone on a retry: the attempt before deleted it and its answer was lost.
		acceptStatusesOnRetry: [404],
		subject: { storeId },
		itemIndex,
		retry: getRetryPolicy(this, options, DEFAULT_TIMEOUT_SECONDS, itemIndex),
	});
	return [{ json: { deleted: true, storeId }, pairedItem: { item: itemIndex } }];
}
