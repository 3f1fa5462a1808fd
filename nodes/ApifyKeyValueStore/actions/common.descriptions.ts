import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type IGetNodeParameterOptions,
	type INodeProperties,
	type IPollFunctions,
} from 'n8n-workflow';

import type { ApifyConnection, RetryPolicy } from '../transport';
import {
	optionalText,
	parseActorIdentifier,
	parseRunId,
	parseStoreIdentifier,
	validateRecordKey,
	validateWholeNumber,
} from '../helpers/validation';

export const storeLocator: INodeProperties = {
	displayName: 'Store',
	name: 'storeId',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description: 'The key-value store',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			placeholder: 'Select a store…',
			typeOptions: { searchListMethod: 'searchStores', searchable: true },
		},
		{
			displayName: 'By ID or Name',
			name: 'id',
			type: 'string',
			placeholder: 'WkzbQMuFYuamGv3YF or username~store-name',
		},
		{
			displayName: 'By URL',
			name: 'url',
			type: 'string',
			placeholder: 'https://console.apify.com/storage/key-value-stores/WkzbQMuFYuamGv3YF',
			extractValue: { type: 'regex', regex: '/key-value-stores/([^/?#]+)' },
			validation: [
				{
					type: 'regex',
					properties: {
						regex: 'https?://.+/key-value-stores/[^/?#]+.*',
						errorMessage: 'Paste an Apify Console or API URL of a key-value store',
					},
				},
			],
		},
	],
};

/**
 * For Store → Delete: the store must be typed, never picked from a list or left to a default.
 * Its own name keeps n8n from carrying over a store chosen for another operation.
 */
export const storeToDeleteLocator: INodeProperties = {
	...storeLocator,
	name: 'storeToDelete',
	default: { mode: 'id', value: '' },
	modes: storeLocator.modes?.filter((mode) => mode.name === 'id'),
};

/**
 * The store of a read operation: a store, or the default store of an Actor run (by run ID, e.g. from
 * an Apify webhook) or of an Actor's last run, through the API's run aliases.
 */
export const storeFields: INodeProperties[] = [
	{
		displayName: 'Store Of',
		name: 'storeSource',
		type: 'options',
		options: [
			{ name: 'A Store', value: 'store', description: 'A store by list, ID, name or URL' },
			{
				name: 'An Actor Run',
				value: 'run',
				description: 'The default store of an Actor run, e.g. one an Apify webhook names',
			},
			{
				name: "An Actor's Last Run",
				value: 'lastRun',
				description: 'The default store of the last run of an Actor',
			},
			{
				name: "An Actor Task's Last Run",
				value: 'lastTaskRun',
				description: 'The default store of the last run of an Actor task',
			},
		],
		default: 'store',
	},
	{ ...storeLocator, displayOptions: { show: { storeSource: ['store'] } } },
	{
		displayName: 'Run ID',
		name: 'runId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'HG7ML7M8z78YcAPEB',
		description: "The ID of the Actor run, such as the actorRunId in an Apify webhook's event data",
		displayOptions: { show: { storeSource: ['run'] } },
	},
	{
		displayName: 'Actor',
		name: 'actorId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'apify/web-scraper',
		description: 'The Actor: its ID, or username/actor-name',
		displayOptions: { show: { storeSource: ['lastRun'] } },
	},
	{
		displayName: 'Actor Task',
		name: 'taskId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'username/my-task',
		description: 'The Actor task: its ID, or username/task-name',
		displayOptions: { show: { storeSource: ['lastTaskRun'] } },
	},
	{
		displayName: 'Run Status',
		name: 'runStatus',
		type: 'options',
		options: [
			{ name: 'Aborted', value: 'ABORTED' },
			{ name: 'Any (the Newest Run)', value: '' },
			{ name: 'Failed', value: 'FAILED' },
			{ name: 'Running', value: 'RUNNING' },
			{ name: 'Succeeded', value: 'SUCCEEDED' },
			{ name: 'Timed Out', value: 'TIMED-OUT' },
		],
		default: 'SUCCEEDED',
		description: 'Take the newest run with this status',
		displayOptions: { show: { storeSource: ['lastRun', 'lastTaskRun'] } },
	},
];

/** Where a store's endpoints are, and how items and messages name it. */
export interface StoreRef {
	/** `/v2/key-value-stores/{id}`, or the run alias `/v2/actor-runs/{runId}/key-value-store`. */
	basePath: string;
	/** Query parameters every request to the store carries: the status of an Actor's last run. */
	qs: Record<string, string>;
	/** The fields output items use to say which store it was: `storeId`, or `runId`, or `actorId` or `actorTaskId` and `runStatus`. */
	source: IDataObject;
	/** For a request's error messages. */
	subject: { storeId?: string; storeName?: string };
	/** A base for file names, such as the ZIP of the store. */
	fileBaseName: string;
}

