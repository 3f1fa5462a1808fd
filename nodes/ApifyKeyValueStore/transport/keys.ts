import {
	listPageCheck,
	requestJson,
	type ApifyConnection,
	type ApifyContext,
	type ApifyRequest,
} from './index';

/** Apify's page size limit for list keys. */
export const MAX_KEYS_PER_PAGE = 1000;

export interface KeyItem {
	key: string;
	size: number;
	recordPublicUrl?: string;
}

interface KeysPage {
	items: KeyItem[];
	isTruncated: boolean;
	nextExclusiveStartKey: string | null;
}

const checkKeysPage = listPageCheck(
	'key listing',
	'has no text "key" and number "size"',
	(item) => typeof item.key === 'string' && typeof item.size === 'number',
);

export interface ListKeysQuery {
	prefix?: string;
	collection?: string;
	exclusiveStartKey?: string;
	/** Stop after this many keys; undefined lists them all. */
	limit?: number;
}

/**
 * Pages through the keys in the API's order, following `nextExclusiveStartKey` until it is null,
 * a page is empty or the limit is reached. Yields one page at a time.
 */
export async function* listKeyPages(
	ctx: ApifyContext,
	connection: ApifyConnection,
	request: ApifyRequest,
	query: ListKeysQuery,
): AsyncGenerator<KeyItem[]> {
	let remaining = query.limit ?? Infinity;
	let exclusiveStartKey = query.exclusiveStartKey;
	while (remaining > 0) {
		const page = await requestJson<KeysPage>(
			ctx,
			connection,
			{
				...request,
				qs: {
					...request.qs,
					prefix: query.prefix,
					collection: query.collection,
					exclusiveStartKey,
					limit: Math.min(remaining, MAX_KEYS_PER_PAGE),
				},
			},
			checkKeysPage,
		);
		const items = page.items.slice(0, remaining);
		if (items.length === 0) return;
		yield items;
		remaining -= items.length;
		if (!page.nextExclusiveStartKey) return;
		exclusiveStartKey = page.nextExclusiveStartKey;
	}
}
