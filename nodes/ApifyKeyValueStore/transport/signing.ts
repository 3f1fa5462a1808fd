import { NodeOperationError, type IExecuteFunctions, type NodeApiError } from 'n8n-workflow';

import { listedRecordLink, type RecordAddress } from './records';

import { recordSignature, storeSignature } from '../helpers/signature';
import { pathSegment, storePath, type StoreRef } from './store';
import { requestJson, type ApifyConnection, type RetryPolicy } from './index';
import { storeLabel } from './errors';

export interface SigningStore {
	/**
	 * The store's ID, also for a store named `~store-name` or reached through a run alias: a store
	 * signature signs it, and a signature works without a token only on the store's ID path.
	 */
	id: string;
	urlSigningSecretKey: string;
}

/** The store's ID and URL signing key, which the API shows only to a token with write access to the store. */
export async function getSigningStore(
	ctx: IExecuteFunctions,
	connection: ApifyConnection,
	store: StoreRef,
	itemIndex: number,
	retry: RetryPolicy,
): Promise<SigningStore> {
	const info = await requestJson<Partial<SigningStore> | undefined>(ctx, connection, {
		path: store.basePath,
		qs: store.qs,
		subject: store.subject,
		itemIndex,
		retry,
	});
	if (!info?.id || !info.urlSigningSecretKey) {
		throw new NodeOperationError(
			ctx.getNode(),
			`The API did not give the URL signing key of ${storeLabel(store.subject)}`,
			{
				description:
					"Apify shows a store's URL signing key only to an API token with write access to the store. Use a token of the store's owner that is not read-only.",
				itemIndex,
			},
		);
	}
	return { id: info.id, urlSigningSecretKey: info.urlSigningSecretKey };
}

/** An address on the API origin that carries its signature instead of a token. */
export function signedUrl(
	connection: ApifyConnection,
	path: string,
	signature: string,
	qs: Record<string, string | undefined> = {},
): string {
	const url = new URL(connection.baseUrl + path);
	url.searchParams.set('signature', signature);
	for (const [name, value] of Object.entries(qs))
		if (value !== undefined) url.searchParams.set(name, value);
	return url.href;
}

/** A signed link to one record, as Record → Get Public URL makes it. */
export interface SignedRecordLink {
	storeId: string;
	url: string;
}

/**
 * A link that reads the record without a token, signed as apify-client's getRecordPublicUrl signs it;
 * it never expires. It names the store by its ID, also for a run's store: a run alias needs a token.
 */
export async function signRecordLink(
	ctx: IExecuteFunctions,
	connection: ApifyConnection,
	store: StoreRef,
	key: string,
	itemIndex: number,
	retry: RetryPolicy,
): Promise<SignedRecordLink> {
	const signing = await getSigningStore(ctx, connection, store, itemIndex, retry);
	const url = signedUrl(
		connection,
		storePath(signing.id, 'records', pathSegment(key)),
		recordSignature(signing.urlSigningSecretKey, key),
	);
	return { storeId: signing.id, url };
}

/**
 * A link to the store's key listing (`keys`, as apify-client's createKeysPublicUrl makes it) or to
 * its records as one ZIP file (`records`) that works without a token, signed with a store signature
 * valid until `expiresAt` (a ms epoch; 0: never). The signature covers the store and the expiry
 * only: a prefix or collection is a default the link's user can change. It names the store by its
 * ID, also for a run's store: a run alias needs a token.
 */
export function signedStoreLink(
	connection: ApifyConnection,
	signing: SigningStore,
	endpoint: 'keys' | 'records',
	expiresAt: number,
	filter: { prefix?: string; collection?: string } = {},
): string {
	return signedUrl(
		connection,
		storePath(signing.id, endpoint),
		storeSignature(signing.urlSigningSecretKey, signing.id, expiresAt),
		{ prefix: filter.prefix, collection: filter.collection },
	);
}

/** A record's link for a reader without a token, or why there is none. */
export type RecordLink = { url: string } | { url?: undefined; why: string };

/**
 * A link to the record that works without a token: signed with the store's signing key (an API
 * token with write access sees it), or with a URL signature credential, the signed link the key
 * listing gives. Where neither can be had, why not, instead of failing: the record itself was read.
 */
export async function recordLink(
	ctx: IExecuteFunctions,
	connection: ApifyConnection,
	address: RecordAddress,
): Promise<RecordLink> {
	const { store, key, itemIndex, retry } = address;
	if (connection.authType === 'urlSignature') {
		const url = await listedRecordLink(ctx, connection, address);
		return url ? { url } : { why: "The store's key listing gives no signed link for this record." };
	}
	try {
		return { url: (await signRecordLink(ctx, connection, store, key, itemIndex, retry)).url };
	} catch (error) {
		// The transport throws only n8n's own errors; an API error (such as a 403) stands.
		if (!(error instanceof NodeOperationError)) throw error as NodeApiError;
		return { why: `${error.message}. ${error.description ?? ''}`.trim() };
	}
}
