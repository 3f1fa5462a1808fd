// @ts-check
// End-to-end suite: this package inside a real n8n.
//
//   npm run test:e2e
//
// 1. Installs Node 24 and n8n 2.41.1 from the npm registry into .cache/e2e (reused when present),
//    and Debian's chromium with apt when it is missing.
// 2. Packs this package with `npm pack` and installs the tarball into a fresh n8n user folder as a
//    community package, as n8n's own installer does.
// 3. Starts the local Apify API, imports examples/ with n8n's CLI, runs each workflow with
//    `n8n execute --id` and checks the items, the binary files in n8n's storage and the logs.
// 4. Activates the trigger (on a store of its own, polling every 10 s), the webhook example and a
//    webhook workflow with Only If Changed (in static data and in an Apify store), starts `n8n start`
//    on loopback, changes records, restarts n8n, POSTs webhooks, and checks the executions through
//    n8n's REST API.
// 5. Checks the editor in headless Chromium in that running n8n; saves the screenshots in docs/.
// 6. Repeats steps 3 and 4 on the newest n8n 1.x that installs here (N8N_1X in lib/install.mjs), installed
//    alongside n8n 2.x in step 1.
//
// In step 4 the MCP example (n8n's MCP Server Trigger with the package's tools) is active too: the
// official MCP client lists and calls its tools (lib/mcp.mjs).
//
// Environment: E2E_N8N1=0 skips step 6; E2E_SKIP_EDITOR=1 skips step 5; E2E_KEEP_TEMP=1 keeps the
// run's temporary folder; CHROMIUM_PATH overrides /usr/bin/chromium. E2E_ONLY=mcp runs only the MCP
// and AI Agent checks and the tool's panel in the editor, on n8n 2.x (E2E_MCP_N8N1=1: and on 1.x),
// for working on them; the full suite runs them too.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { onlyChangedFixture, runActiveChecks, triggerFixture } from './lib/active.mjs';
import { Checks, errorText } from './lib/checks.mjs';
import { runEditorChecks } from './lib/editor.mjs';
import { MCP_EXAMPLE, mcpFixture, runAgentChecks, runMcpChecks } from './lib/mcp.mjs';
import { activateWorkflows } from './lib/active.mjs';
import { ensureChromium, ensureN8n, ensureNode, N8N_1X, N8N_VERSION } from './lib/install.mjs';
import { checkContract, startLocalApi } from './lib/local-api.mjs';
import { N8n } from './lib/n8n.mjs';
import { freePort, portOr } from './lib/proc.mjs';
import {
	CACHE_DIR,
	DOCS_DIR,
	EXAMPLES_DIR,
	log,
	NODE_TYPE,
	PACKAGE,
	packPackage,
	temporaryRun,
} from './lib/setup.mjs';
import { exampleCredentials, exampleWorkflows, importAll, runCliChecks } from './lib/workflows.mjs';

/** @import { N8nInstall } from './lib/n8n.mjs' */

/** Ends an E2E_ONLY=mcp run after its part. */
class OnlyMcpDone extends Error {}

const started = Date.now();
const checks = new Checks();
const run = temporaryRun('n8n-apify-kvs-e2e-');

