import {
	NodeOperationError,
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { compressedUpload } from '../../helpers/compress';
import { kindOfContentType } from '../../helpers/contentType';
import { parseJson } from '../../helpers/json';
import { getRecordKey, getStoreId } from '../../parameters';
import { storeLocator } from '../../helpers/storeFields';
import { noteWrite } from '../../helpers/recentWrites';
import { countingUpload, type NodeReadable as Readable } from '../../helpers/streams';
import { validateContentType } from '../../helpers/validation';
import { DEFAULT_TIMEOUT_SECONDS, requestStatus } from '../../transport';
import { recordId } from '../../transport/records';
import { recordEndpoint, storeById } from '../../transport/store';
import { binaryPropertyField, optionsCollection, recordKeyLocator } from '../common.descriptions';
import type { OperationContext, OperationSettings } from '../node.type';

export const settings: OperationSettings = {
	defaultTimeoutSeconds: DEFAULT_TIMEOUT_SECONDS.records,
	needsToken: 'write',
};
const JSON_CONTENT_TYPE = 'application/json';
const FILE_CONTENT_TYPE = 'application/octet-stream';
const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';

type ValueSource = 'item' | 'field' | 'parameter' | 'binary';

const properties: INodeProperties[] = [
	storeLocator,
	// A new key is typed more often than picked.
	{
		...recordKeyLocator,
		default: { mode: 'id', value: '' },
		description: 'The key to store the value under; a record with this key is replaced',
	},
	{
		displayName: 'Value',
		name: 'valueSource',
		type: 'options',
		options: [
			{ name: 'Whole Item (JSON)', value: 'item', description: "The input item's JSON" },
			{
				name: 'A Field of the Item',
				value: 'field',
				description: 'One top-level field of the input item',
			},
			{
				name: 'Given Value',
				value: 'parameter',
				description:
					'JSON or text given here, e.g. by an expression, or by an AI agent through $fromAI()',
			},
			{
				name: 'File (Binary)',
				value: 'binary',
				description: 'A binary field of the input item, streamed',
			},
		],
		default: 'item',
	},
	{
		displayName: 'Value to Store',
		name: 'value',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		placeholder: '{"status": "done"}',
		description:
			'Without a Content Type, a value that is valid JSON is stored as JSON, anything else as text (text/plain)',
		displayOptions: { show: { valueSource: ['parameter'] } },
	},
	{
		displayName: 'Field Name',
		name: 'fieldName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'result',
		description: 'The top-level field of the input item whose value to store',
		displayOptions: { show: { valueSource: ['field'] } },
	},
	{
		...binaryPropertyField,
		displayName: 'Input Binary Field',
		hint: 'The name of the input binary field holding the file to store',
		displayOptions: { show: { valueSource: ['binary'] } },
	},
	{
		displayName: 'Content Type',
		name: 'contentType',
		type: 'string',
		default: '',
		placeholder: 'application/json',
		description:
			"The record's content type. A text field given a content type other than JSON is stored as it is, without quotes.",
		hint: "Empty: application/json for a JSON value, the file's MIME type for a file",
	},
	optionsCollection(settings.defaultTimeoutSeconds),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['record'], operation: ['put'] } },
	properties,
);

interface Upload {
	contentType: string;
	contentEncoding?: string;
	body: () => Buffer | Readable | Promise<Buffer | Readable>;
	/** Bytes of the value (before any compression); for a streamed file, those of the last attempt. */
	size: () => number;
}

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ connection, retry }: OperationContext,
): Promise<INodeExecutionData[]> {
	const storeId = getStoreId(this, itemIndex);
	const store = storeById(storeId);
	const key = getRecordKey(this, itemIndex);
	const valueSource = this.getNodeParameter('valueSource', itemIndex) as ValueSource;
	const contentTypeParameter = this.getNodeParameter('contentType', itemIndex, '') as string;
	const contentType =
		contentTypeParameter.trim() === ''
			? undefined
			: validateContentType(this.getNode(), contentTypeParameter, itemIndex);

	const upload =
		valueSource === 'binary'
			? await fileUpload(this, itemIndex, contentType)
			: valueSource === 'parameter'
				? await givenUpload(this, itemIndex, contentType)
				: await jsonUpload(this, itemIndex, valueSource, contentType ?? JSON_CONTENT_TYPE);
	await requestStatus(this, connection, {
		method: 'PUT',
		path: recordEndpoint(store, key),
		headers: {
			'Content-Type': upload.contentType,
			...(upload.contentEncoding ? { 'Content-Encoding': upload.contentEncoding } : {}),
		},
		body: upload.body,
		subject: { storeId, key },
		itemIndex,
		retry,
	});
	// A Get of this record in the same workflow waits for it if the API does not show it at once.
	noteWrite(recordId(connection, store, key));
	return [
		{
			json: { key, storeId, contentType: upload.contentType, size: upload.size() },
			pairedItem: { item: itemIndex },
		},
	];
}

