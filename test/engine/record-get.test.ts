import { readBinary, runNode } from '../../dev/harness/engine';
import { DEMO_STORE, fixtureRecord } from '../../dev/local-api/fixtures';
import { ACCEPT_ENCODING } from '../../nodes/ApifyKeyValueStore/helpers/decompress';
import {
	API_MODES,
	byId,
	expectNoSecrets,
	recordGetParameters,
	useApiMode,
	useLocalApi,
} from './setup';

const local = useLocalApi();
beforeEach(() => {
	local.api.clearRequests();
	local.api.faults.clear();
	local.api.setRedirectMode('off');
});

const record = (key: string) => fixtureRecord(DEMO_STORE.id, key);

describe('Record → Get, Auto output', () => {
	it('puts a JSON object record into the item fields', async () => {
		const result = await runNode({ parameters: recordGetParameters('OUTPUT') });
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(1);
		expect(result.items[0].json).toEqual(JSON.parse(record('OUTPUT').body.toString()));
		expect(result.items[0].pairedItem).toEqual({ item: 0 });
		expectNoSecrets(result);
	});

	it('puts a JSON array into "value" beside the metadata', async () => {
		const { items } = await runNode({ parameters: recordGetParameters('list-json') });
		expect(items[0].json).toEqual({
			key: 'list-json',
			contentType: record('list-json').contentType,
			size: record('list-json').body.length,
			value: JSON.parse(record('list-json').body.toString()),
		});
	});

	it('decodes a brotli-stored JSON record', async () => {
		expect(record('big-json').contentEncoding).toBe('br');
		const { items, error } = await runNode({ parameters: recordGetParameters('big-json') });
		expect(error).toBeUndefined();
		expect(items[0].json.value).toEqual(JSON.parse(record('big-json').body.toString()));
		expect(items[0].json.size).toBe(record('big-json').body.length);
		// Where the runtime decodes brotli the node asks for it; elsewhere the API sends the record decoded.
		const accepted = local.api.requests[0].headers['accept-encoding'];
		if (ACCEPT_ENCODING) expect(accepted).toBe(ACCEPT_ENCODING);
		else expect(accepted).toMatch(/\bbr\b/);
	});

	it('puts a text record, non-ASCII included, into the text field', async () => {
		const { items } = await runNode({ parameters: recordGetParameters('notes') });
		expect(items[0].json).toEqual({
			key: 'notes',
			contentType: record('notes').contentType,
			size: record('notes').body.length,
			text: record('notes').body.toString('utf8'),
		});
	});

	it('decodes a gzip-stored text record', async () => {
		expect(record('log-gz').contentEncoding).toBe('gzip');
		const { items } = await runNode({ parameters: recordGetParameters('log-gz') });
		expect(items[0].json.text).toBe(record('log-gz').body.toString('utf8'));
	});

	it.each([
		['screenshot', 'image/png', 'screenshot.png'],
		['report', 'application/pdf', 'report.pdf'],
		['archive', 'application/zip', 'archive.zip'],
		['no-type', 'application/octet-stream', 'no-type.bin'],
	])('outputs %s as a %s file named %s, byte for byte', async (key, mimeType, fileName) => {
		const { items } = await runNode({ parameters: recordGetParameters(key) });
		const binary = items[0].binary?.data;
		expect(binary).toMatchObject({ mimeType, fileName });
		expect(items[0].json).toEqual({
			key,
			contentType: mimeType,
			size: record(key).body.length,
			fileName,
		});
		expect((await readBinary(items[0])).equals(record(key).body)).toBe(true);
	});

	it('stores the file in n8n filesystem binary storage, not in the item', async () => {
		const { items } = await runNode({ parameters: recordGetParameters('screenshot') });
		expect(items[0].binary?.data.id).toMatch(/^filesystem/);
		expect(items[0].binary?.data.data).not.toContain('iVBOR');
	});
});

