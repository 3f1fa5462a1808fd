import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { getRecordKey, getStore } from '../../parameters';
import { storeFields } from '../../helpers/storeFields';
import { DEFAULT_TIMEOUT_SECONDS } from '../../transport';
import { recordExists } from '../../transport/records';
import { optionsCollection, recordKeyLocator } from '../common.descriptions';
import type { OperationContext, OperationSettings } from '../node.type';

export const settings: OperationSettings = {
	defaultTimeoutSeconds: DEFAULT_TIMEOUT_SECONDS.records,
};

const properties: INodeProperties[] = [
	...storeFields,
	{ ...recordKeyLocator, description: 'The key of the record to look for' },
	optionsCollection(settings.defaultTimeoutSeconds),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['record'], operation: ['exists'] } },
	properties,
);

/**
 * A 404 is an answer here, not a failure. The API answers 404 for a missing store as for a missing
 * record, and a HEAD answer has no body to tell them apart, so a missing store gives false too.
 */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ connection, retry }: OperationContext,
): Promise<INodeExecutionData[]> {
	const store = getStore(this, itemIndex);
	const key = getRecordKey(this, itemIndex);
	const exists = await recordExists(this, connection, { store, key, itemIndex, retry });
	return [{ json: { key, ...store.source, exists }, pairedItem: { item: itemIndex } }];
}
