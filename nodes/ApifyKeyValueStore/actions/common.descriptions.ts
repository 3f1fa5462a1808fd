import type { INodeProperties } from 'n8n-workflow';

import {
	DEFAULT_PARALLEL_REQUESTS,
	MAX_PARALLEL_REQUESTS,
	MAX_RETRIES_LIMIT,
	MAX_TIMEOUT_SECONDS,
} from '../parameters';
import { storeLocator } from '../helpers/storeFields';
import { DEFAULT_MAX_RETRIES } from '../transport';
import type { OperationOption, ResourceName } from './node.type';

/** The Operation parameter of a resource. */
export function operationField<R extends ResourceName>(
	resource: R,
	options: Array<OperationOption<R>>,
	defaultOperation: OperationOption<R>['value'],
): INodeProperties {
	return {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: [resource] } },
		options,
		default: defaultOperation,
	};
}

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
function requestOptionFields(defaultTimeoutSeconds: number): INodeProperties[] {
	return [
		{
			displayName: 'Max Retries',
			name: 'maxRetries',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: MAX_RETRIES_LIMIT },
			default: DEFAULT_MAX_RETRIES,
			description:
				'How often to retry after rate limiting (429), server errors (5xx), dropped connections and timeouts, with exponential backoff',
		},
		{
			displayName: 'Parallel Requests',
			name: 'parallelRequests',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: MAX_PARALLEL_REQUESTS },
			default: DEFAULT_PARALLEL_REQUESTS,
			description:
				"How many input items to work on at the same time (1: one after another). Output keeps the input's order, and requests stay within Apify's rate limits (200 a second per store for records, 60 for the rest) whatever this is.",
		},
		{
			displayName: 'Request Timeout (Seconds)',
			name: 'timeoutSeconds',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: MAX_TIMEOUT_SECONDS },
			default: defaultTimeoutSeconds,
			description:
				'How long one attempt may take; for files, how long the download may bring less than 64 KiB (a pause or a trickle)',
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
