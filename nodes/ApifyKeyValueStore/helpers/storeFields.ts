import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

/**
 * The Store parameter of the node's operations and of the trigger: a store picked, typed or pasted as a
 * URL, or the default store of an Actor run, an Actor's last run or an Actor task's last run.
 * `readStore` in ./parameters reads it.
 */
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

/** Apify's `RunOrigin` values (its OpenAPI), sent as `origin`; empty for any. */
export const RUN_ORIGIN_OPTIONS: INodePropertyOptions[] = [
	{ name: 'Actor', value: 'ACTOR', description: 'Runs another Actor started' },
	{ name: 'Any', value: '', description: 'Runs started in any way' },
	{ name: 'API', value: 'API', description: 'Runs started through the API' },
	{ name: 'CI', value: 'CI', description: 'Runs started by continuous integration' },
	{ name: 'CLI', value: 'CLI', description: 'Runs started with the Apify CLI' },
	{ name: 'Development', value: 'DEVELOPMENT', description: 'Runs started while developing' },
	{ name: 'MCP', value: 'MCP', description: "Runs started through Apify's MCP server" },
	{ name: 'Scheduler', value: 'SCHEDULER', description: 'Runs a schedule started' },
	{ name: 'Standby', value: 'STANDBY', description: 'Runs of an Actor in Standby mode' },
	{ name: 'Test', value: 'TEST', description: 'Test runs' },
	{ name: 'Web', value: 'WEB', description: 'Runs started in Apify Console' },
	{ name: 'Webhook', value: 'WEBHOOK', description: 'Runs a webhook started' },
];

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
	{
		displayName: 'Run Origin',
		name: 'runOrigin',
		type: 'options',
		options: RUN_ORIGIN_OPTIONS,
		default: '',
		description: 'Take the newest run started this way, e.g. by a schedule',
		displayOptions: { show: { storeSource: ['lastRun', 'lastTaskRun'] } },
	},
];
