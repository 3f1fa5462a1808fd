import type { INodeProperties } from 'n8n-workflow';

import * as list from './list.operation';

export { list };

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
		],
		default: 'list',
	},
	...list.description,
];
