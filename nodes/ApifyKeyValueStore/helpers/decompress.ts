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
 * The Accept-Encoding the node sends, or undefined to leave the HTTP client's: without brotli where
 * this runtime cannot decode it. Only n8n 1.x hands bodies over still encoded, and it also runs on
 * Node 20 and 22, whose DecompressionStream has no brotli; Apify then sends a record stored as
 * brotli decoded, as it does for any client that does not accept the stored encoding. That costs
 * transfer, not time: a 22 MB JSON record stored as 1.6 MB of brotli comes as 22 MB instead (0.2 s
 * more at 1 Gbit/s), where a bundled WebAssembly decoder took 70 ms to decode it but carried
 * 280 KB in each bundle and `console` in its glue, which n8n's scanner refuses.
 */
export const ACCEPT_ENCODING = nativeBrotli ? undefined : 'gzip, deflate';

/**
 * A decoder for an HTTP Content-Encoding (gzip, deflate, br), or undefined for one it does not know.
 * n8n Cloud allows no node:zlib: the web DecompressionStream, which is zlib underneath, decodes
 * gzip and deflate everywhere and brotli from Node 24 (which n8n 2.x requires). Elsewhere brotli
 * is not asked for (ACCEPT_ENCODING); a server that sends it anyway fails the body, rather than
 * handing on encoded bytes.
 */
export function contentDecoder(encoding: string): Decoder | undefined {
	switch (encoding) {
		case 'gzip':
		case 'x-gzip':
			return new DecompressionStream('gzip');
		case 'deflate':
			return new DecompressionStream('deflate');
		case 'br':
			return nativeBrotli ? new DecompressionStream(BROTLI) : undecodable(encoding);
		default:
			return undefined;
	}
}

function undecodable(encoding: string): Decoder {
	return new TransformStream<Uint8Array, Uint8Array>({
		start(controller) {
			controller.error(
				new Error(
					`The API sent a ${encoding}-encoded body, which this Node.js version cannot decode (Node.js 24 can)`,
				),
			);
		},
	});
}
