import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { requestStatus, type ApifyConnection } from '../../transport';
import {
	getOptions,
	getRecordKey,
	getRetryPolicy,
	getStoreId,
	recordKeyLocator,
	optionsCollection,
	requireApiToken,
	storeLocator,
	storePath,
	WRITE_NEEDS_TOKEN,
} from '../common.descriptions';

const DEFAULT_TIMEOUT_SECONDS = 30;

const properties: INodeProperties[] = [
	storeLocator,
	recordKeyLocator,
	optionsCollection(DEFAULT_TIMEOUT_SECONDS),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['record'], operation: ['delete'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	connection: ApifyConnection,
): Promise<INodeExecutionData[]> {
	requireApiToken(this, connection, 'Record → Delete', WRITE_NEEDS_TOKEN, itemIndex);
	const storeId = getStoreId(this, itemIndex);
	const key = getRecordKey(this, itemIndex);
	await requestStatus(this, connection, {
		method: 'DELETE',
		path: storePath(storeId, 'records', encodeURIComponent(key)),
		subject: { storeId, key },
		itemIndex,
		retry: getRetryPolicy(this, getOptions(this, itemIndex), DEFAULT_TIMEOUT_SECONDS, itemIndex),
	});
	return [{ json: { deleted: true, key, storeId }, pairedItem: { item: itemIndex } }];
}
