import { randomBytes } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';

import { crc32 } from '../../nodes/ApifyKeyValueStore/helpers/crc32';

describe('crc32', () => {
	it.each([
		['', 0],
		['a', 0xe8b7be43],
		['123456789', 0xcbf43926],
		['The quick brown fox jumps over the lazy dog', 0x414fa339],
	])('gives the known CRC-32 of %j', (text, expected) => {
		expect(crc32(Buffer.from(text, 'latin1'))).toBe(expected);
	});

	it('gives zlib’s CRC-32 for every length around its 16-byte steps, at every alignment', () => {
		const data = randomBytes(4096 + 64);
		for (let offset = 0; offset < 8; offset++) {
			for (const length of [1, 15, 16, 17, 31, 32, 33, 100, 1023, 4096]) {
				const bytes = data.subarray(offset, offset + length);
				expect(crc32(bytes)).toBe(zlibCrc32(bytes));
			}
		}
	});

	it('continues from the CRC of the bytes before, in pieces of any size', () => {
		const data = randomBytes(3 * 1024 * 1024 + 5);
		let crc = 0;
		for (let at = 0, piece = 1; at < data.length; at += piece, piece = piece * 3 + 1)
			crc = crc32(data.subarray(at, at + piece), crc);
		expect(crc).toBe(zlibCrc32(data));
	});
});
