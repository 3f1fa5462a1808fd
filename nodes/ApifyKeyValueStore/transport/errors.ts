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

/**
 * The codes of the HTTP layer's failures: the socket and the name lookup, undici's, Node's HTTP
 * parser's (HPE_*), TLS, a body cut off (a stream closed early; axios's ERR_BAD_RESPONSE and
 * ERR_NETWORK). Nothing else is the network: a TextDecoder's RangeError
 * (ERR_ENCODING_NOT_SUPPORTED), a file system error of n8n's binary storage, or a bug.
 */
const NETWORK_CODES = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'ECONNABORTED',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'EPIPE',
	'ENOTFOUND',
	'EAI_AGAIN',
	'EHOSTUNREACH',
	'EHOSTDOWN',
	'ENETUNREACH',
	'ENETDOWN',
	'EADDRNOTAVAIL',
	'EPROTO',
	'ERR_STREAM_PREMATURE_CLOSE',
	'ERR_BAD_RESPONSE',
	'ERR_NETWORK',
]);
const NETWORK_CODE_FAMILIES = /^(?:UND_ERR|HPE|ERR_SOCKET|ERR_TLS|ERR_SSL)_[A-Z_]+$/;

/** Walks an error and its causes for the code of a failed connection; undefined for anything else. */
export function findNetworkFailure(error: unknown): NetworkFailure | undefined {
	let current = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
	for (let depth = 0; current && depth < 5; depth++) {
		const code = typeof current.code === 'string' ? current.code : undefined;
		if (code === 'ERR_CANCELED') return undefined;
		if (code && (NETWORK_CODES.has(code) || NETWORK_CODE_FAMILIES.test(code))) {
			return { code, message: safeMessage(current.message, code) };
		}
		if (current.message === 'aborted')
			return { code: 'ECONNRESET', message: 'The connection was closed mid-body' };
		current = current.cause as typeof current;
	}
	return undefined;
}

function safeMessage(message: unknown, code: string): string {
	// Connection messages name host and port at most; keep them short and free of URLs, which may carry a signature.
	return typeof message === 'string'
		? message.replace(/https?:\/\/\S+/g, '<url>').slice(0, 200)
		: code;
}

const CHECK_BASE_URL =
	'Check the API Base URL in the credential: it may point to a server that is not the Apify API, or a proxy or network login page in between may answer instead. Trying again does not help while it answers this way.';

/** An answer of the API that is not what the endpoint gives; not retried, as the next one would be the same. */
function unexpectedAnswerError(
	node: INode,
	message: string,
	itemIndex: number,
	description = CHECK_BASE_URL,
): NodeApiError {
	return new NodeApiError(node, { message } as JsonObject, { message, description, itemIndex });
}

const ANSWER_START_CHARACTERS = 100;

/**
 * The start of an answer, fit to show: one line, no control characters, and no URL or secret-like
 * query parameter, which could carry a token or a signature.
 */
export function answerStart(text: string, length = ANSWER_START_CHARACTERS): string {
	const shown = text
		// A few times the length shown, so that a URL or parameter at the end is seen whole.
		.slice(0, length * 20)
		// eslint-disable-next-line no-control-regex
		.replace(/[\u0000-\u001f\u007f\s]+/g, ' ')
		.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]*/gi, '<url>')
		.replace(
			/([?&;]?\b(?:token|signature|access_token|api_key|apikey|key|auth)=)[^&\s"'<>]*/gi,
			'$1<hidden>',
		)
		.replace(/\bapify_api_[A-Za-z0-9]+/g, '<hidden>')
		.trim();
	return shown.length > length ? `${shown.slice(0, length)}…` : shown;
}

export function notJsonError(
	node: INode,
	contentType: string | undefined,
	text: string,
	itemIndex: number,
): NodeApiError {
	const what = contentType ? answerStart(contentType) : 'an answer without a content type';
	return unexpectedAnswerError(
		node,
		`The Apify API answered with ${what} where JSON was expected: ${answerStart(text)}`,
		itemIndex,
	);
}

export function unexpectedShapeError(
	node: INode,
	problem: string,
	itemIndex: number,
): NodeApiError {
	return unexpectedAnswerError(
		node,
		`The Apify API answered with an unexpected shape: ${problem}`,
		itemIndex,
	);
}

export function answerTooLargeError(
	node: INode,
	maxBytes: number,
	itemIndex: number,
): NodeApiError {
	return unexpectedAnswerError(
		node,
		`The Apify API's answer is larger than ${maxBytes / 1024 / 1024} MiB, more than any answer of this endpoint`,
		itemIndex,
	);
}

/** Node's HTTP parser refused the answer (an HPE_* code). */
export function malformedAnswerError(
	node: INode,
	failure: NetworkFailure,
	itemIndex: number,
): NodeApiError {
	const headersTooLarge = failure.code === 'HPE_HEADER_OVERFLOW';
	return unexpectedAnswerError(
		node,
		headersTooLarge
			? 'The Apify API answered with headers larger than Node.js reads (16 KB)'
			: 'The Apify API answered with something that is not valid HTTP',
		itemIndex,
		`${failure.code}: ${failure.message}. ${CHECK_BASE_URL}${
			headersTooLarge
				? ' If a proxy adds the headers on purpose, start n8n with NODE_OPTIONS=--max-http-header-size=65536.'
				: ''
		}`,
	);
}
