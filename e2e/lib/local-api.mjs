// The seeded local Apify API of the tests, started in this process (its TypeScript loaded with tsx).
import { fileURLToPath } from 'node:url';

import { require as tsRequire } from 'tsx/cjs/api';

const fixturesPath = fileURLToPath(new URL('../../dev/local-api/fixtures.ts', import.meta.url));
const signaturePath = fileURLToPath(new URL('../../dev/local-api/signature.ts', import.meta.url));

export async function startLocalApi({ port } = {}) {
	const fixtures = tsRequire(fixturesPath, import.meta.url);
	const { createStoreSignature } = tsRequire(signaturePath, import.meta.url);
	const api = await fixtures.startSeededLocalApi(port ? { port } : undefined);
	/** The signature of a shared link to a whole store, as the store's owner would create it. */
	const storeSignature = (store) =>
		createStoreSignature({ storeId: store.id, secretKey: store.urlSigningSecretKey });
	return { api, url: api.url, fixtures, storeSignature };
}
