import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { validateStoreName } from '../../helpers/validation';
import { DEFAULT_TIMEOUT_SECONDS } from '../../transport';
import { getOrCreateStore } from '../../transport/stores';
import { optionsCollection } from '../common.descriptions';
import type { OperationContext, OperationSettings } from '../node.type';

export const settings: OperationSettings = {
	defaultTimeoutSeconds: DEFAULT_TIMEOUT_SECONDS.medium,
	needsToken: 'account',
};

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
	optionsCollection(settings.defaultTimeoutSeconds),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['store'], operation: ['getOrCreate'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ connection, retry }: OperationContext,
): Promise<INodeExecutionData[]> {
	const name = validateStoreName(
		this.getNode(),
		this.getNodeParameter('name', itemIndex),
		itemIndex,
	);
	const store = await getOrCreateStore(this, connection, name, itemIndex, retry);
	return [{ json: store, pairedItem: { item: itemIndex } }];
}
