import { readBinary, runPoll } from '../../dev/harness/engine';
import { LOCAL_USER } from '../../dev/local-api/fixtures';
import type { LocalActor, LocalRun, RunOrigin, RunStatus } from '../../dev/local-api/server';
import { API_MODES, changesOf, SECRETS, triggerParameters, useApiMode, useLocalApi } from './setup';

const local = useLocalApi();
beforeEach(() => {
	local.api.clearRequests();
	local.api.faults.clear();
});

/** A fresh store per test with three records; returns its ID. */
function watchedStore(name: string): string {
	const store = local.api.addStore({ name });
	local.api.putRecord(store.id, 'a-json', '{"n":1}', { contentType: 'application/json' });
	local.api.putRecord(store.id, 'b-text', 'hello', { contentType: 'text/plain' });
	local.api.putRecord(store.id, 'c-file', Buffer.from([1, 2, 3]), { contentType: 'image/png' });
	return store.id;
}

describe('Apify Key-Value Store Trigger', () => {
	it('sets a baseline on the first poll, then fires once per add, edit and delete, across restarts', async () => {
		const storeId = watchedStore('trigger-basic');
		const parameters = triggerParameters(storeId);
		const first = await runPoll(parameters);
		expect(first.items).toEqual([]);
		expect(first.staticData).not.toEqual({});

		const quiet = await runPoll(parameters, first.staticData);
		expect(quiet.items).toEqual([]);

		local.api.putRecord(storeId, 'd-new', 'new one', { contentType: 'text/plain' });
		local.api.putRecord(storeId, 'b-text', 'hello, longer now', { contentType: 'text/plain' });
		local.api.deleteRecord(storeId, 'c-file');
		const changed = await runPoll(parameters, quiet.staticData);
		expect(changesOf(changed.items)).toEqual([
			['b-text', 'changed'],
			['c-file', 'deleted'],
			['d-new', 'added'],
		]);
		expect(changed.items[0].json).toMatchObject({
			storeId,
			key: 'b-text',
			size: 17,
			previousSize: 5,
		});
		expect(changed.items[1].json).toMatchObject({ key: 'c-file', size: 3 });

		// Each change fires once: the polls after it, each as after a restart, are quiet.
		const after = await runPoll(parameters, changed.staticData);
		expect(after.items).toEqual([]);
		expect((await runPoll(parameters, after.staticData)).items).toEqual([]);
		const serialised = JSON.stringify(changed);
		for (const secret of SECRETS) expect(serialised).not.toContain(secret);
	});

	it('watches only the keys under the prefix and only the chosen events', async () => {
		const storeId = watchedStore('trigger-filter');
		const parameters = triggerParameters(storeId, { prefix: 'b-', events: ['deleted'] });
		const baseline = await runPoll(parameters);
		local.api.putRecord(storeId, 'a-json', '{"n":12345}', { contentType: 'application/json' });
		local.api.putRecord(storeId, 'b-added', 'x', { contentType: 'text/plain' });
		local.api.deleteRecord(storeId, 'b-text');
		const next = await runPoll(parameters, baseline.staticData);
		expect(changesOf(next.items)).toEqual([['b-text', 'deleted']]);
		const listing = local.api.requests.filter((request) => request.path.endsWith('/keys'));
		expect(listing.every((request) => request.query.prefix === 'b-')).toBe(true);
	});

	it('with Include Record Value, gives JSON as value, text as text and files as binary data', async () => {
		const storeId = local.api.addStore({ name: 'trigger-values' }).id;
		const parameters = triggerParameters(storeId, { includeValue: true });
		const baseline = await runPoll(parameters);
		local.api.putRecord(storeId, 'a-json', '{"n":1}', { contentType: 'application/json' });
		local.api.putRecord(storeId, 'b-text', 'hello', { contentType: 'text/plain' });
		local.api.putRecord(storeId, 'c-file', Buffer.from([1, 2, 3]), { contentType: 'image/png' });
		const { items } = await runPoll(parameters, baseline.staticData);
		expect(items.map((item) => item.json.key)).toEqual(['a-json', 'b-text', 'c-file']);
		expect(items[0].json).toMatchObject({
			change: 'added',
			value: { n: 1 },
			contentType: 'application/json',
		});
		expect(items[1].json).toMatchObject({ change: 'added', text: 'hello' });
		expect(items[2].json).toMatchObject({ change: 'added', fileName: 'c-file.png', size: 3 });
		expect(items[2].binary?.data?.mimeType).toBe('image/png');
		expect([...(await readBinary(items[2]))]).toEqual([1, 2, 3]);
	});

	it('starts a new baseline, without firing, when the store or prefix changes', async () => {
		const first = watchedStore('trigger-scope-a');
		const second = watchedStore('trigger-scope-b');
		const baseline = await runPoll(triggerParameters(first));
		const moved = await runPoll(triggerParameters(second), baseline.staticData);
		expect(moved.items).toEqual([]);
		const narrowed = await runPoll(triggerParameters(second, { prefix: 'a-' }), moved.staticData);
		expect(narrowed.items).toEqual([]);
		local.api.putRecord(second, 'a-more', '1', { contentType: 'text/plain' });
		expect(
			changesOf(
				(await runPoll(triggerParameters(second, { prefix: 'a-' }), narrowed.staticData)).items,
			),
		).toEqual([['a-more', 'added']]);
	});

	describe.each(API_MODES)('with an API %s', (_mode, settings) => {
		useApiMode(local, settings);

		it('notices an edit that keeps the size only with Detect Same-Size Edits, once', async () => {
			const storeId = watchedStore(`trigger-same-size-${settings.etags ? 'etags' : 'hashes'}`);
			const bySize = triggerParameters(storeId);
			const bySameSize = triggerParameters(storeId, { checkEtags: true });
			const sizeBaseline = await runPoll(bySize);
			const sameSizeBaseline = await runPoll(bySameSize);
			local.api.putRecord(storeId, 'b-text', 'HELLO', { contentType: 'text/plain' });
			local.api.clearRequests();

			expect((await runPoll(bySize, sizeBaseline.staticData)).items).toEqual([]);
			const noticed = await runPoll(bySameSize, sameSizeBaseline.staticData);
			expect(changesOf(noticed.items)).toEqual([['b-text', 'changed']]);
			expect(noticed.items[0].json.note).toBeUndefined();
			const heads = local.api.requests.filter((request) => request.method === 'HEAD');
			const recordGets = local.api.requests.filter(
				(request) => request.method === 'GET' && request.path.includes('/records/'),
			);
			if (settings.etags) {
				// Asked with the ETags of the last poll; nothing downloaded.
				expect(heads).toHaveLength(3);
				expect(
					heads.every((request) => String(request.headers['if-none-match']).startsWith('"')),
				).toBe(true);
				expect(recordGets).toEqual([]);
			} else {
				// No ETag came before: each record is downloaded and its content compared, without a HEAD.
				expect(heads).toEqual([]);
				expect(recordGets).toHaveLength(3);
			}
			expect((await runPoll(bySameSize, noticed.staticData)).items).toEqual([]);
		});
	});

	it('shows a sample of the store as added records when tested before any baseline', async () => {
		const storeId = watchedStore('trigger-manual');
		const { items } = await runPoll(triggerParameters(storeId), {}, 'manual');
		expect(changesOf(items)).toEqual([
			['a-json', 'added'],
			['b-text', 'added'],
			['c-file', 'added'],
		]);
	});

	it('keeps the last baseline when a poll fails, so the change is reported by the next one', async () => {
		const storeId = watchedStore('trigger-failure');
		const parameters = triggerParameters(storeId, { includeValue: true });
		const baseline = await runPoll(parameters);
		local.api.putRecord(storeId, 'd-new', 'new', { contentType: 'text/plain' });
		local.api.faults.add({ kind: 'status', status: 401, path: /\/records\/d-new$/ });
		await expect(runPoll(parameters, baseline.staticData)).rejects.toThrow(/401/);
		const retried = await runPoll(parameters, baseline.staticData);
		expect(changesOf(retried.items)).toEqual([['d-new', 'added']]);
	});
});

