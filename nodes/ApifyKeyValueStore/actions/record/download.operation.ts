import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { safeFileName } from '../../helpers/contentType';
import { prepareBinary } from '../../helpers/binaryData';
import { getOptions, getRecordFilter, getStore } from '../../parameters';
import { storeFields } from '../../helpers/storeFields';
import { validateWholeNumber } from '../../helpers/validation';
import { unpackRecords } from '../../helpers/unpackRecords';
import { type ApifyRequest, DEFAULT_TIMEOUT_SECONDS, requestStream } from '../../transport';
import { storeEndpoint } from '../../transport/store';
import { binaryPropertyField, optionsCollection, recordFilterFields } from '../common.descriptions';
import type { OperationContext, OperationSettings } from '../node.type';

export const settings: OperationSettings = {
	defaultTimeoutSeconds: DEFAULT_TIMEOUT_SECONDS.records,
};
const DEFAULT_MAX_RECORDS = 10_000;
/** What a small n8n instance's disk takes in stride, and a run of a few minutes. */
const DEFAULT_MAX_TOTAL_MB = 4096;
const MB = 1024 * 1024;

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
			description:
				'Stop with an error, outputting nothing, rather than output more records than this',
			displayOptions: { show: { '/outputMode': ['records'] } },
		},
		{
			displayName: 'Max Total Size (MB)',
			name: 'maxTotalMegabytes',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: DEFAULT_MAX_TOTAL_MB,
			description:
				"Stop with an error, outputting nothing, rather than unpack more than this many megabytes. Records are unpacked as they download and stored in n8n's binary data one by one, so this protects the disk (or database) that holds them and bounds the run's time, not memory.",
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
	return await requestStream(
		this,
		connection,
		{ ...request, readInCode: true },
		async ({ body }) =>
			await unpackRecords(this, body, {
				limits: { maxEntries: maxRecords, maxTotalBytes },
				parseJson: options.parseJson === true,
				binaryPropertyName,
				itemIndex,
			}),
	);
}
