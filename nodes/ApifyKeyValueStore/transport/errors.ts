import { NodeApiError, type INode, type JsonObject } from 'n8n-workflow';

/** What the failing request was about, so a 404 or 403 can say what is missing and what to do. */
export interface RequestSubject {
	storeId?: string;
	/** How messages name the store when it is not known by an ID, e.g. `the default store of run "abc"`. */
	storeName?: string;
	key?: string;
	authType: 'apiToken' | 'urlSignature';
	/** Whether the request changes something, so that a 403 can say the token may only read. */
	writes: boolean;
}

/**
 * The reason phrases (as Node's http module has them) of the error statuses an API or a proxy in
 * front of it answers with; 401, 403 and 404 have messages of their own. n8n Cloud allows no
 * import of node:http for its table.
 */
const REASON_PHRASES: Record<number, string> = {
	400: 'Bad Request',
	402: 'Payment Required',
	405: 'Method Not Allowed',
	406: 'Not Acceptable',
	408: 'Request Timeout',
	409: 'Conflict',
	410: 'Gone',
	411: 'Length Required',
	412: 'Precondition Failed',
	413: 'Payload Too Large',
	414: 'URI Too Long',
	415: 'Unsupported Media Type',
	416: 'Range Not Satisfiable',
	422: 'Unprocessable Entity',
	429: 'Too Many Requests',
	431: 'Request Header Fields Too Large',
	500: 'Internal Server Error',
	501: 'Not Implemented',
	502: 'Bad Gateway',
	503: 'Service Unavailable',
	504: 'Gateway Timeout',
	507: 'Insufficient Storage',
};

export interface ApifyErrorBody {
	type: string;
	message: string;
}

/**
 * Reads Apify's `{"error":{"type","message"}}`; anything else becomes a generic body. An empty body
 * (every HEAD answer, some proxies) gives an empty message: then the status has to speak for itself.
 */
export function parseApifyErrorBody(statusCode: number, text: string): ApifyErrorBody {
	try {
		const parsed = JSON.parse(text) as { error?: Partial<ApifyErrorBody> };
		if (parsed?.error && typeof parsed.error.type === 'string') {
			return { type: parsed.error.type, message: String(parsed.error.message ?? '') };
		}
	} catch {
		// Not JSON: a proxy or load balancer answered; fall through to a generic body.
	}
	return { type: `http-${statusCode}`, message: text.trim().slice(0, 300) };
}

/** How messages name the store: `store "abc"`, `the default store of run "xyz"`, or `the store`. */
export function storeLabel(subject: Pick<RequestSubject, 'storeId' | 'storeName'>): string {
	return subject.storeName ?? (subject.storeId ? `store "${subject.storeId}"` : 'the store');
}

const capitalised = (text: string): string => text[0].toUpperCase() + text.slice(1);

/** The message of an error answer without a body to show: what the status means for this request. */
function bodilessMessage(statusCode: number, subject: RequestSubject): string {
	const store = storeLabel(subject);
	const target = subject.key ? `record "${subject.key}" of ${store}` : store;
	if (statusCode === 401) {
		return subject.authType === 'urlSignature'
			? 'The API asked for an API token (HTTP 401): a URL signature does not cover this request'
			: 'The API token is not valid (HTTP 401)';
	}
	if (statusCode === 403) {
		const why =
			subject.authType === 'urlSignature'
				? 'the URL signature does not grant it'
				: subject.writes
					? 'the API token may not write to this store'
					: 'the API token has no permission for this store';
		return `Access to ${target} was refused (HTTP 403): ${why}`;
	}
	if (statusCode === 404) return `${capitalised(target)} was not found (HTTP 404)`;
	return `Apify API error ${statusCode} ${REASON_PHRASES[statusCode] ?? 'with no message'}, without details`;
}

