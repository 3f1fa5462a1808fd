/**
 * n8n's `database` binary data mode (queue mode's default) refuses a file over
 * N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE with n8n-core's FileTooLargeError. Its manager lives in the
 * n8n app, not in n8n-core, so a stand-in that behaves as n8n 2.41.1's does (reads the whole stream
 * as its binaryToBuffer does, with `.on` and `.once`, as the S3 mode does too; then throws the real
 * FileTooLargeError over the limit) takes the `database` mode here; the end-to-end queue suite
 * (`npm run test:queue`) checks the real one.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';

import { BinaryDataService, FileTooLargeError, type BinaryData } from 'n8n-core';

import { initBinaryData, runNode } from '../../dev/harness/engine';
import { DEMO_STORE, fixtureRecord } from '../../dev/local-api/fixtures';
import { byId, recordGetParameters, useLocalApi } from './setup';

const local = useLocalApi();

const MB = 1024 * 1024;

/** n8n 2.41.1's DatabaseManager.store, with a limit in bytes and no database behind it. */
class DatabaseModeStandIn implements Partial<BinaryData.Manager> {
	readonly files = new Map<string, { data: Buffer; fileName?: string; mimeType?: string }>();

	constructor(private readonly maxBytes: number) {}

	async init(): Promise<void> {}

	async store(
		_location: BinaryData.FileLocation,
		bufferOrStream: Buffer | Readable,
		metadata: BinaryData.PreWriteMetadata,
	): Promise<BinaryData.WriteResult> {
		const data = Buffer.isBuffer(bufferOrStream)
			? bufferOrStream
			: await readAsBinaryToBuffer(bufferOrStream);
		const fileId = randomUUID();
		if (data.length > this.maxBytes) {
			throw new FileTooLargeError({
				fileSizeMb: data.length / MB,
				maxFileSizeMb: this.maxBytes / MB,
				fileId,
				fileName: metadata.fileName,
			});
		}
		// A database keeps the bytes, not the buffer they came in.
		this.files.set(fileId, { data: Buffer.from(data), ...metadata });
		return { fileId, fileSize: data.length };
	}

	getPath(fileId: string): string {
		return `database://${fileId}`;
	}
}

/**
 * How n8n's binaryToBuffer (@n8n/backend-network, 2.41.1) reads a stream for the database and S3
 * modes: Node's stream events, which a web stream does not have.
 */
async function readAsBinaryToBuffer(stream: Readable): Promise<Buffer> {
	return await new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		stream.on('data', (chunk: Buffer) => chunks.push(chunk));
		stream.once('end', () => resolve(Buffer.concat(chunks)));
		stream.once('error', reject);
		stream.once('close', () => reject(new Error('Stream closed before completing')));
	});
}

let service: BinaryDataService;
let previousMode: string;
let standIn: DatabaseModeStandIn;

beforeAll(async () => {
	service = await initBinaryData();
	previousMode = (service as unknown as { mode: string }).mode;
});

afterEach(() => {
	(service as unknown as { mode: string }).mode = previousMode;
});

/** Database mode with a limit of `maxBytes` for the next run. */
function useDatabaseMode(maxBytes: number): void {
	standIn = new DatabaseModeStandIn(maxBytes);
	service.setManager('database', standIn as unknown as BinaryData.Manager);
	(service as unknown as { mode: string }).mode = 'database';
}

const screenshot = fixtureRecord(DEMO_STORE.id, 'screenshot');

/** Record → Download All, one item per record, of a store. */
const downloadRecords = async (storeId: string) =>
	await runNode({
		parameters: {
			resource: 'record',
			operation: 'download',
			storeId: byId(storeId),
			outputMode: 'records',
		},
	});

describe('database binary data mode', () => {
	it('stores a file under the limit, with its bytes, name and type', async () => {
		useDatabaseMode(10 * MB);
		const { items, error } = await runNode({ parameters: recordGetParameters('screenshot') });
		expect(error).toBeUndefined();
		const binary = items[0].binary?.data;
		expect(binary?.id).toMatch(/^database:/);
		const [stored] = [...standIn.files.values()];
		expect(stored.data.equals(screenshot.body)).toBe(true);
		expect([stored.fileName, stored.mimeType]).toEqual(['screenshot.png', 'image/png']);
	});

	it('One Item per Record streams a record too large to gather into it, byte for byte', async () => {
		useDatabaseMode(64 * MB);
		const store = local.api.addStore({ name: 'database-mode-large-record' });
		const large = randomBytes(12 * MB);
		local.api.putRecord(store.id, 'large', large, { contentType: 'application/octet-stream' });
		const { items, error } = await downloadRecords(store.id);
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.key)).toEqual(['large']);
		const [stored] = [...standIn.files.values()];
		expect(stored.data.equals(large)).toBe(true);
	});

	it('One Item per Record stores every gathered record into it, byte for byte', async () => {
		useDatabaseMode(64 * MB);
		const store = local.api.addStore({ name: 'database-mode-records' });
		const records = Array.from({ length: 30 }, (_, index) => randomBytes(1000 + index * 40_000));
		records.forEach((body, index) =>
			local.api.putRecord(store.id, `record-${String(index).padStart(2, '0')}`, body, {
				contentType: 'application/octet-stream',
			}),
		);
		const { items, error } = await downloadRecords(store.id);
		expect(error).toBeUndefined();
		expect(items).toHaveLength(records.length);
		const stored = [...standIn.files.values()].map((file) => file.data);
		const expected = [...records].sort((a, b) => a.length - b.length);
		expect(
			stored
				.sort((a, b) => a.length - b.length)
				.every((data, index) => data.equals(expected[index])),
		).toBe(true);
	});

	it('Record → Get of a file over the limit fails with what happened and what to do', async () => {
		useDatabaseMode(screenshot.body.length - 1);
		const { error, items } = await runNode({ parameters: recordGetParameters('screenshot') });
		expect(items).toEqual([]);
		expect(error?.message).toMatch(
			/^Record "screenshot" is too large for n8n's binary data in database mode \([\d.]+ MB; the limit is [\d.]+ MB\)$/,
		);
		expect(error?.description).toContain('N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE');
		expect(error?.description).toContain('N8N_DEFAULT_BINARY_DATA_MODE to filesystem');
		expect(error?.description).toContain('s3');
		// n8n's own message stays out of the node's.
		expect(error?.message).not.toContain('Failed to write binary file');
	});

	it('Download All as one ZIP file over the limit points to a part of the store', async () => {
		useDatabaseMode(1000);
		const { error } = await runNode({
			parameters: { resource: 'record', operation: 'download', storeId: byId(DEMO_STORE.id) },
		});
		expect(error?.message).toMatch(
			/^The ZIP archive of the store is too large for n8n's binary data in database mode/,
		);
		expect(error?.description).toMatch(/a Prefix or a Collection, or One Item per Record/);
	});

	it('On Error: Continue gives the item the same message', async () => {
		useDatabaseMode(screenshot.body.length - 1);
		const { items } = await runNode({
			parameters: recordGetParameters('screenshot'),
			continueOnFail: true,
		});
		expect(String(items[0].json.error)).toMatch(/^Record "screenshot" is too large/);
	});
});
