import type {
	IDataObject,
	IExecuteFunctions,
	IGetNodeParameterOptions,
	ILoadOptionsFunctions,
	INode,
	IPollFunctions,
} from 'n8n-workflow';

import { DEFAULT_MAX_RETRIES, type RetryPolicy } from './transport';
import { storeById, storeOfLastRun, storeOfRun, type StoreRef } from './transport/store';
import { storeLocator } from './helpers/storeFields';
import { runsAsTool, TOOL_LIST_LIMIT } from './helpers/tool';
import {
	optionalText,
	parseActorIdentifier,
	parseRunId,
	parseRunOrigin,
	parseStoreIdentifier,
	validateRecordKey,
	validateWholeNumber,
} from './helpers/validation';

/**
 * The node's parameters as one context sees them: an operation's item, a poll of the trigger (whose
 * parameters belong to no item), or a list search (the parameters being edited).
 */
export interface NodeParameters {
	node: INode;
	/** For error messages; 0 where there are no items. */
	itemIndex: number;
	get(name: string, fallback: unknown, options?: IGetNodeParameterOptions): unknown;
}

export function itemParameters(ctx: IExecuteFunctions, itemIndex: number): NodeParameters {
	return {
		node: ctx.getNode(),
		itemIndex,
		get: (name, fallback, options) => ctx.getNodeParameter(name, itemIndex, fallback, options),
	};
}

export function pollParameters(ctx: IPollFunctions): NodeParameters {
	return {
		node: ctx.getNode(),
		itemIndex: 0,
		get: (name, fallback, options) => ctx.getNodeParameter(name, fallback, options),
	};
}

export function currentParameters(ctx: ILoadOptionsFunctions): NodeParameters {
	return {
		node: ctx.getNode(),
		itemIndex: 0,
		get: (name, fallback, options) => ctx.getCurrentNodeParameter(name, options) ?? fallback,
	};
}

/**
 * The store that Store Of and its fields name, in any context; checked before any request. Without
 * Store Of (the write operations) it is the store of the Store parameter.
 */
export function readStore(parameters: NodeParameters): StoreRef {
	const { node, itemIndex } = parameters;
	const source = parameters.get('storeSource', 'store') as string;
	if (source === 'run') return storeOfRun(parseRunId(node, parameters.get('runId', ''), itemIndex));
	if (source === 'lastRun' || source === 'lastTaskRun') {
		const runStatus = parameters.get('runStatus', 'SUCCEEDED') as string;
		const runOrigin = parseRunOrigin(node, parameters.get('runOrigin', ''), itemIndex);
		const owner =
			source === 'lastTaskRun'
				? {
						actorTaskId: parseActorIdentifier(
							node,
							parameters.get('taskId', ''),
							itemIndex,
							'Actor task',
						),
					}
				: { actorId: parseActorIdentifier(node, parameters.get('actorId', ''), itemIndex) };
		return storeOfLastRun(owner, { runStatus, runOrigin });
	}
	return storeById(readStoreId(parameters));
}

/** A store picked, typed or pasted in a store locator: its ID or `username~store-name`. */
export function readStoreId(parameters: NodeParameters, parameterName = storeLocator.name): string {
	const value = parameters.get(parameterName, undefined, { extractValue: true });
	return parseStoreIdentifier(parameters.node, value, parameters.itemIndex);
}

/** The store of an operation's item. */
export function getStore(ctx: IExecuteFunctions, itemIndex: number): StoreRef {
	return readStore(itemParameters(ctx, itemIndex));
}

/** The store of an item's store locator, for operations that take a store by ID or name only. */
export function getStoreId(
	ctx: IExecuteFunctions,
	itemIndex: number,
	parameterName = storeLocator.name,
): string {
	return readStoreId(itemParameters(ctx, itemIndex), parameterName);
}

export function getRecordKey(ctx: IExecuteFunctions, itemIndex: number): string {
	const value = ctx.getNodeParameter('key', itemIndex, undefined, { extractValue: true });
	return validateRecordKey(ctx.getNode(), value, itemIndex);
}

