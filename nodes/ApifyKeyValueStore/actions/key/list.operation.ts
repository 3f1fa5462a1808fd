import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { getListLimit, getOptions, getRecordFilter, getStore } from '../../parameters';
import { storeFields } from '../../helpers/storeFields';
import { boundList, runsAsTool, TOOL_LIST_LIMIT } from '../../helpers/tool';
import { optionalText } from '../../helpers/validation';
import { DEFAULT_TIMEOUT_SECONDS } from '../../transport';
import { listKeyPages } from '../../transport/keys';
import { storeEndpoint } from '../../transport/store';
import {
	optionsCollection,
	recordFilterFields,
	returnAllOrLimitFields,
} from '../common.descriptions';
import type { OperationContext, OperationSettings } from '../node.type';

export const settings: OperationSettings = {
	defaultTimeoutSeconds: DEFAULT_TIMEOUT_SECONDS.medium,
};

const properties: INodeProperties[] = [
	...storeFields,
	...recordFilterFields,
	...returnAllOrLimitFields,
	optionsCollection(settings.defaultTimeoutSeconds, [
		{
			displayName: 'Start After Key',
			name: 'exclusiveStartKey',
			type: 'string',
			default: '',
			description:
				'List only keys after this one (in UTF-8 byte order); use the last key of a previous run to continue from it',
		},
	]),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['key'], operation: ['list'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ connection, retry }: OperationContext,
): Promise<INodeExecutionData[]> {
	const node = this.getNode();
	const store = getStore(this, itemIndex);
	const filter = getRecordFilter(this, itemIndex);
	const limit = getListLimit(this, itemIndex);
	const options = getOptions(this, itemIndex);
	const exclusiveStartKey = optionalText(
		node,
		'Start After Key',
		options.exclusiveStartKey,
		itemIndex,
	);

	const items: INodeExecutionData[] = [];
	const pages = listKeyPages(
		this,
		connection,
		{
			path: storeEndpoint(store, 'keys'),
			qs: store.qs,
			subject: store.subject,
			itemIndex,
			retry,
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
	if (!runsAsTool(node)) return items;
	const last = items[TOOL_LIST_LIMIT - 1]?.json.key as string | undefined;
	return boundList(
		items,
		`Narrow them with a key prefix, or list again after key "${last}" (Start After Key).`,
	);
}
