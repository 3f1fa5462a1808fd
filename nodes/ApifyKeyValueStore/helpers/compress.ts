import { kindOfContentType } from './contentType';

/** As apify-client: smaller bodies gain too little to be worth compressing. */
const MIN_COMPRESS_BYTES = 1024;

export interface UploadBody {
	bytes: Buffer;
	/** `gzip` when the bytes are the compressed value; Apify stores them so and serves them decoded. */
	contentEncoding?: 'gzip';
}

/**
 * JSON and text of 1 KiB or more are sent compressed, as apify-client sends them: Apify keeps the
 * record compressed, and Record → Get returns the value decoded. Files of other types (images,
 * archives, PDFs) are mostly compressed already and go as they are.
 *
 * gzip, not apify-client's brotli: n8n Cloud allows no node:zlib, and the CompressionStream that
 * replaces it offers brotli only from Node 24 and only at its slowest quality (11), which took 72 s
 * for 18 MB of JSON where gzip takes 0.6 s (brotli at apify-client's quality 6 took 1.5 s); gzip's
 * output was 18% larger than that brotli's.
 */
export async function compressedUpload(bytes: Buffer, contentType: string): Promise<UploadBody> {
	if (bytes.length < MIN_COMPRESS_BYTES || kindOfContentType(contentType) === 'binary')
		return { bytes };
	const compressed = Buffer.from(
		await new Response(
			new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip')),
		).arrayBuffer(),
	);
	return compressed.length < bytes.length
		? { bytes: compressed, contentEncoding: 'gzip' }
		: { bytes };
}
