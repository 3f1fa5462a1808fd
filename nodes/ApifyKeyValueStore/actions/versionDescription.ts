import { NodeConnectionTypes, type INodeTypeDescription } from 'n8n-workflow';

import * as key from './key/Key.resource';
import * as record from './record/Record.resource';

export const versionDescription: INodeTypeDescription = {
	displayName: 'Apify Key-Value Store',
	name: 'apifyKeyValueStore',
	icon: 'file:apify.svg',
	group: ['input'],
	version: 1,
	subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
	description: 'Read records and keys of Apify key-value stores: JSON, text, files and whole stores as ZIP',
	defaults: { name: 'Apify Key-Value Store' },
	usableAsTool: true,
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main],
	credentials: [{ name: 'apifyKeyValueStoreApi', required: true }],
	properties: [
		{
			displayName: 'Resource',
			name: 'resource',
			type: 'options',
			noDataExpression: true,
			options: [
				{ name: 'Record', value: 'record' },
				{ name: 'Key', value: 'key' },
			],
			default: 'record',
		},
		...record.description,
		...key.description,
	],
};
