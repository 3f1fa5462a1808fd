import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';

import type { StoreRef } from './store';
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
