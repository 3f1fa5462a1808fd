import { findNetworkFailure, answerStart } from '../../nodes/ApifyKeyValueStore/transport/errors';

const withCode = (message: string, code: string, ErrorType: ErrorConstructor = Error) =>
	Object.assign(new ErrorType(message), { code });

describe('findNetworkFailure', () => {
	it.each([
		['ECONNRESET', withCode('socket hang up', 'ECONNRESET')],
		['EAI_AGAIN', withCode('getaddrinfo EAI_AGAIN api.apify.com', 'EAI_AGAIN')],
		[
			'UND_ERR_SOCKET',
			new TypeError('fetch failed', { cause: withCode('other side closed', 'UND_ERR_SOCKET') }),
		],
		['HPE_HEADER_OVERFLOW', withCode('Parse Error: Header overflow', 'HPE_HEADER_OVERFLOW')],
		['ERR_STREAM_PREMATURE_CLOSE', withCode('Premature close', 'ERR_STREAM_PREMATURE_CLOSE')],
	])('finds %s, a failure of the HTTP layer', (code, error) => {
		expect(findNetworkFailure(error)?.code).toBe(code);
	});

	it.each([
		[
			"a TextDecoder's RangeError",
			withCode('The "binary" encoding is not supported', 'ERR_ENCODING_NOT_SUPPORTED', RangeError),
		],
		[
			'a bad argument',
			withCode('The "chunk" argument must be …', 'ERR_INVALID_ARG_TYPE', TypeError),
		],
		['a file system error', withCode('ENOSPC: no space left on device, write', 'ENOSPC')],
		['a plain error', new Error('Cannot read properties of undefined')],
	])('does not take %s for one', (_what, error) => {
		expect(findNetworkFailure(error)).toBeUndefined();
	});

	it('names no URL, which may carry a signature', () => {
		const error = withCode('connect ECONNREFUSED https://host/x?signature=abc', 'ECONNREFUSED');
		expect(findNetworkFailure(error)?.message).toBe('connect ECONNREFUSED <url>');
	});
});

describe('answerStart', () => {
	it('gives the first 100 characters on one line, without URLs, tokens or signatures', () => {
		const page =
			'<html>\n\t<a href="https://portal.example/login?token=s3cret&x=1">in</a> ?signature=abc&token=def apify_api_ABC123 ' +
			'x'.repeat(200);
		const start = answerStart(page);
		expect(start).toMatch(
			/^<html> <a href="<url>">in<\/a> \?signature=<hidden>&token=<hidden> <hidden> x+…$/,
		);
		expect(start).toHaveLength(101);
		for (const secret of ['s3cret', 'abc', 'def', 'ABC123']) expect(start).not.toContain(secret);
	});
});
