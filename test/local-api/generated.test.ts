/** Generated records of the local API: bodies made on demand, bulk stores, and streamed ZIP downloads. */
import { request } from 'node:http';
import { ApifyClient } from 'apify-client';
import JSZip from 'jszip';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';

import { FULL_ACCESS_TOKEN, READ_ONLY_TOKEN } from '../../dev/local-api/fixtures';
import {
	binaryStream,
	digestOfGenerated,
	jsonBody,
	jsonStream,
	sha256OfStream,
} from '../../dev/local-api/generated';
import { currentRssBytes, peakRssBytes, resetPeakRss } from '../../dev/local-api/process-memory';
import { bearer, jsonBody as parseJsonBody, rawRequest } from './raw-http';
import { startLocalApi, type LocalApi } from '../../dev/local-api/server';
import { compareKeysByBytes } from '../../dev/local-api/store-data';
import { zipStream } from '../../dev/local-api/zip-writer';

const MIB = 1024 * 1024;
let api: LocalApi;

beforeAll(async () => {
	api = await startLocalApi();
});

afterAll(() => api.close());

const storePath = (id: string) => `${api.url}/v2/key-value-stores/${id}`;

/** Reads a response as a stream and hashes it, never holding the body. */
function streamedGet(
	url: string,
): Promise<{ status: number; headers: Record<string, unknown>; sha256: string; size: number }> {
	return new Promise((resolve, reject) => {
		const req = request(url, { headers: bearer(READ_ONLY_TOKEN), agent: false }, (res) => {
			const hash = createHash('sha256');
			let size = 0;
			res.on('data', (chunk: Buffer) => {
				hash.update(chunk);
				size += chunk.length;
			});
			res.on('end', () =>
				resolve({
					status: res.statusCode ?? 0,
					headers: res.headers,
					sha256: hash.digest('hex'),
					size,
				}),
			);
			res.on('error', reject);
		});
		req.on('error', reject);
		req.end();
	});
}

describe('generated bodies', () => {
	it('binaryStream yields exactly the size, the same bytes every time, different bytes for another seed', async () => {
		const size = 3 * MIB + 12_345;
		const first = await digestOfGenerated(() => binaryStream(size, 7));
		expect(first.size).toBe(size);
		expect(await digestOfGenerated(() => binaryStream(size, 7))).toEqual(first);
		expect((await digestOfGenerated(() => binaryStream(size, 8))).sha256).not.toBe(first.sha256);
		expect((await digestOfGenerated(() => binaryStream(5, 1))).size).toBe(5);
		expect((await digestOfGenerated(() => binaryStream(0, 1))).size).toBe(0);
	});

	it('jsonBody is a JSON array of exactly the size, fixed by its seed', () => {
		for (const size of [2, 3, 50, 200, 20_000, 1_000_000]) {
			const body = jsonBody(size, size);
			expect(body.length).toBe(size);
			expect(Array.isArray(JSON.parse(body.toString('utf8')))).toBe(true);
		}
		expect(jsonBody(20_000, 1).equals(jsonBody(20_000, 1))).toBe(true);
		expect(jsonBody(20_000, 1).equals(jsonBody(20_000, 2))).toBe(false);
		expect(JSON.parse(jsonBody(20_000, 3).toString()).length).toBeGreaterThan(50);
	});
});

