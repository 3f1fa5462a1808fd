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

import { charsetOf, fileNameFor, kindOfContentType, type ValueKind } from '../../helpers/contentType';
import { readBody } from '../../helpers/streams';
import { requestStream, type ApifyConnection, type RetryPolicy } from '../../transport';
import {
	binaryPropertyField,
	getOptions,
	getRecordKey,
	getRetryPolicy,
	getStoreId,
	recordKeyLocator,
	requestOptionFields,
	storeLocator,
	storePath,
} from '../common.descriptions';

const DEFAULT_TIMEOUT_SECONDS = 360;

const properties: INodeProperties[] = [
	storeLocator,
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
			{ name: 'File (Binary)', value: 'binary', description: 'The record as a file, whatever its type' },
		],
		default: 'auto',
	},
	{ ...binaryPropertyField, displayOptions: { show: { outputFormat: ['auto', 'binary'] } } },
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Text Field Name',
				name: 'textFieldName',
				type: 'string',
				default: 'text',
				description: 'The output field for a text record',
			},
			...requestOptionFields(DEFAULT_TIMEOUT_SECONDS),
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['record'], operation: ['get'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	connection: ApifyConnection,
): Promise<INodeExecutionData[]> {
	const storeId = getStoreId(this, itemIndex);
	const key = getRecordKey(this, itemIndex);
	const outputFormat = this.getNodeParameter('outputFormat', itemIndex) as ValueKind | 'auto';
	const binaryPropertyName =
		outputFormat === 'json' || outputFormat === 'text'
			? ''
			: (this.getNodeParameter('binaryPropertyName', itemIndex) as string);
	const options = getOptions(this, itemIndex);
	const textFieldName = (options.textFieldName as string) || 'text';

	const record = await fetchRecord(this, connection, {
		storeId,
		key,
		outputFormat,
		itemIndex,
		retry: getRetryPolicy(this, options, DEFAULT_TIMEOUT_SECONDS, itemIndex),
	});
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

export interface RecordRequest {
	storeId: string;
	key: string;
	outputFormat: ValueKind | 'auto';
	itemIndex: number;
	retry: RetryPolicy;
}

/** A record's value: a file in n8n's binary data for binary records, its text otherwise (JSON unparsed). */
export type FetchedRecord = { contentType: string; size: number } & (
	| { kind: 'binary'; binary: IBinaryData }
	| { kind: 'text' | 'json'; text: string }
);

/** Gets one record, streaming a file into n8n's binary data; shared with the trigger. */
export async function fetchRecord(
	ctx: IExecuteFunctions | IPollFunctions,
	connection: ApifyConnection,
	{ storeId, key, outputFormat, itemIndex, retry }: RecordRequest,
): Promise<FetchedRecord> {
	return await requestStream(
		ctx,
		connection,
		{
			path: storePath(storeId, 'records', encodeURIComponent(key)),
			// Without it the API may rewrite HTML records.
			qs: { attachment: 'true' },
			subject: { storeId, key },
			itemIndex,
			retry,
		},
		async ({ body, headers, bytesRead }): Promise<FetchedRecord> => {
			const contentType = headers['content-type'] ?? 'application/octet-stream';
			const kind = outputFormat === 'auto' ? kindOfContentType(contentType) : outputFormat;
			if (kind === 'binary') {
				const binary = await ctx.helpers.prepareBinaryData(body, fileNameFor(key, contentType), contentType);
				return { kind, contentType, size: bytesRead(), binary };
			}
			const bytes = await readBody(body);
			return { kind, contentType, size: bytes.length, text: new TextDecoder(charsetOf(contentType)).decode(bytes) };
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
		throw new NodeOperationError(ctx.getNode(), `Record "${key}" is not valid JSON (${(error as Error).message})`, {
			description: `Its content type is ${contentType}. Set Output to Text or File (Binary) to read it as it is.`,
			itemIndex,
		});
	}
	if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as IDataObject;
	return { key, contentType, size, value: value as IDataObject };
}
