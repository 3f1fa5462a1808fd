import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { getRecordKey, getStore } from '../../parameters';
import { storeFields } from '../../helpers/storeFields';
import { DEFAULT_TIMEOUT_SECONDS } from '../../transport';
import { signRecordLink } from '../../transport/signing';
import { optionsCollection, recordKeyLocator } from '../common.descriptions';
import type { OperationContext, OperationSettings } from '../node.type';

export const settings: OperationSettings = {
	defaultTimeoutSeconds: DEFAULT_TIMEOUT_SECONDS.small,
	needsToken: 'signing',
};

const properties: INodeProperties[] = [
	...storeFields,
	recordKeyLocator,
	optionsCollection(settings.defaultTimeoutSeconds),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['record'], operation: ['getPublicUrl'] } },
	properties,
);

/** A signed link that reads the record without a token (see `signRecordLink`). */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ connection, retry }: OperationContext,
): Promise<INodeExecutionData[]> {
	const store = getStore(this, itemIndex);
	const key = getRecordKey(this, itemIndex);
	const { storeId, url } = await signRecordLink(this, connection, store, key, itemIndex, retry);
	return [{ json: { key, ...store.source, storeId, url }, pairedItem: { item: itemIndex } }];
}
