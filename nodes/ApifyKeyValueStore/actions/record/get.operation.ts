import {
	NodeOperationError,
	updateDisplayOptions,
	type IBinaryData,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
	type IPollFunctions,
} from 'n8n-workflow';

import {
	charsetOf,
	fileNameFor,
	kindOfContentType,
	type ValueKind,
} from '../../helpers/contentType';
import { readBody } from '../../helpers/streams';
import { requestStream, type ApifyConnection, type RetryPolicy } from '../../transport';
import {
	binaryPropertyField,
	getOptions,
	getRecordKey,
	getRetryPolicy,
	getStore,
	recordKeyLocator,
	optionsCollection,
	storeEndpoint,
	storeFields,
	type StoreRef,
} from '../common.descriptions';

const DEFAULT_TIMEOUT_SECONDS = 360;

const properties: INodeProperties[] = [
	...storeFields,
	recordKeyLocator,
	{
		displayName: 'Output',
		name: 'outputFormat',
		type: 'options',
		options: [
			{
				name: 'Auto',
				value: 'auto',
				description: 'JSON objects into fields, text into a field, anything else as a file',
			},
			{ name: 'JSON', value: 'json', description: 'Parse the record as JSON' },
			{ name: 'Text', value: 'text', description: 'The record as text in a field' },
			{
				name: 'File (Binary)',
				value: 'binary',
				description: 'The record as a file, whatever its type',
			},
		],
		default: 'auto',
	},
	{ ...binaryPropertyField, displayOptions: { show: { outputFormat: ['auto', 'binary'] } } },
	optionsCollection(DEFAULT_TIMEOUT_SECONDS, [
		{
			displayName: 'Only If Changed',
			name: 'onlyChanged',
			type: 'boolean',
			default: false,
			description:
				'Whether to output the record only when it changed since this node last output it (per store and key, kept with the workflow); otherwise the item outputs nothing. Uses the ETag the API sends, and a hash of the content where it sends none.',
		},
		{
			displayName: 'Text Field Name',
			name: 'textFieldName',
			type: 'string',
			default: 'text',
			description: 'The output field for a text record',
		},
	]),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['record'], operation: ['get'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	connection: ApifyConnection,
): Promise<INodeExecutionData[]> {
	const store = getStore(this, itemIndex);
	const key = getRecordKey(this, itemIndex);
	const outputFormat = this.getNodeParameter('outputFormat', itemIndex) as ValueKind | 'auto';
	const binaryPropertyName =
		outputFormat === 'json' || outputFormat === 'text'
			? ''
			: (this.getNodeParameter('binaryPropertyName', itemIndex) as string);
	const options = getOptions(this, itemIndex);
	const textFieldName = (options.textFieldName as string) || 'text';

	const onlyChanged = options.onlyChanged === true;
	// Remembered per store and key in the workflow's static data, which n8n keeps for active workflows.
	const memory = onlyChanged ? lastOutputs(this) : undefined;
	const memoryKey = JSON.stringify([store.basePath, store.qs, key]);
	const last = memory?.[memoryKey];
	const record = await fetchRecord(this, connection, {
		store,
		key,
		outputFormat,
		itemIndex,
		retry: getRetryPolicy(this, options, DEFAULT_TIMEOUT_SECONDS, itemIndex),
		ifNoneMatch: last?.etag,
		hashBody: onlyChanged,
	});
	if (record.kind === 'notModified') return [];
	if (memory) {
		const seen: LastOutput = record.etag ? { etag: record.etag } : { sha256: record.sha256 };
		if (last && (seen.etag ? seen.etag === last.etag : seen.sha256 === last.sha256)) return [];
		memory[memoryKey] = seen;
	}
	const { contentType, size } = record;
	let json: IDataObject;
	if (record.kind === 'binary') json = { key, contentType, size, fileName: record.binary.fileName };
	else if (record.kind === 'text') json = { key, contentType, size, [textFieldName]: record.text };
	else json = jsonItem(this, key, contentType, size, record.text, itemIndex);
	return [
		{
			json,
			...(record.kind === 'binary' ? { binary: { [binaryPropertyName]: record.binary } } : {}),
			pairedItem: { item: itemIndex },
		},
	];
}

interface LastOutput {
	etag?: string;
	sha256?: string;
}

function lastOutputs(ctx: IExecuteFunctions): Record<string, LastOutput> {
	const staticData = ctx.getWorkflowStaticData('node');
	staticData.lastOutputs ??= {};
	return staticData.lastOutputs as Record<string, LastOutput>;
}

export interface RecordRequest {
	store: StoreRef;
	key: string;
	outputFormat: ValueKind | 'auto';
	itemIndex: number;
	retry: RetryPolicy;
	/** An ETag the caller has: the API answers 304 if the record still has it. */
	ifNoneMatch?: string;
	/** Also compute the SHA-256 of the record's content. */
	hashBody?: boolean;
}

/** A record's value: a file in n8n's binary data for binary records, its text otherwise (JSON unparsed). */
export type FetchedRecord =
	| { kind: 'notModified' }
	| ({ contentType: string; size: number; etag?: string; sha256?: string } & (
			| { kind: 'binary'; binary: IBinaryData }
			| { kind: 'text' | 'json'; text: string }
	  ));

/** Gets one record, streaming a file into n8n's binary data; shared with the trigger. */
export async function fetchRecord(
	ctx: IExecuteFunctions | IPollFunctions,
	connection: ApifyConnection,
	{ store, key, outputFormat, itemIndex, retry, ifNoneMatch, hashBody }: RecordRequest,
): Promise<FetchedRecord> {
	return await requestStream(
		ctx,
		connection,
		{
			path: storeEndpoint(store, 'records', encodeURIComponent(key)),
			// Without it the API may rewrite HTML records.
			qs: { ...store.qs, attachment: 'true' },
			headers: ifNoneMatch ? { 'If-None-Match': ifNoneMatch } : undefined,
			hashBody,
			subject: { ...store.subject, key },
			itemIndex,
			retry,
		},
		async ({ statusCode, body, headers, bytesRead, digest }): Promise<FetchedRecord> => {
			if (statusCode === 304) return { kind: 'notModified' };
			const contentType = headers['content-type'] ?? 'application/octet-stream';
			const kind = outputFormat === 'auto' ? kindOfContentType(contentType) : outputFormat;
			const etag = headers.etag;
			if (kind === 'binary') {
				const binary = await ctx.helpers.prepareBinaryData(
					body,
					fileNameFor(key, contentType),
					contentType,
				);
				return { kind, contentType, size: bytesRead(), etag, sha256: digest(), binary };
			}
			const bytes = await readBody(body);
			const text = new TextDecoder(charsetOf(contentType)).decode(bytes);
			return { kind, contentType, size: bytes.length, etag, sha256: digest(), text };
		},
	);
}

/** A JSON object becomes the item's fields; any other JSON value goes into `value` beside the metadata. */
function jsonItem(
	ctx: IExecuteFunctions,
	key: string,
	contentType: string,
	size: number,
	text: string,
	itemIndex: number,
): IDataObject {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (error) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Record "${key}" is not valid JSON (${(error as Error).message})`,
			{
				description: `Its content type is ${contentType}. Set Output to Text or File (Binary) to read it as it is.`,
				itemIndex,
			},
		);
	}
	if (value !== null && typeof value === 'object' && !Array.isArray(value))
		return value as IDataObject;
	return { key, contentType, size, value: value as IDataObject };
}