describe('a generated record', () => {
	it('is served as a stream of its exact bytes with its length, type and attachment header; HEAD does not generate it', async () => {
		const store = api.addStore({ name: 'generated-one' });
		const size = 5 * MIB + 3;
		let generated = 0;
		api.putGeneratedRecord(store.id, 'big.bin', {
			size,
			contentType: 'application/octet-stream',
			generate: () => {
				generated++;
				return binaryStream(size, 42);
			},
		});
		const expected = await digestOfGenerated(() => binaryStream(size, 42));

		const response = await streamedGet(`${storePath(store.id)}/records/big.bin?attachment=true`);
		expect(response.status).toBe(200);
		expect(response).toMatchObject({ size, sha256: expected.sha256 });
		expect(response.headers['content-length']).toBe(String(size));
		expect(response.headers['content-type']).toBe('application/octet-stream');
		expect(response.headers['content-disposition']).toBe('attachment');
		expect(response.headers['content-encoding']).toBeUndefined();
		expect(generated).toBe(1);

		const head = await rawRequest(`${storePath(store.id)}/records/big.bin`, {
			method: 'HEAD',
			headers: bearer(READ_ONLY_TOKEN),
		});
		expect(head.status).toBe(200);
		expect(head.headers['content-length']).toBe(String(size));
		expect(generated).toBe(1);
	});

	it('is served as is through a redirect to the storage origin, and listed with its size', async () => {
		const store = api.addStore({ name: 'generated-redirect' });
		api.putGeneratedRecord(store.id, 'data', {
			size: 300_000,
			contentType: 'application/json',
			generate: () => jsonStream(300_000, 5),
		});
		api.setRedirectMode('storage');
		try {
			const redirect = await rawRequest(`${storePath(store.id)}/records/data`, {
				headers: bearer(READ_ONLY_TOKEN),
			});
			expect(redirect.status).toBe(302);
			const stored = await rawRequest(redirect.headers.location as string);
			expect(stored.body.equals(jsonBody(300_000, 5))).toBe(true);
		} finally {
			api.setRedirectMode('off');
		}
		const keys = parseJsonBody(
			await rawRequest(`${storePath(store.id)}/keys`, { headers: bearer(READ_ONLY_TOKEN) }),
		);
		expect(keys.data.items).toEqual([expect.objectContaining({ key: 'data', size: 300_000 })]);
	});
});

describe('a store of 100,000 generated keys', () => {
	it('is created in bulk and paged by apify-client in byte order, each key once', async () => {
		const store = api.addStore({ name: 'hundred-thousand-keys' });
		const keys = Array.from(
			{ length: 100_000 },
			(_, index) => `${['a', 'B', '_', '(', 'z'][index % 5]}${index.toString(36)}`,
		);
		const count = api.putGeneratedRecords(
			store.id,
			keys.map((key, index) => ({
				key,
				size: 100,
				contentType: 'application/json',
				generate: () => jsonStream(100, index),
			})),
		);
		expect(count).toBe(100_000);

		const client = new ApifyClient({
			token: FULL_ACCESS_TOKEN,
			baseUrl: api.url,
			publicBaseUrl: api.url,
			maxRetries: 0,
		});
		const listed: string[] = [];
		for await (const item of client.keyValueStore(store.id).listKeys()) {
			listed.push(item.key);
			if (listed.length === 1) expect(item.size).toBe(100);
		}
		expect(listed).toEqual([...keys].sort(compareKeysByBytes));
	});

	it('starts after any start key, present or not, as a linear scan in byte order would', async () => {
		const store = api.addStore({ name: 'start-keys' });
		const keys = ['a', 'aa', 'ab', 'B', 'b', 'Z', '_', '(x)', 'a.b', 'a-b', '0', '9z'];
		api.putGeneratedRecords(
			store.id,
			keys.map((key) => ({
				key,
				size: 1,
				contentType: 'text/plain',
				generate: () => Readable.from([Buffer.from('x')]),
			})),
		);
		const sorted = [...keys].sort(compareKeysByBytes);
		for (const start of [...keys, '', 'a0', 'zz', '!', 'A', 'aab', '~']) {
			const page = parseJsonBody(
				await rawRequest(
					`${storePath(store.id)}/keys?exclusiveStartKey=${encodeURIComponent(start)}&limit=5`,
					{
						headers: bearer(READ_ONLY_TOKEN),
					},
				),
			).data;
			const rest =
				start === '' ? sorted : sorted.filter((key) => compareKeysByBytes(key, start) > 0);
			expect(page.items.map((item: { key: string }) => item.key)).toEqual(rest.slice(0, 5));
			expect(page.isTruncated).toBe(rest.length > 5);
			expect(page.nextExclusiveStartKey).toBe(rest.length > 5 ? rest[4] : null);
		}
	});
});

