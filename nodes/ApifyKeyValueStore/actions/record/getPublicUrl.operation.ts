import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { getRecordKey, getStore } from '../../helpers/parameters';
import { recordSignature } from '../../helpers/signature';
import { storeFields } from '../../helpers/storeFields';
import { DEFAULT_TIMEOUT_SECONDS } from '../../transport';
import { getSigningStore, signedUrl } from '../../transport/signing';
import { storePath } from '../../transport/store';
import { optionsCollection, recordKeyLocator } from '../common.descriptions';
import type { OperationContext, OperationSettings } from '../node.type';

export const settings: OperationSettings = {
	defaultTimeoutSeconds: DEFAULT_TIMEOUT_SECONDS.small,
	needsToken: 'signing',
};

const properties: INodeProperties[] = [
	...storeFields,
	recordKeyLocator,
	optionsCollection(settings.defaultTimeoutSeconds),
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
	{ connection, retry }: OperationContext,
): Promise<INodeExecutionData[]> {
	const store = getStore(this, itemIndex);
	const key = getRecordKey(this, itemIndex);
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