describe('Apify Key-Value Store Trigger on the store of an Actor run', () => {
	const TEXT = 'text/plain; charset=utf-8';
	let serial = 0;
	/** A 17-character local API ID, unique in this file. */
	const nextId = (prefix: string) =>
		`${prefix}${String(++serial).padStart(17 - prefix.length, '0')}`;

	function newActor(): LocalActor {
		return local.api.addActor({
			id: nextId('act'),
			name: `trigger-actor-${serial}`,
			userId: LOCAL_USER.id,
		});
	}

	/** A run of the Actor whose new default store holds `records` (text records). */
	function newRun(
		actor: LocalActor,
		status: RunStatus,
		startedAt: string,
		records: Record<string, string>,
		origin?: RunOrigin,
	): LocalRun {
		const store = local.api.addStore({ userId: actor.userId });
		for (const [key, value] of Object.entries(records)) {
			local.api.putRecord(store.id, key, value, { contentType: TEXT });
		}
		return local.api.addRun({
			id: nextId('run'),
			actId: actor.id,
			status,
			origin,
			startedAt: new Date(startedAt),
			defaultKeyValueStoreId: store.id,
		});
	}

	const everyChange = {
		events: ['added', 'changed', 'deleted'],
		includeValue: true,
		checkEtags: true,
	};

	it('watches a run by its ID, through its store looked up once per poll, firing once per add, edit and delete, across restarts', async () => {
		const records = { 'a-first': '1', 'b-text': 'hello', 'c-old': 'x' };
		const run = newRun(newActor(), 'RUNNING', '2025-01-01T10:00:00Z', records);
		const parameters = { storeSource: 'run', runId: run.id, ...everyChange };
		const first = await runPoll(parameters);
		expect(first.items).toEqual([]);
		const quiet = await runPoll(parameters, first.staticData);
		expect(quiet.items).toEqual([]);

		const storeId = run.defaultKeyValueStoreId;
		local.api.putRecord(storeId, 'b-text', 'HELLO', { contentType: TEXT });
		local.api.putRecord(storeId, 'd-new', 'new one', { contentType: TEXT });
		local.api.deleteRecord(storeId, 'c-old');
		local.api.clearRequests();
		const changed = await runPoll(parameters, quiet.staticData);
		expect(changesOf(changed.items)).toEqual([
			['b-text', 'changed'],
			['c-old', 'deleted'],
			['d-new', 'added'],
		]);
		// The same-size edit was found by ETag, and the values were read, all from the store the run alias names.
		expect(changed.items[0].json).toEqual({
			runId: run.id,
			storeId,
			key: 'b-text',
			change: 'changed',
			size: 5,
			previousSize: 5,
			contentType: 'text/plain; charset=utf-8',
			text: 'HELLO',
		});
		expect(changed.items[1].json).toEqual({
			runId: run.id,
			storeId,
			key: 'c-old',
			change: 'deleted',
			size: 1,
		});
		expect(changed.items[2].json).toMatchObject({ runId: run.id, text: 'new one' });
		const methods = new Set(local.api.requests.map((request) => request.method));
		expect([...methods].sort()).toEqual(['GET', 'HEAD']);
		// The alias is asked once, for the store's ID (Apify documents no HEAD on alias paths); the rest goes by ID.
		const [lookup, ...byId] = local.api.requests;
		expect(lookup).toMatchObject({
			method: 'GET',
			path: `/v2/actor-runs/${run.id}/key-value-store`,
		});
		for (const request of byId) {
			expect(request.path).toMatch(new RegExp(`^/v2/key-value-stores/${storeId}/`));
		}

		const after = await runPoll(parameters, changed.staticData);
		expect(after.items).toEqual([]);
		expect((await runPoll(parameters, after.staticData)).items).toEqual([]);
		const serialised = JSON.stringify(changed);
		for (const secret of SECRETS) expect(serialised).not.toContain(secret);
	});

	it("watches an Actor's last succeeded run; a newer succeeded run's store is compared with the previous run's", async () => {
		const actor = newActor();
		newRun(actor, 'SUCCEEDED', '2025-01-01T10:00:00Z', {
			OUTPUT: '{"v":1}',
			shared: 'same',
			'only-first': 'x',
		});
		// The newest run, not succeeded: a request without ?status= would reach its store.
		newRun(actor, 'RUNNING', '2025-01-03T10:00:00Z', { OUTPUT: '{"v":9}', 'only-running': 'r' });
		const parameters = {
			storeSource: 'lastRun',
			actorId: `${LOCAL_USER.username}/${actor.name}`,
			runStatus: 'SUCCEEDED',
			...everyChange,
		};
		const baseline = await runPoll(parameters);
		expect(baseline.items).toEqual([]);

		const secondRecords = { OUTPUT: '{"v":3}', shared: 'same', 'only-second': 'y' };
		const second = newRun(actor, 'SUCCEEDED', '2025-01-02T10:00:00Z', secondRecords);
		local.api.clearRequests();
		const moved = await runPoll(parameters, baseline.staticData);
		expect(changesOf(moved.items)).toEqual([
			['OUTPUT', 'changed'],
			['only-first', 'deleted'],
			['only-second', 'added'],
		]);
		const source = { actorId: `${LOCAL_USER.username}~${actor.name}`, runStatus: 'SUCCEEDED' };
		expect(moved.items[0].json).toMatchObject({ ...source, key: 'OUTPUT', text: '{"v":3}' });
		expect(moved.items[2].json).toMatchObject({ ...source, key: 'only-second', text: 'y' });
		for (const item of moved.items) expect(item.json.storeId).toBe(second.defaultKeyValueStoreId);
		// The poll asks once which store is the last succeeded run's, then reads that store by its ID,
		// so that a run finishing mid-poll cannot mix two stores in one snapshot.
		const [which, ...reads] = local.api.requests;
		expect([which.path, which.query.status]).toEqual([
			`/v2/actors/${source.actorId}/runs/last/key-value-store`,
			'SUCCEEDED',
		]);
		for (const request of reads) {
			expect(request.path).toMatch(
				new RegExp(`^/v2/key-value-stores/${second.defaultKeyValueStoreId}/`),
			);
		}
		expect(reads.length).toBeGreaterThan(0);

		// Later edits of the new last run's store fire as usual.
		local.api.putRecord(second.defaultKeyValueStoreId, 'shared', 'SAME', { contentType: TEXT });
		const edited = await runPoll(parameters, moved.staticData);
		expect(changesOf(edited.items)).toEqual([['shared', 'changed']]);
		expect((await runPoll(parameters, edited.staticData)).items).toEqual([]);
	});

	it('watches the last run of the Run Origin asked for: a newer run started another way fires nothing', async () => {
		const actor = newActor();
		newRun(actor, 'SUCCEEDED', '2025-01-01T10:00:00Z', { OUTPUT: '{"v":1}' }, 'SCHEDULER');
		const parameters = {
			storeSource: 'lastRun',
			actorId: actor.id,
			runStatus: 'SUCCEEDED',
			runOrigin: 'SCHEDULER',
			...everyChange,
		};
		const baseline = await runPoll(parameters);
		expect(baseline.items).toEqual([]);

		newRun(actor, 'SUCCEEDED', '2025-01-02T10:00:00Z', { OUTPUT: '{"v":2}' }, 'API');
		local.api.clearRequests();
		const unmoved = await runPoll(parameters, baseline.staticData);
		expect(unmoved.items).toEqual([]);
		expect(local.api.requests[0].query).toMatchObject({ status: 'SUCCEEDED', origin: 'SCHEDULER' });

		const scheduled = newRun(
			actor,
			'SUCCEEDED',
			'2025-01-03T10:00:00Z',
			{ OUTPUT: '{"v":3}' },
			'SCHEDULER',
		);
		const moved = await runPoll(parameters, unmoved.staticData);
		expect(changesOf(moved.items)).toEqual([['OUTPUT', 'changed']]);
		expect(moved.items[0].json).toMatchObject({
			actorId: actor.id,
			runOrigin: 'SCHEDULER',
			storeId: scheduled.defaultKeyValueStoreId,
			text: '{"v":3}',
		});
	});

	it("treats an Actor without a succeeded run yet as an empty store: its first succeeded run's records fire as added", async () => {
		const actor = newActor();
		newRun(actor, 'FAILED', '2025-01-01T10:00:00Z', { 'from-failed': 'f' });
		const parameters = {
			storeSource: 'lastRun',
			actorId: actor.id,
			runStatus: 'SUCCEEDED',
			events: ['added', 'changed', 'deleted'],
		};
		const baseline = await runPoll(parameters);
		expect(baseline.items).toEqual([]);
		expect((await runPoll(parameters, baseline.staticData)).items).toEqual([]);

		newRun(actor, 'SUCCEEDED', '2025-01-02T10:00:00Z', { OUTPUT: '{"v":1}', 'img-1': 'i' });
		const first = await runPoll(parameters, baseline.staticData);
		expect(changesOf(first.items)).toEqual([
			['OUTPUT', 'added'],
			['img-1', 'added'],
		]);
	});

	it('still fails for an Actor that does not exist', async () => {
		const parameters = {
			storeSource: 'lastRun',
			actorId: 'actNoSuchActor001',
			runStatus: 'SUCCEEDED',
			events: ['added'],
		};
		await expect(runPoll(parameters)).rejects.toThrow(/Actor was not found/);
	});

	it('starts a new baseline, without firing, when Store Of moves from a store to a run', async () => {
		const run = newRun(newActor(), 'SUCCEEDED', '2025-01-01T10:00:00Z', { 'a-run': '1' });
		const storeId = watchedStore('trigger-scope-run');
		const baseline = await runPoll(triggerParameters(storeId));
		const moved = await runPoll(
			{ storeSource: 'run', runId: run.id, events: ['added'] },
			baseline.staticData,
		);
		expect(moved.items).toEqual([]);
		const back = await runPoll(triggerParameters(storeId), moved.staticData);
		expect(back.items).toEqual([]);
	});

	it('keeps the baseline of a trigger on a store saved before Store Of, and still names the store by storeId', async () => {
		const storeId = watchedStore('trigger-saved-before');
		// Static data as the trigger saved it before Store Of.
		const savedBefore = {
			'node:Apify Key-Value Store Trigger': {
				scope: JSON.stringify([storeId, '', false]),
				snapshot: { sizes: { 'a-json': 7, 'b-text': 5, 'c-file': 3 }, etags: {} },
			},
		};
		local.api.putRecord(storeId, 'd-new', 'new', { contentType: 'text/plain' });
		const { items } = await runPoll(triggerParameters(storeId), savedBefore);
		expect(items.map((item) => item.json)).toEqual([
			{ storeId, key: 'd-new', change: 'added', size: 3 },
		]);
	});
});
