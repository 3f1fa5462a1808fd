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
	getStore,
	recordKeyLocator,
	optionsCollection,
	requireApiToken,
	SIGNING_NEEDS_TOKEN,
	storeFields,
	storePath,
} from '../common.descriptions';

const DEFAULT_TIMEOUT_SECONDS = 30;

const properties: INodeProperties[] = [
	...storeFields,
	recordKeyLocator,
	optionsCollection(DEFAULT_TIMEOUT_SECONDS),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['record'], operation: ['getPublicUrl'] } },
	properties,
);

/**
 * A link that reads the record without a token, signed as apify-client's getRecordPublicUrl signs it;
 * it never expires. It names the store by its ID, also for a run's store: a run alias needs a token.
 */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	connection: ApifyConnection,
): Promise<INodeExecutionData[]> {
	requireApiToken(this, connection, 'Record → Get Public URL', SIGNING_NEEDS_TOKEN, itemIndex);
	const store = getStore(this, itemIndex);
	const key = getRecordKey(this, itemIndex);
	const retry = getRetryPolicy(
		this,
		getOptions(this, itemIndex),
		DEFAULT_TIMEOUT_SECONDS,
		itemIndex,
	);
	const signing = await getSigningStore(this, connection, store, itemIndex, retry);
	const url = signedUrl(
		connection,
		storePath(signing.id, 'records', encodeURIComponent(key)),
		recordSignature(signing.urlSigningSecretKey, key),
	);
	return [
		{ json: { key, ...store.source, storeId: signing.id, url }, pairedItem: { item: itemIndex } },
	];
}
