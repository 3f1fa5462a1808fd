/**
 * Actors and their runs, as far as the key-value store API needs them: each run has a default
 * store, reachable as `/v2/actor-runs/{runId}/key-value-store` and, for the latest run of an
 * Actor, `/v2/actors/{actorId}/runs/last/key-value-store`.
 */
import { findUserById } from './accounts';
import { APIFY_ID_REGEX, type StoreRegistry } from './store-data';

/** `ACTOR_JOB_STATUSES` of Apify. */
export const RUN_STATUSES = [
	'READY',
	'RUNNING',
	'SUCCEEDED',
	'FAILED',
	'TIMING-OUT',
	'TIMED-OUT',
	'ABORTING',
	'ABORTED',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** How a run was started: `RunOrigin` of Apify's OpenAPI (`meta.origin` of a run). */
export const RUN_ORIGINS = [
	'DEVELOPMENT',
	'WEB',
	'API',
	'SCHEDULER',
	'TEST',
	'WEBHOOK',
	'ACTOR',
	'CLI',
	'CI',
	'STANDBY',
	'MCP',
] as const;
export type RunOrigin = (typeof RUN_ORIGINS)[number];

/** Apify's rule for Actor names. */
const ACTOR_NAME_REGEX = /^[a-z0-9-]{3,63}$/;

export interface LocalActor {
	readonly id: string;
	readonly name: string;
	readonly userId: string;
}

export interface NewActor {
	id: string;
	name: string;
	/** Owner; must be a user of accounts.ts. */
	userId: string;
}

/** A saved configuration of an Actor, owned by a user; its runs are runs of the Actor. */
export interface LocalTask {
	readonly id: string;
	readonly name: string;
	readonly actId: string;
	readonly userId: string;
}

export interface NewTask {
	id: string;
	name: string;
	actId: string;
	/** Owner; must be a user of accounts.ts. */
	userId: string;
}

export interface LocalRun {
	readonly id: string;
	readonly actId: string;
	/** The task that started the run, if one did. */
	readonly actorTaskId?: string;
	readonly userId: string;
	readonly status: RunStatus;
	/** How the run was started. */
	readonly origin: RunOrigin;
	readonly startedAt: Date;
	/** Undefined while the run is not finished. */
	readonly finishedAt?: Date;
	readonly defaultKeyValueStoreId: string;
}

/**
 * The run's owner is the Actor's; its default store must already exist and belong to that user.
 * `origin` defaults to API.
 */
export type NewRun = Omit<LocalRun, 'userId' | 'origin'> & { origin?: RunOrigin };

export class RunRegistry {
	private readonly actors = new Map<string, LocalActor>();
	private readonly runs = new Map<string, LocalRun>();
	private readonly tasks = new Map<string, LocalTask>();

	constructor(private readonly stores: StoreRegistry) {}

	addActor(input: NewActor): LocalActor {
		if (!APIFY_ID_REGEX.test(input.id))
			throw new Error(`Actor id must be 17 alphanumeric characters: ${input.id}`);
		if (this.actors.has(input.id)) throw new Error(`Actor ${input.id} already exists`);
		if (!ACTOR_NAME_REGEX.test(input.name)) throw new Error(`Invalid Actor name: ${input.name}`);
		if (!findUserById(input.userId)) throw new Error(`Unknown user ${input.userId}`);
		if (this.actorByName(input.userId, input.name))
			throw new Error(`Actor name ${input.name} is taken`);
		const actor = { ...input };
		this.actors.set(actor.id, actor);
		return actor;
	}

	addTask(input: NewTask): LocalTask {
		if (!APIFY_ID_REGEX.test(input.id))
			throw new Error(`Task id must be 17 alphanumeric characters: ${input.id}`);
		if (this.tasks.has(input.id)) throw new Error(`Task ${input.id} already exists`);
		if (!ACTOR_NAME_REGEX.test(input.name)) throw new Error(`Invalid task name: ${input.name}`);
		if (!this.actors.has(input.actId)) throw new Error(`Unknown Actor ${input.actId}`);
		if (!findUserById(input.userId)) throw new Error(`Unknown user ${input.userId}`);
		if (this.taskByName(input.userId, input.name))
			throw new Error(`Task name ${input.name} is taken`);
		const task = { ...input };
		this.tasks.set(task.id, task);
		return task;
	}

	addRun(input: NewRun): LocalRun {
		if (!APIFY_ID_REGEX.test(input.id))
			throw new Error(`Run id must be 17 alphanumeric characters: ${input.id}`);
		if (this.runs.has(input.id)) throw new Error(`Run ${input.id} already exists`);
		const actor = this.actors.get(input.actId);
		if (!actor) throw new Error(`Unknown Actor ${input.actId}`);
		if (this.stores.byId(input.defaultKeyValueStoreId)?.userId !== actor.userId) {
			throw new Error(
				`The default store ${input.defaultKeyValueStoreId} must exist and belong to the Actor's owner`,
			);
		}
		if (input.actorTaskId !== undefined && this.tasks.get(input.actorTaskId)?.actId !== actor.id) {
			throw new Error(
				`The task ${input.actorTaskId} must exist and be a task of Actor ${actor.id}`,
			);
		}
		const run = { ...input, origin: input.origin ?? 'API', userId: actor.userId };
		this.runs.set(run.id, run);
		return run;
	}

	actorById(id: string): LocalActor | undefined {
		return this.actors.get(id);
	}

	actorByName(userId: string, name: string): LocalActor | undefined {
		return [...this.actors.values()].find(
			(actor) => actor.userId === userId && actor.name === name,
		);
	}

	taskById(id: string): LocalTask | undefined {
		return this.tasks.get(id);
	}

	taskByName(userId: string, name: string): LocalTask | undefined {
		return [...this.tasks.values()].find((task) => task.userId === userId && task.name === name);
	}

	runById(id: string): LocalRun | undefined {
		return this.runs.get(id);
	}

	/**
	 * The most recently started run of an Actor (any run of it) or of a task (runs that task started),
	 * of the given status and origin if they are given.
	 */
	lastRun(
		of: { actId: string } | { actorTaskId: string },
		filter: { status?: RunStatus; origin?: RunOrigin } = {},
	): LocalRun | undefined {
		const { status, origin } = filter;
		let last: LocalRun | undefined;
		for (const run of this.runs.values()) {
			const mine = 'actId' in of ? run.actId === of.actId : run.actorTaskId === of.actorTaskId;
			if (!mine || (status !== undefined && run.status !== status)) continue;
			if (origin !== undefined && run.origin !== origin) continue;
			if (!last || run.startedAt > last.startedAt) last = run;
		}
		return last;
	}

	/** The run whose default store this is, for the store's `actId` and `actRunId`. */
	runOfDefaultStore(storeId: string): LocalRun | undefined {
		return [...this.runs.values()].find((run) => run.defaultKeyValueStoreId === storeId);
	}
}
