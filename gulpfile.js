// The build: clean dist, type-check, bundle each node and credential with its libraries
// (pako, readable-stream, brotli-dec-wasm, p-map, mime-types, file-type) so the package
// needs no runtime dependencies, copy icons and codex files.
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
		// brotli-dec-wasm's WebAssembly module goes into the bundle as bytes (helpers/decompress.ts).
		loader: { '.wasm': 'binary' },
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
