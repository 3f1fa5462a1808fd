import type { IDataObject } from 'n8n-workflow';

/** Where a store's endpoints are, and how items and messages name it. */
export interface StoreRef {
	/** `/v2/key-value-stores/{id}`, or a run alias such as `/v2/actor-runs/{runId}/key-value-store`. */
	basePath: string;
	/**
	 * Whether `basePath` is a run alias. Apify documents GET, PUT and DELETE there but not HEAD, and a
	 * last-run alias may name another store from one request to the next.
	 */
	isAlias: boolean;
	/** Query parameters every request to the store carries: the status of an Actor's last run. */
	qs: Record<string, string>;
	/** The fields output items use to say which store it was: `storeId`, or `runId`, or `actorId` or `actorTaskId` and `runStatus`. */
	source: IDataObject;
	/** For a request's error messages. */
	subject: { storeId?: string; storeName?: string };
	/** A base for file names, such as the ZIP of the store. */
	fileBaseName: string;
}

/** A store by its ID or `username~store-name`. */
export function storeById(storeId: string): StoreRef {
	return {
		basePath: `/v2/key-value-stores/${encodeURIComponent(storeId)}`,
		isAlias: false,
		qs: {},
		source: { storeId },
		subject: { storeId },
		fileBaseName: storeId.replace('~', '-') || 'store',
	};
}

/** The default store of an Actor run, through the run alias. */
export function storeOfRun(runId: string): StoreRef {
	return {
		basePath: `/v2/actor-runs/${encodeURIComponent(runId)}/key-value-store`,
		isAlias: true,
		qs: {},
		source: { runId },
		subject: { storeName: `the default store of run "${runId}"` },
		fileBaseName: `run-${runId}`,
	};
}

/**
 * The default store of the last run of an Actor or an Actor task, through the last-run alias;
 * `runStatus` empty takes the newest run whatever its status.
 */
export function storeOfLastRun(
	owner: { actorId: string } | { actorTaskId: string },
	runStatus: string,
): StoreRef {
	const ofTask = 'actorTaskId' in owner;
	const id = ofTask ? owner.actorTaskId : owner.actorId;
	const which = runStatus ? `last ${runStatus.toLowerCase()} run` : 'last run';
	return {
		basePath: `/v2/${ofTask ? 'actor-tasks' : 'acts'}/${encodeURIComponent(id)}/runs/last/key-value-store`,
		isAlias: true,
		qs: runStatus ? { status: runStatus } : {},
		source: { ...owner, runStatus: runStatus || 'any' },
		subject: {
			storeName: `the default store of the ${which} of ${ofTask ? 'Actor task' : 'Actor'} "${id}"`,
		},
		fileBaseName: `${id.replace('~', '-')}-${which.replace(/ /g, '-')}`,
	};
}

/**
 * The store an alias named, by its ID, keeping how items and messages name it: items gain its
 * `storeId` beside the run's fields.
 */
export function pinnedStore(alias: StoreRef, storeId: string): StoreRef {
	return {
		...storeById(storeId),
		source: { ...alias.source, storeId },
		subject: alias.subject,
		fileBaseName: alias.fileBaseName,
	};
}

/** An endpoint of the store, e.g. `storeEndpoint(store, 'records', encodedKey)`. */
export function storeEndpoint(store: StoreRef, ...rest: string[]): string {
	return [store.basePath, ...rest].join('/');
}

/** `/v2/key-value-stores/{store}` with the identifier encoded as one path segment. */
export function storePath(storeId: string, ...rest: string[]): string {
	return storeEndpoint(storeById(storeId), ...rest);
}
