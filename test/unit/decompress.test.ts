import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import * as zlib from 'node:zlib';

/** brotli as apify-client writes it (quality 6); zlib's default, 11, takes seconds here. */
const brotli = (bytes: Buffer) =>
	zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 6 } });

import { crc32 } from '../../nodes/ApifyKeyValueStore/helpers/crc32';
import { ACCEPT_ENCODING, contentDecoder } from '../../nodes/ApifyKeyValueStore/helpers/decompress';
import { throughDecoder } from '../../nodes/ApifyKeyValueStore/helpers/streams';

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of stream) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

/** The bytes as a socket would hand them over: in pieces of 64 KiB. */
function socketBody(bytes: Buffer): Readable {
	const pieces: Buffer[] = [];
	for (let at = 0; at < bytes.length; at += 64 * 1024)
		pieces.push(bytes.subarray(at, at + 64 * 1024));
	return Readable.from(pieces);
}

/** Text that compresses about tenfold, so that one input piece makes several output pieces. */
const text = Buffer.from(
	Array.from(
		{ length: 200_000 },
		(_, index) => `{"index":${index},"title":"Product ${index % 977}"}`,
	).join('\n'),
);

describe('crc32', () => {
	it("matches zlib's for every length around the 8-byte steps, and for a large buffer", () => {
		const nativeCrc32 = (zlib as unknown as { crc32: (data: Uint8Array) => number }).crc32;
		const bytes = randomBytes(1024 * 1024 + 5);
		for (let length = 0; length <= 33; length++)
			expect(crc32(bytes.subarray(0, length))).toBe(nativeCrc32(bytes.subarray(0, length)));
		expect(crc32(bytes)).toBe(nativeCrc32(bytes));
		expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
	});
});

/** Node 24's DecompressionStream decodes brotli; on Node 20 and 22 the node does not ask for it. */
const runtimeDecodesBrotli = ACCEPT_ENCODING === undefined;
const brotliCase: Array<[string, Buffer]> = runtimeDecodesBrotli ? [['br', brotli(text)]] : [];

describe('contentDecoder through throughDecoder', () => {
	it.each([
		...brotliCase,
		['gzip', zlib.gzipSync(text)],
		['x-gzip', zlib.gzipSync(text)],
		['deflate', zlib.deflateSync(text)],
	])(
		'decodes a %s body of several MB handed over in socket-sized pieces',
		async (encoding, encoded) => {
			const decoded = await collect(throughDecoder(socketBody(encoded), contentDecoder(encoding)!));
			expect(decoded.equals(text)).toBe(true);
		},
	);

	it('asks for brotli only where the runtime decodes it, and fails a brotli body sent anyway elsewhere', async () => {
		expect(ACCEPT_ENCODING).toBe(runtimeDecodesBrotli ? undefined : 'gzip, deflate');
		const decoded = collect(throughDecoder(socketBody(brotli(text)), contentDecoder('br')!));
		if (runtimeDecodesBrotli) expect((await decoded).equals(text)).toBe(true);
		else await expect(decoded).rejects.toThrow('cannot decode (Node.js 24 can)');
	});

	it('knows no other encoding', () => {
		expect(contentDecoder('compress')).toBeUndefined();
		expect(contentDecoder('identity')).toBeUndefined();
	});

	it.each([...brotliCase, ['gzip', zlib.gzipSync(text)]])(
		'fails a %s body that ends early',
		async (encoding, encoded) => {
			const cut = encoded.subarray(0, Math.floor(encoded.length / 2));
			await expect(
				collect(throughDecoder(socketBody(cut), contentDecoder(encoding)!)),
			).rejects.toThrow();
		},
	);

	it("fails with the body's own error when the connection drops mid-body, so it is retried as one", async () => {
		const body = new PassThrough();
		const decoded = collect(throughDecoder(body, contentDecoder('gzip')!));
		body.write(zlib.gzipSync(text).subarray(0, 1000));
		setImmediate(() =>
			body.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
		);
		await expect(decoded).rejects.toMatchObject({ code: 'ECONNRESET' });
	});

	it('destroys the body when the decoded stream is given up', async () => {
		const body = new PassThrough();
		const decoded = throughDecoder(body, contentDecoder('gzip')!);
		body.write(zlib.gzipSync(text));
		for await (const chunk of decoded) {
			expect((chunk as Buffer).length).toBeGreaterThan(0);
			break;
		}
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(body.destroyed).toBe(true);
	});
});
