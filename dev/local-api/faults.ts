/**
 * Fault injection for retry tests. Faults are consumed in the order they were added: each
 * incoming request takes the first pending fault that matches it.
 */
import type { HostileBehaviour } from './hostile';
import { ApiError } from './replies';

export type ServerKind = 'api' | 'storage';

export interface FaultMatch {
	/** Either server when omitted. */
	server?: ServerKind;
	/** Case-insensitive; any method when omitted. */
	method?: string;
	/** Compared with the raw (still percent-encoded) request path, without the query. */
	path?: string | RegExp;
	/** Affect only every n-th matching request (the n-th, 2n-th, …); every one when omitted. */
	everyNth?: number;
}

export type FaultBehaviour =
	/** Answer with this status and an Apify error body instead of the real response. */
	| {
			kind: 'status';
			status: number;
			errorType?: string;
			message?: string;
			/** Seconds, sent as Retry-After. */ retryAfter?: number;
	  }
	/** Reset the connection before sending anything. */
	| { kind: 'reset' }
	/** Carry the request out, then reset the connection instead of answering: the answer is lost. */
	| { kind: 'lose-answer' }
	/** Send the real headers and the first `afterBytes` of the body (default: half), then close the socket. */
	| { kind: 'reset-mid-body'; afterBytes?: number }
	/** Wait `delayMs` before the first byte and/or `chunkDelayMs` between body chunks of `chunkSize` bytes. */
	| { kind: 'slow'; delayMs?: number; chunkDelayMs?: number; chunkSize?: number }
	/** Answer 200 with these bytes instead of the real body, e.g. a damaged or crafted archive. */
	| { kind: 'body'; body: Buffer; contentType: string }
	/** Answers of a hostile or broken server: see `hostile.ts`. */
	| HostileBehaviour;

export type FaultSpec = FaultMatch &
	FaultBehaviour & { /** Requests to affect; default 1, may be Infinity. */ times?: number };

export interface Fault {
	readonly spec: FaultSpec;
	/** Requests this fault has affected so far. */
	readonly hits: number;
	readonly remaining: number;
}

class ActiveFault implements Fault {
	hits = 0;

	/** Matching requests seen, for `everyNth`. */
	seen = 0;

	constructor(readonly spec: FaultSpec) {}

	get remaining(): number {
		return (this.spec.times ?? 1) - this.hits;
	}

	matches(server: ServerKind, method: string, path: string): boolean {
		const { spec } = this;
		if (spec.server && spec.server !== server) return false;
		if (spec.method && spec.method.toUpperCase() !== method.toUpperCase()) return false;
		if (spec.path === undefined) return true;
		return typeof spec.path === 'string' ? spec.path === path : spec.path.test(path);
	}
}

export class FaultQueue {
	private pendingFaults: ActiveFault[] = [];

	add(spec: FaultSpec): Fault {
		if (spec.times !== undefined && !(spec.times >= 1)) throw new Error('A fault needs times >= 1');
		const fault = new ActiveFault(spec);
		this.pendingFaults.push(fault);
		return fault;
	}

	clear(): void {
		this.pendingFaults = [];
	}

	get pending(): readonly Fault[] {
		return [...this.pendingFaults];
	}

	/** Consumes one use of the first pending fault matching the request. */
	take(server: ServerKind, method: string, path: string): FaultSpec | undefined {
		const fault = this.pendingFaults.find((candidate) => {
			if (!candidate.matches(server, method, path)) return false;
			candidate.seen += 1;
			return candidate.seen % (candidate.spec.everyNth ?? 1) === 0;
		});
		if (!fault) return undefined;
		fault.hits += 1;
		if (fault.remaining <= 0)
			this.pendingFaults = this.pendingFaults.filter((other) => other !== fault);
		return fault.spec;
	}
}

const DEFAULT_STATUS_ERRORS: Record<number, [type: string, message: string]> = {
	400: ['invalid-input', 'Invalid input: The request body contains invalid data.'],
	401: ['token-not-valid', 'Authentication token is not valid.'],
	403: ['permission-denied', 'You do not have permission to perform this action.'],
	404: ['record-not-found', 'Record was not found.'],
	429: ['rate-limit-exceeded', 'You have exceeded the rate limit. Please try again later.'],
};

/** The error a `status` fault answers with. */
export function statusFaultError(fault: Extract<FaultBehaviour, { kind: 'status' }>): ApiError {
	const [defaultType, defaultMessage] =
		DEFAULT_STATUS_ERRORS[fault.status] ??
		(fault.status >= 500
			? ['internal-server-error', 'Internal server error.']
			: ['unknown-error', 'Unknown error.']);
	const headers = fault.retryAfter === undefined ? {} : { 'Retry-After': String(fault.retryAfter) };
	return new ApiError(
		fault.status,
		fault.errorType ?? defaultType,
		fault.message ?? defaultMessage,
		headers,
	);
}
