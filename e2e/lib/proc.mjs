// @ts-check
// Child processes of the suite: every one is started in its own process group, tracked, and
// stopped (group and all) by stopAll(), which the scripts call on exit and on Ctrl-C.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A started process: the child, its exit (never rejects; `error` when it could not start) and all
 * it printed so far.
 *
 * @typedef {object} Proc
 * @property {import('node:child_process').ChildProcess} child
 * @property {Promise<{ code: number | null, signal: NodeJS.Signals | null, error?: Error }>} exited
 * @property {{ text: string }} output
 */

/** @type {Map<import('node:child_process').ChildProcess, Proc>} child → its handle, while it runs. */
const running = new Map();

/** npm settings from the environment worth keeping: where the registry is and how to reach it. */
const KEPT_NPM_CONFIG =
	/^npm_config_(registry|cache|cafile|ca|proxy|https_proxy|noproxy|strict_ssl|userconfig|globalconfig)$/i;

/**
 * The environment without what `npm run` adds: it exports the project's settings too, such as
 * npm_config_ignore_scripts=true from .npmrc and npm_config_local_prefix, which would misdirect the
 * npm commands run in the cache.
 *
 * @param {NodeJS.ProcessEnv} [extra]  set on top
 */
export function cleanEnv(extra = {}) {
	/** @type {NodeJS.ProcessEnv} */
	const env = {};
	for (const [name, value] of Object.entries(process.env)) {
		if (
			(/^npm_/i.test(name) && !KEPT_NPM_CONFIG.test(name)) ||
			name === 'NODE_OPTIONS' ||
			name === 'INIT_CWD'
		)
			continue;
		env[name] = value;
	}
	return { ...env, ...extra };
}

/**
 * Starts a long-running process; its output goes to `logFile` (and to `onLine` line by line).
 *
 * @param {string} command
 * @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string, logFile?: string, onLine?: (line: string) => void }} [options]
 * @returns {Proc}
 */
export function startProcess(command, args, { env, cwd, logFile, onLine } = {}) {
	const child = spawn(command, args, {
		env,
		cwd,
		detached: true,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
	const output = { text: '' };
	for (const stream of [child.stdout, child.stderr]) {
		let partial = '';
		stream.on('data', (chunk) => {
			const text = chunk.toString('utf8');
			output.text += text;
			log?.write(chunk);
			if (!onLine) return;
			partial += text;
			const lines = partial.split('\n');
			partial = lines.pop() ?? '';
			for (const line of lines) onLine(line);
		});
	}
	const exited = new Promise((resolve) => {
		child.once('exit', (code, signal) => {
			running.delete(child);
			log?.end();
			resolve({ code, signal });
		});
		child.once('error', (error) => {
			running.delete(child);
			log?.end();
			output.text += `\n${error.message}\n`;
			resolve({ code: -1, signal: null, error });
		});
	});
	const proc = { child, exited, output };
	running.set(child, proc);
	return proc;
}

/**
 * Runs a command to its end; rejects after `timeoutMs` (killing it) with the command's last output.
 *
 * @param {string} command
 * @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string, timeoutMs: number, label?: string, logFile?: string }} options
 */
export async function runCommand(command, args, { env, cwd, timeoutMs, label, logFile }) {
	const started = Date.now();
	const proc = startProcess(command, args, { env, cwd, logFile });
	let timer;
	const timedOut = new Promise((resolve) => {
		timer = setTimeout(() => resolve('timeout'), timeoutMs);
	});
	const result = await Promise.race([proc.exited, timedOut]);
	clearTimeout(timer);
	if (result === 'timeout') {
		await stopProcess(proc);
		throw new Error(
			`${label ?? command} did not finish within ${Math.round(timeoutMs / 1000)} s. Last output:\n${tail(proc.output.text)}`,
		);
	}
	return {
		code: result.code,
		signal: result.signal,
		output: proc.output.text,
		durationMs: Date.now() - started,
	};
}

/**
 * SIGTERM to the process group, SIGKILL after `graceMs`.
 *
 * @param {Proc} proc
 */
export async function stopProcess(proc, graceMs = 15_000) {
	const { child, exited } = proc;
	if (child.exitCode !== null || child.signalCode !== null || !running.has(child)) return;
	signalGroup(child, 'SIGTERM');
	let timer;
	const late = await Promise.race([
		exited.then(() => false),
		new Promise((resolve) => {
			timer = setTimeout(() => resolve(true), graceMs);
		}),
	]);
	clearTimeout(timer);
	if (late) {
		signalGroup(child, 'SIGKILL');
		await exited;
	}
	// Helpers of the group (n8n's task runner) may outlive their leader by a moment.
	signalGroup(child, 'SIGKILL');
}

/**
 * `signal` to the process itself only (not its group), as a crash or the OOM killer would end it;
 * once it is gone, the rest of its group (n8n's task runner) is stopped too.
 *
 * @param {Proc} proc
 * @param {NodeJS.Signals} signal
 */
export async function killProcess(proc, signal = 'SIGKILL') {
	const { child, exited } = proc;
	if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
	process.kill(child.pid, signal);
	const result = await exited;
	signalGroup(child, 'SIGKILL');
	return result;
}

/**
 * @param {import('node:child_process').ChildProcess} child
 * @param {NodeJS.Signals} signal
 */
function signalGroup(child, signal) {
	// A process that could not start has no ID, and no group.
	if (child.pid === undefined) return;
	try {
		process.kill(-child.pid, signal);
	} catch {
		// The group is gone already.
	}
}

export async function stopAll() {
	await Promise.all([...running.values()].map((proc) => stopProcess(proc)));
}

/**
 * A port that was free a moment ago, on loopback.
 *
 * @returns {Promise<number>}
 */
export async function freePort() {
	return await new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
			server.close(() => resolve(port));
		});
	});
}

/**
 * `preferred` if nothing listens on it, otherwise a free port.
 *
 * @param {number} preferred
 * @returns {Promise<number>}
 */
export async function portOr(preferred) {
	return await new Promise((resolve) => {
		const server = createServer();
		server.unref();
		server.once('error', () => void freePort().then(resolve));
		server.listen(preferred, '127.0.0.1', () => server.close(() => resolve(preferred)));
	});
}

/**
 * The last `lines` lines of `text`.
 *
 * @param {string} text
 */
export function tail(text, lines = 25) {
	return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns a truthy value; throws `message` after `timeoutMs`.
 *
 * @template T
 * @param {() => Promise<T>} probe  a rejection counts as a falsy value
 * @param {{ timeoutMs: number, intervalMs?: number, message: string }} options
 * @returns {Promise<NonNullable<T>>}
 */
export async function waitFor(probe, { timeoutMs, intervalMs = 500, message }) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe().catch(() => undefined);
		if (value) return value;
		if (Date.now() > deadline) throw new Error(message);
		await sleep(intervalMs);
	}
}
