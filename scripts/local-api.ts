/**
 * Starts the seeded local Apify API for manual testing and the demo.
 * Usage: PORT=8765 npm run local-api   (PORT is optional; an ephemeral port otherwise)
 * LOCAL_API_UNDOCUMENTED=on turns on the behaviours Apify does not document (ETags, a store
 * signature opening records, HEAD beyond the documented path); LOCAL_API_WRITE_DELAY_MS=N makes a
 * written record show to readers only N ms after the write; LOCAL_API_LATENCY_MS=N sends every
 * answer N ms after its request came, as over a network with that round trip.
 */
import {
	DEMO_STORE,
	FULL_ACCESS_TOKEN,
	OTHER_STORE,
	OTHER_USER_TOKEN,
	PAGING_STORE,
	READ_ONLY_TOKEN,
	UNNAMED_STORE,
	startSeededLocalApi,
} from '../dev/local-api/fixtures';
import { UNDOCUMENTED_OFF, UNDOCUMENTED_ON } from '../dev/local-api/server';
import { createRecordSignature, createStoreSignature } from '../dev/local-api/signature';

async function main(): Promise<void> {
	const port = process.env.PORT ? Number(process.env.PORT) : undefined;
	const undocumented = process.env.LOCAL_API_UNDOCUMENTED === 'on';
	const api = await startSeededLocalApi({
		port,
		settings: {
			...(undocumented ? UNDOCUMENTED_ON : UNDOCUMENTED_OFF),
			writeVisibilityDelayMs: Number(process.env.LOCAL_API_WRITE_DELAY_MS ?? 0),
			latencyMs: Number(process.env.LOCAL_API_LATENCY_MS ?? 0),
		},
	});
	const storeSignature = createStoreSignature({
		storeId: DEMO_STORE.id,
		secretKey: DEMO_STORE.urlSigningSecretKey,
	});
	const outputSignature = createRecordSignature(DEMO_STORE.urlSigningSecretKey, 'OUTPUT');
	const demoStoreUrl = `${api.url}/v2/key-value-stores/${DEMO_STORE.id}`;

	console.log(`Local Apify API:   ${api.url}   (storage origin for redirects: ${api.storageUrl})`);
	console.log(
		`Undocumented behaviours: ${undocumented ? 'on' : 'off'}; write visibility delay: ${api.options.writeVisibilityDelayMs} ms; latency (round trip): ${api.options.latencyMs} ms`,
	);
	console.log('Tokens (Authorization: Bearer <token>):');
	console.log(`  full access, local-user: ${FULL_ACCESS_TOKEN}`);
	console.log(`  read-only, local-user:   ${READ_ONLY_TOKEN}`);
	console.log(`  other-user:              ${OTHER_USER_TOKEN}`);
	console.log('Stores:');
	for (const store of [DEMO_STORE, PAGING_STORE, UNNAMED_STORE, OTHER_STORE]) {
		console.log(
			`  ${store.id}  ${'name' in store ? `${store.username}~${store.name}` : '(unnamed)'}`,
		);
	}
	console.log('Signed URLs (no token needed):');
	console.log(`  keys of demo-store:   ${demoStoreUrl}/keys?signature=${storeSignature}`);
	console.log(`  ZIP of demo-store:    ${demoStoreUrl}/records?signature=${storeSignature}`);
	console.log(
		`  OUTPUT of demo-store: ${demoStoreUrl}/records/OUTPUT?signature=${outputSignature}`,
	);
	console.log('Press Ctrl-C to stop.');

	const stop = () => {
		void api.close().then(() => process.exit(0));
	};
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
}

void main();
