import type { INodeProperties } from 'n8n-workflow';

import { operationField } from '../common.descriptions';
import type { OperationOption, ResourceOperations } from '../node.type';
import * as deleteRecord from './delete.operation';
import * as download from './download.operation';
import * as downloadAsTool from './download.tool';
import * as exists from './exists.operation';
import * as get from './get.operation';
import * as getPublicUrl from './getPublicUrl.operation';
import * as put from './put.operation';

export const displayName = 'Record';

// `delete` is a reserved word, so its module is imported under another name.
export const operations: ResourceOperations<'record'> = {
	get,
	// Its variant for AI agents lives apart from the operation, which streams files.
	download: { ...download, executeAsTool: downloadAsTool.executeAsTool },
	put,
	delete: deleteRecord,
	exists,
	getPublicUrl,
};

export const operationOptions: Array<OperationOption<'record'>> = [
	{
		name: 'Delete',
		value: 'delete',
		description: 'Delete one record',
		action: 'Delete a record',
	},
	{
		name: 'Download All',
		value: 'download',
		description: 'Download the records of a store as one ZIP file or one item per record',
		action: 'Download records',
	},
	{
		name: 'Exists',
		value: 'exists',
		description: 'Check whether a record exists, without downloading it',
		action: 'Check whether a record exists',
	},
	{
		name: 'Get',
		value: 'get',
		description: "Get one record's value as JSON, text or a file",
		action: 'Get a record',
	},
	{
		name: 'Get Public URL',
		value: 'getPublicUrl',
		description: 'Make a signed link that reads the record without a token',
		action: 'Get a public URL of a record',
	},
	{
		name: 'Put',
		value: 'put',
		description: "Store a value under a key: the item's JSON, one of its fields, or a file",
		action: 'Put a record',
	},
];

export const description: INodeProperties[] = [
	operationField('record', operationOptions, 'get'),
	...Object.values(operations).flatMap((operation) => operation.description),
];
