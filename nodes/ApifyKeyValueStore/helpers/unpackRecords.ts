import {
	NodeOperationError,
	type IBinaryData,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
} from 'n8n-workflow';

import { prepareBinary } from './binaryData';
import { contentTypeFromName, fileNameFor, kindOfContentType } from './contentType';
import { parseJson } from './json';
import { detectContentType, TEXT_CONTENT_TYPE } from './sniff';
import { outlet, type NodeReadable, type Outlet } from './streams';
import {
	ZipDamagedError,
	ZipLimitError,
	ZipStreamReader,
	type ZipStreamEvent,
	type ZipStreamLimits,
} from './zipStream';

const MB = 1024 * 1024;
/**
 * Records up to this size are gathered whole, typed from all their bytes and stored several at
 * once; larger ones are typed from their start and streamed into n8n's binary data as they unpack.
 * It is also the largest record Parse JSON Records parses: Apify refuses JSON records over 9 MiB
 * (9,437,184 bytes), so every record Apify stored as JSON fits, and a larger `.json` record, which
 * parsing would hold several times over, is refused instead of gathered.
 */
const GATHER_BYTES = 10 * MB;
/** Records stored at once: storing a file is a few file-system calls, each a wait the others can fill. */
const CONCURRENT_RECORDS = 8;
/** Bytes of the buffers of gathered records waiting for storage at most, besides the one being gathered. */
const STAGED_BYTES = 32 * MB;
/** The smallest buffer a gathered record is copied into: a smaller record takes one of this size. */
const MIN_RECORD_BUFFER_BYTES = 16 * 1024;

export interface UnpackOptions {
	limits: ZipStreamLimits;
	parseJson: boolean;
	binaryPropertyName: string;
	itemIndex: number;
}

/** A record as it unpacks: gathered in `chunks`, or, once larger than GATHER_BYTES, streamed. */
interface RecordInProgress {
	name: string;
	chunks: Uint8Array[];
	size: number;
	stream?: Outlet;
	stored?: Promise<IBinaryData>;
}

/**
 * Unpacks a store's ZIP archive as it downloads into one item per record, each file stored in n8n's
 * binary data as it arrives: memory holds a few records, whatever the store's size. Items are
 * returned, in archive order, only once the whole archive was read and checked against its
 * directory: a damaged archive outputs nothing (files stored before the damage was found stay
 * unreferenced in the execution's binary data, which n8n removes with the execution).
 *
 * Any error of the body (a connection cut off) is thrown as it came, after every store under way
 * ended, so that the caller's retry starts a clean unpacking.
 */
