import { promisify } from 'node:util';
import { brotliCompress, constants } from 'node:zlib';

import { kindOfContentType } from './contentType';

/** As apify-client: smaller bodies gain too little to be worth compressing. */
const MIN_COMPRESS_BYTES = 1024;
/** apify-client's brotli quality: most of the gain at a fraction of the highest quality's time. */
const BROTLI_QUALITY = 6;
const compress = promisify(brotliCompress);

export interface UploadBody {
	bytes: Buffer;
	/** `br` when the bytes are the compressed value; Apify stores them so and serves them decoded. */
	contentEncoding?: 'br';
}

/**
 * JSON and text of 1 KiB or more are sent brotli-compressed, as apify-client sends them: Apify
 * keeps the record compressed, and Record → Get returns the value decoded. Files of other types
 * (images, archives, PDFs) are mostly compressed already and go as they are.
 */
export async function compressedUpload(bytes: Buffer, contentType: string): Promise<UploadBody> {
	if (bytes.length < MIN_COMPRESS_BYTES || kindOfContentType(contentType) === 'binary')
		return { bytes };
	const compressed = await compress(bytes, {
		params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY },
	});
	return compressed.length < bytes.length
		? { bytes: compressed, contentEncoding: 'br' }
		: { bytes };
}
