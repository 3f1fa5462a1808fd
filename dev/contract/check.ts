/**
 * The contract check: every request to an Apify-compatible API is matched to an operation of
 * Apify's published OpenAPI (apify-kvs-openapi.json beside this file) and checked against it
 * (method, path, query parameters and their types, JSON request bodies), and every answer is
 * validated against that operation's documented responses (status, content type, JSON schema,
 * documented headers). Matching and schema validation are openapi-backend's and Ajv's.
 *
 * It judges exchanges; it neither sends nor answers anything. The local API hands it each
 * exchange (dev/local-api/server.ts, option `observer`); the live check hands it what the real
 * API answered.
 */
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import type { ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import OpenAPIBackend, { SetMatchType, type Operation } from 'openapi-backend';

import type { ContractExchange, ContractFinding, ContractRule, ExchangeReply } from './exchange';
import { allowedUndocumented } from './undocumented';

export const SPEC_PATH = join(__dirname, 'apify-kvs-openapi.json');

/** JSON answers larger than this are not schema-validated: the check must not hold big bodies. */
export const MAX_VALIDATED_JSON_BYTES = 1024 * 1024;

const HTTP_METHODS = ['get', 'head', 'put', 'post', 'delete', 'patch', 'options'] as const;

/** Record values are the user's data: Apify's schema for them (`type: object`) describes an example, not the API. */
const RECORD_VALUE_OPERATION = /_record_(get|put|post)$/;

const SECRET_QUERY_PARAMS = ['signature', 'token'];

function headerValue(
	headers: OutgoingHttpHeaders | IncomingHttpHeaders,
	name: string,
): string | undefined {
	for (const [key, value] of Object.entries(headers)) {
		if (key.toLowerCase() !== name || value === undefined) continue;
		return Array.isArray(value) ? value.join(', ') : String(value);
	}
	return undefined;
}

function lowerCaseHeaders(
	headers: OutgoingHttpHeaders | IncomingHttpHeaders,
): Record<string, string> {
	const result: Record<string, string> = {};
	for (const [key, value] of Object.entries(headers)) {
		if (value !== undefined)
			result[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
	}
	return result;
}

function mediaTypeOf(contentType: string | undefined): string | undefined {
	return contentType?.split(';')[0].trim().toLowerCase() || undefined;
}

/** Whether a documented media range (`application/json`, `image/*`, `*\/*`) covers a media type. */
function mediaRangeCovers(range: string, mediaType: string): boolean {
	if (range === '*/*' || range === mediaType) return true;
	return range.endsWith('/*') && mediaType.startsWith(range.slice(0, -1));
}

function describeExchange(exchange: ContractExchange): string {
	const query = new URLSearchParams(exchange.url.search);
	for (const name of SECRET_QUERY_PARAMS) if (query.has(name)) query.set(name, '…');
	const search = query.size > 0 ? `?${query.toString()}` : '';
	const status = exchange.reply ? ` → ${exchange.reply.status}` : ' → (injected fault)';
	return `${exchange.method} ${exchange.url.pathname}${search}${status}`;
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
	return (errors ?? [])
		.map((error) => {
			const where = error.instancePath || '(root)';
			const detail =
				error.keyword === 'additionalProperties'
					? `: "${String((error.params as { additionalProperty: string }).additionalProperty)}" is not documented`
					: error.keyword === 'enum'
						? `: allowed ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`
						: '';
			return `${where} ${error.message ?? error.keyword}${detail}`;
		})
		.join('; ');
}

export class ContractCheck {
	/** Findings not excused by an UNDOCUMENTED switch that was on, oldest first. */
	readonly violations: ContractFinding[] = [];
	/** Findings an UNDOCUMENTED switch excused, with the exception's reason. */
	readonly excused: Array<ContractFinding & { reason: string }> = [];
	/** How often each documented operation was called. */
	readonly exercised = new Map<string, number>();
	/** What was not checked and why, e.g. a JSON answer too large to validate. */
	readonly notes = new Set<string>();

	private constructor(private readonly api: OpenAPIBackend) {}

	static async load(): Promise<ContractCheck> {
		const api = new OpenAPIBackend({
			definition: JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as never,
			// Quick: openapi-backend's definition check knows OpenAPI 3.0 only and rejects this 3.1
			// document; its schemas compile when first used.
			quick: true,
			strict: true,
			customizeAjv: (ajv) => {
				addFormats(ajv);
				return ajv;
			},
		});
		await api.init();
		return new ContractCheck(api);
	}

	/** Every documented operation: its ID, method and path template. */
	operations(): Array<{ operationId: string; method: string; path: string }> {
		return this.api.getOperations().map((operation) => ({
			operationId: operation.operationId as string,
			method: operation.method.toUpperCase(),
			path: operation.path,
		}));
	}

	/** Judges one exchange: findings excused by a switch that was on go to `excused`, the rest to `violations`. */
	observe(exchange: ContractExchange): void {
		let findings: ContractFinding[];
		try {
			findings = this.judge(exchange);
		} catch (error) {
			findings = [
				{
					exchange: describeExchange(exchange),
					rule: 'operation',
					message: `the contract check failed: ${(error as Error).message}`,
				},
			];
		}
		for (const finding of findings) {
			const exception = allowedUndocumented(finding, exchange);
			if (exception) this.excused.push({ ...finding, reason: exception.reason });
			else this.violations.push(finding);
		}
	}

	/** Returns the violations found since the last call and forgets them. */
	takeViolations(): ContractFinding[] {
		return this.violations.splice(0);
	}

	/** All findings of one exchange, before any exception. */
	judge(exchange: ContractExchange): ContractFinding[] {
		const findings: ContractFinding[] = [];
		const describe = describeExchange(exchange);
		const operation = this.matchOperation(exchange);
		if (!operation) {
			const documentedMethods = this.documentedMethods(exchange.url.pathname);
			findings.push({
				exchange: describe,
				rule: 'operation',
				message:
					documentedMethods.length > 0
						? `${exchange.method} is not documented on this path (documented: ${documentedMethods.join(', ')})`
						: 'no documented operation has this path',
			});
			return findings;
		}
		const operationId = operation.operationId as string;
		this.exercised.set(operationId, (this.exercised.get(operationId) ?? 0) + 1);
		const add = (rule: ContractRule, message: string) =>
			findings.push({ exchange: describe, operationId, rule, message });
		this.judgeRequest(exchange, operation, add);
		if (exchange.reply) this.judgeReply(exchange, exchange.reply, operation, add);
		return findings;
	}

	private matchOperation(exchange: ContractExchange): Operation | undefined {
		return this.api.matchOperation({
			method: exchange.method.toLowerCase(),
			path: exchange.url.pathname,
			headers: {},
		});
	}

	private documentedMethods(path: string): string[] {
		return HTTP_METHODS.filter((method) =>
			this.api.matchOperation({ method, path, headers: {} }),
		).map((method) => method.toUpperCase());
	}

	private judgeRequest(
		exchange: ContractExchange,
		operation: Operation,
		add: (rule: ContractRule, message: string) => void,
	): void {
		const jsonBody =
			!RECORD_VALUE_OPERATION.test(operation.operationId as string) &&
			mediaTypeOf(headerValue(exchange.headers, 'content-type')) === 'application/json' &&
			exchange.requestBody !== undefined &&
			exchange.requestBody.length > 0;
		let body: unknown;
		if (jsonBody) {
			try {
				body = JSON.parse((exchange.requestBody as Buffer).toString('utf8'));
			} catch {
				add('request-body', 'the body is sent as application/json but is not JSON');
				return;
			}
		}
		const query: Record<string, string | string[]> = {};
		for (const [name, value] of exchange.url.searchParams) {
			const earlier = query[name];
			query[name] =
				earlier === undefined ? value : [...(Array.isArray(earlier) ? earlier : [earlier]), value];
		}
		const result = this.api.validateRequest(
			{
				method: exchange.method.toLowerCase(),
				path: exchange.url.pathname,
				query,
				headers: lowerCaseHeaders(exchange.headers),
				body,
			},
			operation,
		);
		const errors = (result.errors ?? []).filter(
			// A body that was not read or is not JSON is not judged by its JSON schema.
			(error) =>
				jsonBody ||
				!(
					error.instancePath.startsWith('/requestBody') ||
					(error.params as { missingProperty?: string }).missingProperty === 'requestBody'
				),
		);
		const paramErrors = errors.filter((error) => !error.instancePath.startsWith('/requestBody'));
		const bodyErrors = errors.filter((error) => error.instancePath.startsWith('/requestBody'));
		if (paramErrors.length > 0) add('parameters', describeErrors(paramErrors));
		if (bodyErrors.length > 0) add('request-body', describeErrors(bodyErrors));
	}

	private judgeReply(
		exchange: ContractExchange,
		reply: ExchangeReply,
		operation: Operation,
		add: (rule: ContractRule, message: string) => void,
	): void {
		const status = String(reply.status);
		const responses = (operation.responses ?? {}) as Record<
			string,
			{ content?: Record<string, unknown>; headers?: Record<string, unknown> }
		>;
		const documented = responses[status] ?? responses[`${status[0]}XX`] ?? responses.default;
		if (!documented) {
			add(
				'status',
				`status ${status} is not documented (documented: ${Object.keys(responses).join(', ')})`,
			);
			return;
		}
		const headers = lowerCaseHeaders(reply.headers);
		const headerResult = this.api.validateResponseHeaders(headers, operation, {
			statusCode: reply.status,
			setMatchType: SetMatchType.Superset,
		});
		if (headerResult.errors?.length) add('response-headers', describeErrors(headerResult.errors));
		// A HEAD answer carries GET's headers and no body (RFC 9110), whatever GET's content is.
		if (exchange.method === 'HEAD') return;

		const documentedTypes = Object.keys(documented.content ?? {});
		const mediaType = mediaTypeOf(headers['content-type']);
		const hasBody =
			reply.body !== undefined && (!Buffer.isBuffer(reply.body) || reply.body.length > 0);
		if (documentedTypes.length === 0) {
			if (hasBody)
				add(
					'content-type',
					`the answer has a body (${mediaType ?? 'no content type'}); none is documented`,
				);
			return;
		}
		if (!hasBody || mediaType === undefined) {
			add(
				'content-type',
				`the answer has ${hasBody ? 'no content type' : 'no body'}; documented: ${documentedTypes.join(', ')}`,
			);
			return;
		}
		const range = documentedTypes.find((candidate) => mediaRangeCovers(candidate, mediaType));
		if (!range) {
			add(
				'content-type',
				`content type ${mediaType} is not documented (documented: ${documentedTypes.join(', ')})`,
			);
			return;
		}
		if (
			range !== 'application/json' ||
			RECORD_VALUE_OPERATION.test(operation.operationId as string)
		)
			return;
		if (!Buffer.isBuffer(reply.body)) {
			this.notes.add(
				`${operation.operationId}: a JSON answer streamed or over the size limit is not schema-validated`,
			);
			return;
		}
		if (reply.body.length > MAX_VALIDATED_JSON_BYTES) {
			this.notes.add(
				`${operation.operationId}: JSON answers over ${MAX_VALIDATED_JSON_BYTES} bytes are not schema-validated`,
			);
			return;
		}
		let payload: unknown;
		try {
			payload = JSON.parse(reply.body.toString('utf8'));
		} catch {
			add('response-body', 'the body is sent as application/json but is not JSON');
			return;
		}
		const bodyResult = this.api.validateResponse(payload, operation, reply.status);
		if (bodyResult.errors?.length) add('response-body', describeErrors(bodyResult.errors));
	}
}

/** One line per violation, for a test failure or a report. */
export function formatFindings(findings: readonly ContractFinding[]): string {
	return findings
		.map(
			(finding) =>
				`${finding.exchange}${finding.operationId ? ` [${finding.operationId}]` : ''}: ${finding.rule}: ${finding.message}`,
		)
		.join('\n');
}
