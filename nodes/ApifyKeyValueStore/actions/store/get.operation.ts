import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import type { ApifyConnection } from '../../transport';
import { requestStore } from '../../transport/stores';
import {
	getOptions,
	getRetryPolicy,
	getStoreId,
	optionsCollection,
	requireApiToken,
	STORE_NEEDS_TOKEN,
	storeLocator,
	storePath,
} from '../common.descriptions';

const DEFAULT_TIMEOUT_SECONDS = 30;

const properties: INodeProperties[] = [
	{ ...storeLocator, description: 'The key-value store to describe' },
	optionsCollection(DEFAULT_TIMEOUT_SECONDS),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['store'], operation: ['get'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	connection: ApifyConnection,
): Promise<INodeExecutionData[]> {
	requireApiToken(this, connection, 'Store → Get', STORE_NEEDS_TOKEN, itemIndex);
	const storeId = getStoreId(this, itemIndex);
	const options = getOptions(this, itemIndex);
	const store = await requestStore(this, connection, {
		path: storePath(storeId),
		subject: { storeId },
		itemIndex,
		retry: getRetryPolicy(this, options, DEFAULT_TIMEOUT_SECONDS, itemIndex),
	});
	return [{ json: store, pairedItem: { item: itemIndex } }];
}
