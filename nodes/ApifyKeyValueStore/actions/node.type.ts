import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';

import type { ApifyConnection, RetryPolicy } from '../transport';

/** The node's resources and their operations, by option value. */
export type ApifyKeyValueStoreType = {
	record: 'delete' | 'download' | 'exists' | 'get' | 'getPublicUrl' | 'put';
	key: 'getPublicListingUrl' | 'list';
	store: 'delete' | 'get' | 'getOrCreate' | 'list';
};

export type ResourceName = keyof ApifyKeyValueStoreType;

/**
 * Why an operation needs an API token rather than a URL signature: it writes, it reaches beyond the
 * one store a signature is for, or it signs links with the store's secret.
 */
export type TokenNeed = 'write' | 'account' | 'signing';

/** What the router does for an operation before running it. */
export interface OperationSettings {
	/** The Request Timeout the operation's Options default to. */
	defaultTimeoutSeconds: number;
	/** Refused with a URL signature, before any request. */
	needsToken?: TokenNeed;
}

/** What the router hands an operation: the credential's API and the item's retry policy. */
export interface OperationContext {
	connection: ApifyConnection;
	retry: RetryPolicy;
}

/** An operation file: its parameters, its settings and its executor. */
export interface Operation {
	description: INodeProperties[];
	settings: OperationSettings;
	execute: OperationExecutor;
	/**
	 * Runs instead of `execute` when the node is an AI agent's tool, whose output a model reads as
	 * JSON only (n8n drops binary data there).
	 */
	executeAsTool?: OperationExecutor;
}

export type OperationExecutor = (
	this: IExecuteFunctions,
	itemIndex: number,
	context: OperationContext,
) => Promise<INodeExecutionData[]>;

/** Every operation of a resource, under its option value: a missing one fails the type check. */
export type ResourceOperations<R extends ResourceName> = Record<
	ApifyKeyValueStoreType[R],
	Operation
>;

/** An Operation option whose value must be one of the resource's operations. */
export type OperationOption<R extends ResourceName> = INodePropertyOptions & {
	value: ApifyKeyValueStoreType[R];
};

/** A resource file: its name in the node, its Operation options and its operations. */
export interface Resource<R extends ResourceName> {
	displayName: string;
	operationOptions: Array<OperationOption<R>>;
	operations: ResourceOperations<R>;
}
