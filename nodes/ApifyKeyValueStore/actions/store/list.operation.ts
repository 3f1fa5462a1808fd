import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import type { ApifyConnection } from '../../transport';
import { listStorePages } from '../../transport/stores';
import {
	getListLimit,
	getOptions,
	getRetryPolicy,
	optionsCollection,
	requireApiToken,
	STORE_NEEDS_TOKEN,
	returnAllOrLimitFields,
} from '../common.descriptions';

const DEFAULT_TIMEOUT_SECONDS = 30;

const properties: INodeProperties[] = [
	...returnAllOrLimitFields,
	optionsCollection(DEFAULT_TIMEOUT_SECONDS, [
		{
			displayName: 'Include Unnamed Stores',
			name: 'unnamed',
			type: 'boolean',
			default: false,
			description: 'Whether to list unnamed stores too, such as the default stores of Actor runs',
		},
		{
			displayName: 'Descending',
			name: 'desc',
			type: 'boolean',
			default: false,
			description: 'Whether to list the newest stores first instead of the oldest',
		},
	]),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['store'], operation: ['list'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	connection: ApifyConnection,
): Promise<INodeExecutionData[]> {
	requireApiToken(this, connection, 'Store → List', STORE_NEEDS_TOKEN, itemIndex);
	const limit = getListLimit(this, itemIndex);
	const options = getOptions(this, itemIndex);

	const items: INodeExecutionData[] = [];
	const pages = listStorePages(
		this,
		connection,
		{
			path: '/v2/key-value-stores',
			subject: {},
			itemIndex,
			retry: getRetryPolicy(this, options, DEFAULT_TIMEOUT_SECONDS, itemIndex),
		},
		{ unnamed: options.unnamed === true, desc: options.desc === true, limit },
	);
	for await (const page of pages) {
		for (const store of page) items.push({ json: store, pairedItem: { item: itemIndex } });
	}
	return items;
}
