// @ts-check
// Shared by the suite and `npm run dev`: paths, the packed package, and clean shutdown.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { cleanEnv, stopAll } from './proc.mjs';

export const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
export const CACHE_DIR = join(ROOT, '.cache', 'e2e');
export const EXAMPLES_DIR = join(ROOT, 'examples');
export const DOCS_DIR = join(ROOT, 'docs');
export const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
/** The node type as users' workflows contain it: `<package name>.<node name>`. */
export const NODE_TYPE = `${PACKAGE.name}.apifyKeyValueStore`;

/** @param {string} message */
export function log(message) {
	console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/**
 * `npm pack` of the built package into `dir`; returns the tarball's path.
 *
 * @param {string} dir
 * @param {string} [packageDir]  another build of the package (its package.json and dist/); this checkout by default
 */
export function packPackage(dir, packageDir = ROOT) {
	const output = execFileSync(
		'npm',
		['pack', '--json', '--loglevel=error', '--pack-destination', dir],
		{ cwd: packageDir, env: cleanEnv(), encoding: 'utf8' },
	);
	const [{ filename }] = JSON.parse(output);
	return join(dir, filename);
}

/**
 * A temporary folder for one run, and the clean-up that stops every process started and deletes the
 * folder: on normal exit, on errors and on Ctrl-C / SIGTERM.
 *
 * @param {string} prefix  of the folder's name
 * @param {Array<() => unknown>} [cleanups]  run in reverse order before the processes are stopped
 */
export function temporaryRun(prefix, cleanups = []) {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	let done = false;
	const state = { stopping: false };
	const cleanup = async () => {
		if (done) return;
		done = true;
		for (const fn of cleanups.reverse()) {
			await Promise.resolve()
				.then(fn)
				.catch((error) => console.error(`clean-up: ${error.message}`));
		}
		await stopAll();
		if (process.env.E2E_KEEP_TEMP) console.log(`kept ${dir} (E2E_KEEP_TEMP)`);
		else rmSync(dir, { recursive: true, force: true });
	};
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
		process.once(signal, () => {
			state.stopping = true;
			console.error(`\n${signal}: stopping …`);
			void cleanup().finally(() => process.exit(130));
		});
	}
	return {
		dir,
		cleanup,
		/** @param {() => unknown} fn */
		addCleanup: (fn) => cleanups.push(fn),
		/** Whether a signal asked the run to stop. */
		get stopping() {
			return state.stopping;
		},
	};
}
