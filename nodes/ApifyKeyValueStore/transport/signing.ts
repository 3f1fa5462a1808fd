import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';

import { storePath } from '../actions/common.descriptions';
import { requestJson, type ApifyConnection, type RetryPolicy } from '.';

export interface SigningStore {
	/** The store's ID: a store signature signs it, and unlike `~store-name` it resolves without a token. */
	id: string;
	urlSigningSecretKey: string;
}

/** The store's ID and URL signing key, which the API shows only to a token with write access to the store. */
export async function getSigningStore(
	ctx: IExecuteFunctions,
	connection: ApifyConnection,
	storeId: string,
	itemIndex: number,
	retry: RetryPolicy,
): Promise<SigningStore> {
	const store = await requestJson<Partial<SigningStore> | undefined>(ctx, connection, {
		path: storePath(storeId),
		subject: { storeId },
		itemIndex,
		retry,
	});
	if (!store?.id || !store.urlSigningSecretKey) {
		throw new NodeOperationError(ctx.getNode(), `The API did not give the URL signing key of store "${storeId}"`, {
			description:
				"Apify shows a store's URL signing key only to an API token with write access to the store. Use a token of the store's owner that is not read-only.",
			itemIndex,
		});
	}
	return { id: store.id, urlSigningSecretKey: store.urlSigningSecretKey };
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
	for (const [name, value] of Object.entries(qs)) if (value !== undefined) url.searchParams.set(name, value);
	return url.href;
}
