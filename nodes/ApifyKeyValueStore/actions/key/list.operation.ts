import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { optionalText, validateWholeNumber } from '../../helpers/validation';
import type { ApifyConnection } from '../../transport';
import { listKeyPages } from '../../transport/keys';
import {
	getOptions,
	getRecordFilter,
	getRetryPolicy,
	getStoreId,
	recordFilterFields,
	requestOptionFields,
	storeLocator,
	storePath,
} from '../common.descriptions';

const DEFAULT_TIMEOUT_SECONDS = 30;

const properties: INodeProperties[] = [
	storeLocator,
	...recordFilterFields,
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { returnAll: [false] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Start After Key',
				name: 'exclusiveStartKey',
				type: 'string',
				default: '',
				description:
					'List only keys after this one (in UTF-8 byte order); use the last key of a previous run to continue from it',
			},
			...requestOptionFields(DEFAULT_TIMEOUT_SECONDS),
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['key'], operation: ['list'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	connection: ApifyConnection,
): Promise<INodeExecutionData[]> {
	const node = this.getNode();
	const storeId = getStoreId(this, itemIndex);
	const filter = getRecordFilter(this, itemIndex);
	const returnAll = this.getNodeParameter('returnAll', itemIndex) as boolean;
	const limit = returnAll
		? undefined
		: validateWholeNumber(node, 'Limit', this.getNodeParameter('limit', itemIndex), itemIndex);
	const options = getOptions(this, itemIndex);
	const exclusiveStartKey = optionalText(node, 'Start After Key', options.exclusiveStartKey, itemIndex);

	const items: INodeExecutionData[] = [];
	const pages = listKeyPages(
		this,
		connection,
		{
			path: storePath(storeId, 'keys'),
			subject: { storeId },
			itemIndex,
			retry: getRetryPolicy(this, options, DEFAULT_TIMEOUT_SECONDS, itemIndex),
		},
		{ ...filter, exclusiveStartKey, limit },
	);
	for await (const page of pages) {
		for (const { key, size, recordPublicUrl } of page) {
			items.push({
				json: recordPublicUrl ? { key, size, recordPublicUrl } : { key, size },
				pairedItem: { item: itemIndex },
			});
		}
	}
	return items;
}
