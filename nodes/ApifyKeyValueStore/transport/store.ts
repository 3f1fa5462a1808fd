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
	/** Query parameters every request to the store carries: the status and origin of an Actor's last run. */
	qs: Record<string, string>;
	/** The fields output items use to say which store it was: `storeId`, or `runId`, or `actorId` or `actorTaskId` and `runStatus` (and `runOrigin` when one is asked for). */
	source: IDataObject;
	/** For a request's error messages. */
	subject: { storeId?: string; storeName?: string };
	/** A base for file names, such as the ZIP of the store. */
	fileBaseName: string;
}

/** A store by its ID or `username~store-name`. */
export function storeById(storeId: string): StoreRef {
	return {
		basePath: `/v2/key-value-stores/${pathSegment(storeId)}`,
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
		basePath: `/v2/actor-runs/${pathSegment(runId)}/key-value-store`,
		isAlias: true,
		qs: {},
		source: { runId },
		subject: { storeName: `the default store of run "${runId}"` },
		fileBaseName: `run-${runId}`,
	};
}

/**
 * The default store of the last run of an Actor or an Actor task, through the last-run alias;
 * `runStatus` empty takes the newest run whatever its status, `runOrigin` empty however it was started.
 */
export function storeOfLastRun(
	owner: { actorId: string } | { actorTaskId: string },
	{ runStatus, runOrigin = '' }: { runStatus: string; runOrigin?: string },
): StoreRef {
	const ofTask = 'actorTaskId' in owner;
	const id = ofTask ? owner.actorTaskId : owner.actorId;
	const which =
		(runStatus ? `last ${runStatus.toLowerCase()} run` : 'last run') +
		(runOrigin ? ` of origin ${runOrigin}` : '');
	return {
		basePath: `/v2/${ofTask ? 'actor-tasks' : 'actors'}/${pathSegment(id)}/runs/last/key-value-store`,
		isAlias: true,
		qs: {
			...(runStatus ? { status: runStatus } : {}),
			...(runOrigin ? { origin: runOrigin } : {}),
		},
		// runOrigin only when asked for, so that items of workflows made before it stay the same.
		source: { ...owner, runStatus: runStatus || 'any', ...(runOrigin ? { runOrigin } : {}) },
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

/** An endpoint of the store, e.g. `storeEndpoint(store, 'keys')`. */
export function storeEndpoint(store: StoreRef, ...rest: string[]): string {
	return [store.basePath, ...rest].join('/');
}

/** `/v2/key-value-stores/{store}` with the identifier encoded as one path segment. */
export function storePath(storeId: string, ...rest: string[]): string {
	return storeEndpoint(storeById(storeId), ...rest);
}

/**
 * Whether a URL path can carry the value as a segment. `.` and `..` it cannot: URL parsing resolves
 * them away, percent-encoded or not, so `records/..` would ask for the store itself and `records/.`
 * for its ZIP. Apify's key pattern allows both, so a listing can name them.
 */
export function isPathSafe(value: string): boolean {
	return value !== '.' && value !== '..';
}

/** The value, encoded, as one segment of an API path; `.` and `..` are refused (see isPathSafe). */
export function pathSegment(value: string): string {
	if (!isPathSafe(value)) {
		throw new Error(
			`"${value}" cannot be asked for by URL: a URL path resolves it away. Read such a record with Record → Download All.`,
		);
	}
	return encodeURIComponent(value);
}

/** A record's endpoint, e.g. `/v2/key-value-stores/{id}/records/{key}`. */
export function recordEndpoint(store: StoreRef, key: string): string {
	return storeEndpoint(store, 'records', pathSegment(key));
}
