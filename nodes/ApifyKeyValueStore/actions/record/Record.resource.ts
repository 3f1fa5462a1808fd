import type { INodeProperties } from 'n8n-workflow';

import * as download from './download.operation';
import * as get from './get.operation';

export { download, get };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['record'] } },
		options: [
			{
				name: 'Get',
				value: 'get',
				description: "Get one record's value as JSON, text or a file",
				action: 'Get a record',
			},
			{
				name: 'Download All',
				value: 'download',
				description: 'Download the records of a store as one ZIP file or one item per record',
				action: 'Download records',
			},
		],
		default: 'get',
	},
	...get.description,
	...download.description,
];
