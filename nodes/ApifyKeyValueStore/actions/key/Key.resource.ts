import type { INodeProperties } from 'n8n-workflow';

import { operationField } from '../common.descriptions';
import type { OperationOption, ResourceOperations } from '../node.type';
import * as getPublicListingUrl from './getPublicListingUrl.operation';
import * as list from './list.operation';

export const displayName = 'Key';

export const operations: ResourceOperations<'key'> = { list, getPublicListingUrl };

export const operationOptions: Array<OperationOption<'key'>> = [
	{
		name: 'List',
		value: 'list',
		description: 'List the keys of a store, with their sizes',
		action: 'List keys',
	},
	{
		name: 'Get Public Listing URL',
		value: 'getPublicListingUrl',
		description:
			"Make a signed link that lists the store's keys without a token, optionally expiring",
		action: 'Get a public URL of the key listing',
	},
];

export const description: INodeProperties[] = [
	operationField('key', operationOptions, 'list'),
	...Object.values(operations).flatMap((operation) => operation.description),
];
