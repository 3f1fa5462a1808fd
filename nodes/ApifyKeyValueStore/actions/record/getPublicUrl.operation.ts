import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { recordSignature } from '../../helpers/signature';
import type { ApifyConnection } from '../../transport';
import { getSigningStore, signedUrl } from '../../transport/signing';
import {
	getOptions,
	getRecordKey,
	getRetryPolicy,
	getStoreId,
	recordKeyLocator,
	optionsCollection,
	requireApiToken,
	SIGNING_NEEDS_TOKEN,
	storeLocator,
	storePath,
} from '../common.descriptions';

const DEFAULT_TIMEOUT_SECONDS = 30;

const properties: INodeProperties[] = [
	storeLocator,
	recordKeyLocator,
	optionsCollection(DEFAULT_TIMEOUT_SECONDS),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['record'], operation: ['getPublicUrl'] } },
	properties,
);

/** A link that reads the record without a token, signed as apify-client's getRecordPublicUrl signs it; it never expires. */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	connection: ApifyConnection,
): Promise<INodeExecutionData[]> {
	requireApiToken(this, connection, 'Record → Get Public URL', SIGNING_NEEDS_TOKEN, itemIndex);
	const storeId = getStoreId(this, itemIndex);
	const key = getRecordKey(this, itemIndex);
	const retry = getRetryPolicy(this, getOptions(this, itemIndex), DEFAULT_TIMEOUT_SECONDS, itemIndex);
	const store = await getSigningStore(this, connection, storeId, itemIndex, retry);
	const url = signedUrl(
		connection,
		storePath(store.id, 'records', encodeURIComponent(key)),
		recordSignature(store.urlSigningSecretKey, key),
	);
	return [{ json: { key, storeId: store.id, url }, pairedItem: { item: itemIndex } }];
}
