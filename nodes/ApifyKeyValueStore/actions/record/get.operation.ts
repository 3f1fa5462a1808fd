import {
	NodeOperationError,
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import type { ValueKind } from '../../helpers/contentType';
import { parseJson } from '../../helpers/json';
import { getOptions, getRecordKey, getStore } from '../../parameters';
import { storeFields } from '../../helpers/storeFields';
import { boundText, TOOL_TEXT_LIMIT } from '../../helpers/tool';
import { validateStoreName } from '../../helpers/validation';
import { DEFAULT_TIMEOUT_SECONDS, type ApifyConnection } from '../../transport';
import {
	apifyStoreMemory,
	inRecordTurn,
	isUnchanged,
	seenRecord,
	workflowMemory,
	type ChangeMemory,
} from '../../transport/changeMemory';
import { fetchRecord, MAX_RECORD_IN_MEMORY_BYTES, previewRecord } from '../../transport/records';
import { recordLink } from '../../transport/signing';
import { binaryPropertyField, optionsCollection, recordKeyLocator } from '../common.descriptions';
import type { OperationContext, OperationSettings } from '../node.type';

/** The store Only If Changed remembers in when told to use one and not named otherwise. */
const DEFAULT_MEMORY_STORE = 'n8n-only-if-changed';

export const settings: OperationSettings = {
	defaultTimeoutSeconds: DEFAULT_TIMEOUT_SECONDS.records,
};

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
	optionsCollection(settings.defaultTimeoutSeconds, [
		{
			displayName: 'Only If Changed',
			name: 'onlyChanged',
			type: 'boolean',
			default: false,
			description:
				'Whether to output the record only when it changed since this node last output it (per store and key); otherwise the item outputs nothing. Uses the ETag the API sends, and a hash of the content where it sends none.',
		},
		{
			displayName: 'Remember Changes In',
			name: 'changeMemory',
			type: 'options',
			displayOptions: { show: { onlyChanged: [true] } },
			options: [
				{
					name: 'Workflow Static Data',
					value: 'workflow',
					description:
						"Kept by n8n with the workflow. Not in queue mode: n8n's workers start without it.",
				},
				{
					name: 'Apify Store (for Queue Mode)',
					value: 'apifyStore',
					description:
						'A named store in your Apify account that every n8n process reads. Needs an API token that may write.',
				},
			],
			default: 'workflow',
			description: 'Where the node keeps what it output, to tell a change next time',
		},
		{
			displayName: 'Memory Store Name',
			name: 'memoryStoreName',
			type: 'string',
			default: DEFAULT_MEMORY_STORE,
			displayOptions: { show: { onlyChanged: [true], changeMemory: ['apifyStore'] } },
			description:
				'The store that keeps what the node output, one small record per watched record; made on first use',
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
	{ connection, retry }: OperationContext,
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

	const memory =
		options.onlyChanged === true ? changeMemory(this, connection, options, itemIndex) : undefined;
	const watched = { store, key, itemIndex, retry };
	const outputRecord = async (): Promise<INodeExecutionData[]> => {
		const last = await memory?.recall(watched);
		const record = await fetchRecord(this, connection, {
			...watched,
			outputFormat,
			ifNoneMatch: last?.etag,
			hashBody: memory !== undefined,
		});
		if (record.kind === 'notModified') return [];
		if (record.kind === 'tooLarge') {
			const limit = `${MAX_RECORD_IN_MEMORY_BYTES / 1024 / 1024} MiB`;
			throw new NodeOperationError(
				this.getNode(),
				`Record "${key}" is larger than ${limit}, too large to output as text or JSON`,
				{
					description: `JSON and text are held in memory, up to ${limit}. Set Output to "File (Binary)": a file is streamed into n8n's binary data, whatever its size.`,
					itemIndex,
				},
			);
		}
		const seen = memory && seenRecord(record);
		if (seen && isUnchanged(seen, last)) return [];
		const { contentType, size } = record;
		let json: IDataObject;
		if (record.kind === 'binary')
			json = { key, contentType, size, fileName: record.binary.fileName };
		else if (record.kind === 'text')
			json = { key, contentType, size, [textFieldName]: record.text };
		else json = jsonItem(this, key, contentType, size, record.text, itemIndex);
		// Only once the item is made: a record that fails to parse fails again next time.
		if (memory && seen) await memory.remember(watched, seen);
		return [
			{
				json,
				...(record.kind === 'binary' ? { binary: { [binaryPropertyName]: record.binary } } : {}),
				pairedItem: { item: itemIndex },
			},
		];
	};
	return memory ? await inRecordTurn(this, watched, outputRecord) : await outputRecord();
}

/**
 * Record → Get for an AI agent, which sees only JSON: a JSON record as `value`, a text record as
 * `text`, either cut at TOOL_TEXT_LIMIT characters and marked; a file as its type and size and a
 * signed link (`url`) that reads it without a token, never its bytes. Output and Only If Changed do
 * not apply.
 */
export async function executeAsTool(
	this: IExecuteFunctions,
	itemIndex: number,
	{ connection, retry }: OperationContext,
): Promise<INodeExecutionData[]> {
	const store = getStore(this, itemIndex);
	const key = getRecordKey(this, itemIndex);
	const address = { store, key, itemIndex, retry };
	// Four bytes per character at most: enough bytes for TOOL_TEXT_LIMIT characters of UTF-8.
	const record = await previewRecord(this, connection, address, TOOL_TEXT_LIMIT * 4);
	const { contentType, size } = record;
	const json: IDataObject = { key, ...store.source, contentType, size: size ?? null };
	if (record.kind === 'binary') {
		const link = await recordLink(this, connection, address);
		Object.assign(json, { fileName: record.fileName, url: link.url ?? null });
		json.note =
			link.url !== undefined
				? `A file (${contentType}), not returned here: fetch "url" to read it; the link needs no token and does not expire.`
				: `A file (${contentType}), not returned here, and no link to it could be made: ${link.why}`;
		return [{ json, pairedItem: { item: itemIndex } }];
	}
	const parsed = record.kind === 'json' && record.complete ? parseJson(record.text) : undefined;
	if (parsed && 'value' in parsed && JSON.stringify(parsed.value).length <= TOOL_TEXT_LIMIT) {
		json.value = parsed.value as IDataObject;
	} else {
		const bounded = boundText(record.text, record.complete, TOOL_TEXT_LIMIT, size);
		json.text = bounded.text;
		if (bounded.truncated) {
			json.truncated = true;
			const link = await recordLink(this, connection, address);
			if (link.url) json.url = link.url;
		}
	}
	return [{ json, pairedItem: { item: itemIndex } }];
}

/** Where Only If Changed remembers, as its options say; an Apify store needs a token that may write. */
function changeMemory(
	ctx: IExecuteFunctions,
	connection: ApifyConnection,
	options: IDataObject,
	itemIndex: number,
): ChangeMemory {
	if (options.changeMemory !== 'apifyStore') return workflowMemory(ctx);
	const storeName = validateStoreName(
		ctx.getNode(),
		options.memoryStoreName ?? DEFAULT_MEMORY_STORE,
		itemIndex,
		'Memory Store Name',
	);
	if (connection.authType !== 'apiToken') {
		throw new NodeOperationError(
			ctx.getNode(),
			'Only If Changed with Remember Changes In set to Apify Store needs an API token, not a URL signature',
			{
				description:
					'The node writes what it output to the memory store, which a URL signature cannot. Use an "Apify Key-Value Store API" credential with Authentication set to API Token, or set Remember Changes In to Workflow Static Data.',
				itemIndex,
			},
		);
	}
	return apifyStoreMemory(ctx, connection, storeName);
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
	const parsed = parseJson(text);
	if ('error' in parsed) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Record "${key}" is not valid JSON (${parsed.error})`,
			{
				description: `Its content type is ${contentType}. Set Output to Text or File (Binary) to read it as it is.`,
				itemIndex,
			},
		);
	}
	const { value } = parsed;
	if (value !== null && typeof value === 'object' && !Array.isArray(value))
		return value as IDataObject;
	return { key, contentType, size, value: value as IDataObject };
}
