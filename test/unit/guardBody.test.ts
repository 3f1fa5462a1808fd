import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';

import {
	BODY_CHUNK_BYTES,
	guardBody,
	readBody,
} from '../../nodes/ApifyKeyValueStore/helpers/streams';

const stalled = () => Object.assign(new Error('stalled'), { code: 'ETIMEDOUT' });

/** The chunks as the stream pushes them ('data' events, which never merge chunks as read() does). */
function collect(stream: Readable): Promise<Buffer[]> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		stream.on('data', (chunk: Buffer) => chunks.push(chunk));
		stream.on('end', () => resolve(chunks));
		stream.on('error', reject);
	});
}

describe('guardBody', () => {
	it('hands the body on in chunks of at least BODY_CHUNK_BYTES, every byte once, and counts them', async () => {
		// 64 KiB socket-sized chunks, each filled with its index, and an odd tail.
		const parts = Array.from({ length: 40 }, (_, index) => Buffer.alloc(64 * 1024, index));
		parts.push(Buffer.from('tail'));
		const { stream, bytesRead } = guardBody(Readable.from(parts), 10_000, stalled);
		const chunks = await collect(stream);
		expect(chunks.slice(0, -1).every((chunk) => chunk.length >= BODY_CHUNK_BYTES)).toBe(true);
		// Whole gathered chunks, then what is left with the tail.
		expect(chunks.length).toBe(Math.floor((40 * 64 * 1024 + 4) / BODY_CHUNK_BYTES) + 1);
		expect(Buffer.concat(chunks).equals(Buffer.concat(parts))).toBe(true);
		expect(bytesRead()).toBe(40 * 64 * 1024 + 4);
	});

	it('passes an empty body as no chunk at all', async () => {
		const { stream, bytesRead } = guardBody(Readable.from([]), 10_000, stalled);
		expect(await collect(stream)).toEqual([]);
		expect(bytesRead()).toBe(0);
	});

	it('fails with the stall error once no data came for the idle time, and ends the body', async () => {
		const body = new PassThrough();
		const { stream } = guardBody(body, 100, stalled);
		body.write(Buffer.alloc(10));
		await expect(collect(stream)).rejects.toThrow('stalled');
		expect(body.destroyed).toBe(true);
	});

	it('keeps waiting while data keeps coming, however long the whole body takes', async () => {
		const body = new PassThrough();
		const { stream, bytesRead } = guardBody(body, 150, stalled);
		const collected = collect(stream);
		for (let index = 0; index < 8; index++) {
			body.write(Buffer.alloc(1000, index));
			await new Promise((resolve) => setTimeout(resolve, 60));
		}
		body.end();
		expect(Buffer.concat(await collected).length).toBe(8000);
		expect(bytesRead()).toBe(8000);
	});

	it('with a minimum progress, fails a body that trickles though it never pauses', async () => {
		const body = new PassThrough();
		const { stream } = guardBody(body, 150, stalled, { minProgressBytes: 1000 });
		const collected = collect(stream);
		const trickle = setInterval(() => body.write(Buffer.alloc(10)), 20);
		await expect(collected).rejects.toThrow('stalled');
		clearInterval(trickle);
		expect(body.destroyed).toBe(true);
	});

	it('endBy fails a body that is still coming at the deadline, and not one that ended', async () => {
		const late = () => Object.assign(new Error('late'), { code: 'ETIMEDOUT' });
		const body = new PassThrough();
		const slow = guardBody(body, 10_000, stalled);
		slow.endBy(performance.now() + 150, late);
		const trickle = setInterval(() => body.write(Buffer.alloc(10)), 20);
		await expect(collect(slow.stream)).rejects.toThrow('late');
		clearInterval(trickle);
		expect(body.destroyed).toBe(true);

		const quick = guardBody(Readable.from([Buffer.from('done')]), 10_000, stalled);
		quick.endBy(performance.now() + 50, late);
		expect(Buffer.concat(await collect(quick.stream)).toString()).toBe('done');
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(quick.stream.errored).toBeNull();
	});

	it("fails with the body's own error when the body fails", async () => {
		const body = new PassThrough();
		const { stream } = guardBody(body, 10_000, stalled);
		body.write(Buffer.alloc(10));
		setImmediate(() =>
			body.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
		);
		await expect(collect(stream)).rejects.toThrow('socket hang up');
	});
});

describe('guardBody digest', () => {
	it('gives the SHA-256 of what went through when asked, and nothing otherwise', async () => {
		const parts = [Buffer.from('hello '), Buffer.from('world')];
		const hashed = guardBody(Readable.from(parts), 10_000, stalled, { hashBody: true });
		await collect(hashed.stream);
		expect(hashed.digest()).toBe(createHash('sha256').update('hello world').digest('hex'));
		const plain = guardBody(Readable.from(parts), 10_000, stalled);
		await collect(plain.stream);
		expect(plain.digest()).toBeUndefined();
	});
});

describe('readBody', () => {
	it('reads a body within the limit whole', async () => {
		const read = await readBody(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 4);
		expect([read.bytes.toString(), read.complete]).toEqual(['abcd', true]);
	});

	it('stops at the chunk that passes the limit, reads no further and ends the body', async () => {
		let pulled = 0;
		async function* endless() {
			for (;;) {
				pulled++;
				yield Buffer.alloc(1024, 'x');
			}
		}
		const body = Readable.from(endless(), { objectMode: false, highWaterMark: 1024 });
		const read = await readBody(body, 10 * 1024 + 1);
		expect([read.bytes.length, read.complete]).toEqual([10 * 1024 + 1, false]);
		// The 11 chunks it needed and what the stream buffers ahead, not an endless body.
		expect(pulled).toBeLessThan(20);
		expect(body.destroyed).toBe(true);
	});
});
