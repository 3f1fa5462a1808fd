import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { getStoreId } from '../../parameters';
import { storeLocator } from '../../helpers/storeFields';
import { DEFAULT_TIMEOUT_SECONDS } from '../../transport';
import { storePath } from '../../transport/store';
import { requestStore } from '../../transport/stores';
import { optionsCollection } from '../common.descriptions';
import type { OperationContext, OperationSettings } from '../node.type';

export const settings: OperationSettings = {
	defaultTimeoutSeconds: DEFAULT_TIMEOUT_SECONDS.small,
	needsToken: 'account',
};

const properties: INodeProperties[] = [
	{ ...storeLocator, description: 'The key-value store to describe' },
	optionsCollection(settings.defaultTimeoutSeconds),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['store'], operation: ['get'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ connection, retry }: OperationContext,
): Promise<INodeExecutionData[]> {
	const storeId = getStoreId(this, itemIndex);
	const store = await requestStore(this, connection, {
		path: storePath(storeId),
		subject: { storeId },
		itemIndex,
		retry,
	});
	return [{ json: store, pairedItem: { item: itemIndex } }];
}
