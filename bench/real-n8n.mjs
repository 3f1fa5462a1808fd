// @ts-check
// What the benchmarks in a real n8n (n8n-memory.mjs, n8n-network.mjs) share: a fresh n8n with the
// package installed as a community package, the local Apify API with one store and a credential for
// it, the sides' runs in turns, and the median.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { require as tsRequire } from 'tsx/cjs/api';

import { ensureN8n, ensureNode, N8N_VERSION } from '../e2e/lib/install.mjs';
import { N8n } from '../e2e/lib/n8n.mjs';
import { freePort } from '../e2e/lib/proc.mjs';
import { CACHE_DIR, log, packPackage, ROOT, temporaryRun } from '../e2e/lib/setup.mjs';
import { CREDENTIAL_TYPE } from '../e2e/lib/workflows.mjs';

/** @import { LocalApi } from '../dev/local-api/server.ts' */
/** @typedef {typeof import('../dev/local-api/server.ts')} Server */
/** @typedef {typeof import('../dev/local-api/accounts.ts')} Accounts */
/** @typedef {Awaited<ReturnType<N8n['execute']>>} Execution  a run by `n8n execute` */
/** @typedef {{ id: string, name: string }} Named  an ID and a name, as stores and credentials have */
/**
 * A node of this package's Apify Key-Value Store type, with the benchmark's credential.
 *
 * @typedef {{ name: string, type: string, typeVersion: number, parameters: Record<string, unknown>, credentials: Record<string, Named> }} PackageNode
 */
/**
 * What a benchmark gets: n8n with the package installed, and the local API with its store, still
 * empty.
 *
 * @typedef {object} RealN8n
 * @property {N8n} n8n
 * @property {LocalApi} api
 * @property {{ name: string, version: string }} pkg  the installed package
 * @property {(name: string, parameters: Record<string, unknown>) => PackageNode} packageNode
 * @property {(workflows: unknown[]) => Promise<void>} importWorkflows  together with the credential
 */

/**
 * A TypeScript module of this repository, compiled by tsx since these scripts run in plain Node.
 *
 * @param {string} path  relative to bench/
 * @returns {any}  typed where it is used
 */
export function requireTs(path) {
	return tsRequire(fileURLToPath(new URL(path, import.meta.url)), import.meta.url);
}

/** @param {number[]} values */
export function median(values) {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The sides `rounds` times, every other round in reverse (a b, b a, a b, …), so that no side always
 * runs first or last.
 *
 * @template Side
 * @param {Side[]} sides
 * @param {number} rounds
 */
export function* alternating(sides, rounds) {
	for (let round = 0; round < rounds; round++)
		yield* round % 2 === 0 ? sides : [...sides].reverse();
}

/**
 * The items a node gave on its first output in a run, or undefined when it gave none.
 *
 * @param {Execution} execution
 * @param {string} nodeName
 * @returns {any[] | undefined}  n8n's items, unchecked
 */
export function firstOutput(execution, nodeName) {
	return execution.run?.data?.resultData?.runData?.[nodeName]?.[0]?.data?.main?.[0];
}

/**
 * Runs `benchmark` in a fresh n8n user folder (the end-to-end suite's Node 24 and n8n, installed
 * into .cache/e2e when missing) with the package installed, against the local API; stops both and
 * deletes the temporary folder however it ends.
 *
 * @param {object} options
 * @param {string} options.name  the benchmark's, in the temporary folder's name
 * @param {string} [options.packageDir]  a build of the package (package.json and dist/); this checkout by default
 * @param {Named} options.credential  n8n's credential for the local API
 * @param {Named} options.store  the local API's store
 * @param {(real: RealN8n) => Promise<void>} benchmark
 */
export async function inRealN8n({ name, packageDir = ROOT, credential, store }, benchmark) {
	/** @type {{ name: string, version: string }} */
	const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
	mkdirSync(CACHE_DIR, { recursive: true });
	const nodeDir = await ensureNode(CACHE_DIR, log);
	const n8nInstall = await ensureN8n(CACHE_DIR, nodeDir, { version: N8N_VERSION }, log);
	const run = temporaryRun(`n8n-apify-kvs-${name}-`);
	try {
		const tarball = packPackage(run.dir, packageDir);
		/** @type {Server} */
		const server = requireTs('../dev/local-api/server.ts');
		/** @type {Accounts} */
		const { FULL_ACCESS_TOKEN } = requireTs('../dev/local-api/accounts.ts');
		const api = await server.startLocalApi();
		run.addCleanup(() => api.close());
		api.addStore(store);

		const logDir = join(run.dir, 'logs');
		mkdirSync(logDir, { recursive: true });
		const n8n = new N8n({
			nodeDir,
			n8n: n8nInstall,
			home: join(run.dir, 'n8n'),
			logDir,
			brokerPort: await freePort(),
		});
		await n8n.installPackage(tarball, pkg.name, pkg.version);

		await benchmark({
			n8n,
			api,
			pkg,
			packageNode: (nodeName, parameters) => ({
				name: nodeName,
				type: `${pkg.name}.apifyKeyValueStore`,
				typeVersion: 1,
				parameters,
				credentials: { [CREDENTIAL_TYPE]: credential },
			}),
			importWorkflows: async (workflows) => {
				const credentialsFile = join(run.dir, 'credentials.json');
				const workflowsFile = join(run.dir, 'workflows.json');
				writeFileSync(
					credentialsFile,
					JSON.stringify([
						{
							...credential,
							type: CREDENTIAL_TYPE,
							data: { authType: 'apiToken', apiToken: FULL_ACCESS_TOKEN, baseUrl: api.url },
						},
					]),
				);
				writeFileSync(workflowsFile, JSON.stringify(workflows));
				await n8n.importFile('credentials', credentialsFile);
				await n8n.importFile('workflow', workflowsFile);
			},
		});
	} finally {
		await run.cleanup();
	}
}
