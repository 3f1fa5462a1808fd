import {
	charsetOf,
	decodeText,
	fileNameFor,
	kindOfContentType,
	mediaTypeOf,
	safeFileName,
} from '../../nodes/ApifyKeyValueStore/helpers/contentType';

describe('kindOfContentType', () => {
	it.each([
		['application/json; charset=utf-8', 'json'],
		['application/ld+json', 'json'],
		['text/plain', 'text'],
		['text/html; charset=utf-8', 'text'],
		['text/csv', 'text'],
		['application/xml', 'text'],
		['image/png', 'binary'],
		['application/pdf', 'binary'],
		['application/zip', 'binary'],
		['application/octet-stream', 'binary'],
		[undefined, 'binary'],
	])('%s is %s', (contentType, kind) => {
		expect(kindOfContentType(contentType)).toBe(kind);
	});
});

describe('fileNameFor', () => {
	it.each([
		['screenshot', 'image/png', 'screenshot.png'],
		['report.pdf', 'application/pdf', 'report.pdf'],
		['OUTPUT', 'application/json; charset=utf-8', 'OUTPUT.json'],
		['data.csv', 'text/csv', 'data.csv'],
		['photo.jpg', 'image/jpeg', 'photo.jpg'],
		['photo.jpeg', 'image/jpeg', 'photo.jpeg'],
		["weird!key_(1).v'2", 'text/plain', "weird!key_(1).v'2.txt"],
		['no-type', 'application/octet-stream', 'no-type.bin'],
		['page', 'text/html; charset=utf-8', 'page.html'],
		['thing', 'application/x-unknown-type', 'thing'],
	])('%s as %s is saved as %s', (key, contentType, fileName) => {
		expect(fileNameFor(key, contentType)).toBe(fileName);
	});
});

describe('safeFileName', () => {
	it.each([
		['../../etc/passwd', 'passwd'],
		['/abs', 'abs'],
		['a\\..\\b', 'b'],
		['dir/', 'record'],
		['..', 'record'],
		['na\u0000me\u0007', 'name'],
		['', 'record'],
	])('%j becomes %j', (name, safe) => {
		expect(safeFileName(name)).toBe(safe);
	});
});

it('reads media type and charset', () => {
	expect(mediaTypeOf('Text/HTML; charset=ISO-8859-1')).toBe('text/html');
	expect(charsetOf('Text/HTML; charset=ISO-8859-1')).toBe('iso-8859-1');
	expect(charsetOf('application/json')).toBe('utf-8');
});

describe('charsets', () => {
	it('makes any type with charset=binary (as `file --mime` writes it) a file', () => {
		expect(kindOfContentType('text/plain; charset=binary')).toBe('binary');
		expect(kindOfContentType('application/json; charset="binary"')).toBe('binary');
	});

	it('decodes in the given charset, and in UTF-8 where TextDecoder knows no such charset', () => {
		expect(decodeText(Buffer.from([0x47, 0x72, 0xfc]), 'text/plain; charset=ISO-8859-1')).toBe(
			'Grü',
		);
		expect(decodeText(Buffer.from('Grüße'), 'text/plain; charset=binary')).toBe('Grüße');
		expect(decodeText(Buffer.from('Grüße'), 'text/plain; charset=no-such-charset')).toBe('Grüße');
	});
});