export function storeById(storeId: string): StoreRef {
	return {
		basePath: `/v2/key-value-stores/${encodeURIComponent(storeId)}`,
		qs: {},
		source: { storeId },
		subject: { storeId },
		fileBaseName: storeId.replace('~', '-') || 'store',
	};
}

/** Reads Store Of and its fields of an operation's item; checked before any request. */
export function getStore(ctx: IExecuteFunctions, itemIndex: number): StoreRef;
/** The trigger's store: a poll's parameters belong to no item. */
export function getStore(ctx: IPollFunctions): StoreRef;
export function getStore(ctx: IExecuteFunctions | IPollFunctions, itemIndex?: number): StoreRef {
	const node = ctx.getNode();
	const index = itemIndex ?? 0;
	const parameter = (
		name: string,
		fallback: unknown,
		options?: IGetNodeParameterOptions,
	): unknown =>
		itemIndex === undefined
			? (ctx as IPollFunctions).getNodeParameter(name, fallback, options)
			: (ctx as IExecuteFunctions).getNodeParameter(name, itemIndex, fallback, options);
	const source = parameter('storeSource', 'store') as string;
	if (source === 'run') {
		const runId = parseRunId(node, parameter('runId', ''), index);
		return {
			basePath: `/v2/actor-runs/${encodeURIComponent(runId)}/key-value-store`,
			qs: {},
			source: { runId },
			subject: { storeName: `the default store of run "${runId}"` },
			fileBaseName: `run-${runId}`,
		};
	}
	if (source === 'lastRun' || source === 'lastTaskRun') {
		const ofTask = source === 'lastTaskRun';
		const id = ofTask
			? parseActorIdentifier(node, parameter('taskId', ''), index, 'Actor task')
			: parseActorIdentifier(node, parameter('actorId', ''), index);
		const runStatus = parameter('runStatus', 'SUCCEEDED') as string;
		const which = runStatus ? `last ${runStatus.toLowerCase()} run` : 'last run';
		return {
			basePath: `/v2/${ofTask ? 'actor-tasks' : 'acts'}/${encodeURIComponent(id)}/runs/last/key-value-store`,
			qs: runStatus ? { status: runStatus } : {},
			source: { [ofTask ? 'actorTaskId' : 'actorId']: id, runStatus: runStatus || 'any' },
			subject: {
				storeName: `the default store of the ${which} of ${ofTask ? 'Actor task' : 'Actor'} "${id}"`,
			},
			fileBaseName: `${id.replace('~', '-')}-${which.replace(/ /g, '-')}`,
		};
	}
	const storeId = parseStoreIdentifier(
		node,
		parameter(storeLocator.name, undefined, { extractValue: true }),
		index,
	);
	return storeById(storeId);
}

/** An endpoint of the store, e.g. `storeEndpoint(store, 'records', encodedKey)`. */
export function storeEndpoint(store: StoreRef, ...rest: string[]): string {
	return [store.basePath, ...rest].join('/');
}

export const recordKeyLocator: INodeProperties = {
	displayName: 'Key',
	name: 'key',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description: 'The key of the record',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			placeholder: 'Select a key…',
			typeOptions: { searchListMethod: 'searchKeys', searchable: true },
		},
		{
			displayName: 'By Key',
			name: 'id',
			type: 'string',
			placeholder: 'OUTPUT',
		},
	],
};

/** As apify-client. */
export const DEFAULT_MAX_RETRIES = 8;

/** Prefix or schema collection, shared by Download All and List Keys. */
export const recordFilterFields: INodeProperties[] = [
	{
		displayName: 'Records',
		name: 'recordFilter',
		type: 'options',
		options: [
			{ name: 'All', value: 'all' },
			{ name: 'Keys Starting With a Prefix', value: 'prefix' },
			{ name: 'A Collection of the Store Schema', value: 'collection' },
		],
		default: 'all',
	},
	{
		displayName: 'Prefix',
		name: 'prefix',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'img-',
		displayOptions: { show: { recordFilter: ['prefix'] } },
	},
	{
		displayName: 'Collection',
		name: 'collection',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'images',
		description: 'A collection defined in the store schema of the Actor that created the store',
		displayOptions: { show: { recordFilter: ['collection'] } },
	},
];

/** Return All or Limit, shared by the list operations; read with `getListLimit`. */
export const returnAllOrLimitFields: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { returnAll: [false] } },
	},
];

export const binaryPropertyField: INodeProperties = {
	displayName: 'Put Output File in Field',
	name: 'binaryPropertyName',
	type: 'string',
	default: 'data',
	required: true,
	hint: 'The name of the output binary field to put the file in',
};

