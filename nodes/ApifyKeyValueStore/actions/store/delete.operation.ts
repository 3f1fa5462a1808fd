import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { getStoreId } from '../../parameters';
import { DEFAULT_TIMEOUT_SECONDS, requestStatus } from '../../transport';
import { storePath } from '../../transport/store';
import { optionsCollection, storeToDeleteLocator } from '../common.descriptions';
import type { OperationContext, OperationSettings } from '../node.type';

export const settings: OperationSettings = {
	defaultTimeoutSeconds: DEFAULT_TIMEOUT_SECONDS.small,
	needsToken: 'account',
};

const properties: INodeProperties[] = [
	{
		...storeToDeleteLocator,
		description:
			'The key-value store to delete, with all its records. Type its ID or username~store-name.',
	},
	optionsCollection(settings.defaultTimeoutSeconds),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['store'], operation: ['delete'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ connection, retry }: OperationContext,
): Promise<INodeExecutionData[]> {
	const storeId = getStoreId(this, itemIndex, storeToDeleteLocator.name);
	await requestStatus(this, connection, {
		method: 'DELETE',
		path: storePath(storeId),
		// Gone on a retry: the attempt before deleted it and its answer was lost.
		acceptStatusesOnRetry: [404],
		subject: { storeId },
		itemIndex,
		retry,
	});
	return [{ json: { deleted: true, storeId }, pairedItem: { item: itemIndex } }];
}
