import {
	listPageCheck,
	requestJson,
	type ApifyConnection,
	type ApifyContext,
	type ApifyRequest,
	type ShapeCheck,
} from './index';
import { pagingStalled } from './paging';

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

const checkKeyItems = listPageCheck(
	'key listing',
	'has no text "key" and number "size"',
	(item) => typeof item.key === 'string' && typeof item.size === 'number',
);

const checkKeysPage: ShapeCheck = (data) => {
	const cursor = (data as { nextExclusiveStartKey?: unknown } | null)?.nextExclusiveStartKey;
	return (
		checkKeyItems(data) ??
		(cursor === undefined || cursor === null || typeof cursor === 'string'
			? undefined
			: '"nextExclusiveStartKey" of the key listing is neither text nor null')
	);
};

export interface ListKeysQuery {
	prefix?: string;
	collection?: string;
	exclusiveStartKey?: string;
	/** Stop after this many keys; undefined lists them all. */
	limit?: number;
}

/**
 * Pages through the keys in the API's order, following `nextExclusiveStartKey` until it is null,
 * a page is empty or the limit is reached; a cursor that does not move forward fails the listing.
 * Yields one page at a time.
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
		if (exclusiveStartKey !== undefined && compareKeys(items[0].key, exclusiveStartKey) <= 0) {
			throw pagingStalled(
				ctx,
				request,
				'key listing',
				`asked for keys after ${quoted(exclusiveStartKey)}, it answered with ${quoted(items[0].key)}`,
			);
		}
		yield items;
		remaining -= items.length;
		const next = page.nextExclusiveStartKey;
		if (!next) return;
		// Keys come in UTF-8 byte order, so each page's cursor lies beyond the one before.
		if (exclusiveStartKey !== undefined && compareKeys(next, exclusiveStartKey) <= 0) {
			throw pagingStalled(
				ctx,
				request,
				'key listing',
				`after key ${quoted(exclusiveStartKey)} it gave ${quoted(next)} as the next start key`,
			);
		}
		exclusiveStartKey = next;
	}
}

/** The API's order of keys: UTF-8 byte order (not `localeCompare`, nor UTF-16 order). */
export function compareKeys(a: string, b: string): number {
	return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** A key from the API as messages show it: any text, so quoted and cut to a key's longest. */
function quoted(key: string): string {
	return JSON.stringify(String(key).slice(0, 256));
}
