/**
 * n8n's own nodes as the benchmark's baseline: the HTTP Request node (v4.x) and the Compression
 * node from n8n-nodes-base, the version that n8n 2.41.1 ships with n8n-core 2.41.1.
 *
 * n8n-nodes-base is not a dependency of this package (with all its dependencies it is 800 MB and
 * two minutes of install). The first `npm run bench` installs it into `.cache/bench-baseline/`
 * (git-ignored) with npm, from the registry: the package itself (`npm pack`), then only the
 * libraries these two nodes load, at the exact versions n8n-nodes-base pins. Later runs reuse it.
 *
 * n8n-workflow, n8n-core and @n8n/di are not installed there: the baseline nodes load this
 * project's copies (the same versions n8n-nodes-base asks for; dev/harness/project-engine.ts), so
 * both sides of the benchmark run on one engine, one `Container` and one set of n8n-workflow classes.
 */
import { execFileSync } from 'node:child_process';
import {
	existsSync,
	mkdirSync,
	readFileSync,
	readdirSync,
	renameSync,
	rmSync,
	statSync,
	writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';

import type { INodeType, IVersionedNodeType } from 'n8n-workflow';

import {
	assertProjectEngine,
	ENGINE_PACKAGES,
	packageName,
	PROJECT_ROOT,
	useProjectEngineFor,
} from '../dev/harness/project-engine';

export { PROJECT_ROOT };
export const BASELINE_PACKAGE = 'n8n-nodes-base';
/** The n8n-nodes-base of n8n 2.41.1, whose n8n-core is this project's 2.41.1. */
export const BASELINE_VERSION = '2.41.1';
export const BASELINE_DIR = join(PROJECT_ROOT, '.cache', 'bench-baseline');
const PACKAGE_DIR = join(BASELINE_DIR, BASELINE_PACKAGE);
const READY_FILE = join(BASELINE_DIR, 'ready.json');

/** Entry files of the nodes the benchmark uses, inside n8n-nodes-base. */
const NODE_FILES = {
	httpRequest: 'dist/nodes/HttpRequest/HttpRequest.node.js',
	compression: 'dist/nodes/Compression/Compression.node.js',
} as const;

/** What is unpacked of n8n-nodes-base: the two nodes, the helpers they share with other nodes, the manifest and licence. */
const EXTRACTED = [
	'package.json',
	'LICENSE.md',
	'dist/nodes/HttpRequest',
	'dist/nodes/Compression',
	'dist/utils',
];

export interface BaselineInstall {
	version: string;
	/** What was installed beside the package, name@version. */
	libraries: string[];
	/** Seconds the install took in this run; 0 when the cache was reused. */
	installSeconds: number;
}

/**
 * The packages the two nodes load, found by following their `require()` and `import()` calls
 * through n8n-nodes-base's own files.
 */
function librariesOfNodes(): string[] {
	const seen = new Set<string>();
	const libraries = new Set<string>();
	const queue = Object.values(NODE_FILES).map((file) => join(PACKAGE_DIR, file));
	while (queue.length > 0) {
		const file = queue.pop() as string;
		if (seen.has(file)) continue;
		seen.add(file);
		const source = readFileSync(file, 'utf8');
		for (const [, specifier] of source.matchAll(
			/\b(?:require|import)\(\s*["']([^"']+)["']\s*\)/g,
		)) {
			if (specifier.startsWith('.')) {
				const base = resolve(dirname(file), specifier);
				const found = [base, `${base}.js`, join(base, 'index.js')].find(
					(path) => existsSync(path) && statSync(path).isFile(),
				);
				if (!found) throw new Error(`Cannot follow ${specifier} from ${file}`);
				queue.push(found);
			} else if (
				!specifier.startsWith('node:') &&
				!builtinModules.includes(packageName(specifier))
			) {
				libraries.add(packageName(specifier));
			}
		}
	}
	return [...libraries].sort();
}

function npm(args: string[], cwd: string): void {
	execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, {
		cwd,
		stdio: ['ignore', 'ignore', 'inherit'],
	});
}