/** Retry and timeout options every operation offers; the default timeout depends on the operation. */
export function requestOptionFields(defaultTimeoutSeconds: number): INodeProperties[] {
	return [
		{
			displayName: 'Max Retries',
			name: 'maxRetries',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 10 },
			default: DEFAULT_MAX_RETRIES,
			description:
				'How often to retry after rate limiting (429), server errors (5xx), dropped connections and timeouts, with exponential backoff',
		},
		{
			displayName: 'Request Timeout (Seconds)',
			name: 'timeoutSeconds',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: defaultTimeoutSeconds,
			description:
				'How long one attempt may wait for the API (for files: the longest pause in the download)',
		},
	];
}

/** The Options collection of an operation: its own options, then Max Retries and Request Timeout. */
export function optionsCollection(
	defaultTimeoutSeconds: number,
	own: INodeProperties[] = [],
): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [...own, ...requestOptionFields(defaultTimeoutSeconds)],
	};
}

export function getStoreId(
	ctx: IExecuteFunctions,
	itemIndex: number,
	parameterName = storeLocator.name,
): string {
	const value = ctx.getNodeParameter(parameterName, itemIndex, undefined, { extractValue: true });
	return parseStoreIdentifier(ctx.getNode(), value, itemIndex);
}

export function getRecordKey(ctx: IExecuteFunctions, itemIndex: number): string {
	const value = ctx.getNodeParameter('key', itemIndex, undefined, { extractValue: true });
	return validateRecordKey(ctx.getNode(), value, itemIndex);
}

/** How many results a list operation may return; undefined for Return All. */
export function getListLimit(ctx: IExecuteFunctions, itemIndex: number): number | undefined {
	if (ctx.getNodeParameter('returnAll', itemIndex) as boolean) return undefined;
	return validateWholeNumber(
		ctx.getNode(),
		'Limit',
		ctx.getNodeParameter('limit', itemIndex),
		itemIndex,
	);
}

export interface RecordFilter {
	prefix?: string;
	collection?: string;
}

export function getRecordFilter(ctx: IExecuteFunctions, itemIndex: number): RecordFilter {
	const filter = ctx.getNodeParameter('recordFilter', itemIndex, 'all') as string;
	const node = ctx.getNode();
	if (filter === 'prefix') {
		const prefix = optionalText(
			node,
			'Prefix',
			ctx.getNodeParameter('prefix', itemIndex, ''),
			itemIndex,
		);
		return { prefix };
	}
	if (filter === 'collection') {
		const collection = optionalText(
			node,
			'Collection',
			ctx.getNodeParameter('collection', itemIndex, ''),
			itemIndex,
		);
		return { collection };
	}
	return {};
}

export function getOptions(ctx: IExecuteFunctions, itemIndex: number): IDataObject {
	return ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
}

export function getRetryPolicy(
	ctx: IExecuteFunctions,
	options: IDataObject,
	defaultTimeoutSeconds: number,
	itemIndex: number,
): RetryPolicy {
	const node = ctx.getNode();
	const maxRetries = validateWholeNumber(
		node,
		'Max Retries',
		options.maxRetries ?? DEFAULT_MAX_RETRIES,
		itemIndex,
		0,
	);
	const timeoutSeconds = validateWholeNumber(
		node,
		'Request Timeout (Seconds)',
		options.timeoutSeconds ?? defaultTimeoutSeconds,
		itemIndex,
	);
	return { maxRetries, timeoutMs: timeoutSeconds * 1000 };
}

/** `/v2/key-value-stores/{store}` with the identifier encoded as one path segment. */
export function storePath(storeId: string, ...rest: string[]): string {
	return storeEndpoint(storeById(storeId), ...rest);
}

/**
 * Writing, and signing links with the store's secret, need an API token; a URL signature is refused
 * before any request, with `why` telling the user what the token is needed for.
 */
export function requireApiToken(
	ctx: IExecuteFunctions,
	connection: ApifyConnection,
	operation: string,
	why: string,
	itemIndex: number,
): void {
	if (connection.authType === 'apiToken') return;
	throw new NodeOperationError(
		ctx.getNode(),
		`${operation} needs an API token, not a URL signature`,
		{
			description: `${why} Use an "Apify Key-Value Store API" credential with Authentication set to API Token.`,
			itemIndex,
		},
	);
}

export const WRITE_NEEDS_TOKEN =
	'A URL signature grants read access only: writing needs an API token with write access to the store.';
export const STORE_NEEDS_TOKEN =
	'A URL signature only reads the keys and records of the one store it was made for.';
export const SIGNING_NEEDS_TOKEN =
	"The link is signed with the store's URL signing key, which Apify shows only to an API token with write access.";
