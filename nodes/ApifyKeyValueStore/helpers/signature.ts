/**
 * Apify's URL signatures, which let a link read a store without a token:
 * - a record signature is the HMAC of the record key and never expires;
 * - a store signature (key listing, ZIP download) signs `0.${expiresAt}.${storeId}` and carries
 *   its expiry, a ms epoch or 0 for never.
 * Both HMACs are SHA-256 keyed with the store's urlSigningSecretKey, cut to the first 30 hex digits
 * and written in base62.
 */
import { createHmac } from 'node:crypto';

const BASE62_DIGITS = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const SIGNED_HEX_DIGITS = 30;
const STORE_SIGNATURE_VERSION = 0;

export function toBase62(value: bigint): string {
	if (value === 0n) return '0';
	let text = '';
	for (let rest = value; rest > 0n; rest /= 62n) text = BASE62_DIGITS[Number(rest % 62n)] + text;
	return text;
}

export function hmacSignature(secretKey: string, message: string): string {
	const hex = createHmac('sha256', secretKey).update(message).digest('hex');
	return toBase62(BigInt(`0x${hex.slice(0, SIGNED_HEX_DIGITS)}`));
}

export function recordSignature(secretKey: string, recordKey: string): string {
	return hmacSignature(secretKey, recordKey);
}

/** `expiresAt` is a ms epoch, or 0 for a signature that never expires. */
export function storeSignature(secretKey: string, storeId: string, expiresAt: number): string {
	const signed = `${STORE_SIGNATURE_VERSION}.${expiresAt}`;
	const hmac = hmacSignature(secretKey, `${signed}.${storeId}`);
	// base64url without `=` padding, as Apify writes it.
	return Buffer.from(`${signed}.${hmac}`).toString('base64url');
}
