/**
 * Record bodies made on demand, for large records and large stores: the same bytes every time a
 * body is generated, from a seed, without keeping any body in memory. Tests and the benchmark
 * check what a client received by hashing it and comparing with `sha256OfGenerated`.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const DEFAULT_CHUNK_BYTES = 256 * 1024;
const POOL_BYTES = 4 * 1024 * 1024;

/** A small, fast PRNG (xorshift32): deterministic content from a seed. */
function xorshift(seed: number): () => number {
	let state = (seed ^ 0x9e3779b9) >>> 0 || 1;
	return () => {
		state ^= state << 13;
		state >>>= 0;
		state ^= state >>> 17;
		state ^= state << 5;
		state >>>= 0;
		return state;
	};
}

let binaryPool: Buffer | undefined;

/** 4 MiB of pseudo-random bytes, made once and shared by every binary body. */
function binaryPoolBytes(): Buffer {
	if (!binaryPool) {
		const next = xorshift(0x5eed);
		binaryPool = Buffer.allocUnsafe(POOL_BYTES);
		for (let offset = 0; offset < POOL_BYTES; offset += 4) binaryPool.writeUInt32LE(next(), offset);
	}
	return binaryPool;
}

/**
 * `size` pseudo-random (incompressible) bytes, as a stream of fresh chunks: each chunk is a copy
 * of the shared pool at an offset given by the seed and the chunk's position, stamped with both.
 */
export function binaryStream(size: number, seed = 0, chunkBytes = DEFAULT_CHUNK_BYTES): Readable {
	const pool = binaryPoolBytes();
	let position = 0;
	let chunkIndex = 0;
	return new Readable({
		highWaterMark: chunkBytes,
		read() {
			if (position >= size) {
				this.push(null);
				return;
			}
			const length = Math.min(chunkBytes, size - position);
			const chunk = Buffer.allocUnsafe(length);
			const start = ((seed * 7919 + chunkIndex * 65_537) * 4) % (POOL_BYTES - chunkBytes);
			pool.copy(chunk, 0, start, start + length);
			if (length >= 8) {
				chunk.writeUInt32LE(seed >>> 0, 0);
				chunk.writeUInt32LE(chunkIndex >>> 0, 4);
			}
			position += length;
			chunkIndex++;
			this.push(chunk);
		},
	});
}

const WORDS =
	'apify actor crawler dataset store record product price title url page item result request queue proxy browser scrape extract review rating seller brand stock shipping category image link description country city street'.split(
		' ',
	);

let jsonPool: { bytes: Buffer; objectStarts: number[] } | undefined;

/**
 * 4 MiB of JSON objects like a scraper's results, separated by `,\n`, made once: record bodies
 * are slices of it, so they compress as such data does (about 5:1 with deflate).
 */
function jsonPoolBytes(): { bytes: Buffer; objectStarts: number[] } {
	if (!jsonPool) {
		const next = xorshift(0x15);
		const word = () => WORDS[next() % WORDS.length];
		const parts: string[] = [];
		const objectStarts: number[] = [];
		let length = 0;
		for (let id = 1; length < POOL_BYTES; id++) {
			const object = JSON.stringify({
				id,
				url: `https://example.com/${word()}/${next().toString(36)}`,
				title: `${word()} ${word()} ${word()} ${next() % 1000}`,
				price: (next() % 100_000) / 100,
				inStock: next() % 3 !== 0,
				tags: [word(), word()],
			});
			objectStarts.push(length);
			parts.push(object);
			length += Buffer.byteLength(object) + 2;
		}
		jsonPool = { bytes: Buffer.from(parts.join(',\n') + ',\n'), objectStarts };
	}
	return jsonPool;
}

/**
 * A JSON array of exactly `size` bytes (at least 2): whole objects from the shared pool, chosen by
 * the seed, then spaces to fill up to the size. Meant for records of up to a few MiB.
 */
export function jsonBody(size: number, seed = 0): Buffer {
	if (size < 2) throw new Error('A JSON body needs at least 2 bytes');
	const { bytes: pool, objectStarts } = jsonPoolBytes();
	const body = Buffer.alloc(size, ' ');
	body[0] = 0x5b; // [
	let offset = 1;
	let index = (seed * 7919) % (objectStarts.length - 1);
	for (;;) {
		const start = objectStarts[index];
		const end = (objectStarts[index + 1] ?? pool.length) - 2;
		const separator = offset > 1 ? 1 : 0;
		// Room for the object, its comma, and the closing bracket.
		if (offset + separator + (end - start) + 1 > size) break;
		if (separator) body[offset++] = 0x2c; // ,
		offset += pool.copy(body, offset, start, end);
		index = (index + 1) % (objectStarts.length - 1);
	}
	body[size - 1] = 0x5d; // ]
	return body;
}

/** `jsonBody` as a one-chunk stream, for `generate`. */
export function jsonStream(size: number, seed = 0): Readable {
	return Readable.from([jsonBody(size, seed)], { objectMode: false });
}

/** SHA-256 (hex) of everything a stream yields. */
export async function sha256OfStream(stream: Readable): Promise<string> {
	const hash = createHash('sha256');
	for await (const chunk of stream) hash.update(chunk as Buffer);
	return hash.digest('hex');
}

/** SHA-256 (hex) and length of a generated body, made once more for the comparison. */
export async function digestOfGenerated(
	generate: () => Readable,
): Promise<{ sha256: string; size: number }> {
	const hash = createHash('sha256');
	let size = 0;
	for await (const chunk of generate()) {
		hash.update(chunk as Buffer);
		size += (chunk as Buffer).length;
	}
	return { sha256: hash.digest('hex'), size };
}
