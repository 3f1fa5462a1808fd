/**
 * The documented operations the node and the trigger can send, by what sends them: the coverage
 * report (scripts/contract-coverage.ts) names those no suite sent. Kept beside the node's paths
 * (nodes/ApifyKeyValueStore/transport/store.ts and the operations); a test checks each ID is in the spec.
 */

/** The store endpoints every Store Of reaches: a store by ID, a run, an Actor's or a task's last run. */
const STORE_OF_FAMILIES = [
	'keyValueStore',
	'actorRun_keyValueStore',
	'actor_runs_last_keyValueStore',
	'actorTask_runs_last_keyValueStore',
] as const;

export const NODE_OPERATIONS: Readonly<Record<string, string>> = {
	users_me_get: 'the credential test (API token)',
	keyValueStores_get: 'Store → List, the store picker',
	keyValueStores_post: 'Store → Get or Create, the change memory store',
	keyValueStore_delete: 'Store → Delete',
	keyValueStore_record_head: 'Record → Exists, the trigger with same-size edit detection',
	keyValueStore_record_put: 'Record → Put, Only If Changed (its memory)',
	keyValueStore_record_delete: 'Record → Delete',
	...Object.fromEntries(
		STORE_OF_FAMILIES.flatMap((family) => [
			[`${family}_get`, 'Store → Get, the store a run alias names, signing keys'],
			[`${family}_keys_get`, 'Key → List, the key picker, the trigger, Download All per record'],
			[`${family}_records_get`, 'Record → Download All'],
			[`${family}_record_get`, 'Record → Get'],
		]),
	),
};
