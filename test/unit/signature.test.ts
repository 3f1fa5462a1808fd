import {
	hmacSignature,
	recordSignature,
	storeSignature,
	toBase62,
} from '../../nodes/ApifyKeyValueStore/helpers/signature';
import * as localApi from '../../dev/local-api/signature';

describe('URL signatures', () => {
	it('match the HMAC test vector of Apify', () => {
		expect(hmacSignature('hmac-secret-key', 'hmac-message-to-be-authenticated')).toBe(
			'pcVagAsudj8dFqdlg7mG',
		);
	});

	it('match the store signature test vector of Apify, inner HMAC included', () => {
		const signature = storeSignature('hmac-secret-key', 'resource-id', 0);
		expect(signature).toBe('MC4wLjNUd2ZFRTY1OXVmU05zbVM0N2xS');
		expect(Buffer.from(signature, 'base64url').toString()).toBe('0.0.3TwfEE659ufSNsmS47lR');
		expect(signature).not.toContain('=');
	});

	it('sign a record key as the HMAC of the key alone', () => {
		expect(recordSignature('hmac-secret-key', 'hmac-message-to-be-authenticated')).toBe(
			'pcVagAsudj8dFqdlg7mG',
		);
		expect(recordSignature('hmac-secret-key', 'OUTPUT')).not.toBe(
			recordSignature('hmac-secret-key', 'OUTPUT2'),
		);
	});

	it('carry the expiry in the store signature, and the local API accepts it until then', () => {
		const expiresAt = Date.UTC(2030, 0, 1);
		const signature = storeSignature('secret', 'kvsDemoStore00001', expiresAt);
		expect(localApi.parseStoreSignature(signature)).toMatchObject({ version: 0, expiresAt });
		expect(
			localApi.checkStoreSignature(signature, 'kvsDemoStore00001', 'secret', expiresAt - 1),
		).toBe('valid');
		expect(localApi.checkStoreSignature(signature, 'kvsDemoStore00001', 'secret', expiresAt)).toBe(
			'expired',
		);
		expect(
			localApi.checkStoreSignature(signature, 'kvsOtherStore0001', 'secret', expiresAt - 1),
		).toBe('invalid');
	});

	it('write base62 with digits, then lower case, then upper case', () => {
		expect(toBase62(0n)).toBe('0');
		expect(toBase62(9n)).toBe('9');
		expect(toBase62(10n)).toBe('a');
		expect(toBase62(36n)).toBe('A');
		expect(toBase62(61n)).toBe('Z');
		expect(toBase62(62n)).toBe('10');
		expect(toBase62(62n ** 5n - 1n)).toBe('ZZZZZ');
	});
});
