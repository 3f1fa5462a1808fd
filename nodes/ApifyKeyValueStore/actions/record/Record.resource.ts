import type { INodeProperties } from 'n8n-workflow';

import * as deleteRecord from './delete.operation';
import * as download from './download.operation';
import * as exists from './exists.operation';
import * as get from './get.operation';
import * as getPublicUrl from './getPublicUrl.operation';
import * as put from './put.operation';

export { deleteRecord, download, exists, get, getPublicUrl, put };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['record'] } },
		options: [
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
		],
		default: 'get',
	},
	...get.description,
	...download.description,
	...put.description,
	...deleteRecord.description,
	...exists.description,
	...getPublicUrl.description,
];
