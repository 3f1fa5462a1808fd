import {
	NodeOperationError,
	type ILoadOptionsFunctions,
	type INodeListSearchItems,
	type INodeListSearchResult,
} from 'n8n-workflow';

import { currentParameters, readStore } from '../parameters';
import { getConnection, requestJson } from '../transport';
import { listKeyPages } from '../transport/keys';
import { storeEndpoint } from '../transport/store';
import { checkStoresPage } from '../transport/stores';

const PAGE_SIZE = 100;
const RETRY = { maxRetries: 2, timeoutMs: 10_000 };

interface StoreListItem {
	id: string;
	name?: string | null;
	username?: string;
}

interface StoreList {
	items: StoreListItem[];
	total: number;
	offset: number;
}

/** The account's stores, named and unnamed, newest first; the filter matches name or ID. */
export async function searchStores(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const connection = await getConnection(this);
	if (connection.authType === 'urlSignature') {
		throw new NodeOperationError(this.getNode(), 'Listing stores needs an API token', {
			description:
				'With a URL signature, choose "By ID or Name" and enter the ID of the store the signature is for.',
		});
	}
	const offset = Number(paginationToken ?? 0);
	const page = await requestJson<StoreList>(
		this,
		connection,
		{
			path: '/v2/key-value-stores',
			qs: { unnamed: 'true', desc: 'true', offset, limit: PAGE_SIZE },
			subject: {},
			itemIndex: 0,
			retry: RETRY,
		},
		checkStoresPage,
	);
	const needle = filter?.trim().toLowerCase();
	const results: INodeListSearchItems[] = page.items
		.filter(
			(store) =>
				!needle ||
				store.id.toLowerCase().includes(needle) ||
				store.name?.toLowerCase().includes(needle),
		)
		.map((store) => ({
			name: store.name ?? `${store.id} (unnamed)`,
			value: store.id,
			url: `https://console.apify.com/storage/key-value-stores/${store.id}`,
		}));
	const next = offset + page.items.length;
	return {
		results,
		paginationToken: next < page.total && page.items.length > 0 ? String(next) : undefined,
	};
}

/**
 * Keys of the store the node's Store parameter names, whatever Store Of is; what the user types is
 * used as a key prefix, as Apify filters keys.
 */
export async function searchKeys(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const store = readStore(currentParameters(this));
	const connection = await getConnection(this);
	const pages = listKeyPages(
		this,
		connection,
		{
			path: storeEndpoint(store, 'keys'),
			qs: store.qs,
			subject: store.subject,
			itemIndex: 0,
			retry: RETRY,
		},
		{ prefix: filter?.trim() || undefined, exclusiveStartKey: paginationToken, limit: PAGE_SIZE },
	);
	const results: INodeListSearchItems[] = [];
	for await (const page of pages) {
		results.push(...page.map(({ key }) => ({ name: key, value: key })));
	}
	const last = results.at(-1)?.value as string | undefined;
	return { results, paginationToken: results.length === PAGE_SIZE ? last : undefined };
}
