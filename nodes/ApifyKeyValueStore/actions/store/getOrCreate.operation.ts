import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { validateStoreName } from '../../helpers/validation';
import type { ApifyConnection } from '../../transport';
import { requestStore } from '../../transport/stores';
import {
	getOptions,
	getRetryPolicy,
	optionsCollection,
	requireApiToken,
	STORE_NEEDS_TOKEN,
} from '../common.descriptions';

const DEFAULT_TIMEOUT_SECONDS = 30;

const properties: INodeProperties[] = [
	{
		displayName: 'Name',
		name: 'name',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'my-store',
		description:
			'The name of the store in your account: up to 63 letters, digits and hyphens. If a store of this name exists, it is returned as it is.',
	},
	optionsCollection(DEFAULT_TIMEOUT_SECONDS),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['store'], operation: ['getOrCreate'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	connection: ApifyConnection,
): Promise<INodeExecutionData[]> {
	requireApiToken(this, connection, 'Store → Get or Create', STORE_NEEDS_TOKEN, itemIndex);
	const name = validateStoreName(
		this.getNode(),
		this.getNodeParameter('name', itemIndex),
		itemIndex,
	);
	const options = getOptions(this, itemIndex);
	// POST is not idempotent in general, but get-or-create by name is: a retry finds the store the first attempt made.
	const store = await requestStore(this, connection, {
		method: 'POST',
		path: '/v2/key-value-stores',
		qs: { name },
		subject: { storeId: `~${name}` },
		itemIndex,
		retry: getRetryPolicy(this, options, DEFAULT_TIMEOUT_SECONDS, itemIndex),
	});
	return [{ json: store, pairedItem: { item: itemIndex } }];
}
