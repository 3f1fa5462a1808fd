/**
 * A second build of this package for the benchmark's before/after comparison
 * (BENCH_COMPARE_REF=<git ref>): the ref's files from `git archive`, built with its own gulpfile
 * and this checkout's node_modules, kept as the package n8n would install (package.json and dist/)
 * in `.cache/bench-compare/<commit>/` and reused by later runs. The benchmark's child processes
 * load it through the harness's HARNESS_PACKAGE_DIR.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { PROJECT_ROOT } from '../dev/harness/project-engine';

export const COMPARE_DIR = join(PROJECT_ROOT, '.cache', 'bench-compare');
const READY_FILE = 'ready.json';

export interface CompareBuild {
	/** As given, e.g. `main` or `HEAD~3`. */
	ref: string;
	commit: string;
	/** The ref and its short commit, for tables: `main (1a2b3c4)`. */
	label: string;
	/** The package folder: package.json and dist/. */
	dir: string;
	/** Seconds the build took in this run; 0 when the cache was reused. */
	buildSeconds: number;
}

const git = (args: string[]) =>
	execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();

/** Builds `ref` into the cache, unless a finished build of its commit is there. */
export function ensureCompareBuild(ref: string, log: (line: string) => void): CompareBuild {
	const commit = git(['rev-parse', '--verify', `${ref}^{commit}`]);
	const dir = join(COMPARE_DIR, commit);
	const build = { ref, commit, label: `${ref} (${commit.slice(0, 7)})`, dir };
	if (existsSync(join(dir, READY_FILE)) && existsSync(join(dir, 'dist'))) {
		log(`Comparing with ${build.label}: the build in ${dir} (reused).`);
		return { ...build, buildSeconds: 0 };
	}
	const started = Date.now();
	log(`Building ${build.label} into ${dir} ...`);
	const source = `${dir}.source`;
	rmSync(dir, { recursive: true, force: true });
	rmSync(source, { recursive: true, force: true });
	mkdirSync(source, { recursive: true });
	try {
		execFileSync(
			'sh',
			['-c', 'git archive --format=tar "$1" | tar -x -C "$2"', 'sh', commit, source],
			{
				cwd: PROJECT_ROOT,
				stdio: ['ignore', 'ignore', 'inherit'],
			},
		);
		symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
		execFileSync(
			process.execPath,
			[join(PROJECT_ROOT, 'node_modules', 'gulp', 'bin', 'gulp.js'), 'build'],
			{
				cwd: source,
				stdio: ['ignore', 'ignore', 'inherit'],
			},
		);
		mkdirSync(dir, { recursive: true });
		cpSync(join(source, 'package.json'), join(dir, 'package.json'));
		cpSync(join(source, 'dist'), join(dir, 'dist'), { recursive: true });
	} catch (error) {
		rmSync(dir, { recursive: true, force: true });
		throw new Error(
			`Building ${build.label} failed (it is built with this checkout's node_modules): ${(error as Error).message}`,
		);
	} finally {
		rmSync(source, { recursive: true, force: true });
	}
	const buildSeconds = Math.round((Date.now() - started) / 100) / 10;
	writeFileSync(
		join(dir, READY_FILE),
		`${JSON.stringify({ ref, commit, buildSeconds }, null, 2)}\n`,
	);
	log(`Built in ${buildSeconds} s.`);
	return { ...build, buildSeconds };
}
