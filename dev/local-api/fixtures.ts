/**
 * Seed data of the local API: fixed stores, records, Actors, runs and tokens for tests and the
 * demo, and the exact (decoded) bytes of every record for byte-for-byte assertions.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { LOCAL_USER, OTHER_USER } from './accounts';
import type { NewActor, NewRun } from './actor-runs';
import { startLocalApi, type LocalApi, type LocalApiOptions } from './server';
import {
	compareKeysByBytes,
	type ContentEncoding,
	type NewStore,
	type StoreSchema,
} from './store-data';

export {
	FULL_ACCESS_TOKEN,
	LOCAL_USER,
	OTHER_USER,
	OTHER_USER_TOKEN,
	READ_ONLY_TOKEN,
	type LocalUser,
} from './accounts';

export interface FixtureStore {
	id: string;
	name?: string;
	username: string;
	urlSigningSecretKey: string;
}

export const DEMO_STORE = {
	id: 'kvsDemoStore00001',
	name: 'demo-store',
	username: LOCAL_USER.username,
	urlSigningSecretKey: 'demoStoreUrlSigningSecret0001',
} as const satisfies FixtureStore;

export const PAGING_STORE = {
	id: 'kvsPagingStore001',
	name: 'paging-store',
	username: LOCAL_USER.username,
	urlSigningSecretKey: 'pagingStoreUrlSigningSecret01',
} as const satisfies FixtureStore;

export const UNNAMED_STORE = {
	id: 'kvsUnnamedStore01',
	username: LOCAL_USER.username,
	urlSigningSecretKey: 'unnamedStoreUrlSigningSecret1',
} as const satisfies FixtureStore;

export const OTHER_STORE = {
	id: 'kvsOtherStore0001',
	name: 'other-store',
	username: OTHER_USER.username,
	urlSigningSecretKey: 'otherStoreUrlSigningSecret001',
} as const satisfies FixtureStore;

/** An Actor of local-user with three runs: SUCCEEDED, then FAILED, then (newest) RUNNING. */
export const DEMO_ACTOR = {
	id: 'actDemoScraper001',
	name: 'demo-scraper',
	userId: LOCAL_USER.id,
} as const satisfies NewActor;
/** An Actor of other-user with one SUCCEEDED run. */
export const OTHER_ACTOR = {
	id: 'actOtherActor0001',
	name: 'other-actor',
	userId: OTHER_USER.id,
} as const satisfies NewActor;

/** A run and its (unnamed) default store. */
export interface FixtureRun {
	run: NewRun;
	store: FixtureStore;
}

function fixtureRun(run: Omit<NewRun, 'defaultKeyValueStoreId'>, store: FixtureStore): FixtureRun {
	return { run: { ...run, defaultKeyValueStoreId: store.id }, store };
}

export const SUCCEEDED_RUN = fixtureRun(
	{
		id: 'runDemoSucceeded1',
		actId: DEMO_ACTOR.id,
		status: 'SUCCEEDED',
		origin: 'SCHEDULER',
		startedAt: new Date('2024-06-01T10:00:00.000Z'),
		finishedAt: new Date('2024-06-01T10:05:00.000Z'),
	},
	{
		id: 'kvsRunSucceeded01',
		username: LOCAL_USER.username,
		urlSigningSecretKey: 'succeededRunStoreSigningSecret',
	},
);

export const FAILED_RUN = fixtureRun(
	{
		id: 'runDemoFailed0001',
		actId: DEMO_ACTOR.id,
		status: 'FAILED',
		origin: 'API',
		startedAt: new Date('2024-06-02T10:00:00.000Z'),
		finishedAt: new Date('2024-06-02T10:01:00.000Z'),
	},
	{
		id: 'kvsRunFailed00001',
		username: LOCAL_USER.username,
		urlSigningSecretKey: 'failedRunStoreSigningSecret01',
	},
);

/** The newest run of DEMO_ACTOR, still running (no finishedAt), started in Apify Console. */
export const RUNNING_RUN = fixtureRun(
	{
		id: 'runDemoRunning001',
		actId: DEMO_ACTOR.id,
		status: 'RUNNING',
		origin: 'WEB',
		startedAt: new Date('2024-06-03T10:00:00.000Z'),
	},
	{
		id: 'kvsRunRunning0001',
		username: LOCAL_USER.username,
		urlSigningSecretKey: 'runningRunStoreSigningSecret1',
	},
);

export const OTHER_USER_RUN = fixtureRun(
	{
		id: 'runOtherUser00001',
		actId: OTHER_ACTOR.id,
		status: 'SUCCEEDED',
		startedAt: new Date('2024-06-04T10:00:00.000Z'),
		finishedAt: new Date('2024-06-04T10:02:00.000Z'),
	},
	{
		id: 'kvsRunOtherUser01',
		username: OTHER_USER.username,
		urlSigningSecretKey: 'otherUserRunStoreSigningSecret',
	},
);

