import { Readable } from 'node:stream';
import { deflateSync, gzipSync } from 'node:zlib';

import { gzipBomb } from '../../dev/local-api/hostile';
import { readBody } from '../../nodes/ApifyKeyValueStore/helpers/streams';
import { decodeContent } from '../../nodes/ApifyKeyValueStore/transport';

const text = Buffer.from('a record body that n8n 1.x hands over still encoded '.repeat(50));

async function collect(stream: Readable): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of stream) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

describe('decodeContent', () => {
	// brotli: decompress.test.ts, since only Node 24 decodes it.
	it.each([
		['gzip', gzipSync(text)],
		['deflate', deflateSync(text)],
	])('decodes a body still marked %s and drops the header', async (encoding, encoded) => {
		const headers: Record<string, string | undefined> = {
			'content-encoding': encoding,
			'content-length': String(encoded.length),
		};
		const decoded = decodeContent({ body: Readable.from([encoded]), headers, statusCode: 200 });
		expect((await collect(decoded)).equals(text)).toBe(true);
		expect(headers['content-encoding']).toBeUndefined();
		expect(headers['content-length']).toBeUndefined();
	});

	it('passes a body the HTTP client already decoded through untouched', async () => {
		const body = Readable.from([text]);
		expect(decodeContent({ body, headers: {}, statusCode: 200 })).toBe(body);
	});

	it('decodes no further than a capped read takes: a gzip bomb as n8n 1.x hands it over', async () => {
		const bomb = await gzipBomb(200 * 1024 * 1024);
		const body = Readable.from([bomb]);
		const decoded = decodeContent({
			body,
			headers: { 'content-encoding': 'gzip' },
			statusCode: 200,
		});
		const before = process.memoryUsage().arrayBuffers;
		const read = await readBody(decoded, 1024 * 1024);
		expect([read.bytes.length, read.complete]).toEqual([1024 * 1024, false]);
		// The decoder stops with the reader: a few MiB of buffers at most, not the bomb's 200 MiB.
		expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
		expect(body.destroyed).toBe(true);
	});
});
