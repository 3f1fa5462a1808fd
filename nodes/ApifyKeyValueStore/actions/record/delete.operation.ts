import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { getRecordKey, getStoreId } from '../../helpers/parameters';
import { storeLocator } from '../../helpers/storeFields';
import { DEFAULT_TIMEOUT_SECONDS, requestStatus } from '../../transport';
import { storePath } from '../../transport/store';
import { optionsCollection, recordKeyLocator } from '../common.descriptions';
import type { OperationContext, OperationSettings } from '../node.type';

export const settings: OperationSettings = {
	defaultTimeoutSeconds: DEFAULT_TIMEOUT_SECONDS.api,
	needsToken: 'write',
};

const properties: INodeProperties[] = [
	storeLocator,
	recordKeyLocator,
	optionsCollection(settings.defaultTimeoutSeconds),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['record'], operation: ['delete'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ connection, retry }: OperationContext,
): Promise<INodeExecutionData[]> {
	const storeId = getStoreId(this, itemIndex);
	const key = getRecordKey(this, itemIndex);
	await requestStatus(this, connection, {
		method: 'DELETE',
		path: storePath(storeId, 'records', encodeURIComponent(key)),
		subject: { storeId, key },
		itemIndex,
		retry,
	});
	return [{ json: { deleted: true, key, storeId }, pairedItem: { item: itemIndex } }];
}
