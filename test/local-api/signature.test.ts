import {
	checkStoreSignature,
	createHmacSignature,
	createRecordSignature,
	createStoreSignature,
	parseStoreSignature,
	toBase62,
} from '../../dev/local-api/signature';

describe('Apify URL signatures', () => {
	it('matches the documented HMAC test vector', () => {
		expect(createHmacSignature('hmac-secret-key', 'hmac-message-to-be-authenticated')).toBe(
			'pcVagAsudj8dFqdlg7mG',
		);
	});

	it('matches the documented store signature test vector', () => {
		const signature = createStoreSignature({
			storeId: 'resource-id',
			secretKey: 'hmac-secret-key',
		});
		expect(signature).toBe('MC4wLjNUd2ZFRTY1OXVmU05zbVM0N2xS');
		expect(parseStoreSignature(signature)).toEqual({
			version: 0,
			expiresAt: 0,
			hmac: '3TwfEE659ufSNsmS47lR',
		});
	});

	it('signs a record key with the same HMAC', () => {
		expect(createRecordSignature('hmac-secret-key', 'hmac-message-to-be-authenticated')).toBe(
			'pcVagAsudj8dFqdlg7mG',
		);
	});

	it('encodes base62 with digits, then lower case, then upper case', () => {
		expect(toBase62(0n)).toBe('0');
		expect(toBase62(61n)).toBe('Z');
		expect(toBase62(62n)).toBe('10');
		expect(toBase62(62n * 62n - 1n)).toBe('ZZ');
	});

	it('puts the expiry into the signature and has no base64 padding', () => {
		const before = Date.now();
		const signature = createStoreSignature({
			storeId: 'store',
			secretKey: 'secret',
			expiresInMillis: 60_000,
		});
		const parsed = parseStoreSignature(signature);
		expect(signature).not.toMatch(/[=+/]/);
		expect(parsed?.version).toBe(0);
		expect(parsed?.expiresAt).toBeGreaterThanOrEqual(before + 60_000);
		expect(parsed?.expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
	});

	it('rejects strings that are not store signatures', () => {
		expect(parseStoreSignature('pcVagAsudj8dFqdlg7mG')).toBeNull();
		expect(parseStoreSignature('not a signature!')).toBeNull();
		expect(parseStoreSignature(Buffer.from('0.abc.hmac').toString('base64url'))).toBeNull();
	});

	it('checks store signatures for store, secret and expiry', () => {
		const forever = createStoreSignature({ storeId: 'store', secretKey: 'secret' });
		const expired = createStoreSignature({
			storeId: 'store',
			secretKey: 'secret',
			expiresInMillis: -1000,
		});
		expect(checkStoreSignature(forever, 'store', 'secret')).toBe('valid');
		expect(checkStoreSignature(forever, 'other-store', 'secret')).toBe('invalid');
		expect(checkStoreSignature(forever, 'store', 'other-secret')).toBe('invalid');
		expect(checkStoreSignature(expired, 'store', 'secret')).toBe('expired');
		const tampered = Buffer.from(
			`0.${Date.now() + 60_000}.${parseStoreSignature(expired)?.hmac}`,
		).toString('base64url');
		expect(checkStoreSignature(tampered, 'store', 'secret')).toBe('invalid');
	});
});