export async function unpackRecords(
	ctx: IExecuteFunctions,
	body: NodeReadable,
	options: UnpackOptions,
): Promise<INodeExecutionData[]> {
	const node = ctx.getNode();
	const reader = new ZipStreamReader(options.limits);
	const staging = new Staging();
	const buffers = new RecordBuffers();
	let record: RecordInProgress | undefined;

	const storeGathered = async (name: string, bytes: Buffer): Promise<INodeExecutionData> => {
		let contentType = await detectContentType(name, bytes);
		let value: unknown;
		if (options.parseJson && kindOfContentType(contentType) === 'json') {
			const parsed = parseJson(bytes.toString('utf8'));
			if ('value' in parsed) value = parsed.value;
			// Only its shape said JSON, and parsing says otherwise: it is text.
			else if (!contentTypeFromName(name)) contentType = TEXT_CONTENT_TYPE;
			else throw notJson(node, name, parsed.error, options.itemIndex);
		}
		const binary = await prepareBinary(ctx, bytes, fileNameFor(name, contentType), contentType, {
			what: `Record "${name}"`,
			itemIndex: options.itemIndex,
		});
		return itemOf(name, bytes.length, contentType, binary, options, value);
	};

	/**
	 * A record past GATHER_BYTES: typed from what arrived so far, then streamed into storage. A JSON
	 * record whose value was asked for is refused here, before more of it is gathered.
	 */
	const startStreaming = async (current: RecordInProgress): Promise<void> => {
		const head = Buffer.concat(current.chunks);
		const contentType = await detectContentType(current.name, head, true);
		if (options.parseJson && kindOfContentType(contentType) === 'json')
			throw tooLargeToParse(node, current.name, options.itemIndex);
		const stream = outlet(body, MB);
		current.stream = stream;
		current.stored = prepareBinary(
			ctx,
			stream.stream,
			fileNameFor(current.name, contentType),
			contentType,
			{ what: `Record "${current.name}"`, itemIndex: options.itemIndex },
		);
		const stored = current.stored;
		await staging.add(0, async () => {
			const binary = await stored;
			// Read once the file is stored, which is after its last byte arrived.
			return itemOf(current.name, current.size, contentType, binary, options);
		});
		for (const chunk of current.chunks) await write(current, chunk);
		current.chunks = [];
	};

	const handle = async (event: ZipStreamEvent): Promise<void> => {
		if (event.type === 'start') {
			record = { name: event.name, chunks: [], size: 0 };
			return;
		}
		const current = record!;
		if (event.type === 'data') {
			current.size += event.bytes.length;
			if (current.stream) return await write(current, event.bytes);
			current.chunks.push(event.bytes);
			if (current.size > GATHER_BYTES) await startStreaming(current);
			return;
		}
		record = undefined;
		if (current.stream) {
			current.stream.end();
			return;
		}
		const buffer = buffers.take(current.size);
		const bytes = gathered(current, buffer);
		await staging.add(buffer.length, async () => {
			const item = await storeGathered(current.name, bytes);
			// Only once stored: n8n is done with the bytes then. A failed store keeps its buffer,
			// which a write given up may still be reading.
			buffers.give(buffer);
			return item;
		});
	};

	try {
		for await (const chunk of body) {
			for (const event of reader.push(chunk as Uint8Array)) await handle(event);
		}
		reader.finish();
		return await staging.results();
	} catch (error) {
		record?.stream?.stream.destroy();
		await staging.settled();
		throw nodeErrorOf(error, node, options);
	}
}

/** A gathered record's bytes, copied from its pieces to the start of `buffer`. */
function gathered(record: RecordInProgress, buffer: Buffer): Buffer {
	let at = 0;
	for (const chunk of record.chunks) {
		buffer.set(chunk, at);
		at += chunk.length;
	}
	return buffer.subarray(0, record.size);
}

/**
 * Buffers for gathered records, each used again once n8n stored the record it held. A new buffer
 * per record outlived the young generation's collections while it waited for storage, so V8
 * moved it to the old generation, whose limit external bytes count towards: a 1 GiB archive of
 * 1 MiB records ran about 90 full collections, more than half the run's CPU time. Buffers come in
 * powers of two, so records of similar size share them. Free ones are kept up to STAGED_BYTES:
 * with the staged ones (STAGED_BYTES) and the one being filled (16 MiB for a record of
 * GATHER_BYTES), all stay within 2 × STAGED_BYTES + 16 MiB.
 */
class RecordBuffers {
	private readonly free = new Map<number, Buffer[]>();
	private freeBytes = 0;

	/** A buffer of at least `size` bytes, free until given back. */
	take(size: number): Buffer {
		let capacity = MIN_RECORD_BUFFER_BYTES;
		while (capacity < size) capacity *= 2;
		const buffer = this.free.get(capacity)?.pop();
		if (!buffer) return Buffer.allocUnsafe(capacity);
		this.freeBytes -= capacity;
		return buffer;
	}

	give(buffer: Buffer): void {
		if (this.freeBytes + buffer.length > STAGED_BYTES) return;
		const list = this.free.get(buffer.length);
		if (list) list.push(buffer);
		else this.free.set(buffer.length, [buffer]);
		this.freeBytes += buffer.length;
	}
}

/** Writes to a streamed record's file, waiting while n8n's storage is behind. */
async function write(record: RecordInProgress, bytes: Uint8Array): Promise<void> {
	const stream = record.stream!;
	if (stream.write(bytes)) return;
	// A store that fails stops reading: its error ends the wait.
	await Promise.race([stream.wanted(), record.stored]);
}

