// Jest's stand-in for the build's esbuild `binary` loader, which bundles brotli-dec-wasm's
// WebAssembly binary as its bytes (nodes/ApifyKeyValueStore/helpers/decompress.ts).
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

module.exports = readFileSync(
	join(__dirname, '../../node_modules/brotli-dec-wasm/pkg/brotli_dec_wasm_bg.wasm'),
);
