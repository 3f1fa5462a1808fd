import { BrotliDecStream, BrotliStreamResultCode, initSync } from 'brotli-dec-wasm/web';
import brotliWasm from 'brotli-dec-wasm/web/bg.wasm';

/** A decoder of one body: bytes in, decoded bytes out (a DecompressionStream or a TransformStream). */
export interface Decoder {
	readable: ReadableStream<Uint8Array>;
	writable: WritableStream<Uint8Array>;
}

/** Node 24's name for brotli, which the types of Node 20 do not list. */
const BROTLI = 'brotli' as ConstructorParameters<typeof DecompressionStream>[0];

/** Whether this runtime's DecompressionStream decodes brotli: Node 24 does, Node 20 and 22 do not. */
const nativeBrotli = (() => {
	try {
		new DecompressionStream(BROTLI);
		return true;
	} catch {
		return false;
	}
})();

/**
 * A decoder for an HTTP Content-Encoding (gzip, deflate, br), or undefined for one it does not know.
 * n8n Cloud allows no node:zlib: the web DecompressionStream, which is zlib underneath, decodes
 * gzip and deflate everywhere and brotli from Node 24 (which n8n 2.x requires). Only n8n 1.x hands
 * bodies over still encoded, and it also runs on Node 20 and 22: there brotli goes through a
 * bundled WebAssembly decoder, which streams as zlib does. On a 13.6 MB JSON body (2.7 MB as
 * brotli) it took 224 ms, zlib 68 ms, the pure-JavaScript `brotli` package 565 ms and only on the
 * whole body at once.
 */
export function contentDecoder(encoding: string): Decoder | undefined {
	switch (encoding) {
		case 'gzip':
		case 'x-gzip':
			return new DecompressionStream('gzip');
		case 'deflate':
			return new DecompressionStream('deflate');
		case 'br':
			return nativeBrotli ? new DecompressionStream(BROTLI) : wasmBrotliDecoder();
		default:
			return undefined;
	}
}

/** The most the WebAssembly decoder hands back per call: n8n's write size (BODY_CHUNK_BYTES). */
const BROTLI_OUTPUT_BYTES = 1024 * 1024;
let brotliReady = false;

function wasmBrotliDecoder(): Decoder {
	if (!brotliReady) {
		initSync({ module: brotliWasm });
		brotliReady = true;
	}
	const decoder = new BrotliDecStream();
	let complete = false;
	// A decoder given up mid-body is freed by wasm-bindgen's finalizer once garbage-collected.
	return new TransformStream<Uint8Array, Uint8Array>({
		transform(chunk, controller) {
			let input = chunk;
			for (;;) {
				// dec() copies the input into WebAssembly memory, and copies its output out of it.
				const result = decoder.dec(input, BROTLI_OUTPUT_BYTES);
				const { buf, code } = result;
				input = input.subarray(result.input_offset);
				result.free();
				if (buf.length > 0) controller.enqueue(buf);
				if (code === BrotliStreamResultCode.ResultSuccess) complete = true;
				if (code !== BrotliStreamResultCode.NeedsMoreOutput) return;
			}
		},
		flush() {
			decoder.free();
			if (!complete) throw new Error('The brotli-encoded body ended early');
		},
	});
}