function itemOf(
	name: string,
	size: number,
	contentType: string,
	binary: IBinaryData,
	options: UnpackOptions,
	value?: unknown,
): INodeExecutionData {
	const json: IDataObject = {
		key: name,
		size,
		contentType,
		fileName: binary.fileName,
	};
	if (value !== undefined) json.value = value as IDataObject;
	return {
		json,
		binary: { [options.binaryPropertyName]: binary },
		pairedItem: { item: options.itemIndex },
	};
}

/**
 * Stores run a few at once and within a byte budget; their items are kept in the order they were
 * added. The first failure stops the adding.
 */
class Staging {
	private readonly items: Array<Promise<INodeExecutionData>> = [];
	private readonly running = new Set<Promise<void>>();
	private bytes = 0;
	private failure?: { error: unknown };

	async add(bytes: number, store: () => Promise<INodeExecutionData>): Promise<void> {
		while (
			this.running.size >= CONCURRENT_RECORDS ||
			(this.running.size > 0 && this.bytes + bytes > STAGED_BYTES)
		) {
			await Promise.race(this.running);
		}
		if (this.failure) throw this.failure.error;
		const item = store();
		this.items.push(item);
		this.bytes += bytes;
		const done: Promise<void> = item
			.then(
				() => {},
				(error: unknown) => {
					this.failure ??= { error };
				},
			)
			.finally(() => {
				this.running.delete(done);
				this.bytes -= bytes;
			});
		this.running.add(done);
	}

	async results(): Promise<INodeExecutionData[]> {
		return await Promise.all(this.items);
	}

	/** Waits for every store under way, whatever its outcome. */
	async settled(): Promise<void> {
		await Promise.allSettled(this.items);
	}
}

function nodeErrorOf(error: unknown, node: INode, options: UnpackOptions): unknown {
	const { itemIndex, limits } = options;
	if (error instanceof ZipDamagedError) {
		return new NodeOperationError(node, `The downloaded ZIP archive is damaged: ${error.message}`, {
			description:
				'No records were output for it. Run the node again; if it persists, download the store as one ZIP file.',
			itemIndex,
		});
	}
	if (error instanceof ZipLimitError && error.limit === 'entries') {
		return new NodeOperationError(
			node,
			`The store has more than ${limits.maxEntries} records, the limit set in Max Records`,
			{
				description:
					'No records were output. Raise Max Records in the options, narrow the records with a prefix or collection, or download the store as one ZIP file.',
				itemIndex,
			},
		);
	}
	if (error instanceof ZipLimitError) {
		const subject =
			error.declared === undefined
				? 'The records unpack to more bytes than'
				: `The records would unpack to at least ${error.declared} bytes, more than`;
		return totalSizeExceeded(
			node,
			`${subject} the limit of ${limits.maxTotalBytes} bytes`,
			itemIndex,
		);
	}
	return error;
}

/** Passing Max Total Size. */
function totalSizeExceeded(node: INode, message: string, itemIndex: number): NodeOperationError {
	return new NodeOperationError(node, message, {
		description:
			'No records were output. Raise Max Total Size in the options, narrow the records with a prefix or collection, or download the store as one ZIP file.',
		itemIndex,
	});
}

function notJson(node: INode, name: string, reason: string, itemIndex: number): NodeOperationError {
	return new NodeOperationError(node, `Record "${name}" is not valid JSON (${reason})`, {
		description:
			'Turn off Parse JSON Records to get it as a file only, or fix the record in the store.',
		itemIndex,
	});
}

function tooLargeToParse(node: INode, name: string, itemIndex: number): NodeOperationError {
	return new NodeOperationError(
		node,
		`Record "${name}" is too large to parse as JSON: over ${GATHER_BYTES / MB} MiB`,
		{
			description:
				'No records were output. Parse JSON Records parses records up to that size (Apify takes JSON records up to 9 MiB). Turn it off to get every record as a file, or leave this record out with a prefix or collection.',
			itemIndex,
		},
	);
}