async function jsonUpload(
	ctx: IExecuteFunctions,
	itemIndex: number,
	source: 'item' | 'field',
	contentType: string,
): Promise<Upload> {
	const item = ctx.getInputData()[itemIndex].json;
	let value: unknown = item;
	if (source === 'field') {
		const fieldName = String(ctx.getNodeParameter('fieldName', itemIndex)).trim();
		if (!Object.hasOwn(item, fieldName) || item[fieldName] === undefined) {
			throw new NodeOperationError(ctx.getNode(), `The input item has no field "${fieldName}"`, {
				description: `Its fields are: ${Object.keys(item).join(', ') || 'none'}. Set Field Name to one of them.`,
				itemIndex,
			});
		}
		value = item[fieldName];
	}
	const text =
		typeof value === 'string' && kindOfContentType(contentType) !== 'json'
			? value
			: JSON.stringify(value);
	return await bufferUpload(Buffer.from(text, 'utf8'), contentType);
}

/**
 * The Value to Store parameter: stored as it is under a Content Type given; without one, as JSON
 * when it is valid JSON and as text otherwise. JSON under a JSON content type must be valid.
 */
async function givenUpload(
	ctx: IExecuteFunctions,
	itemIndex: number,
	contentType: string | undefined,
): Promise<Upload> {
	const given = ctx.getNodeParameter('value', itemIndex, '') as unknown;
	// An expression may give an object or a number rather than text.
	if (typeof given !== 'string')
		return await bufferUpload(
			Buffer.from(JSON.stringify(given ?? null), 'utf8'),
			contentType ?? JSON_CONTENT_TYPE,
		);
	const isJson = 'value' in parseJson(given);
	const type = contentType ?? (isJson ? JSON_CONTENT_TYPE : TEXT_CONTENT_TYPE);
	if (kindOfContentType(type) === 'json' && !isJson) {
		throw new NodeOperationError(ctx.getNode(), 'The Value to Store is not valid JSON', {
			description: `Its content type is ${type}. Give valid JSON (text in double quotes), or set Content Type to text/plain.`,
			itemIndex,
		});
	}
	return await bufferUpload(Buffer.from(given, 'utf8'), type);
}

async function bufferUpload(bytes: Buffer, contentType: string): Promise<Upload> {
	const { bytes: body, contentEncoding } = await compressedUpload(bytes, contentType);
	return { contentType, contentEncoding, body: () => body, size: () => bytes.length };
}

/** A file in n8n's binary storage is streamed from it, afresh for every attempt; one held in the item is sent as it is. */
async function fileUpload(
	ctx: IExecuteFunctions,
	itemIndex: number,
	contentType: string | undefined,
): Promise<Upload> {
	const propertyName = ctx.getNodeParameter('binaryPropertyName', itemIndex) as string;
	const binary = ctx.helpers.assertBinaryData(itemIndex, propertyName);
	const type = contentType ?? (binary.mimeType || FILE_CONTENT_TYPE);
	const binaryId = binary.id;
	if (!binaryId) {
		return await bufferUpload(await ctx.helpers.getBinaryDataBuffer(itemIndex, propertyName), type);
	}
	let sent = 0;
	return {
		contentType: type,
		body: async () => {
			sent = 0;
			return countingUpload(
				await ctx.helpers.getBinaryStream(binaryId),
				(bytes) => (sent += bytes),
			);
		},
		size: () => sent,
	};
}