describe('Record → Get, chosen output', () => {
	it('fetches HTML raw (attachment=true) when asked for a file', async () => {
		const { items } = await runNode({
			parameters: recordGetParameters('page', { outputFormat: 'binary' }),
		});
		expect((await readBinary(items[0])).equals(record('page').body)).toBe(true);
		expect(items[0].binary?.data.fileName).toBe('page.html');
		expect(local.api.requests[0].query.attachment).toBe('true');
	});

	it('returns a JSON record as text, and a deflate-stored record as a file', async () => {
		const asText = await runNode({
			parameters: recordGetParameters('OUTPUT', { outputFormat: 'text' }),
		});
		expect(asText.items[0].json.text).toBe(record('OUTPUT').body.toString());
		const deflated = await runNode({
			parameters: recordGetParameters('data-deflate', { outputFormat: 'binary' }),
		});
		expect((await readBinary(deflated.items[0])).equals(record('data-deflate').body)).toBe(true);
	});

	it('puts the file into the binary field the user names', async () => {
		const { items } = await runNode({
			parameters: recordGetParameters('img-001', {
				outputFormat: 'binary',
				binaryPropertyName: 'image',
			}),
		});
		expect(Object.keys(items[0].binary ?? {})).toEqual(['image']);
		expect((await readBinary(items[0], 'image')).equals(record('img-001').body)).toBe(true);
	});

	it('uses the text field name from the options', async () => {
		const { items } = await runNode({
			parameters: recordGetParameters('notes', {
				outputFormat: 'text',
				options: { textFieldName: 'body' },
			}),
		});
		expect(items[0].json.body).toBe(record('notes').body.toString('utf8'));
	});

	it('says a text record is not JSON when JSON is asked for', async () => {
		const { error } = await runNode({
			parameters: recordGetParameters('notes', { outputFormat: 'json' }),
		});
		expect(error?.message).toMatch(/Record "notes" is not valid JSON/);
		expect(error?.description).toMatch(/Set Output to Text or File/);
	});

	it('URL-encodes keys with special characters', async () => {
		const key = "weird!key_(1).v'2";
		const { items, error } = await runNode({ parameters: recordGetParameters(key) });
		expect(error).toBeUndefined();
		expect(items[0].json.text).toBe(record(key).body.toString('utf8'));
		expect(local.api.requests[0].path).toBe(
			`/v2/key-value-stores/${DEMO_STORE.id}/records/${encodeURIComponent(key)}`,
		);
	});
});

