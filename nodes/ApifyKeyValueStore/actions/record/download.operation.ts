import pMap from 'p-map';
import {
	NodeOperationError,
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import {
	contentTypeFromName,
	fileNameFor,
	kindOfContentType,
	safeFileName,
} from '../../helpers/contentType';
import { prepareBinary } from '../../helpers/binaryData';
import { getOptions, getRecordFilter, getStore } from '../../helpers/parameters';
import { detectContentType, TEXT_CONTENT_TYPE } from '../../helpers/sniff';
import { storeFields } from '../../helpers/storeFields';
import { readBody } from '../../helpers/streams';
import { validateWholeNumber } from '../../helpers/validation';
import { readZipEntries, totalSizeExceeded } from '../../helpers/zip';
import { type ApifyRequest, DEFAULT_TIMEOUT_SECONDS, requestStream } from '../../transport';
import { storeEndpoint } from '../../transport/store';
import { binaryPropertyField, optionsCollection, recordFilterFields } from '../common.descriptions';
import type { OperationContext, OperationSettings } from '../node.type';

export const settings: OperationSettings = {
	defaultTimeoutSeconds: DEFAULT_TIMEOUT_SECONDS.records,
};
const DEFAULT_MAX_RECORDS = 10_000;
const DEFAULT_MAX_TOTAL_MB = 256;
const MB = 1024 * 1024;
/** Records unpacked and stored at once; n8n's file-system calls run on four threads by default. */
const CONCURRENT_RECORDS = 8;

const properties: INodeProperties[] = [
	...storeFields,
	...recordFilterFields,
	{
		displayName: 'Output',
		name: 'outputMode',
		type: 'options',
		options: [
			{
				name: 'One ZIP File',
				value: 'zip',
				description: 'The records as one ZIP archive, streamed to a file',
			},
			{
				name: 'One Item per Record',
				value: 'records',
				description: 'Each record as an item with its file',
			},
		],
		default: 'zip',
	},
	binaryPropertyField,
	optionsCollection(settings.defaultTimeoutSeconds, [
		{
			displayName: 'Parse JSON Records',
			name: 'parseJson',
			type: 'boolean',
			default: false,
			description:
				'Whether to put the value of each JSON record into the field "value" of its item, besides its file',
			displayOptions: { show: { '/outputMode': ['records'] } },
		},
		{
			displayName: 'Max Records',
			name: 'maxRecords',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: DEFAULT_MAX_RECORDS,
			description: 'Stop with an error rather than output more records than this',
			displayOptions: { show: { '/outputMode': ['records'] } },
		},
		{
			displayName: 'Max Total Size (MB)',
			name: 'maxTotalMegabytes',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: DEFAULT_MAX_TOTAL_MB,
			description:
				'Stop with an error rather than unpack more than this many megabytes; protects a small n8n instance',
			displayOptions: { show: { '/outputMode': ['records'] } },
		},
	]),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['record'], operation: ['download'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ connection, retry }: OperationContext,
): Promise<INodeExecutionData[]> {
	const store = getStore(this, itemIndex);
	const filter = getRecordFilter(this, itemIndex);
	const outputMode = this.getNodeParameter('outputMode', itemIndex) as 'zip' | 'records';
	const binaryPropertyName = this.getNodeParameter('binaryPropertyName', itemIndex) as string;
	const options = getOptions(this, itemIndex);
	const request: ApifyRequest = {
		path: storeEndpoint(store, 'records'),
		qs: { ...store.qs, prefix: filter.prefix, collection: filter.collection },
		subject: store.subject,
		itemIndex,
		retry,
	};

	if (outputMode === 'zip') {
		const fileName = `${safeFileName(store.fileBaseName)}.zip`;
		const { binary, size } = await requestStream(
			this,
			connection,
			request,
			async ({ body, bytesRead }) => ({
				binary: await prepareBinary(this, body, fileName, 'application/zip', {
					what: 'The ZIP archive of the store',
					smaller:
						'download part of the store: a Prefix or a Collection, or One Item per Record (each record a file of its own)',
					itemIndex,
				}),
				size: bytesRead(),
			}),
		);
		return [
			{
				json: { ...store.source, ...filter, fileName: binary.fileName, size },
				binary: { [binaryPropertyName]: binary },
				pairedItem: { item: itemIndex },
			},
		];
	}

	const node = this.getNode();
	const maxRecords = validateWholeNumber(
		node,
		'Max Records',
		options.maxRecords ?? DEFAULT_MAX_RECORDS,
		itemIndex,
	);
	const maxTotalBytes =
		validateWholeNumber(
			node,
			'Max Total Size (MB)',
			options.maxTotalMegabytes ?? DEFAULT_MAX_TOTAL_MB,
			itemIndex,
		) * MB;
	const archive = await requestStream(
		this,
		connection,
		request,
		async ({ body }) =>
			// An archive is never larger than what it unpacks to, by more than its headers.
			await readBody(body, {
				bytes: maxTotalBytes + MB,
				exceeded: () =>
					totalSizeExceeded(node, 'The ZIP archive of the store is', maxTotalBytes, itemIndex),
			}),
	);

	const entries = await readZipEntries(
		archive,
		{ maxEntries: maxRecords, maxTotalBytes },
		node,
		itemIndex,
	);
	// Several records at once: storing a file is a few file-system calls, each a wait the others can fill.
	// Items are returned, in archive order, only once every record unpacked: a damaged archive outputs nothing.
	return await pMap(
		entries,
		async (entry): Promise<INodeExecutionData> => {
			const bytes = await entry.read();
			let contentType = await detectContentType(entry.name, bytes);
			let value: unknown;
			if (options.parseJson === true && kindOfContentType(contentType) === 'json') {
				const parsed = parseJson(bytes);
				if ('value' in parsed) value = parsed.value;
				// Only its shape said JSON, and parsing says otherwise: it is text.
				else if (!contentTypeFromName(entry.name)) contentType = TEXT_CONTENT_TYPE;
				else {
					throw new NodeOperationError(
						node,
						`Record "${entry.name}" is not valid JSON (${parsed.error})`,
						{
							description:
								'Turn off Parse JSON Records to get it as a file only, or fix the record in the store.',
							itemIndex,
						},
					);
				}
			}
			const binary = await prepareBinary(
				this,
				bytes,
				fileNameFor(entry.name, contentType),
				contentType,
				{ what: `Record "${entry.name}"`, itemIndex },
			);
			const json: IDataObject = {
				key: entry.name,
				size: bytes.length,
				contentType,
				fileName: binary.fileName,
			};
			if (value !== undefined) json.value = value as IDataObject;
			return { json, binary: { [binaryPropertyName]: binary }, pairedItem: { item: itemIndex } };
		},
		{ concurrency: CONCURRENT_RECORDS },
	);
}

function parseJson(bytes: Buffer): { value: unknown } | { error: string } {
	try {
		return { value: JSON.parse(bytes.toString('utf8')) as unknown };
	} catch (error) {
		return { error: (error as Error).message };
	}
}
