import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { getRecordFilter, getStore } from '../../parameters';
import { storeFields } from '../../helpers/storeFields';
import { validateWholeNumber } from '../../helpers/validation';
import { DEFAULT_TIMEOUT_SECONDS } from '../../transport';
import { getSigningStore, signedStoreLink } from '../../transport/signing';
import { optionsCollection, recordFilterFields } from '../common.descriptions';
import type { OperationContext, OperationSettings } from '../node.type';

export const settings: OperationSettings = {
	defaultTimeoutSeconds: DEFAULT_TIMEOUT_SECONDS.small,
	needsToken: 'signing',
};

/** 100 years: a link that should outlive that never expires (0); far more would be no date at all. */
const MAX_EXPIRES_IN_SECONDS = 100 * 365 * 24 * 60 * 60;

const properties: INodeProperties[] = [
	...storeFields,
	...recordFilterFields,
	{
		displayName: 'Expires In Seconds',
		name: 'expiresInSeconds',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: MAX_EXPIRES_IN_SECONDS },
		default: 0,
		description: 'How long the link works, up to 100 years; 0 or empty: it never expires',
	},
	optionsCollection(settings.defaultTimeoutSeconds),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['key'], operation: ['getPublicListingUrl'] } },
	properties,
);

/** A link that lists the store's keys without a token; see signedStoreLink. */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ connection, retry }: OperationContext,
): Promise<INodeExecutionData[]> {
	const store = getStore(this, itemIndex);
	const filter = getRecordFilter(this, itemIndex);
	const expiresIn = this.getNodeParameter('expiresInSeconds', itemIndex, 0);
	const expiresInSeconds =
		expiresIn === '' || expiresIn === null
			? 0
			: validateWholeNumber(
					this.getNode(),
					'Expires In Seconds',
					expiresIn,
					itemIndex,
					0,
					MAX_EXPIRES_IN_SECONDS,
				);
	const signing = await getSigningStore(this, connection, store, itemIndex, retry);
	const expiresAt = expiresInSeconds === 0 ? 0 : Date.now() + expiresInSeconds * 1000;
	const url = signedStoreLink(connection, signing, 'keys', expiresAt, filter);
	return [
		{
			json: {
				...store.source,
				storeId: signing.id,
				url,
				expiresAt: expiresAt === 0 ? null : new Date(expiresAt).toISOString(),
			},
			pairedItem: { item: itemIndex },
		},
	];
}