const FIXTURE_ACTORS: readonly NewActor[] = [DEMO_ACTOR, OTHER_ACTOR];
const FIXTURE_RUNS: readonly FixtureRun[] = [
	SUCCEEDED_RUN,
	FAILED_RUN,
	RUNNING_RUN,
	OTHER_USER_RUN,
];

/** A run and its default store belong to the run's Actor's owner. */
function actorOf(run: NewRun): NewActor {
	const actor = FIXTURE_ACTORS.find((candidate) => candidate.id === run.actId);
	if (!actor) throw new Error(`No fixture Actor ${run.actId}`);
	return actor;
}

export const DEMO_STORE_SCHEMA: StoreSchema = {
	actorKeyValueStoreSchemaVersion: 1,
	title: 'Demo store',
	collections: {
		images: { title: 'Images', keyPrefix: 'img-' },
		output: { title: 'Output', key: 'OUTPUT' },
	},
};

export interface FixtureRecord {
	key: string;
	contentType: string;
	/** How the record is stored; reading it without that Accept-Encoding gives `body`. */
	contentEncoding?: ContentEncoding;
	/** The exact decoded bytes. */
	body: Buffer;
}

/** Prefix groups of the paging store and how many keys each has. */
export const PAGING_PREFIX_GROUPS: Readonly<Record<string, number>> = { 'p-': 300, 'q.': 100 };
export const PAGING_RECORD_COUNT = 2500;

const FIXTURE_DIR = join(__dirname, 'fixtures');
const fixtureFile = (name: string): Buffer => readFileSync(join(FIXTURE_DIR, name));
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value, null, 2));
const TEXT_UTF8 = 'text/plain; charset=utf-8';

function demoRecords(): FixtureRecord[] {
	const items = Array.from({ length: 40 }, (_, i) => ({
		id: i + 1,
		url: `https://example.com/products/${i + 1}`,
		title: `Product number ${i + 1}`,
		price: Math.round((i + 1) * 7.35 * 100) / 100,
		inStock: i % 3 !== 0,
	}));
	const logLines = Array.from(
		{ length: 40 },
		(_, i) =>
			`2024-05-01T12:00:${String(i).padStart(2, '0')}.000Z INFO  Crawled https://example.com/page/${i} (${120 + i * 3} ms)`,
	);
	return [
		{
			key: 'INPUT',
			contentType: 'application/json; charset=utf-8',
			body: json({ startUrls: [{ url: 'https://example.com' }], maxItems: 3, greeting: 'Grüße' }),
		},
		{
			key: 'OUTPUT',
			contentType: 'application/json',
			body: json({
				status: 'SUCCEEDED',
				itemCount: 3,
				title: 'Demo output',
				finishedAt: '2024-05-01T12:00:40.000Z',
			}),
		},
		{
			key: 'list-json',
			contentType: 'application/json',
			body: json([1, 'two', { three: 3 }, null]),
		},
		{ key: 'notes', contentType: TEXT_UTF8, body: fixtureFile('notes.txt') },
		{ key: 'page', contentType: 'text/html', body: fixtureFile('page.html') },
		{ key: 'screenshot', contentType: 'image/png', body: fixtureFile('screenshot.png') },
		{ key: 'report', contentType: 'application/pdf', body: fixtureFile('report.pdf') },
		{ key: 'archive', contentType: 'application/zip', body: fixtureFile('archive.zip') },
		{
			key: 'big-json',
			contentType: 'application/json; charset=utf-8',
			contentEncoding: 'br',
			body: json(items),
		},
		{
			key: 'log-gz',
			contentType: TEXT_UTF8,
			contentEncoding: 'gzip',
			body: Buffer.from(`${logLines.join('\n')}\n`),
		},
		{
			key: 'data-deflate',
			contentType: 'application/octet-stream',
			contentEncoding: 'deflate',
			body: Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 31) % 251)),
		},
		{ key: 'img-001', contentType: 'image/png', body: fixtureFile('img-001.png') },
		{ key: 'img-002', contentType: 'image/png', body: fixtureFile('img-002.png') },
		{ key: 'img-003', contentType: 'image/png', body: fixtureFile('img-003.png') },
		{
			key: "weird!key_(1).v'2",
			contentType: TEXT_UTF8,
			body: Buffer.from('A record whose key uses every special character.\n'),
		},
		{ key: 'no-type', contentType: 'application/octet-stream', body: fixtureFile('no-type.bin') },
	];
}

