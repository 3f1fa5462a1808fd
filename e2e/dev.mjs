// @ts-check
// A real n8n editor with this package, for clicking through it:
//
//   npm run dev
//
// Starts the local Apify API with its sample data (port 8765, or a free one), installs this package
// into a fresh n8n 2.41.1 (from .cache/e2e, installed on first use) as a community package, imports
// the example credential (pointed at the local API) and the example workflows, and starts n8n on
// http://127.0.0.1:5678 (or a free port). Prints the URL and the login; Ctrl-C stops everything and
// deletes the temporary n8n folder.
import { join } from 'node:path';

import { errorText } from './lib/checks.mjs';
import { ensureN8n, ensureNode, N8N_VERSION } from './lib/install.mjs';
import { startLocalApi } from './lib/local-api.mjs';
import { N8n, OWNER } from './lib/n8n.mjs';
import { freePort, portOr, tail } from './lib/proc.mjs';
import { CACHE_DIR, EXAMPLES_DIR, log, PACKAGE, packPackage, temporaryRun } from './lib/setup.mjs';
import { exampleCredentials, exampleWorkflows, importAll } from './lib/workflows.mjs';

const run = temporaryRun('n8n-apify-kvs-dev-');
try {
	const nodeDir = await ensureNode(CACHE_DIR, log);
	const n8nInstall = await ensureN8n(CACHE_DIR, nodeDir, { version: N8N_VERSION }, log);

	const local = await startLocalApi({ port: await portOr(8765) });
	run.addCleanup(() => local.api.close());
	log(`local Apify API on ${local.url}`);

	const n8n = new N8n({
		nodeDir,
		n8n: n8nInstall,
		home: join(run.dir, 'n8n'),
		logDir: run.dir,
		brokerPort: await freePort(),
	});
	run.addCleanup(() => n8n.stop());
	await n8n.installPackage(packPackage(run.dir), PACKAGE.name, PACKAGE.version);
	await importAll(n8n, run.dir, {
		credentials: exampleCredentials(EXAMPLES_DIR, local.url),
		workflows: exampleWorkflows(EXAMPLES_DIR).map(({ workflow }) => workflow),
	});

	log('starting n8n …');
	const url = await n8n.start({ port: await portOr(5678) });
	const { fixtures } = local;
	console.log(`
n8n ${N8N_VERSION} with ${PACKAGE.name}@${PACKAGE.version} is running.

  Editor:    ${url}
  Login:     ${OWNER.email}
  Password:  ${OWNER.password}

  Credential "Apify (local API)" points at the local Apify API on ${local.url}
  (API token ${fixtures.FULL_ACCESS_TOKEN}).
  Stores: ${fixtures.DEMO_STORE.name} (${fixtures.DEMO_STORE.id}), ${fixtures.PAGING_STORE.name} (${fixtures.PAGING_STORE.id}), and an unnamed one.
  Workflows: the examples from examples/ (Overview → Workflows).

  n8n's log: ${n8n.logFile}
  Press Ctrl-C to stop n8n and the local API.
`);
	if (!n8n.server) throw new Error('n8n start resolved without a running process');
	const { code, signal } = await n8n.server.exited;
	if (!run.stopping) {
		console.error(
			`n8n exited by itself (${code ?? signal}). Its last output:\n${tail(n8n.serverOutput)}`,
		);
		process.exitCode = 1;
	}
} catch (error) {
	console.error(errorText(error));
	process.exitCode = 1;
} finally {
	await run.cleanup();
}