/** Installs the baseline nodes into the cache folder, unless a complete install of this version is there. */
export function ensureBaseline(log: (line: string) => void = () => {}): BaselineInstall {
	if (existsSync(READY_FILE)) {
		const ready = JSON.parse(readFileSync(READY_FILE, 'utf8')) as BaselineInstall;
		if (
			ready.version === BASELINE_VERSION &&
			existsSync(join(PACKAGE_DIR, NODE_FILES.httpRequest))
		) {
			return { ...ready, installSeconds: 0 };
		}
	}
	const started = Date.now();
	log(
		`Installing ${BASELINE_PACKAGE}@${BASELINE_VERSION} (HTTP Request and Compression nodes) into ${BASELINE_DIR} ...`,
	);
	rmSync(BASELINE_DIR, { recursive: true, force: true });
	mkdirSync(BASELINE_DIR, { recursive: true });

	npm(
		[
			'pack',
			`${BASELINE_PACKAGE}@${BASELINE_VERSION}`,
			'--pack-destination',
			BASELINE_DIR,
			'--silent',
		],
		BASELINE_DIR,
	);
	const tarball = readdirSync(BASELINE_DIR).find((name) => name.endsWith('.tgz'));
	if (!tarball)
		throw new Error(`npm pack left no tarball of ${BASELINE_PACKAGE} in ${BASELINE_DIR}`);
	// Only what the two nodes load (checked below, when their requires are followed): the whole package is 35,000 files.
	execFileSync('tar', ['-xzf', tarball, ...EXTRACTED.map((path) => `package/${path}`)], {
		cwd: BASELINE_DIR,
	});
	renameSync(join(BASELINE_DIR, 'package'), PACKAGE_DIR);
	rmSync(join(BASELINE_DIR, tarball));

	const pinned = (
		JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as {
			dependencies: Record<string, string>;
		}
	).dependencies;
	const libraries = librariesOfNodes()
		.filter((name) => !ENGINE_PACKAGES.includes(name))
		.map((name) => {
			if (!pinned[name])
				throw new Error(`${BASELINE_PACKAGE} does not pin ${name}, which its nodes load`);
			return `${name}@${pinned[name]}`;
		});
	writeFileSync(
		join(BASELINE_DIR, 'package.json'),
		`${JSON.stringify({ name: 'bench-baseline', private: true }, null, 2)}\n`,
	);
	// No install scripts, as for the project itself (.npmrc): none of these libraries needs one.
	npm(
		[
			'install',
			'--ignore-scripts',
			'--no-audit',
			'--no-fund',
			'--no-package-lock',
			'--loglevel=error',
			...libraries,
		],
		BASELINE_DIR,
	);

	const install: BaselineInstall = {
		version: BASELINE_VERSION,
		libraries,
		installSeconds: Math.round((Date.now() - started) / 100) / 10,
	};
	writeFileSync(READY_FILE, `${JSON.stringify(install, null, 2)}\n`);
	log(`Installed in ${install.installSeconds} s: ${libraries.join(' ')}`);
	return install;
}

export interface BaselineNodes {
	/** n8n-nodes-base.httpRequest: versions 1 to 4.x. */
	httpRequest: INodeType | IVersionedNodeType;
	/** n8n-nodes-base.compression: versions 1 and 1.1. */
	compression: INodeType | IVersionedNodeType;
}

/** Loads the baseline nodes from the cache folder (install it first with `ensureBaseline`). */
export function loadBaselineNodes(): BaselineNodes {
	if (!existsSync(join(PACKAGE_DIR, NODE_FILES.httpRequest))) {
		throw new Error(
			`The baseline nodes are not installed in ${BASELINE_DIR}; npm run bench installs them`,
		);
	}
	useProjectEngineFor(BASELINE_DIR);
	const load = (file: string, exported: string) => {
		const NodeClass = (
			require(join(PACKAGE_DIR, file)) as Record<string, new () => INodeType | IVersionedNodeType>
		)[exported];
		return new NodeClass();
	};
	const nodes = {
		httpRequest: load(NODE_FILES.httpRequest, 'HttpRequest'),
		compression: load(NODE_FILES.compression, 'Compression'),
	};
	assertProjectEngine('The baseline');
	return nodes;
}