try {
	mkdirSync(CACHE_DIR, { recursive: true });
	const onlyMcp = process.env.E2E_ONLY === 'mcp';
	const withEditor = !process.env.E2E_SKIP_EDITOR;
	const with1x = process.env.E2E_N8N1 !== '0' && (!onlyMcp || process.env.E2E_MCP_N8N1 === '1');

	checks.section('Set-up');
	// Without Chromium only the editor part, without n8n 1.x only the compatibility part fails.
	const [chromium, nodeDir] = await Promise.all([
		withEditor
			? checks.check('set-up: Chromium is there or installs', async () => await ensureChromium(log))
			: undefined,
		ensureNode(CACHE_DIR, log),
	]);
	const [n8n2, n8n1] = await Promise.all([
		ensureN8n(CACHE_DIR, nodeDir, { version: N8N_VERSION }, log),
		with1x
			? checks.check(
					`set-up: n8n ${N8N_1X.version} installs`,
					async () => await ensureN8n(CACHE_DIR, nodeDir, N8N_1X, log),
				)
			: undefined,
	]);
	log(`set-up done after ${Math.round((Date.now() - started) / 1000)} s`);

	const tarball = packPackage(run.dir);
	log(`packed ${tarball}`);
	// The port of the example credential when it is free: the screenshots then show the same URLs every run.
	const local = await startLocalApi({ port: await portOr(8765) });
	run.addCleanup(() => local.api.close());
	log(`local Apify API on ${local.url}`);

	/**
	 * A fresh n8n user folder for an installed n8n, with the packed package installed in it.
	 *
	 * @param {N8nInstall} n8n
	 */
	const instance = async (n8n) => {
		const home = join(run.dir, `n8n-${n8n.version}`);
		const logDir = join(run.dir, 'logs');
		mkdirSync(logDir, { recursive: true });
		const n8nInstance = new N8n({ nodeDir, n8n, home, logDir, brokerPort: await freePort() });
		run.addCleanup(() => n8nInstance.stop());
		await n8nInstance.installPackage(tarball, PACKAGE.name, PACKAGE.version);
		return n8nInstance;
	};

	const mcpExample = exampleWorkflows(EXAMPLES_DIR).find(({ file }) => file === MCP_EXAMPLE);
	if (!mcpExample) throw new Error(`examples/${MCP_EXAMPLE} is missing`);
	const mcpSecrets = {
		'API token': local.fixtures.FULL_ACCESS_TOKEN,
		'URL signature': local.storeSignature(local.fixtures.DEMO_STORE),
	};

	/**
	 * The CLI part, then the active workflows in `n8n start`; the instance keeps running for the editor when `keepRunning`.
	 *
	 * @param {N8nInstall} n8n
	 * @param {string} label  before every check's name
	 * @param {{ keepRunning: boolean }} options
	 */
	const runInstance = async (n8n, label, { keepRunning }) => {
		const n8nInstance = await instance(n8n);
		const trigger = triggerFixture({ local, nodeType: NODE_TYPE, version: n8n.version });
		const onlyChanged = onlyChangedFixture({ local, nodeType: NODE_TYPE, version: n8n.version });
		const mcp = mcpFixture({ local, version: n8n.version, example: mcpExample.workflow });
		const cli = await runCliChecks(checks, n8nInstance, {
			local,
			examplesDir: EXAMPLES_DIR,
			runDir: run.dir,
			nodeType: NODE_TYPE,
			label,
			extraWorkflows: [trigger.workflow, onlyChanged.workflow, mcp.agent],
		});
		checks.section(`${label}: active workflows in n8n start (trigger, webhook)`);
		await runActiveChecks(checks, n8nInstance, {
			local,
			trigger,
			onlyChanged,
			examples: cli.examples,
			port: await freePort(),
			label,
			stopAfter: !keepRunning,
			mcp: { fixture: mcp, example: mcpExample.workflow, secrets: mcpSecrets },
		});
		return { n8nInstance, cli };
	};

	/**
	 * Only the MCP example and the AI Agent workflow: imported, activated, called (E2E_ONLY=mcp).
	 *
	 * @param {N8nInstall} n8n
	 * @param {string} label
	 */
	const runMcpOnly = async (n8n, label) => {
		const n8nInstance = await instance(n8n);
		const mcp = mcpFixture({ local, version: n8n.version, example: mcpExample.workflow });
		await importAll(n8nInstance, run.dir, {
			credentials: exampleCredentials(EXAMPLES_DIR, local.url),
			workflows: [mcpExample.workflow, mcp.agent],
		});
		await activateWorkflows(n8nInstance, [mcpExample.workflow.id]);
		const url = await n8nInstance.start({ port: await freePort() });
		const options = { fixture: mcp, example: mcpExample.workflow, secrets: mcpSecrets };
		await runMcpChecks(checks, n8nInstance, { url, label, ...options });
		await runAgentChecks(checks, n8nInstance, { label, fixture: mcp });
		if (chromium && n8n === n8n2) {
			await runEditorChecks(checks, n8nInstance, {
				chromium,
				workflows: { [MCP_EXAMPLE]: mcpExample.workflow.id },
				secrets: mcpSecrets,
				docsDir: DOCS_DIR,
				tmpDir: run.dir,
				onlyToolPanel: true,
			});
		}
		await n8nInstance.stop();
	};

	if (onlyMcp) {
		checks.section(`n8n ${N8N_VERSION}: the MCP example and an AI Agent (E2E_ONLY=mcp)`);
		await runMcpOnly(n8n2, `n8n ${N8N_VERSION}`);
		if (process.env.E2E_MCP_N8N1 === '1' && n8n1) await runMcpOnly(n8n1, `n8n ${n8n1.version}`);
		await checkContract(checks, local, 'e2e-mcp');
		throw new OnlyMcpDone();
	}

	checks.section(`n8n ${N8N_VERSION}: example workflows through n8n's CLI`);
	const main = await runInstance(n8n2, `n8n ${N8N_VERSION}`, { keepRunning: Boolean(chromium) });

	if (chromium) {
		checks.section(`n8n ${N8N_VERSION}: the editor in headless Chromium`);
		await runEditorChecks(checks, main.n8nInstance, {
			chromium,
			workflows: main.cli.examples,
			secrets: main.cli.secrets,
			docsDir: DOCS_DIR,
			tmpDir: run.dir,
		});
	}

	if (n8n1) {
		checks.section(`n8n ${n8n1.version}: example workflows through n8n's CLI (compatibility)`);
		await runInstance(n8n1, `n8n ${n8n1.version}`, { keepRunning: false });
	}
	await checkContract(checks, local, 'e2e');
} catch (error) {
	if (!(error instanceof OnlyMcpDone)) checks.fail('the suite could not go on', errorText(error));
} finally {
	await run.cleanup();
}
log(`finished in ${Math.round((Date.now() - started) / 1000)} s`);
// The last line: "N passed, M failed".
process.exit(checks.summary() ? 0 : 1);
