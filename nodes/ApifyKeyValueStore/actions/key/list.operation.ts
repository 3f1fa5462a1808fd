import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { optionalText } from '../../helpers/validation';
import type { ApifyConnection } from '../../transport';
import { listKeyPages } from '../../transport/keys';
import {
	getListLimit,
	getOptions,
	getRecordFilter,
	getRetryPolicy,
	getStore,
	recordFilterFields,
	optionsCollection,
	returnAllOrLimitFields,
	storeEndpoint,
	storeFields,
} from '../common.descriptions';

const DEFAULT_TIMEOUT_SECONDS = 30;

const properties: INodeProperties[] = [
	...storeFields,
	...recordFilterFields,
	...returnAllOrLimitFields,
	optionsCollection(DEFAULT_TIMEOUT_SECONDS, [
		{
			displayName: 'Start After Key',
			name: 'exclusiveStartKey',
			type: 'string',
			default: '',
			description:
				'List only keys after this one (in UTF-8 byte order); use the last key of a previous run to continue from it',
		},
	]),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['key'], operation: ['list'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	connection: ApifyConnection,
): Promise<INodeExecutionData[]> {
	const node = this.getNode();
	const store = getStore(this, itemIndex);
	const filter = getRecordFilter(this, itemIndex);
	const limit = getListLimit(this, itemIndex);
	const options = getOptions(this, itemIndex);
	const exclusiveStartKey = optionalText(
		node,
		'Start After Key',
		options.exclusiveStartKey,
		itemIndex,
	);

	const items: INodeExecutionData[] = [];
	const pages = listKeyPages(
		this,
		connection,
		{
			path: storeEndpoint(store, 'keys'),
			qs: store.qs,
			subject: store.subject,
			itemIndex,
			retry: getRetryPolicy(this, options, DEFAULT_TIMEOUT_SECONDS, itemIndex),
		},
		{ ...filter, exclusiveStartKey, limit },
	);
	for await (const page of pages) {
		for (const { key, size, recordPublicUrl } of page) {
			items.push({
				json: recordPublicUrl ? { key, size, recordPublicUrl } : { key, size },
				pairedItem: { item: itemIndex },
			});
		}
	}
	return items;
}
