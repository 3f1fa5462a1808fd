// @ts-check
// The seeded local Apify API (dev/local-api), started in this process (its TypeScript loaded with tsx).
import { fileURLToPath } from 'node:url';

import { require as tsRequire } from 'tsx/cjs/api';

import { CheckFailure } from './checks.mjs';

/** @typedef {typeof import('../../dev/local-api/fixtures.ts')} Fixtures */
/** @typedef {typeof import('../../dev/local-api/signature.ts')} Signatures */
/** @typedef {typeof import('../../dev/local-api/generated.ts')} Generated */
/** @typedef {typeof import('../../dev/contract/check.ts')} Contract */
/** @typedef {typeof import('../../dev/contract/coverage.ts')} Coverage */
/** @typedef {Awaited<ReturnType<typeof startLocalApi>>} LocalApi */

const fixturesPath = fileURLToPath(new URL('../../dev/local-api/fixtures.ts', import.meta.url));
const signaturePath = fileURLToPath(new URL('../../dev/local-api/signature.ts', import.meta.url));
const generatedPath = fileURLToPath(new URL('../../dev/local-api/generated.ts', import.meta.url));
const contractPath = fileURLToPath(new URL('../../dev/contract/check.ts', import.meta.url));
const coveragePath = fileURLToPath(new URL('../../dev/contract/coverage.ts', import.meta.url));

/**
 * @param {{ port?: number }} [options]  a port of its own, or any free one
 */
export async function startLocalApi({ port } = {}) {
	/** @type {Fixtures} */
	const fixtures = tsRequire(fixturesPath, import.meta.url);
	/** @type {Signatures} */
	const { createStoreSignature } = tsRequire(signaturePath, import.meta.url);
	/** @type {Generated} large records made on the fly (binaryStream) */
	const generated = tsRequire(generatedPath, import.meta.url);
	/** @type {Contract} */
	const { ContractCheck } = tsRequire(contractPath, import.meta.url);
	// Every request n8n sends to the API, and every answer, is checked against Apify's OpenAPI.
	const contract = await ContractCheck.load();
	const api = await fixtures.startSeededLocalApi({ ...(port ? { port } : {}), observer: contract });
	/**
	 * The signature of a shared link to a whole store, as the store's owner would create it.
	 *
	 * @param {{ id: string, urlSigningSecretKey: string }} store
	 */
	const storeSignature = (store) =>
		createStoreSignature({ storeId: store.id, secretKey: store.urlSigningSecretKey });
	return { api, url: api.url, fixtures, generated, storeSignature, contract };
}

/**
 * One check: no request the local API got and no answer it gave broke Apify's OpenAPI (only the
 * UNDOCUMENTED switches' behaviours are excused); writes which operations `suite` called.
 *
 * @param {import('./checks.mjs').Checks} checks
 * @param {Awaited<ReturnType<typeof startLocalApi>>} local
 * @param {string} suite
 */
export async function checkContract(checks, local, suite) {
	/** @type {Contract} */
	const { formatFindings } = tsRequire(contractPath, import.meta.url);
	/** @type {Coverage} */
	const { writeCoverage } = tsRequire(coveragePath, import.meta.url);
	writeCoverage(local.contract, suite);
	await checks.check(
		`contract: every request to the local API and every answer matched Apify's OpenAPI (${local.contract.exercised.size} operations called)`,
		() => {
			const violations = local.contract.takeViolations();
			if (violations.length > 0) throw new CheckFailure(formatFindings(violations));
		},
	);
}
