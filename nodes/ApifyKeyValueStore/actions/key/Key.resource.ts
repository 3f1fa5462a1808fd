import type { INodeProperties } from 'n8n-workflow';

import * as getPublicListingUrl from './getPublicListingUrl.operation';
import * as list from './list.operation';

export { getPublicListingUrl, list };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['key'] } },
		options: [
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
		],
		default: 'list',
	},
	...list.description,
	...getPublicListingUrl.description,
];
