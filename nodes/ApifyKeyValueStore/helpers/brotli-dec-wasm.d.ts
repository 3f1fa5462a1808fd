// brotli-dec-wasm's WebAssembly binary, which the build's esbuild `binary` loader bundles as its
// bytes (in Jest, dev/jest/wasm-bytes.js). Its JavaScript module, `brotli-dec-wasm/web`, has its
// types through `paths` in tsconfig.json, since TypeScript's node10 resolution does not read the
// package's `exports`.
declare module 'brotli-dec-wasm/web/bg.wasm' {
	const bytes: Uint8Array;
	export default bytes;
}