/** Return All (undefined) or Limit; as a tool, at most one more than a tool call returns (boundList). */
export function getListLimit(ctx: IExecuteFunctions, itemIndex: number): number | undefined {
	const limit = (ctx.getNodeParameter('returnAll', itemIndex) as boolean)
		? undefined
		: validateWholeNumber(
				ctx.getNode(),
				'Limit',
				ctx.getNodeParameter('limit', itemIndex),
				itemIndex,
			);
	if (!runsAsTool(ctx.getNode())) return limit;
	return Math.min(limit ?? Number.POSITIVE_INFINITY, TOOL_LIST_LIMIT + 1);
}

export interface RecordFilter {
	prefix?: string;
	collection?: string;
}

export function getRecordFilter(ctx: IExecuteFunctions, itemIndex: number): RecordFilter {
	const filter = ctx.getNodeParameter('recordFilter', itemIndex, 'all') as string;
	if (filter !== 'prefix' && filter !== 'collection') return {};
	const value = ctx.getNodeParameter(filter, itemIndex, '');
	const label = filter === 'prefix' ? 'Prefix' : 'Collection';
	return { [filter]: optionalText(ctx.getNode(), label, value, itemIndex) };
}

export function getOptions(ctx: IExecuteFunctions, itemIndex: number): IDataObject {
	return ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
}

/**
 * The most Max Retries may be, as the editor offers it; an expression may not go past it either:
 * the backoff doubles with every retry, and past about 20 one wait overflows a timer (24.8 days).
 */
export const MAX_RETRIES_LIMIT = 10;
/** The longest Request Timeout: one day; past 2,147,483 s a timer overflows and fires at once. */
export const MAX_TIMEOUT_SECONDS = 86_400;

/**
 * How many items the node works on at once by default. The rate limit lanes (transport/rateLimit.ts)
 * hold record requests to Apify's 200 a second per store whatever this is; 50 in flight reach that
 * up to a 250 ms round trip, and files, whose transfer adds to the round trip, gain from more at
 * once: 300 files of 1 MiB at a 50 ms round trip took 2.7 s at 10, 2.6 s at 20 and 1.9 s at 50
 * (n8n's HTTP Request node, all at once: 1.7 s; measured with lanes then capped at 174 a second).
 * A download in flight holds a streaming window, not its file.
 */
export const DEFAULT_PARALLEL_REQUESTS = 50;
export const MAX_PARALLEL_REQUESTS = 100;

/**
 * Options → Parallel Requests, of the first item: how many items run at once is the node's
 * setting, as n8n's HTTP Request node reads its batching.
 */
export function getParallelRequests(ctx: IExecuteFunctions): number {
	const options = getOptions(ctx, 0);
	return validateWholeNumber(
		ctx.getNode(),
		'Parallel Requests',
		options.parallelRequests ?? DEFAULT_PARALLEL_REQUESTS,
		0,
		1,
		MAX_PARALLEL_REQUESTS,
	);
}

/** Max Retries and Request Timeout of an item's Options; the default timeout is the operation's. */
export function getRetryPolicy(
	ctx: IExecuteFunctions,
	itemIndex: number,
	defaultTimeoutSeconds: number,
): RetryPolicy {
	const node = ctx.getNode();
	const options = getOptions(ctx, itemIndex);
	const maxRetries = validateWholeNumber(
		node,
		'Max Retries',
		options.maxRetries ?? DEFAULT_MAX_RETRIES,
		itemIndex,
		0,
		MAX_RETRIES_LIMIT,
	);
	const timeoutSeconds = validateWholeNumber(
		node,
		'Request Timeout (Seconds)',
		options.timeoutSeconds ?? defaultTimeoutSeconds,
		itemIndex,
		1,
		MAX_TIMEOUT_SECONDS,
	);
	return { maxRetries, timeoutMs: timeoutSeconds * 1000 };
}
