/**
 * Apify's URL signatures, built from the documented algorithm:
 * - record signature: base62 of the first 30 hex digits of HMAC-SHA256(secret, recordKey);
 * - store signature (keys / ZIP): base64url of `0.${expiresAt}.${hmac}` where the hmac signs
 *   `0.${expiresAt}.${storeId}` and `expiresAt` is a ms epoch or 0 for "never expires".
 */
import { createHmac } from 'node:crypto';

const BASE62_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const HMAC_HEX_DIGITS = 30;
export const STORE_SIGNATURE_VERSION = 0;

export function toBase62(value: bigint): string {
	if (value === 0n) return '0';
	let digits = '';
	for (let rest = value; rest > 0n; rest /= 62n) {
		digits = BASE62_ALPHABET[Number(rest % 62n)] + digits;
	}
	return digits;
}

export function createHmacSignature(secretKey: string, message: string): string {
	const hex = createHmac('sha256', secretKey).update(message).digest('hex');
	return toBase62(BigInt(`0x${hex.slice(0, HMAC_HEX_DIGITS)}`));
}

export function createRecordSignature(secretKey: string, recordKey: string): string {
	return createHmacSignature(secretKey, recordKey);
}

export interface StoreSignatureInput {
	storeId: string;
	secretKey: string;
	/** Omitted or 0: the signature never expires. Negative values give an already expired one. */
	expiresInMillis?: number;
}

export function createStoreSignature({
	storeId,
	secretKey,
	expiresInMillis,
}: StoreSignatureInput): string {
	const expiresAt = expiresInMillis ? Date.now() + expiresInMillis : 0;
	const hmac = createHmacSignature(secretKey, `${STORE_SIGNATURE_VERSION}.${expiresAt}.${storeId}`);
	// Node's base64url encoding omits the `=` padding, as Apify's signatures do.
	return Buffer.from(`${STORE_SIGNATURE_VERSION}.${expiresAt}.${hmac}`).toString('base64url');
}

export interface ParsedStoreSignature {
	version: number;
	expiresAt: number;
	hmac: string;
}

export function parseStoreSignature(signature: string): ParsedStoreSignature | null {
	if (!/^[A-Za-z0-9_-]+$/.test(signature)) return null;
	const match = /^(\d+)\.(\d+)\.([0-9a-zA-Z]+)$/.exec(
		Buffer.from(signature, 'base64url').toString('utf8'),
	);
	if (!match) return null;
	return { version: Number(match[1]), expiresAt: Number(match[2]), hmac: match[3] };
}

export type StoreSignatureCheck = 'valid' | 'invalid' | 'expired';

export function checkStoreSignature(
	signature: string,
	storeId: string,
	secretKey: string,
	now = Date.now(),
): StoreSignatureCheck {
	const parsed = parseStoreSignature(signature);
	if (!parsed || parsed.version !== STORE_SIGNATURE_VERSION) return 'invalid';
	const expected = createHmacSignature(
		secretKey,
		`${parsed.version}.${parsed.expiresAt}.${storeId}`,
	);
	if (parsed.hmac !== expected) return 'invalid';
	return parsed.expiresAt !== 0 && parsed.expiresAt <= now ? 'expired' : 'valid';
}