describe('Record → Get, many items', () => {
	it('evaluates expressions per item and pairs each output with its input', async () => {
		const input = ['OUTPUT', 'notes', 'screenshot'].map((key) => ({ json: { recordKey: key } }));
		const { items, error } = await runNode({
			parameters: recordGetParameters('', {
				key: { __rl: true, mode: 'id', value: '={{ $json.recordKey }}' },
			}),
			input,
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(items[0].json).toEqual(JSON.parse(record('OUTPUT').body.toString()));
		expect(items[1].json.key).toBe('notes');
		expect(items[2].binary?.data.fileName).toBe('screenshot.png');
	});

	it('with Continue On Fail returns the failing item as an error and keeps the others', async () => {
		const input = ['OUTPUT', 'missing-record', 'notes'].map((key) => ({
			json: { recordKey: key },
		}));
		const { items, error } = await runNode({
			parameters: recordGetParameters('', {
				key: { __rl: true, mode: 'id', value: '={{ $json.recordKey }}' },
			}),
			input,
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(3);
		expect(items[1]).toEqual({
			json: { error: expect.stringMatching(/404 record-not-found/) },
			pairedItem: { item: 1 },
		});
		expect(items[0].pairedItem).toEqual({ item: 0 });
		expect(items[2]).toMatchObject({ json: { key: 'notes' }, pairedItem: { item: 2 } });
	});

	it('without Continue On Fail stops at the failing item and names it', async () => {
		const input = ['OUTPUT', 'a/b', 'notes'].map((key) => ({ json: { recordKey: key } }));
		const { items, error } = await runNode({
			parameters: recordGetParameters('', {
				key: { __rl: true, mode: 'id', value: '={{ $json.recordKey }}' },
			}),
			input,
		});
		expect(items).toEqual([]);
		expect(error?.message).toMatch(/Key parameter "a\/b" is not a valid record key/);
		expect(error?.context?.itemIndex).toBe(1);
	});
});

describe('Record → Get, bad input and API errors', () => {
	it('leaves an empty Key or Store to n8n, which refuses to run the node', async () => {
		await expect(runNode({ parameters: recordGetParameters('') })).rejects.toThrow(
			/Parameter "Key" is required/,
		);
		await expect(
			runNode({ parameters: recordGetParameters('OUTPUT', { storeId: byId('') }) }),
		).rejects.toThrow(/Parameter "Store" is required/);
		expect(local.api.requests).toHaveLength(0);
	});

	it.each([
		['..', /Key parameter "\.\." is not a valid record key/],
		['a b', /not a valid record key/],
	])('refuses key %j before any request', async (key, message) => {
		const { error } = await runNode({ parameters: recordGetParameters(key) });
		expect(error?.message).toMatch(message);
		expect(local.api.requests).toHaveLength(0);
	});

	it.each([
		['={{ null }}', 'null'],
		['={{ 42 }}', 'a number'],
		['={{ { "a": 1 } }}', 'an object'],
	])('refuses a key expression %s before any request', async (value, type) => {
		const { error } = await runNode({
			parameters: recordGetParameters('', { key: { __rl: true, mode: 'id', value } }),
		});
		expect(error?.message).toBe(`The Key parameter must be text, not ${type}`);
		expect(local.api.requests).toHaveLength(0);
	});

	it.each([
		['={{ "" }}', /Store parameter is empty/],
		['not a store', /Store parameter "not a store" is not a valid store ID or name/],
	])('refuses store %j before any request', async (store, message) => {
		const { error } = await runNode({
			parameters: recordGetParameters('OUTPUT', { storeId: byId(store) }),
		});
		expect(error?.message).toMatch(message);
		expect(error?.description).toMatch(/username~store-name/);
		expect(local.api.requests).toHaveLength(0);
	});

	it('tells a missing record from a missing store', async () => {
		const noRecord = await runNode({ parameters: recordGetParameters('missing-record') });
		expect(noRecord.error?.message).toBe(
			'Apify API error 404 record-not-found: Record was not found.',
		);
		expect(noRecord.error?.description).toMatch(/has no record with key "missing-record"/);
		expect(noRecord.error?.httpCode).toBe('404');

		const noStore = await runNode({
			parameters: recordGetParameters('OUTPUT', { storeId: byId('local-user~no-such-store') }),
		});
		expect(noStore.error?.message).toMatch(/404 record-not-found: Key-value store was not found/);
		expect(noStore.error?.description).toMatch(/Store "local-user~no-such-store" does not exist/);
	});

	it('explains a bad token without showing it', async () => {
		const result = await runNode({
			parameters: recordGetParameters('OUTPUT'),
			credentialId: 'badToken',
		});
		expect(result.error?.message).toMatch(/401 user-or-token-not-found/);
		expect(result.error?.description).toMatch(/Check the API token/);
		expectNoSecrets(result);
	});

	it("explains a token without permission for another user's store", async () => {
		const result = await runNode({
			parameters: recordGetParameters('OUTPUT'),
			credentialId: 'otherUser',
		});
		expect(result.error?.message).toMatch(/^Apify API error 403 /);
		expect(result.error?.description).toMatch(/has no access to store/);
		expectNoSecrets(result);
	});

	it('reads store names as username~store-name, username/store-name and ~store-name', async () => {
		for (const store of ['local-user~demo-store', 'local-user/demo-store', '~demo-store']) {
			const { items, error } = await runNode({
				parameters: recordGetParameters('OUTPUT', { storeId: byId(store) }),
			});
			expect(error).toBeUndefined();
			expect(items[0].json).toEqual(JSON.parse(record('OUTPUT').body.toString()));
		}
	});

	it('reads a store pasted as an Apify Console URL', async () => {
		const storeId = {
			__rl: true,
			mode: 'url',
			value: `https://console.apify.com/storage/key-value-stores/${DEMO_STORE.id}`,
		};
		const { items, error } = await runNode({
			parameters: recordGetParameters('notes', { storeId }),
		});
		expect(error).toBeUndefined();
		expect(items[0].json.key).toBe('notes');
	});
});

describe('Record → Get, redirects', () => {
	it('follows a 302 to another host without sending the token there', async () => {
		local.api.setRedirectMode('storage');
		const result = await runNode({ parameters: recordGetParameters('screenshot') });
		expect(result.error).toBeUndefined();
		expect((await readBinary(result.items[0])).equals(record('screenshot').body)).toBe(true);
		const storageRequests = local.api.requests.filter((request) => request.server === 'storage');
		expect(storageRequests).toHaveLength(1);
		expect(storageRequests[0].headers.authorization).toBeUndefined();
		expect(
			local.api.requests.find((request) => request.server === 'api')?.headers.authorization,
		).toMatch(/^Bearer /);
	});

	it('stops a redirect loop with an error', async () => {
		local.api.setRedirectMode('loop');
		const { error } = await runNode({ parameters: recordGetParameters('screenshot') });
		expect(error?.message).toMatch(/redirected more than 5 times/);
	});

	it('refuses a redirect to a non-http scheme', async () => {
		local.api.setRedirectMode('ftp');
		const { error } = await runNode({ parameters: recordGetParameters('screenshot') });
		expect(error?.message).toMatch(/redirected to an unsupported ftp: address/);
	});
});

describe('Record → Get, Only If Changed', () => {
	const store = () =>
		local.api.addStore({ name: `changes-${Math.random().toString(36).slice(2, 10)}` });
	const onlyChanged = (storeId: string, key: string) => ({
		...recordGetParameters(key),
		storeId: byId(storeId),
		options: { onlyChanged: true },
	});

	describe.each(API_MODES)('with an API %s', (_mode, settings) => {
		useApiMode(local, settings);

		it('outputs a record once, then nothing until it changes', async () => {
			const { id } = store();
			local.api.putRecord(id, 'STATE', '{"step":1}', { contentType: 'application/json' });
			const first = await runNode({ parameters: onlyChanged(id, 'STATE') });
			expect(first.items.map((item) => item.json)).toEqual([{ step: 1 }]);

			const second = await runNode({
				parameters: onlyChanged(id, 'STATE'),
				staticData: first.staticData,
			});
			expect(second.error).toBeUndefined();
			expect(second.items).toEqual([]);
			// With ETags the API is asked whether it changed; without, the content's hash tells.
			const asked = local.api.requests.filter((request) => request.headers['if-none-match']);
			expect(asked).toHaveLength(settings.etags ? 1 : 0);
			if (settings.etags) expect(asked[0].headers['if-none-match']).toMatch(/^"/);

			local.api.putRecord(id, 'STATE', '{"step":2}', { contentType: 'application/json' });
			const third = await runNode({
				parameters: onlyChanged(id, 'STATE'),
				staticData: second.staticData,
			});
			expect(third.items.map((item) => item.json)).toEqual([{ step: 2 }]);
			const fourth = await runNode({
				parameters: onlyChanged(id, 'STATE'),
				staticData: third.staticData,
			});
			expect(fourth.items).toEqual([]);
		});
	});

	it('remembers each store and key on its own, and every item of a run', async () => {
		const { id } = store();
		local.api.putRecord(id, 'a', 'A', { contentType: 'text/plain' });
		local.api.putRecord(id, 'b', 'B', { contentType: 'text/plain' });
		const parameters = { ...onlyChanged(id, 'a'), key: byId('={{ $json.key }}') };
		const input = [{ json: { key: 'a' } }, { json: { key: 'b' } }];
		const first = await runNode({ parameters, input });
		expect(first.items.map((item) => item.json.text)).toEqual(['A', 'B']);
		local.api.putRecord(id, 'b', 'B2', { contentType: 'text/plain' });
		const second = await runNode({ parameters, input, staticData: first.staticData });
		expect(second.items.map((item) => [item.json.text, item.pairedItem])).toEqual([
			['B2', { item: 1 }],
		]);
	});

	it('tells a change by a hash of the content where the API sends no ETag', async () => {
		const { id } = store();
		local.api.putRecord(id, 'page', 'placeholder', { contentType: 'text/plain' });
		// Answers without an ETag, as a proxy or another API might.
		const answer = (text: string) =>
			local.api.faults.add({
				kind: 'body',
				body: Buffer.from(text),
				contentType: 'text/plain',
				path: /\/records\/page$/,
			});
		answer('version one');
		const first = await runNode({ parameters: onlyChanged(id, 'page') });
		expect(first.items.map((item) => item.json.text)).toEqual(['version one']);
		answer('version one');
		const same = await runNode({
			parameters: onlyChanged(id, 'page'),
			staticData: first.staticData,
		});
		expect(same.items).toEqual([]);
		expect(local.api.requests.every((request) => !request.headers['if-none-match'])).toBe(true);
		answer('version two');
		const changed = await runNode({
			parameters: onlyChanged(id, 'page'),
			staticData: same.staticData,
		});
		expect(changed.items.map((item) => item.json.text)).toEqual(['version two']);
	});

	it('outputs every time without the option', async () => {
		const { id } = store();
		local.api.putRecord(id, 'STATE', '{"step":1}', { contentType: 'application/json' });
		const parameters = { ...recordGetParameters('STATE'), storeId: byId(id) };
		const first = await runNode({ parameters });
		const second = await runNode({ parameters, staticData: first.staticData });
		expect(second.items).toHaveLength(1);
		expect(local.api.requests.some((request) => request.headers['if-none-match'])).toBe(false);
	});
});
