import { NodeOperationError, type INode } from 'n8n-workflow';

import {
	optionalText,
	parseStoreIdentifier,
	validateContentType,
	validateWholeNumber,
	validateRecordKey,
	validateStoreName,
} from '../../nodes/ApifyKeyValueStore/helpers/validation';

const node = { name: 'Apify Key-Value Store' } as INode;

describe('parseStoreIdentifier', () => {
	it.each([
		['WkzbQMuFYuamGv3YF', 'WkzbQMuFYuamGv3YF'],
		['  WkzbQMuFYuamGv3YF ', 'WkzbQMuFYuamGv3YF'],
		['janedoe~my-store', 'janedoe~my-store'],
		['janedoe/my-store', 'janedoe~my-store'],
		['~my-store', '~my-store'],
		['https://console.apify.com/storage/key-value-stores/WkzbQMuFYuamGv3YF', 'WkzbQMuFYuamGv3YF'],
		[
			'https://console.apify.com/storage/key-value-stores/WkzbQMuFYuamGv3YF/records?tab=x',
			'WkzbQMuFYuamGv3YF',
		],
		[
			'https://api.apify.com/v2/key-value-stores/janedoe~my-store/keys?signature=abc',
			'janedoe~my-store',
		],
	])('accepts %j as %j', (input, expected) => {
		expect(parseStoreIdentifier(node, input, 0)).toBe(expected);
	});

	it.each([
		[''],
		['   '],
		[null],
		[42],
		['my store'],
		['a~b~c'],
		['../x'],
		['user~'],
		['WkzbQMuFYuamGv3YF?x'],
		// A malformed escape, which decodeURIComponent refuses with a URIError.
		['https://console.apify.com/storage/key-value-stores/%E0%A4%A'],
	])('refuses %j, naming the field and the rule', (input) => {
		let thrown: unknown;
		try {
			parseStoreIdentifier(node, input, 3);
		} catch (error) {
			thrown = error;
		}
		expect(thrown).toBeInstanceOf(NodeOperationError);
		expect((thrown as NodeOperationError).message).toMatch(/Store parameter/);
		expect((thrown as NodeOperationError).description).toMatch(/store ID/);
		expect((thrown as NodeOperationError).context.itemIndex).toBe(3);
	});
});

describe('validateStoreName', () => {
	it.each([
		['my-store', 'my-store'],
		[' My-Store-2 ', 'My-Store-2'],
		['a'.repeat(63), 'a'.repeat(63)],
		[2024, '2024'],
	])('accepts %j as %j', (input, expected) => {
		expect(validateStoreName(node, input, 0)).toBe(expected);
	});

	it.each([
		[''],
		['a'.repeat(64)],
		['my_store'],
		['my.store'],
		['~my-store'],
		['jane/my-store'],
		['Köln'],
		[1.5],
	])('refuses %j with the rule', (input) => {
		expect(() => validateStoreName(node, input, 2)).toThrow(NodeOperationError);
		expect(() => validateStoreName(node, input, 2)).toThrow(
			/The Name parameter ".*" is not a valid store name/,
		);
	});

	it.each([[null], [{ name: 'x' }], [['x']]])('refuses %j, asking for text', (input) => {
		expect(() => validateStoreName(node, input, 0)).toThrow(/The Name parameter must be text/);
	});
});

describe('validateRecordKey', () => {
	it.each(['OUTPUT', "weird!key_(1).v'2", 'a'.repeat(256), 'file.json', '...'])(
		'accepts %j',
		(key) => {
			expect(validateRecordKey(node, key, 0)).toBe(key);
		},
	);

	it.each(['', '.', '..', 'a/b', 'a b', 'ä', 'a'.repeat(257), 'key?x', 'a%2Fb'])(
		'refuses %j',
		(key) => {
			expect(() => validateRecordKey(node, key, 0)).toThrow(
				/Key parameter .* is not a valid record key/,
			);
		},
	);

	it.each([
		[null, 'null'],
		[5, 'a number'],
		[{ a: 1 }, 'an object'],
		[['x'], 'an array'],
	])('refuses %j with its type', (value, type) => {
		expect(() => validateRecordKey(node, value, 0)).toThrow(
			`The Key parameter must be text, not ${type}`,
		);
	});
});

describe('validateWholeNumber', () => {
	it('accepts 0 where the minimum is 0', () => {
		expect(validateWholeNumber(node, 'Max Retries', 0, 0, 0)).toBe(0);
		expect(() => validateWholeNumber(node, 'Max Retries', -1, 0, 0)).toThrow(
			'must be a whole number of 0 or more',
		);
	});

	it('accepts whole numbers, also as text from an expression', () => {
		expect(validateWholeNumber(node, 'Limit', 5, 0)).toBe(5);
		expect(validateWholeNumber(node, 'Limit', '12', 0)).toBe(12);
	});

	it.each([0, -1, 1.5, 'ten', '', null, NaN])('refuses %j', (value) => {
		expect(() => validateWholeNumber(node, 'Limit', value, 0)).toThrow(
			/The Limit parameter must be a positive whole number/,
		);
	});
});

describe('optionalText', () => {
	it('treats empty as not given and keeps text', () => {
		expect(optionalText(node, 'Prefix', '', 0)).toBeUndefined();
		expect(optionalText(node, 'Prefix', undefined, 0)).toBeUndefined();
		expect(optionalText(node, 'Prefix', 'img-', 0)).toBe('img-');
	});

	it('refuses objects', () => {
		expect(() => optionalText(node, 'Prefix', { a: 1 }, 0)).toThrow(
			'The Prefix parameter must be text, not an object',
		);
	});
});

describe('validateContentType', () => {
	it.each([
		['application/json', 'application/json'],
		[' text/plain; charset=utf-8 ', 'text/plain; charset=utf-8'],
		['application/vnd.api+json', 'application/vnd.api+json'],
	])('accepts %j', (value, expected) => {
		expect(validateContentType(node, value, 0)).toBe(expected);
	});

	it.each(['json', 'text/plain\r\nX-Injected: 1', 'text/plain; a=\u0000', '/plain', 42])(
		'refuses %j',
		(value) => {
			expect(() => validateContentType(node, value, 0)).toThrow(
				/The Content Type parameter .* is not a content type/,
			);
		},
	);
});
