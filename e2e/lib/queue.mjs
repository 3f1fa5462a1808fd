// @ts-check
// n8n in queue mode: a throw-away PostgreSQL cluster, a Redis of its own, one main instance and
// workers, each with its own user folder and this package installed in it.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { N8n } from './n8n.mjs';
import { freePort, runCommand, startProcess, stopProcess, tail, waitFor } from './proc.mjs';

/** @import { N8nInstall } from './n8n.mjs' */
/** @import { Proc } from './proc.mjs' */

export const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';
const POSTGRES_USER = 'postgres';
const DATABASE = 'n8n';

/**
 * Runs a PostgreSQL program as the `postgres` system user: PostgreSQL refuses to run as root.
 *
 * @param {string} program  in POSTGRES_BIN
 * @param {string[]} args
 */
function asPostgres(program, args) {
	return ['-u', POSTGRES_USER, '--', join(POSTGRES_BIN, program), ...args];
}

/**
 * A throw-away PostgreSQL 15 cluster: `initdb` into a temporary folder owned by `postgres`, the
 * server on a free loopback port (never the system's cluster), a database for n8n. `stop()` shuts it
 * down and deletes the folder.
 *
 * @param {{ logDir: string, log: (line: string) => void }} options
 */
export async function startPostgres({ logDir, log }) {
	if (!existsSync(join(POSTGRES_BIN, 'postgres')))
		throw new Error(`PostgreSQL 15 is missing: ${POSTGRES_BIN}/postgres`);
	const uid = Number(execFileSync('id', ['-u', POSTGRES_USER], { encoding: 'utf8' }).trim());
	const gid = Number(execFileSync('id', ['-g', POSTGRES_USER], { encoding: 'utf8' }).trim());
	// Its own folder: the run's folder is private to root, and postgres must own this one.
	const dir = mkdtempSync(join(tmpdir(), 'n8n-apify-kvs-queue-pg-'));
	chownSync(dir, uid, gid);
	const dataDir = join(dir, 'data');
	const port = await freePort();
	/** @type {Proc | undefined} */
	let server;
	const stop = async () => {
		if (server) {
			// A fast shutdown: n8n's connections are dropped, not waited for.
			await runCommand(
				'runuser',
				asPostgres('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']),
				{
					timeoutMs: 60_000,
				},
			).catch(() => undefined);
			await stopProcess(server);
			server = undefined;
		}
		rmSync(dir, { recursive: true, force: true });
	};
	try {
		const init = await runCommand(
			'runuser',
			asPostgres('initdb', [
				'-D',
				dataDir,
				'-U',
				POSTGRES_USER,
				'-A',
				'trust',
				'-E',
				'UTF8',
				'--no-sync',
			]),
			{ timeoutMs: 120_000, label: 'initdb', logFile: join(logDir, 'postgres-initdb.log') },
		);
		if (init.code !== 0) throw new Error(`initdb failed:\n${tail(init.output)}`);
		// A test database: durability off, the socket in its own folder.
		server = startProcess(
			'runuser',
			asPostgres('postgres', [
				'-D',
				dataDir,
				'-p',
				String(port),
				'-c',
				'listen_addresses=127.0.0.1',
				'-c',
				`unix_socket_directories=${dir}`,
				'-c',
				'fsync=off',
				'-c',
				'synchronous_commit=off',
				'-c',
				'full_page_writes=off',
				'-c',
				'max_connections=100',
			]),
			{ logFile: join(logDir, 'postgres.log') },
		);
		const running = server;
		await waitFor(
			async () => {
				if (running.child.exitCode !== null) throw new Error('exited');
				const ready = await runCommand(
					'runuser',
					asPostgres('pg_isready', ['-h', '127.0.0.1', '-p', String(port)]),
					{ timeoutMs: 10_000 },
				);
				return ready.code === 0;
			},
			{
				timeoutMs: 60_000,
				message: `PostgreSQL did not accept connections on port ${port}:\n${tail(running.output.text)}`,
			},
		);
		const created = await runCommand(
			'runuser',
			asPostgres('createdb', ['-h', '127.0.0.1', '-p', String(port), DATABASE]),
			{ timeoutMs: 30_000 },
		);
		if (created.code !== 0) throw new Error(`createdb failed:\n${tail(created.output)}`);
	} catch (error) {
		await stop();
		throw error;
	}
	log(`PostgreSQL 15 on 127.0.0.1:${port} (cluster in ${dir})`);
	return {
		port,
		dir,
		stop,
		/** n8n's settings for this database. */
		env: {
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(port),
			DB_POSTGRESDB_DATABASE: DATABASE,
			DB_POSTGRESDB_USER: POSTGRES_USER,
		},
	};
}

/**
 * Redis on a free loopback port, without persistence.
 *
 * @param {{ redisServer: string, logDir: string, log: (line: string) => void }} options
 */
