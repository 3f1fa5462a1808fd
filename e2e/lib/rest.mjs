// @ts-check
// What a running n8n executed, read as the editor reads it: n8n's REST API, signed in as the owner.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { CheckFailure, show } from './checks.mjs';
import { OWNER } from './n8n.mjs';

/**
 * An execution as n8n's REST API returns it, with its run data parsed. Its shape is n8n's and not
 * checked here: JSON.
 *
 * @typedef {{ id: string, status: string, mode: string, runData: Record<string, any[]>, error?: { message: string } } & Record<string, any>} Execution
 */

export class N8nRest {
	/** @param {import('./n8n.mjs').N8n} n8n  started (`n8n.url` set) */
	constructor(n8n) {
		this.n8n = n8n;
		// n8n ties its session cookie to the browser's ID header.
		this.browserId = randomUUID();
		/** @type {string | undefined} the session cookie, once signed in */
		this.cookie = undefined;
		// Execution data is stored "flatted" (JSON with references); n8n's own copy reads it.
		this.flatted = createRequire(join(n8n.n8n.dir, 'node_modules', 'n8n', 'package.json'))(
			'flatted',
		);
	}

	/** @returns {Promise<string>} the session cookie */
	async signIn() {
		let response = await this.post('/login', {
			emailOrLdapLoginId: OWNER.email,
			password: OWNER.password,
		});
		if (response.status === 401) {
			// n8n 1.x cannot take its owner from environment variables: the owner is set up once, as the editor's first page does.
			const setup = await this.post('/owner/setup', {
				email: OWNER.email,
				firstName: OWNER.firstName,
				lastName: OWNER.lastName,
				password: OWNER.password,
			});
			if (setup.ok) response = setup;
		}
		if (!response.ok)
			throw new CheckFailure(
				`signing in to n8n's REST API failed: ${response.status} ${(await response.text()).slice(0, 300)}`,
			);
		this.cookie = response.headers
			.getSetCookie()
			.map((cookie) => cookie.split(';')[0])
			.join('; ');
		return this.cookie;
	}

	/**
	 * @param {string} path  under /rest
	 * @param {unknown} body  sent as JSON
	 */
	async post(path, body) {
		return await fetch(`${this.n8n.url}/rest${path}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'browser-id': this.browserId },
			body: JSON.stringify(body),
		});
	}

	/**
	 * The `data` of a GET under /rest, signed in.
	 *
	 * @param {string} path
	 * @returns {Promise<any>} n8n's JSON
	 */
	async get(path) {
		const cookie = this.cookie || (await this.signIn());
		const response = await fetch(`${this.n8n.url}/rest${path}`, {
			headers: { cookie, 'browser-id': this.browserId },
		});
		const text = await response.text();
		if (!response.ok)
			throw new CheckFailure(`GET /rest${path}: ${response.status} ${text.slice(0, 300)}`);
		return JSON.parse(text).data;
	}

	/**
	 * The workflow's executions, oldest first, without their data.
	 *
	 * @param {string} workflowId
	 * @returns {Promise<Array<{ id: string, status: string, mode: string }>>}
	 */
	async executions(workflowId) {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const page = await this.get(`/executions?filter=${filter}&limit=100`);
		const results = page.results ?? page;
		if (!Array.isArray(results))
			throw new CheckFailure(`unexpected executions listing: ${show(page)}`);
		return results.sort((a, b) => Number(a.id) - Number(b.id));
	}

	/**
	 * One execution with its run data parsed: `{ status, mode, runData, error }`.
	 *
	 * @param {string} id
	 * @returns {Promise<Execution>}
	 */
	async execution(id) {
		const execution = await this.get(`/executions/${id}`);
		const data =
			typeof execution.data === 'string' ? this.flatted.parse(execution.data) : execution.data;
		return {
			...execution,
			runData: data?.resultData?.runData ?? {},
			error: data?.resultData?.error,
		};
	}
}

/**
 * The items a node output in one execution of `N8nRest.execution`.
 *
 * @param {Execution} execution
 * @param {string} nodeName
 * @returns {any[]} the items, as n8n stored them
 */
export function executionItems(execution, nodeName) {
	const runs = execution.runData[nodeName];
	if (!runs?.length)
		throw new CheckFailure(
			`execution ${execution.id}: node "${nodeName}" did not run${execution.error ? ` (${execution.error.message})` : ''}`,
		);
	if (runs[0].error)
		throw new CheckFailure(
			`execution ${execution.id}: node "${nodeName}" failed: ${runs[0].error.message}`,
		);
	return runs[0].data?.main?.[0] ?? [];
}
