import type { INodeProperties } from 'n8n-workflow';

import * as deleteStore from './delete.operation';
import * as get from './get.operation';
import * as getOrCreate from './getOrCreate.operation';
import * as list from './list.operation';

// `delete` is a reserved word, so the module is imported under another name.
export { deleteStore as delete, get, getOrCreate, list };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['store'] } },
		options: [
			{
				name: 'Delete',
				value: 'delete',
				description: 'Delete a store and all its records',
				action: 'Delete a store',
			},
			{
				name: 'Get',
				value: 'get',
				description: "Get a store's details: name, owner, dates and size",
				action: 'Get a store',
			},
			{
				name: 'Get or Create',
				value: 'getOrCreate',
				description: 'Get the store of a name in your account, creating it if there is none',
				action: 'Get or create a store',
			},
			{
				name: 'List',
				value: 'list',
				description: "List your account's stores",
				action: 'List stores',
			},
		],
		default: 'get',
	},
	...deleteStore.description,
	...get.description,
	...getOrCreate.description,
	...list.description,
];
