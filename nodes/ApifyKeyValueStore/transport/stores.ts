import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import {
	isObject,
	listPageCheck,
	requestJson,
	type ApifyConnection,
	type ApifyContext,
	type ApifyRequest,
	type RetryPolicy,
} from './index';
import { pagingStalled } from './paging';
import { pinnedStore, type StoreRef } from './store';

/** Apify's page size limit for list endpoints. */
export const MAX_STORES_PER_PAGE = 1000;

/**
 * Fields that are or carry a credential: the URL signing secret, and the public URLs signed with
 * it, each of which reads the whole store without a token.
 */
const SECRET_STORE_FIELDS = ['urlSigningSecretKey', 'keysPublicUrl', 'recordsPublicUrl'];

export interface StoreInfo extends IDataObject {
	id: string;
}

interface StoresPage {
	items: StoreInfo[];
	total?: number;
}

const hasTextId = (store: Record<string, unknown>) => typeof store.id === 'string';

/** A page of the account's stores, as Store → List and the store picker read it. */
export const checkStoresPage = listPageCheck('store list', 'has no text "id"', hasTextId);

const checkStore = (data: unknown) =>
	isObject(data) && hasTextId(data) ? undefined : 'the store has no text "id"';

export interface ListStoresQuery {
	unnamed: boolean;
	desc: boolean;
	/** Stop after this many stores; undefined lists them all. */
	limit?: number;
}

/** What the API says about a store, minus anything that grants access to it. */
export function withoutSecrets(store: StoreInfo): StoreInfo {
	const visible = { ...store };
	for (const field of SECRET_STORE_FIELDS) delete visible[field];
	return visible;
}

/** One store object from a JSON endpoint (get, get or create), without its secrets. */
export async function requestStore(
	ctx: IExecuteFunctions,
	connection: ApifyConnection,
	request: ApifyRequest,
): Promise<StoreInfo> {
	return withoutSecrets(await requestJson<StoreInfo>(ctx, connection, request, checkStore));
}

/**
 * The account's store of this name, made if there is none, without its secrets. POST is not
 * idempotent in general, but get-or-create by name is: a retry finds the store the first attempt made.
 */
export async function getOrCreateStore(
	ctx: IExecuteFunctions,
	connection: ApifyConnection,
	name: string,
	itemIndex: number,
	retry: RetryPolicy,
): Promise<StoreInfo> {
	return await requestStore(ctx, connection, {
		method: 'POST',
		path: '/v2/key-value-stores',
		qs: { name },
		subject: { storeId: `~${name}` },
		itemIndex,
		retry,
	});
}

/**
 * Pages through the account's stores with `offset` and `limit` until the API's `total` is reached,
 * a page comes back short or empty, or the limit is reached; a page that brings no new store fails
 * the listing. Yields one page at a time, without secrets, each store once.
 */
export async function* listStorePages(
	ctx: IExecuteFunctions,
	connection: ApifyConnection,
	request: Omit<ApifyRequest, 'qs'>,
	query: ListStoresQuery,
): AsyncGenerator<StoreInfo[]> {
	let remaining = query.limit ?? Infinity;
	let offset = 0;
	// Offsets shift when stores are made or deleted meanwhile, so a page may repeat a store: it is
	// output once, and a page with no store not seen before means the offset is not honoured.
	const seen = new Set<string>();
	while (remaining > 0) {
		const pageLimit = Math.min(remaining, MAX_STORES_PER_PAGE);
		const page = await requestJson<StoresPage>(
			ctx,
			connection,
			{
				...request,
				qs: {
					offset,
					limit: pageLimit,
					desc: query.desc ? 'true' : undefined,
					unnamed: query.unnamed ? 'true' : undefined,
				},
			},
			checkStoresPage,
		);
		if (page.items.length === 0) return;
		const fresh = page.items.filter((store) => !seen.has(store.id));
		if (fresh.length === 0) {
			throw pagingStalled(
				ctx,
				request,
				'store list',
				`the page at offset ${offset} holds only stores already listed`,
			);
		}
		const items = fresh.slice(0, remaining);
		for (const store of items) seen.add(store.id);
		yield items.map(withoutSecrets);
		remaining -= items.length;
		offset += page.items.length;
		if (page.items.length < pageLimit || (page.total !== undefined && offset >= page.total)) return;
	}
}

/**
 * A store reached through a run alias, by its ID, read once through the alias (GET, which Apify
 * documents there): the by-ID paths take every request, HEAD included, and requests made after it
 * all reach the same store even if a newer run becomes the last one meanwhile. A store named by ID
 * is returned as it is.
 */
export async function pinStore(
	ctx: ApifyContext,
	connection: ApifyConnection,
	store: StoreRef,
	itemIndex: number,
	retry: RetryPolicy,
): Promise<StoreRef> {
	if (!store.isAlias) return store;
	const info = await requestJson<{ id?: string } | undefined>(ctx, connection, {
		path: store.basePath,
		qs: store.qs,
		subject: store.subject,
		itemIndex,
		retry,
	});
	return info?.id ? pinnedStore(store, info.id) : store;
}
