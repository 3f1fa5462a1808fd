// @ts-check
// One n8n instance: a user folder, this package installed in it as a community package, n8n's CLI
// (import, execute) and `n8n start` with an owner set by environment variables.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { cleanEnv, runCommand, startProcess, stopProcess, tail, waitFor } from './proc.mjs';

/** @import { Proc } from './proc.mjs' */
/** @typedef {{ dir: string, bin: string, version: string }} N8nInstall  an installed n8n (lib/install.mjs) */

export const OWNER = {
	email: 'owner@example.com',
	password: 'Apify-KVS-e2e-1',
	firstName: 'Ada',
	lastName: 'Owner',
};

export class N8n {
	/**
	 * @param {object} options
	 * @param {string} options.nodeDir   Node 24 (bin/node)
	 * @param {N8nInstall} options.n8n
	 * @param {string} options.home      folder of this instance; N8N_USER_FOLDER is `home`, n8n's data `home/.n8n`
	 * @param {string} options.logDir
	 * @param {number} options.brokerPort
	 * @param {NodeJS.ProcessEnv} [options.extraEnv]  for every command of this instance, e.g. queue mode's database and Redis
	 * @param {string} [options.name]  in log file names, when several instances of one version run
	 */
	constructor({ nodeDir, n8n, home, logDir, brokerPort, extraEnv = {}, name }) {
		this.nodeDir = nodeDir;
		this.n8n = n8n;
		this.home = home;
		this.logDir = logDir;
		this.brokerPort = brokerPort;
		this.extraEnv = extraEnv;
		/** Log files start with this. */
		this.logName = name ? `${n8n.version}-${name}` : n8n.version;
		this.n8nFolder = join(home, '.n8n');
		this.version = n8n.version;
		mkdirSync(this.n8nFolder, { recursive: true });
		/** @type {Proc | undefined} the running `n8n start` */
		this.server = undefined;
		/** @type {string | undefined} the editor's URL while `n8n start` runs */
		this.url = undefined;
		/** @type {string | undefined} the log of the latest `n8n start` */
		this.logFile = undefined;
		/** How often `n8n start` ran. */
		this.starts = 0;
		/** @type {string[]} what the earlier `n8n start`s printed */
		this.earlierOutput = [];
	}

	/** @param {NodeJS.ProcessEnv} [extra] */