function describe(statusCode: number, error: ApifyErrorBody, subject: RequestSubject): string {
	const store = storeLabel(subject);
	const Store = capitalised(store);
	if (statusCode === 401) {
		return subject.authType === 'urlSignature'
			? 'This request needs an API token: a URL signature only reads records, keys and ZIP downloads of its own store.'
			: 'Check the API token in the "Apify Key-Value Store API" credential (Apify Console → Settings → Integrations → API tokens).';
	}
	if (statusCode === 403) {
		if (subject.authType === 'urlSignature') {
			return `The signature does not grant this: it may have expired, be made for another store than ${store}, or be a record signature used for another key. Ask the store owner for a new link, or use an API token.`;
		}
		if (subject.writes) {
			return `The API token lacks write permission for ${store}: it may be read-only or scoped to other resources, or belong to another user. Use a token of the store's owner that may write to it (Apify Console → Settings → Integrations → API tokens).`;
		}
		return `The API token has no access to ${store}: the store may belong to another user, or the token may be scoped to other resources. Use a token of the store's owner, or one with access to it (Apify Console → Settings → Integrations → API tokens).`;
	}
	if (statusCode === 404) {
		if (/actor task was not found/i.test(error.message)) {
			return 'Check the Actor Task (an ID, username~task-name or username/task-name): it may not exist or not be visible to this credential.';
		}
		if (/actor run was not found|actor was not found/i.test(error.message)) {
			return 'Check the Run ID, or the Actor or Actor Task (an ID, username~name or username/name), and with a Run Status, that it has a run with that status.';
		}
		if (/key-value store was not found/i.test(error.message) || !subject.key) {
			return `${Store} does not exist or is not visible to this credential. Check the Store parameter (an ID, username~store-name or ~store-name).`;
		}
		return `${Store} has no record with key "${subject.key}". Check the Key parameter, or list the store's keys.`;
	}
	if (statusCode === 429) {
		return 'Apify rate-limited the request and retries were exhausted. Run fewer requests at once, or raise Max Retries in the options.';
	}
	if (statusCode >= 500) {
		return 'Apify had a temporary problem and retries were exhausted. Try again later, or raise Max Retries in the options.';
	}
	return 'Check the parameters of this operation.';
}

export function apifyApiError(
	node: INode,
	statusCode: number,
	error: ApifyErrorBody,
	subject: RequestSubject,
	itemIndex: number,
	attempts = 1,
): NodeApiError {
	const tried = attempts > 1 ? ` (after ${attempts} attempts)` : '';
	const message = error.message
		? `Apify API error ${statusCode} ${error.type}: ${error.message}`
		: bodilessMessage(statusCode, subject);
	return new NodeApiError(node, { ...error, statusCode } as unknown as JsonObject, {
		message: message + tried,
		description: describe(statusCode, error, subject),
		httpCode: String(statusCode),
		itemIndex,
	});
}

const NETWORK_FAILURES: Record<string, string> = {
	ECONNRESET: 'the connection was closed unexpectedly',
	ERR_BAD_RESPONSE: 'the connection was closed mid-body',
	ERR_STREAM_PREMATURE_CLOSE: 'the connection was closed mid-body',
	EPIPE: 'the connection was closed unexpectedly',
	ETIMEDOUT: 'no answer within the request timeout',
	ECONNABORTED: 'no answer within the request timeout',
	ECONNREFUSED: 'the connection was refused',
	ENOTFOUND: 'the host name was not found',
	EAI_AGAIN: 'the host name could not be looked up',
};

/** A failure without an HTTP answer (reset, timeout, refused), stripped of the request config that holds secrets. */
export function networkError(
	node: INode,
	cause: NetworkFailure,
	itemIndex: number,
	attempts: number,
): NodeApiError {
	const tried = attempts > 1 ? ` after ${attempts} attempts` : '';
	const what = NETWORK_FAILURES[cause.code ?? ''] ?? 'a network error';
	// The message names no error code: n8n would swap a message naming one for a generic text without the attempts.
	return new NodeApiError(
		node,
		{ message: cause.message, networkCode: cause.code ?? null } as JsonObject,
		{
			message: `Could not reach the Apify API${tried}: ${what}`,
			description: `${cause.code ?? 'Error'}: ${cause.message}. Check the API Base URL in the credential and the network of this n8n instance, or raise Request Timeout / Max Retries in the options.`,
			itemIndex,
		},
	);
}

export interface NetworkFailure {
	message: string;
	code?: string;
}