/** Each run's OUTPUT tells which run wrote it, so a test can see which store an alias reached. */
function runRecords(run: NewRun): FixtureRecord[] {
	return [
		{ key: 'INPUT', contentType: 'application/json; charset=utf-8', body: json({ runId: run.id }) },
		{
			key: 'OUTPUT',
			contentType: 'application/json; charset=utf-8',
			body: json({ runId: run.id, status: run.status }),
		},
		{
			key: `log-${run.status.toLowerCase()}`,
			contentType: TEXT_UTF8,
			body: Buffer.from(`Run ${run.id} is ${run.status}.\n`),
		},
	];
}

/** Every character a key may contain: upper case sorts before lower case in byte order, not in localeCompare. */
const KEY_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!-_.'()";

/** A deterministic pseudo-random key of 2 to 11 characters. */
function hashedKey(seed: string): string {
	const digest = createHash('sha256').update(seed).digest();
	const length = 2 + (digest[0] % 10);
	return Array.from(
		digest.subarray(1, 1 + length),
		(byte) => KEY_CHARACTERS[byte % KEY_CHARACTERS.length],
	).join('');
}

function pagingKeys(): string[] {
	const keys = new Set<string>();
	const groups = Object.entries(PAGING_PREFIX_GROUPS);
	for (const [prefix, count] of groups) {
		const target = keys.size + count;
		for (let i = 0; keys.size < target; i++) keys.add(prefix + hashedKey(`${prefix}${i}`));
	}
	for (let i = 0; keys.size < PAGING_RECORD_COUNT; i++) {
		const key = hashedKey(`key-${i}`);
		// `.` and `..` are valid keys but unusable in URL paths; other prefixes would change the group sizes.
		if (key !== '.' && key !== '..' && !groups.some(([prefix]) => key.startsWith(prefix)))
			keys.add(key);
	}
	return [...keys];
}

const FIXTURE_STORES: ReadonlyArray<{
	store: NewStore & { id: string };
	records: FixtureRecord[];
}> = [
	{
		store: {
			...DEMO_STORE,
			userId: LOCAL_USER.id,
			schema: DEMO_STORE_SCHEMA,
			createdAt: new Date('2024-05-01T10:00:00.000Z'),
		},
		records: demoRecords(),
	},
	{
		store: {
			...PAGING_STORE,
			userId: LOCAL_USER.id,
			createdAt: new Date('2024-05-02T10:00:00.000Z'),
		},
		records: pagingKeys().map((key) => ({
			key,
			contentType: TEXT_UTF8,
			body: Buffer.from(`value of ${key}\n`),
		})),
	},
	{
		store: {
			...UNNAMED_STORE,
			userId: LOCAL_USER.id,
			createdAt: new Date('2024-05-03T10:00:00.000Z'),
		},
		records: [
			{
				key: 'RESULT',
				contentType: 'application/json; charset=utf-8',
				body: json({ ok: true, source: 'unnamed store' }),
			},
			{ key: 'log.txt', contentType: TEXT_UTF8, body: Buffer.from('Unnamed store log line.\n') },
		],
	},
	{
		store: {
			...OTHER_STORE,
			userId: OTHER_USER.id,
			createdAt: new Date('2024-05-04T10:00:00.000Z'),
		},
		records: [
			{ key: 'SECRET', contentType: TEXT_UTF8, body: Buffer.from('Data of other-user.\n') },
		],
	},
	...FIXTURE_RUNS.map(({ run, store }) => ({
		store: { ...store, userId: actorOf(run).userId, createdAt: run.startedAt },
		records: runRecords(run),
	})),
];

function recordsOf(storeId: string): FixtureRecord[] {
	const fixture = FIXTURE_STORES.find(({ store }) => store.id === storeId);
	if (!fixture) throw new Error(`No fixture store ${storeId}`);
	return fixture.records;
}

/** The records of a fixture store, in byte order of their keys. */
export function fixtureRecords(storeId: string): FixtureRecord[] {
	return [...recordsOf(storeId)].sort((a, b) => compareKeysByBytes(a.key, b.key));
}

export function fixtureKeys(storeId: string): string[] {
	return fixtureRecords(storeId).map((record) => record.key);
}

export function fixtureRecord(storeId: string, key: string): FixtureRecord {
	const record = recordsOf(storeId).find((candidate) => candidate.key === key);
	if (!record) throw new Error(`No fixture record ${key} in ${storeId}`);
	return record;
}

export function seedLocalApi(api: LocalApi): void {
	for (const { store, records } of FIXTURE_STORES) {
		api.addStore(store);
		for (const { key, body, contentType, contentEncoding } of records) {
			api.putRecord(store.id, key, body, { contentType, contentEncoding });
		}
	}
	for (const actor of FIXTURE_ACTORS) api.addActor(actor);
	for (const { run } of FIXTURE_RUNS) api.addRun(run);
}

export async function startSeededLocalApi(options?: LocalApiOptions): Promise<LocalApi> {
	const api = await startLocalApi(options);
	seedLocalApi(api);
	return api;
}
