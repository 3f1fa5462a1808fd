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
	getStore,
	recordKeyLocator,
	optionsCollection,
	storeEndpoint,
	storeFields,
} from '../common.descriptions';

const DEFAULT_TIMEOUT_SECONDS = 30;
const NOT_FOUND = 404;

const properties: INodeProperties[] = [
	...storeFields,
	{ ...recordKeyLocator, description: 'The key of the record to look for' },
	optionsCollection(DEFAULT_TIMEOUT_SECONDS),
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
	connection: ApifyConnection,
): Promise<INodeExecutionData[]> {
	const store = getStore(this, itemIndex);
	const key = getRecordKey(this, itemIndex);
	const status = await requestStatus(this, connection, {
		method: 'HEAD',
		path: storeEndpoint(store, 'records', encodeURIComponent(key)),
		qs: store.qs,
		acceptStatuses: [NOT_FOUND],
		subject: { ...store.subject, key },
		itemIndex,
		retry: getRetryPolicy(this, getOptions(this, itemIndex), DEFAULT_TIMEOUT_SECONDS, itemIndex),
	});
	return [
		{
			json: { key, ...store.source, exists: status !== NOT_FOUND },
			pairedItem: { item: itemIndex },
		},
	];
}
