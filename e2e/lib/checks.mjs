// @ts-check
// Named checks: one PASS/FAIL line each, and the final "N passed, M failed".
import { isDeepStrictEqual, inspect } from 'node:util';

export class CheckFailure extends Error {}

export class Checks {
	passed = 0;
	/** @type {string[]} the names of the failed checks */
	failed = [];

	/** @param {string} title */
	section(title) {
		console.log(`\n== ${title}  [${new Date().toISOString().slice(11, 19)}]`);
	}

	/**
	 * Runs `fn`; a thrown error fails the check with its message. Returns fn's value (true when it
	 * returns nothing), or undefined on failure.
	 *
	 * @template T
	 * @param {string} name
	 * @param {() => T | Promise<T>} fn
	 * @returns {Promise<Exclude<T, null | undefined | void> | ([undefined] extends [T] ? true : never) | undefined>}
	 */
	async check(name, fn) {
		const started = Date.now();
		try {
			const value = await fn();
			this.passed++;
			console.log(`PASS  ${name}  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
			// A check that returns nothing passes as true; TypeScript cannot follow that into the return type.
			return /** @type {any} */ (value ?? true);
		} catch (error) {
			this.fail(name, error instanceof CheckFailure ? error.message : errorText(error));
			return undefined;
		}
	}

	/**
	 * @param {string} name
	 * @param {unknown} reason
	 */
	fail(name, reason) {
		this.failed.push(name);
		// Playwright's call logs come with terminal colours.
		reason = String(reason).replace(/\x1b\[[0-9;]*m/g, '');
		console.log(`FAIL  ${name}\n      ${String(reason).split('\n').join('\n      ')}`);
	}

	summary() {
		if (this.failed.length)
			console.log(`\nFailed checks:\n${this.failed.map((name) => `  - ${name}`).join('\n')}`);
		console.log(`\n${this.passed} passed, ${this.failed.length} failed`);
		return this.failed.length === 0;
	}
}

/**
 * An error's stack, or what was thrown as text.
 *
 * @param {unknown} error
 */
export function errorText(error) {
	if (typeof error === 'object' && error !== null && 'stack' in error && error.stack != null)
		return String(error.stack);
	return String(error);
}

/**
 * @param {unknown} condition
 * @param {string} message  the failure, when `condition` is falsy
 * @returns {asserts condition}
 */
export function expect(condition, message) {
	if (!condition) throw new CheckFailure(message);
}

/**
 * Deep equality, as node:assert's deepStrictEqual.
 *
 * @param {unknown} actual
 * @param {unknown} expected
 * @param {string} what  what is compared, for the failure message
 */
export function expectEqual(actual, expected, what) {
	if (!isDeepStrictEqual(actual, expected)) {
		throw new CheckFailure(`${what}: expected ${show(expected)}, got ${show(actual)}`);
	}
}

/** @param {unknown} value */
export function show(value) {
	return inspect(value, { depth: 4, breakLength: 120, maxArrayLength: 20, maxStringLength: 300 });
}
