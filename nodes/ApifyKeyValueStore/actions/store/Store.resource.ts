import type { INodeProperties } from 'n8n-workflow';

import { operationField } from '../common.descriptions';
import type { OperationOption, ResourceOperations } from '../node.type';
import * as deleteStore from './delete.operation';
import * as get from './get.operation';
import * as getOrCreate from './getOrCreate.operation';
import * as list from './list.operation';

export const displayName = 'Store';

// `delete` is a reserved word, so its module is imported under another name.
export const operations: ResourceOperations<'store'> = {
	delete: deleteStore,
	get,
	getOrCreate,
	list,
};

export const operationOptions: Array<OperationOption<'store'>> = [
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
];

export const description: INodeProperties[] = [
	operationField('store', operationOptions, 'get'),
	...Object.values(operations).flatMap((operation) => operation.description),
];
