import {
	NodeConnectionTypes,
	type IDataObject,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IPollFunctions,
} from 'n8n-workflow';

import { pollParameters, readStore } from '../ApifyKeyValueStore/parameters';
import { storeFields } from '../ApifyKeyValueStore/helpers/storeFields';
import { listSearch } from '../ApifyKeyValueStore/methods';
import { getConnection } from '../ApifyKeyValueStore/transport';
import { pollStore, type ChangeKind } from './poll';

const ALL_EVENTS: ChangeKind[] = ['added', 'changed', 'deleted'];

/** What watching means for each field of Store Of; the others keep the operations' descriptions. */
const WATCH_DESCRIPTIONS: Record<string, string> = {
	storeId: 'The key-value store to watch',
	actorId:
		"The Actor: its ID, or username/actor-name. When a newer run becomes the last one, the trigger compares its store with the previous run's: records only the new store has fire as added, records it lacks as deleted.",
};

const watchedStoreFields = storeFields.map((field) => ({
	...field,
	description: WATCH_DESCRIPTIONS[field.name] ?? field.description,
}));

export class ApifyKeyValueStoreTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Apify Key-Value Store Trigger',
		name: 'apifyKeyValueStoreTrigger',
		icon: { light: 'file:apify.svg', dark: 'file:apify.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"Records " + $parameter["events"].join(", ")}}',
		description:
			'Starts the workflow when records of an Apify key-value store are added, changed or deleted',
		defaults: { name: 'Apify Key-Value Store Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'apifyKeyValueStoreApi', required: true }],
		properties: [
			...watchedStoreFields,
			{
				displayName: 'Key Prefix',
				name: 'prefix',
				type: 'string',
				default: '',
				placeholder: 'img-',
				description:
					'Watch only the records whose keys start with this; empty watches every record',
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				options: [
					{ name: 'Record Added', value: 'added' },
					{ name: 'Record Changed', value: 'changed' },
					{ name: 'Record Deleted', value: 'deleted' },
				],
				default: ['added', 'changed', 'deleted'],
				required: true,
			},
			{
				displayName: 'Include Record Value',
				name: 'includeValue',
				type: 'boolean',
				default: false,
				description:
					'Whether to get each added or changed record: JSON into "value", text into "text", anything else as a file in "data"',
			},
			{
				displayName: 'Detect Same-Size Edits',
				name: 'checkEtags',
				type: 'boolean',
				default: false,
				description:
					"Whether to also notice edits that keep a record's size. The trigger asks for each record's ETag (one light request per record and poll); where the API sends none, it downloads each record of up to 8 MiB on every poll and compares its content, which costs that traffic. Without it, changes are told by size.",
			},
		],
	};

	methods = { listSearch };

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const store = readStore(pollParameters(this));
		const events = this.getNodeParameter('events', ALL_EVENTS) as ChangeKind[];
		const items = await pollStore(this, await getConnection(this), {
			store,
			prefix: (this.getNodeParameter('prefix', '') as string) || undefined,
			events: new Set(events),
			includeValue: this.getNodeParameter('includeValue', false) as boolean,
			checkEtags: this.getNodeParameter('checkEtags', false) as boolean,
			state: this.getWorkflowStaticData('node') as IDataObject,
			manual: this.getMode() === 'manual',
		});
		return items.length ? [items] : null;
	}
}