	env(extra = {}) {
		return cleanEnv({
			PATH: `${join(this.nodeDir, 'bin')}:${process.env.PATH}`,
			N8N_USER_FOLDER: this.home,
			N8N_LOG_LEVEL: 'info',
			// No calls home, no templates, no version checks, no verified-packages list.
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_VERIFIED_PACKAGES_ENABLED: 'false',
			N8N_HIRING_BANNER_ENABLED: 'false',
			...(this.version.startsWith('1.') ? {} : { N8N_DISABLED_MODULES: 'mcp-registry' }),
			N8N_RUNNERS_BROKER_PORT: String(this.brokerPort),
			N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
			// Queue mode keeps n8n's default there, `database`.
			...(this.extraEnv.EXECUTIONS_MODE === 'queue'
				? {}
				: { N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem' }),
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
			...this.extraEnv,
			...extra,
		});
	}

	/**
	 * Where binary data lives: n8n 2.x `.n8n/storage`, n8n 1.x `.n8n/binaryData`.
	 *
	 * @param {string | undefined} id  a binary data ID as n8n stores it in items
	 */
	binaryDataPath(id) {
		const match = /^filesystem(?:-v2)?:(.+)$/.exec(id ?? '');
		if (!match) return undefined;
		const folder = this.version.startsWith('1.') ? 'binaryData' : 'storage';
		return join(this.n8nFolder, folder, match[1]);
	}

	/**
	 * Installs the packed tarball as n8n's own installer does (Settings → Community Nodes): unpacked
	 * to `.n8n/nodes/node_modules/<name>` without its dev and peer dependencies, and recorded in
	 * `.n8n/nodes/package.json`.
	 *
	 * @param {string} tarball
	 * @param {string} packageName
	 * @param {string} version
	 */
	async installPackage(tarball, packageName, version) {
		const nodesDir = join(this.n8nFolder, 'nodes');
		const packageDir = join(nodesDir, 'node_modules', packageName);
		mkdirSync(packageDir, { recursive: true });
		const result = await runCommand(
			'tar',
			['-xzf', tarball, '-C', packageDir, '--strip-components=1'],
			{
				timeoutMs: 60_000,
				label: 'tar',
			},
		);
		if (result.code !== 0) throw new Error(`Unpacking ${tarball} failed:\n${tail(result.output)}`);
		const manifestPath = join(packageDir, 'package.json');
		const { devDependencies, peerDependencies, optionalDependencies, ...manifest } = JSON.parse(
			readFileSync(manifestPath, 'utf8'),
		);
		if (Object.keys(manifest.dependencies ?? {}).length) {
			throw new Error(
				`The package has runtime dependencies, which n8n would have to install: ${Object.keys(manifest.dependencies).join(', ')}`,
			);
		}
		writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
		writeFileSync(
			join(nodesDir, 'package.json'),
			JSON.stringify(
				{ name: 'installed-nodes', private: true, dependencies: { [packageName]: version } },
				null,
				2,
			),
		);
		return packageDir;
	}

	/**
	 * Runs `n8n <args>`; resolves with exit code and output, rejects only on timeout. `prefix` is a
	 * command that runs n8n, such as `['/usr/bin/time', '-v']`; its output is in the result's too.
	 *
	 * @param {string[]} args
	 * @param {{ timeoutMs?: number, label?: string, extraEnv?: NodeJS.ProcessEnv, prefix?: string[] }} [options]
	 */
	async cli(args, { timeoutMs = 120_000, label, extraEnv, prefix = [] } = {}) {
		const logName = `${label ?? args[0]}`.replace(/[^a-z0-9.-]+/gi, '_');
		const [command, ...commandArgs] = [
			...prefix,
			join(this.nodeDir, 'bin', 'node'),
			this.n8n.bin,
			...args,
		];
		return await runCommand(command, commandArgs, {
			env: this.env(extraEnv),
			cwd: this.home,
			timeoutMs,
			label: `n8n ${args.join(' ')}`,
			logFile: join(this.logDir, `${this.logName}-${logName}.log`),
		});
	}

	/**
	 * @param {'credentials' | 'workflow'} kind
	 * @param {string} file
	 */
	async importFile(kind, file) {
		const result = await this.cli([`import:${kind}`, `--input=${file}`], {
			label: `import-${kind}`,
		});
		if (result.code !== 0)
			throw new Error(
				`n8n import:${kind} --input=${file} failed (exit ${result.code}):\n${tail(result.output)}`,
			);
		return result;
	}

	/**
	 * `n8n execute --id=ID --rawOutput`. n8n prints the run (or, on failure, "Execution error:" and the
	 * run) as pretty JSON after its log lines; `run` is that JSON, parsed.
	 *
	 * @param {string} workflowId
	 * @param {{ timeoutMs?: number, prefix?: string[] }} [options]  `prefix` as for `cli`
	 */
	async execute(workflowId, { timeoutMs = 180_000, prefix } = {}) {
		const result = await this.cli(['execute', `--id=${workflowId}`, '--rawOutput'], {
			timeoutMs,
			label: `execute-${workflowId}`,
			prefix,
		});
		return { ...result, run: parseRunOutput(result.output) };
	}

	/**
	 * `n8n start` on loopback with the owner from env; resolves with the editor's URL once it answers.
	 *
	 * @param {{ port: number }} options
	 * @returns {Promise<string>}
	 */
	async start({ port }) {
		const bcrypt = createRequire(join(this.n8n.dir, 'node_modules', 'n8n', 'package.json'))(
			'bcryptjs',
		);
		const env = this.env({
			N8N_PORT: String(port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			N8N_PROTOCOL: 'http',
			N8N_EDITOR_BASE_URL: `http://127.0.0.1:${port}`,
			N8N_SECURE_COOKIE: 'false',
			N8N_INSTANCE_OWNER_MANAGED_BY_ENV: 'true',
			N8N_INSTANCE_OWNER_EMAIL: OWNER.email,
			N8N_INSTANCE_OWNER_FIRST_NAME: OWNER.firstName,
			N8N_INSTANCE_OWNER_LAST_NAME: OWNER.lastName,
			N8N_INSTANCE_OWNER_PASSWORD_HASH: bcrypt.hashSync(OWNER.password, 10),
		});
		this.starts += 1;
		this.logFile = join(this.logDir, `${this.logName}-start-${this.starts}.log`);
		const server = startProcess(join(this.nodeDir, 'bin', 'node'), [this.n8n.bin, 'start'], {
			env,
			cwd: this.home,
			logFile: this.logFile,
		});
		this.server = server;
		const url = `http://127.0.0.1:${port}`;
		this.url = url;
		/** @type {Awaited<Proc['exited']> | undefined} */
		let exited;
		void server.exited.then((result) => {
			exited = result;
		});
		await waitFor(
			async () => {
				if (exited) return true;
				const response = await fetch(`${url}/healthz/readiness`, {
					signal: AbortSignal.timeout(2000),
				});
				return response.ok && server.output.text.includes('Editor is now accessible');
			},
			{
				timeoutMs: 180_000,
				message: `n8n start did not become ready within 180 s on ${url}:\n${tail(server.output.text)}`,
			},
		);
		if (exited)
			throw new Error(
				`n8n start exited (${exited.code ?? exited.signal}) before it was ready:\n${tail(server.output.text)}`,
			);
		return url;
	}

	/**
	 * `n8n worker` (queue mode; `extraEnv` names the database and Redis); resolves once it says it is ready.
	 *
	 * @param {{ env?: NodeJS.ProcessEnv }} [options]  on top of the instance's
	 */
	async startWorker({ env } = {}) {
		this.starts += 1;
		this.logFile = join(this.logDir, `${this.logName}-worker-${this.starts}.log`);
		const worker = startProcess(join(this.nodeDir, 'bin', 'node'), [this.n8n.bin, 'worker'], {
			env: this.env(env),
			cwd: this.home,
			logFile: this.logFile,
		});
		this.server = worker;
		/** @type {Awaited<Proc['exited']> | undefined} */
		let exited;
		void worker.exited.then((result) => {
			exited = result;
		});
		await waitFor(async () => exited || worker.output.text.includes('n8n worker is now ready'), {
			timeoutMs: 180_000,
			message: `n8n worker did not become ready within 180 s:\n${tail(worker.output.text)}`,
		});
		if (exited)
			throw new Error(
				`n8n worker exited (${exited.code ?? exited.signal}) before it was ready:\n${tail(worker.output.text)}`,
			);
		return worker;
	}

	/** The process ID of the running `n8n start` or `n8n worker`. */
	get pid() {
		return this.server?.child.pid;
	}

	/** What every `n8n start` of this instance printed. */
	get serverOutput() {
		return [...this.earlierOutput, this.server?.output.text ?? ''].join('\n');
	}

	async stop() {
		if (!this.server) return;
		await stopProcess(this.server);
		this.earlierOutput = [...this.earlierOutput, this.server.output.text];
		this.server = undefined;
		this.url = undefined;
	}
}

/**
 * The JSON document n8n prints after its log lines: from the first line that is just "{" to the last "}".
 *
 * @param {string} output
 * @returns {any} n8n's run, as JSON; its shape is n8n's, unchecked
 */
export function parseRunOutput(output) {
	const start = output.search(/^\{$/m);
	const end = output.lastIndexOf('\n}');
	if (start < 0 || end < start) return undefined;
	try {
		return JSON.parse(output.slice(start, end + 2));
	} catch {
		return undefined;
	}
}

/** @param {Buffer} buffer */
export function sha256(buffer) {
	return createHash('sha256').update(buffer).digest('hex');
}
