/**
 * In-memory key-value stores of the local API: stores, records (kept as stored, possibly
 * compressed) and the lookups the API needs.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
	brotliCompressSync,
	brotliDecompressSync,
	deflateSync,
	gunzipSync,
	gzipSync,
	inflateSync,
} from 'node:zlib';

import { LOCAL_USER, findUserById } from './accounts';

/** `KEY_VALUE_STORE_KEY_REGEX` of Apify. */
export const RECORD_KEY_REGEX = /^[a-zA-Z0-9!\-_.'()]{1,256}$/;
/** The shape of every Apify ID: stores, Actors and runs. */
export const APIFY_ID_REGEX = /^[a-zA-Z0-9]{17}$/;
export const STORE_NAME_REGEX = /^[a-zA-Z0-9-]{1,63}$/;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export type ContentEncoding = 'br' | 'gzip' | 'deflate';

const CODECS: Record<
	ContentEncoding,
	{ encode(body: Buffer): Buffer; decode(body: Buffer): Buffer }
> = {
	br: { encode: brotliCompressSync, decode: brotliDecompressSync },
	gzip: { encode: gzipSync, decode: gunzipSync },
	// HTTP's "deflate" is the zlib format (RFC 1950), not a raw deflate stream.
	deflate: { encode: deflateSync, decode: inflateSync },
};

export function isContentEncoding(value: string): value is ContentEncoding {
	return Object.hasOwn(CODECS, value);
}

export function encodeBody(body: Buffer, encoding: ContentEncoding): Buffer {
	return CODECS[encoding].encode(body);
}

export function decodeBody(body: Buffer, encoding: ContentEncoding): Buffer {
	return CODECS[encoding].decode(body);
}

/** Apify orders keys by their UTF-8 bytes, which differs from `localeCompare`. */
export function compareKeysByBytes(a: string, b: string): number {
	return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export interface StoredRecord {
	readonly key: string;
	readonly contentType: string;
	readonly contentEncoding?: ContentEncoding;
	/** The bytes as stored: compressed when `contentEncoding` is set. */
	readonly stored: Buffer;
}

export function decodedRecordBody(record: StoredRecord): Buffer {
	return record.contentEncoding ? decodeBody(record.stored, record.contentEncoding) : record.stored;
}

/**
 * A record whose body is produced on demand, as a stream, each time it is read: large records
 * (a 1 GiB file) and large stores (100,000 keys) without holding their bytes in memory.
 * `generate` must yield exactly `size` bytes, the same ones every time.
 */
export interface GeneratedRecord {
	readonly key: string;
	readonly contentType: string;
	/** Generated bodies are served as they are generated, never content-encoded. */
	readonly contentEncoding?: undefined;
	readonly size: number;
	readonly generate: () => Readable;
	/** How the record's entry is compressed in a ZIP download: `DEFLATE` (default) or `STORE`. */
	readonly zipCompression?: ZipCompression;
}

export type ZipCompression = 'STORE' | 'DEFLATE';

/** Any record of a store: its bytes held (`StoredRecord`) or generated on demand. */
export type KeyValueRecord = StoredRecord | GeneratedRecord;

export function isGeneratedRecord(record: KeyValueRecord): record is GeneratedRecord {
	return 'generate' in record;
}

/** The size the API reports for a record: its stored (possibly compressed) bytes. */
export function storedSize(record: KeyValueRecord): number {
	return isGeneratedRecord(record) ? record.size : record.stored.length;
}

/** A collection groups keys by exactly one of `keyPrefix` or `key`. */
export type StoreCollection = { title?: string } & (
	| { keyPrefix: string; key?: never }
	| { key: string; keyPrefix?: never }
);

export interface StoreSchema {
	actorKeyValueStoreSchemaVersion: 1;
	title?: string;
	collections: Record<string, StoreCollection>;
}

export function collectionContains(collection: StoreCollection, key: string): boolean {
	return collection.key !== undefined
		? key === collection.key
		: key.startsWith(collection.keyPrefix);
}

export type GeneralAccess = 'RESTRICTED' | 'ANYONE_WITH_ID_CAN_READ';

export interface NewStore {
	/** 17 alphanumeric characters; random when omitted. */
	id?: string;
	/** Omitted: an unnamed store. */
	name?: string;
	/** Owner; local-user when omitted. */
	userId?: string;
	schema?: StoreSchema;
	urlSigningSecretKey?: string;
	/** RESTRICTED (default): only the owner's tokens and signatures can read. */
	generalAccess?: GeneralAccess;
	createdAt?: Date;
}

export class LocalStore {
	readonly id: string;
	readonly name: string | undefined;
	readonly userId: string;
	readonly username: string;
	readonly schema: StoreSchema | undefined;
	readonly urlSigningSecretKey: string;
	readonly generalAccess: GeneralAccess;
	readonly createdAt: Date;
	modifiedAt: Date;
	accessedAt: Date;
	private readonly records = new Map<string, KeyValueRecord>();
	private keysInByteOrder: string[] | undefined;
	private keyBytesInByteOrder: Buffer[] | undefined;

	constructor(
		input: Required<Omit<NewStore, 'name' | 'schema'>> & Pick<NewStore, 'name' | 'schema'>,
	) {
		const owner = findUserById(input.userId);
		if (!owner) throw new Error(`Unknown user ${input.userId}`);
		this.id = input.id;
		this.name = input.name;
		this.userId = owner.id;
		this.username = owner.username;
		this.schema = input.schema;
		this.urlSigningSecretKey = input.urlSigningSecretKey;
		this.generalAccess = input.generalAccess;
		this.createdAt = input.createdAt;
		this.modifiedAt = input.createdAt;
		this.accessedAt = input.createdAt;
	}

	getRecord(key: string): KeyValueRecord | undefined {
		return this.records.get(key);
	}

	putRecord(record: KeyValueRecord): void {
		if (!RECORD_KEY_REGEX.test(record.key)) throw new Error(`Invalid record key: ${record.key}`);
		this.records.set(record.key, record);
		this.keysChanged();
	}

	deleteRecord(key: string): boolean {
		const deleted = this.records.delete(key);
		if (deleted) this.keysChanged();
		return deleted;
	}

	private keysChanged(): void {
		this.keysInByteOrder = undefined;
		this.keyBytesInByteOrder = undefined;
		this.modifiedAt = new Date();
	}

	/** All keys in UTF-8 byte order (cached until the next write). */
	keys(): readonly string[] {
		this.keysInByteOrder ??= [...this.records.keys()].sort(compareKeysByBytes);
		return this.keysInByteOrder;
	}

	/**
	 * Index in `keys()` of the first key after `exclusiveStartKey` in byte order (`keys().length`
	 * when there is none); a binary search, so paging through a large store stays linear.
	 */
	firstKeyAfter(exclusiveStartKey: string): number {
		const keys = this.keys();
		this.keyBytesInByteOrder ??= keys.map((key) => Buffer.from(key, 'utf8'));
		const bytes = this.keyBytesInByteOrder;
		const start = Buffer.from(exclusiveStartKey, 'utf8');
		let low = 0;
		let high = bytes.length;
		while (low < high) {
			const middle = (low + high) >>> 1;
			if (Buffer.compare(bytes[middle], start) > 0) high = middle;
			else low = middle + 1;
		}
		return low;
	}

	get storageBytes(): number {
		let total = 0;
		for (const record of this.records.values()) total += storedSize(record);
		return total;
	}
}

function randomStoreId(): string {
	return Array.from(randomBytes(17), (byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join('');
}

export class StoreRegistry {
	private readonly stores = new Map<string, LocalStore>();

	add(input: NewStore): LocalStore {
		const id = input.id ?? randomStoreId();
		const userId = input.userId ?? LOCAL_USER.id;
		if (!APIFY_ID_REGEX.test(id))
			throw new Error(`Store id must be 17 alphanumeric characters: ${id}`);
		if (this.stores.has(id)) throw new Error(`Store ${id} already exists`);
		if (input.name !== undefined) {
			if (!STORE_NAME_REGEX.test(input.name)) throw new Error(`Invalid store name: ${input.name}`);
			if (this.byName(userId, input.name)) throw new Error(`Store name ${input.name} is taken`);
		}
		const store = new LocalStore({
			id,
			userId,
			name: input.name,
			schema: input.schema,
			urlSigningSecretKey: input.urlSigningSecretKey ?? randomBytes(16).toString('hex'),
			generalAccess: input.generalAccess ?? 'RESTRICTED',
			createdAt: input.createdAt ?? new Date(),
		});
		this.stores.set(id, store);
		return store;
	}

	byId(id: string): LocalStore | undefined {
		return this.stores.get(id);
	}

	byName(userId: string, name: string): LocalStore | undefined {
		return [...this.stores.values()].find(
			(store) => store.userId === userId && store.name === name,
		);
	}

	/** A user's stores, oldest first (Apify's default list order). */
	ofUser(userId: string): LocalStore[] {
		return [...this.stores.values()]
			.filter((store) => store.userId === userId)
			.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
	}

	/** For test set-up: a store ID, `username~name`, or a name that only one store has. */
	find(ref: string): LocalStore {
		const tilde = ref.indexOf('~');
		const matches = [...this.stores.values()].filter((store) =>
			tilde >= 0
				? store.username === ref.slice(0, tilde) && store.name === ref.slice(tilde + 1)
				: store.id === ref || store.name === ref,
		);
		if (matches.length !== 1)
			throw new Error(`Expected exactly one store for "${ref}", found ${matches.length}`);
		return matches[0];
	}

	delete(id: string): boolean {
		return this.stores.delete(id);
	}
}
