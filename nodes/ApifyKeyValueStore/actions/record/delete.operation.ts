import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { getRecordKey, getStoreId } from '../../parameters';
import { forgetWrite } from '../../helpers/recentWrites';
import { storeLocator } from '../../helpers/storeFields';
import { DEFAULT_TIMEOUT_SECONDS, requestStatus } from '../../transport';
import { recordId } from '../../transport/records';
import { recordEndpoint, storeById } from '../../transport/store';
import { optionsCollection, recordKeyLocator } from '../common.descriptions';
import type { OperationContext, OperationSettings } from '../node.type';

export const settings: OperationSettings = {
	defaultTimeoutSeconds: DEFAULT_TIMEOUT_SECONDS.small,
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
	const store = storeById(storeId);
	const key = getRecordKey(this, itemIndex);
	await requestStatus(this, connection, {
		method: 'DELETE',
		path: recordEndpoint(store, key),
		subject: { storeId, key },
		itemIndex,
		retry,
	});
	forgetWrite(recordId(connection, store, key));
	return [{ json: { deleted: true, key, storeId }, pairedItem: { item: itemIndex } }];
}
