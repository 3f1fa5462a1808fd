import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import * as key from './actions/key/Key.resource';
import * as record from './actions/record/Record.resource';
import * as store from './actions/store/Store.resource';
import { router } from './actions/router';
import { listSearch } from './methods';

export class ApifyKeyValueStore implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Apify Key-Value Store',
		name: 'apifyKeyValueStore',
		// The dark theme gets a lighter blue, so the tile stands out from n8n's dark canvas.
		icon: { light: 'file:apify.svg', dark: 'file:apify.dark.svg' },
		group: ['input'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description:
			'Read, write and share records and keys of Apify key-value stores (JSON, text, files, whole stores as ZIP, signed links) and manage the stores',
		defaults: { name: 'Apify Key-Value Store' },
		// As a tool, the node outputs JSON only (helpers/tool.ts): the tool's description says so.
		usableAsTool: {
			replacements: {
				description:
					'Read and write records of Apify key-value stores, list their keys and stores. JSON and text records come back as their content (cut at 20,000 characters), files as a signed link that needs no token.',
			},
		},
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
					{ name: record.displayName, value: 'record' },
					{ name: key.displayName, value: 'key' },
					{ name: store.displayName, value: 'store' },
				],
				default: 'record',
			},
			...record.description,
			...key.description,
			...store.description,
		],
	};

	methods = { listSearch };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