describe('ZIP download of generated records', () => {
	it('holds every record, STORE or DEFLATE as asked, beside ordinary records, in key order', async () => {
		const store = api.addStore({ name: 'generated-zip' });
		api.putGeneratedRecord(store.id, 'b-json', {
			size: 50_000,
			contentType: 'application/json',
			generate: () => jsonStream(50_000, 1),
		});
		api.putGeneratedRecord(store.id, 'c-bin', {
			size: 2 * MIB + 1,
			contentType: 'application/octet-stream',
			zipCompression: 'STORE',
			generate: () => binaryStream(2 * MIB + 1, 2),
		});
		api.putGeneratedRecord(store.id, 'd-big-json', {
			size: 3 * MIB,
			contentType: 'application/json',
			generate: () => jsonStream(3 * MIB, 3),
		});
		api.putRecord(store.id, 'a-plain', 'plain text', { contentType: 'text/plain' });
		api.putRecord(store.id, 'e-br', 'compressed '.repeat(500), {
			contentType: 'text/plain',
			contentEncoding: 'br',
		});

		const response = await rawRequest(`${storePath(store.id)}/records`, {
			headers: bearer(READ_ONLY_TOKEN),
		});
		expect(response.status).toBe(200);
		expect(response.headers['content-type']).toBe('application/zip');
		const zip = await JSZip.loadAsync(response.body);
		expect(Object.keys(zip.files)).toEqual(['a-plain', 'b-json', 'c-bin', 'd-big-json', 'e-br']);
		expect((await zip.files['a-plain'].async('nodebuffer')).toString()).toBe('plain text');
		expect((await zip.files['e-br'].async('nodebuffer')).toString()).toBe(
			'compressed '.repeat(500),
		);
		expect((await zip.files['b-json'].async('nodebuffer')).equals(jsonBody(50_000, 1))).toBe(true);
		expect((await zip.files['d-big-json'].async('nodebuffer')).equals(jsonBody(3 * MIB, 3))).toBe(
			true,
		);
		const binary = await zip.files['c-bin'].async('nodebuffer');
		expect(createHash('sha256').update(binary).digest('hex')).toBe(
			(await digestOfGenerated(() => binaryStream(2 * MIB + 1, 2))).sha256,
		);
		const methods = Object.fromEntries(
			Object.values(zip.files).map((file) => [
				file.name,
				(file as unknown as { _data: { compression: { magic: string } } })._data.compression.magic,
			]),
		);
		expect(methods).toEqual({
			'a-plain': '\x08\x00',
			'b-json': '\x08\x00',
			'c-bin': '\x00\x00',
			'd-big-json': '\x08\x00',
			'e-br': '\x08\x00',
		});

		const prefixed = await rawRequest(`${storePath(store.id)}/records?prefix=c-`, {
			headers: bearer(READ_ONLY_TOKEN),
		});
		expect(Object.keys((await JSZip.loadAsync(prefixed.body)).files)).toEqual(['c-bin']);
	});

	it('writes an archive that breaks off when a record fails to generate', async () => {
		const failing = () =>
			new Readable({
				read() {
					this.destroy(new Error('generator failed'));
				},
			});
		const chunks: Buffer[] = [];
		const archive = zipStream([
			{
				name: 'ok',
				compression: 'DEFLATE',
				size: 10,
				open: () => Readable.from([Buffer.from('0123456789')]),
			},
			{ name: 'broken', compression: 'DEFLATE', open: failing },
		]);
		await expect(
			(async () => {
				for await (const chunk of archive) chunks.push(chunk as Buffer);
			})(),
		).rejects.toThrow('generator failed');
	});
});

describe('memory', () => {
	it('serves a 512 MiB record and a 512 MiB archive without holding them: RSS grows by far less than the body', async () => {
		const store = api.addStore({ name: 'generated-memory' });
		const size = 512 * MIB;
		api.putGeneratedRecord(store.id, 'huge', {
			size,
			contentType: 'application/octet-stream',
			generate: () => binaryStream(size, 9),
		});
		const zipped = api.addStore({ name: 'generated-memory-zip' });
		for (let part = 0; part < 4; part++) {
			api.putGeneratedRecord(zipped.id, `part-${part}`, {
				size: size / 4,
				contentType: 'application/octet-stream',
				zipCompression: 'STORE',
				generate: () => binaryStream(size / 4, part),
			});
		}
		const expected = await digestOfGenerated(() => binaryStream(size, 9));

		const before = currentRssBytes();
		const reset = resetPeakRss();
		const record = await streamedGet(`${storePath(store.id)}/records/huge`);
		const archive = await streamedGet(`${storePath(zipped.id)}/records`);
		const grown = (reset ? peakRssBytes() : currentRssBytes()) - before;

		expect(record).toMatchObject({ status: 200, size, sha256: expected.sha256 });
		expect(archive.status).toBe(200);
		expect(archive.size).toBeGreaterThan(size);
		// Server and client share this process; both stream, so a few chunks stay in flight.
		expect(grown).toBeLessThan(128 * MIB);
	});

	it('hashes what a stream yields', async () => {
		expect(await sha256OfStream(Readable.from([Buffer.from('abc')]))).toBe(
			createHash('sha256').update('abc').digest('hex'),
		);
	});
});
