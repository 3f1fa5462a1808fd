import { NodeOperationError, type INode } from 'n8n-workflow';

import { RUN_ORIGIN_OPTIONS } from './storeFields';

/** Apify's KEY_VALUE_STORE_KEY_REGEX. */
export const RECORD_KEY_PATTERN = /^[a-zA-Z0-9!\-_.'()]{1,256}$/;
/** The longest key RECORD_KEY_PATTERN takes, in characters and, since they are ASCII, in bytes. */
export const MAX_RECORD_KEY_LENGTH = 256;
const STORE_ID_PATTERN = /^[a-zA-Z0-9]{17}$/;
const STORE_NAME_PATTERN = /^[a-zA-Z0-9-]{1,63}$/;
const USERNAME_PATTERN = /^(?!\.+$)[a-zA-Z0-9._-]{1,64}$/;
const STORE_URL_PATTERN = /\/(?:storage\/)?key-value-stores\/([^/?#]+)/;

const STORE_RULE =
	'Use a store ID (17 letters and digits, e.g. WkzbQMuFYuamGv3YF), username~store-name, ~store-name for your own store, or a store URL from Apify Console.';

/**
 * Turns what a user typed or picked into the identifier the API takes: an ID, `username~name` or `~name`.
 * `username/name` and Console or API URLs are accepted too, as Apify's clients accept them.
 */
export function parseStoreIdentifier(node: INode, value: unknown, itemIndex: number): string {
	if (typeof value !== 'string' || value.trim() === '') {
		throw new NodeOperationError(node, 'The Store parameter is empty', {
			description: STORE_RULE,
			itemIndex,
		});
	}
	let identifier = value.trim();
	const fromUrl = /^https?:\/\//i.test(identifier) ? STORE_URL_PATTERN.exec(identifier) : null;
	if (fromUrl) identifier = decodedSegment(fromUrl[1]);
	identifier = identifier.replace('/', '~');

	if (STORE_ID_PATTERN.test(identifier)) return identifier;
	const [owner, name, ...rest] = identifier.split('~');
	const valid =
		rest.length === 0 &&
		name !== undefined &&
		STORE_NAME_PATTERN.test(name) &&
		(owner === '' || USERNAME_PATTERN.test(owner));
	if (valid) return identifier;
	throw new NodeOperationError(
		node,
		`The Store parameter "${value}" is not a valid store ID or name`,
		{
			description: STORE_RULE,
			itemIndex,
		},
	);
}

/** A URL path segment decoded; one with a malformed escape (`%E0%A4%A`) as it is, which no identifier pattern takes. */
function decodedSegment(segment: string): string {
	try {
		return decodeURIComponent(segment);
	} catch {
		return segment;
	}
}

const RUN_ID_PATTERN = /^[a-zA-Z0-9]{1,64}$/;
const ACTOR_NAME_PATTERN = /^[a-zA-Z0-9-]{1,63}$/;

/** An Actor run's ID, as Apify's webhooks and run lists give it. */
export function parseRunId(node: INode, value: unknown, itemIndex: number): string {
	const id = typeof value === 'string' ? value.trim() : '';
	if (RUN_ID_PATTERN.test(id)) return id;
	throw new NodeOperationError(
		node,
		id ? `The Run ID "${id}" is not a valid Actor run ID` : 'The Run ID parameter is empty',
		{
			description:
				'Use the ID of an Actor run, e.g. HG7ML7M8z78YcAPEB, or {{ $json.eventData.actorRunId }} from an Apify webhook.',
			itemIndex,
		},
	);
}

/** Run Origin: empty (any) or one of Apify's `RunOrigin` values. */
export function parseRunOrigin(node: INode, value: unknown, itemIndex: number): string {
	const origin = typeof value === 'string' ? value.trim() : '';
	if (RUN_ORIGIN_OPTIONS.some((option) => option.value === origin)) return origin;
	throw new NodeOperationError(node, `The Run Origin "${String(value)}" is not one Apify knows`, {
		description: `Use one of ${RUN_ORIGIN_OPTIONS.map((option) => String(option.value))
			.filter(Boolean)
			.join(', ')}, or leave it empty for any.`,
		itemIndex,
	});
}

/**
 * An Actor's or an Actor task's ID or `username~name`; `username/name` is accepted as Apify's clients
 * accept it. `label` names the parameter and the kind ("Actor", "Actor task") in messages.
 */
export function parseActorIdentifier(
	node: INode,
	value: unknown,
	itemIndex: number,
	label: 'Actor' | 'Actor task' = 'Actor',
): string {
	const identifier = (typeof value === 'string' ? value.trim() : '').replace('/', '~');
	const [owner, name, ...rest] = identifier.split('~');
	const valid =
		identifier !== '' &&
		(name === undefined
			? RUN_ID_PATTERN.test(owner)
			: rest.length === 0 &&
				ACTOR_NAME_PATTERN.test(name) &&
				(owner === '' || USERNAME_PATTERN.test(owner)));
	if (valid) return identifier;
	const example =
		label === 'Actor'
			? 'username/actor-name as in Apify Store (e.g. apify/web-scraper)'
			: 'username/task-name (e.g. alice/my-task)';
	throw new NodeOperationError(
		node,
		identifier
			? `The ${label} "${String(value)}" is not a valid ${label} ID or name`
			: `The ${label} parameter is empty`,
		{ description: `Use an ${label} ID, or ${example}.`, itemIndex },
	);
}

/**
 * A name for a new store, by Apify's rules; checked here so that a bad name costs no request.
 * `label` is the parameter's display name.
 */
export function validateStoreName(
	node: INode,
	value: unknown,
	itemIndex: number,
	label = 'Name',
): string {
	if (typeof value !== 'string' && typeof value !== 'number') {
		throw new NodeOperationError(
			node,
			`The ${label} parameter must be text, not ${describeType(value)}`,
			{
				description: 'Map a text field to it, or type the name.',
				itemIndex,
			},
		);
	}
	const name = String(value).trim();
	if (!STORE_NAME_PATTERN.test(name)) {
		throw new NodeOperationError(
			node,
			`The ${label} parameter "${name.slice(0, 100)}" is not a valid store name`,
			{
				description:
					'A store name has 1 to 63 characters: letters a-z and A-Z, digits 0-9 and hyphens (-), e.g. my-store.',
				itemIndex,
			},
		);
	}
	return name;
}

/** Refuses keys the API would reject, and `.`/`..`, which a URL path would resolve away (apify-client-js#1005). */
export function validateRecordKey(node: INode, value: unknown, itemIndex: number): string {
	if (typeof value !== 'string') {
		throw new NodeOperationError(
			node,
			`The Key parameter must be text, not ${describeType(value)}`,
			{
				description: 'Map a text field to it, or type the key.',
				itemIndex,
			},
		);
	}
	const key = value;
	if (key === '' || key === '.' || key === '..' || !RECORD_KEY_PATTERN.test(key)) {
		throw new NodeOperationError(
			node,
			`The Key parameter "${key.slice(0, 300)}" is not a valid record key`,
			{
				description:
					"A key has 1 to 256 characters: letters, digits and ! - _ . ' ( ), and is not . or .. alone.",
				itemIndex,
			},
		);
	}
	return key;
}

const CONTENT_TYPE_PATTERN = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;\P{Cc}*)?$/u;

/** A content type to send as a header: `type/subtype` with optional parameters, no line breaks. */
export function validateContentType(node: INode, value: unknown, itemIndex: number): string {
	const contentType = typeof value === 'string' ? value.trim() : '';
	if (!CONTENT_TYPE_PATTERN.test(contentType)) {
		throw new NodeOperationError(
			node,
			`The Content Type parameter ${JSON.stringify(value)} is not a content type`,
			{
				description:
					'Use a MIME type such as application/json, text/plain; charset=utf-8 or image/png, or leave it empty.',
				itemIndex,
			},
		);
	}
	return contentType;
}

/** A whole number from `min` (1 unless given) to `max`, as typed or as an expression result. */
export function validateWholeNumber(
	node: INode,
	name: string,
	value: unknown,
	itemIndex: number,
	min = 1,
	max = Number.MAX_SAFE_INTEGER,
): number {
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
		const kind = min === 0 ? 'a whole number of 0 or more' : 'a positive whole number';
		const range = max === Number.MAX_SAFE_INTEGER ? kind : `a whole number from ${min} to ${max}`;
		throw new NodeOperationError(
			node,
			`The ${name} parameter must be ${range}, not ${JSON.stringify(value)}`,
			{
				description:
					max === Number.MAX_SAFE_INTEGER
						? `Set ${name} to ${min} or more.`
						: `Set ${name} to at least ${min} and at most ${max}.`,
				itemIndex,
			},
		);
	}
	return number;
}

/** Optional text parameters (prefix, collection, start key): empty means "not given". */
export function optionalText(
	node: INode,
	name: string,
	value: unknown,
	itemIndex: number,
): string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	if (typeof value !== 'string' && typeof value !== 'number') {
		throw new NodeOperationError(
			node,
			`The ${name} parameter must be text, not ${describeType(value)}`,
			{ itemIndex },
		);
	}
	return String(value);
}

function describeType(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
