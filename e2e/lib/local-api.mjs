// @ts-check
// The seeded local Apify API (dev/local-api), started in this process (its TypeScript loaded with tsx).
import { fileURLToPath } from 'node:url';

import { require as tsRequire } from 'tsx/cjs/api';

/** @typedef {typeof import('../../dev/local-api/fixtures.ts')} Fixtures */
/** @typedef {typeof import('../../dev/local-api/signature.ts')} Signatures */
/** @typedef {typeof import('../../dev/local-api/generated.ts')} Generated */
/** @typedef {Awaited<ReturnType<typeof startLocalApi>>} LocalApi */

const fixturesPath = fileURLToPath(new URL('../../dev/local-api/fixtures.ts', import.meta.url));
const signaturePath = fileURLToPath(new URL('../../dev/local-api/signature.ts', import.meta.url));
const generatedPath = fileURLToPath(new URL('../../dev/local-api/generated.ts', import.meta.url));

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
	const api = await fixtures.startSeededLocalApi(port ? { port } : undefined);
	/**
	 * The signature of a shared link to a whole store, as the store's owner would create it.
	 *
	 * @param {{ id: string, urlSigningSecretKey: string }} store
	 */
	const storeSignature = (store) =>
		createStoreSignature({ storeId: store.id, secretKey: store.urlSigningSecretKey });
	return { api, url: api.url, fixtures, generated, storeSignature };
}