export async function startRedis({ redisServer, logDir, log }) {
	const port = await freePort();
	const proc = startProcess(
		redisServer,
		[
			'--port',
			String(port),
			'--bind',
			'127.0.0.1',
			'--save',
			'',
			'--appendonly',
			'no',
			'--dir',
			logDir,
		],
		{ logFile: join(logDir, 'redis.log') },
	);
	await waitFor(
		async () => {
			if (proc.child.exitCode !== null) throw new Error('exited');
			return /ready to accept connections/i.test(proc.output.text);
		},
		{ timeoutMs: 30_000, message: `redis-server did not start:\n${tail(proc.output.text)}` },
	);
	log(`Redis on 127.0.0.1:${port}`);
	return {
		port,
		proc,
		stop: async () => await stopProcess(proc),
		env: { QUEUE_BULL_REDIS_HOST: '127.0.0.1', QUEUE_BULL_REDIS_PORT: String(port) },
	};
}

/**
 * What every process of the cluster shares: queue mode, the database, Redis, the encryption key.
 * A worker's lock on a job lapses 20 s after the worker stops renewing it (it died), and the
 * workers look for such jobs every 5 s: a crashed execution shows within a minute, not minutes.
 *
 * `sharedBinaryDir` is the folder every process would mount as a shared volume: where binary data
 * goes in `filesystem` mode (the default `database` mode does not use it).
 *
 * @param {{ db: { env: Record<string, string> }, redis: { env: Record<string, string> }, sharedBinaryDir: string }} services
 */
export function queueEnv({ db, redis, sharedBinaryDir }) {
	return {
		N8N_BINARY_DATA_STORAGE_PATH: sharedBinaryDir,
		EXECUTIONS_MODE: 'queue',
		...db.env,
		...redis.env,
		QUEUE_BULL_PREFIX: `apify-kvs-e2e-${randomBytes(4).toString('hex')}`,
		N8N_ENCRYPTION_KEY: randomBytes(24).toString('hex'),
		QUEUE_WORKER_LOCK_DURATION: '20000',
		QUEUE_WORKER_LOCK_RENEW_TIME: '4000',
		QUEUE_WORKER_STALLED_INTERVAL: '5000',
	};
}

/**
 * One process of the cluster: a user folder of its own with the package installed in it.
 *
 * @param {object} options
 * @param {string} options.nodeDir
 * @param {N8nInstall} options.n8n
 * @param {string} options.runDir
 * @param {string} options.logDir
 * @param {string} options.tarball
 * @param {{ name: string, version: string }} options.pkg
 * @param {Record<string, string>} options.env  queueEnv()
 * @param {string} options.name  main, worker-1, …
 */
export async function queueInstance({ nodeDir, n8n, runDir, logDir, tarball, pkg, env, name }) {
	const home = join(runDir, `n8n-${name}`);
	mkdirSync(home, { recursive: true });
	const instance = new N8n({
		nodeDir,
		n8n,
		home,
		logDir,
		brokerPort: await freePort(),
		extraEnv: env,
		name,
	});
	await instance.installPackage(tarball, pkg.name, pkg.version);
	return instance;
}

/**
 * Reads n8n's database with n8n's own `pg`: the `binary_data` table (database mode), workflows' static data.
 *
 * @param {N8nInstall} n8n
 * @param {{ port: number }} db
 */
export async function binaryDataTable(n8n, db) {
	const pg = createRequire(join(n8n.dir, 'node_modules', 'n8n', 'package.json'))('pg');
	const client = new pg.Client({
		host: '127.0.0.1',
		port: db.port,
		user: POSTGRES_USER,
		database: DATABASE,
	});
	await client.connect();
	return {
		/**
		 * A stored file's metadata and the SHA-256 of its bytes, computed by PostgreSQL; undefined when
		 * there is no such row.
		 *
		 * @param {string} binaryId  an item's binary `id`, `database:<fileId>`
		 * @returns {Promise<{ fileName: string, mimeType: string, fileSize: number, sha256: string, length: number } | undefined>}
		 */
		async file(binaryId) {
			const match = /^database:(.+)$/.exec(binaryId ?? '');
			if (!match) return undefined;
			const { rows } = await client.query(
				`SELECT "fileName", "mimeType", "fileSize", encode(sha256(data), 'hex') AS sha256,
				        octet_length(data) AS length
				   FROM binary_data WHERE "fileId" = $1`,
				[match[1]],
			);
			return rows[0] ? { ...rows[0], length: Number(rows[0].length) } : undefined;
		},
		/**
		 * The bytes of a stored file (small files only).
		 *
		 * @param {string} binaryId
		 * @returns {Promise<Buffer | undefined>}
		 */
		async bytes(binaryId) {
			const match = /^database:(.+)$/.exec(binaryId ?? '');
			if (!match) return undefined;
			const { rows } = await client.query('SELECT data FROM binary_data WHERE "fileId" = $1', [
				match[1],
			]);
			return rows[0]?.data;
		},
		/**
		 * A workflow's static data as n8n saved it.
		 *
		 * @param {string} workflowId
		 * @returns {Promise<any>}
		 */
		async staticData(workflowId) {
			const { rows } = await client.query(
				'SELECT "staticData" FROM workflow_entity WHERE id = $1',
				[workflowId],
			);
			return rows[0]?.staticData;
		},
		close: async () => await client.end(),
	};
}

/**
 * The peak resident memory (VmHWM) and the current one (VmRSS) of a process, in MiB.
 *
 * @param {number} pid
 */
export function processMemory(pid) {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	/** @param {string} field */
	const kib = (field) =>
		Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
	return { peakMiB: Math.round(kib('VmHWM') / 1024), rssMiB: Math.round(kib('VmRSS') / 1024) };
}
