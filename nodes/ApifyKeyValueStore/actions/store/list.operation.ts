import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { getListLimit, getOptions } from '../../parameters';
import { boundList, runsAsTool } from '../../helpers/tool';
import { DEFAULT_TIMEOUT_SECONDS } from '../../transport';
import { listStorePages } from '../../transport/stores';
import { optionsCollection, returnAllOrLimitFields } from '../common.descriptions';
import type { OperationContext, OperationSettings } from '../node.type';

export const settings: OperationSettings = {
	defaultTimeoutSeconds: DEFAULT_TIMEOUT_SECONDS.medium,
	needsToken: 'account',
};

const properties: INodeProperties[] = [
	...returnAllOrLimitFields,
	optionsCollection(settings.defaultTimeoutSeconds, [
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
	{ connection, retry }: OperationContext,
): Promise<INodeExecutionData[]> {
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
			retry,
		},
		{ unnamed: options.unnamed === true, desc: options.desc === true, limit },
	);
	for await (const page of pages) {
		for (const store of page) items.push({ json: store, pairedItem: { item: itemIndex } });
	}
	if (!runsAsTool(this.getNode())) return items;
	return boundList(items, 'Name the store you need, or list them newest first (Descending).');
}
