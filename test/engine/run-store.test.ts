import type { IDataObject } from 'n8n-workflow';

import { runNode } from '../../dev/harness/engine';
import {
	DEMO_ACTOR,
	FAILED_RUN,
	RUNNING_RUN,
	SUCCEEDED_RUN,
	fixtureKeys,
	fixtureRecord,
	type FixtureRun,
} from '../../dev/local-api/fixtures';
import { byId, expectNoSecrets, useLocalApi } from './setup';

const local = useLocalApi();
beforeEach(() => {
	local.api.clearRequests();
	local.api.faults.clear();
});

const ofRun = (runId: string): IDataObject => ({ storeSource: 'run', runId });
const ofLastRun = (actorId: string, runStatus: string): IDataObject => ({
	storeSource: 'lastRun',
	actorId,
	runStatus,
});
const getOutput = (store: IDataObject): IDataObject => ({
	resource: 'record',
	operation: 'get',
	key: byId('OUTPUT'),
	...store,
});

describe('the default store of an Actor run', () => {
	it('gets a record of a run by its ID, through /v2/actor-runs/{runId}/key-value-store', async () => {
		const result = await runNode({ parameters: getOutput(ofRun(SUCCEEDED_RUN.run.id)) });
		expect(result.error).toBeUndefined();
		expect(result.items[0].json).toEqual({ runId: SUCCEEDED_RUN.run.id, status: 'SUCCEEDED' });
		expect(local.api.requests[0].path).toBe(
			`/v2/actor-runs/${SUCCEEDED_RUN.run.id}/key-value-store/records/OUTPUT`,
		);
		expectNoSecrets(result);
	});

	it.each([
		['SUCCEEDED', SUCCEEDED_RUN.run.id],
		['FAILED', FAILED_RUN.run.id],
		['', RUNNING_RUN.run.id],
	])("gets the record of an Actor's last run with status %j", async (runStatus, runId) => {
		const result = await runNode({
			parameters: getOutput(ofLastRun('local-user/demo-scraper', runStatus)),
		});
		expect(result.error).toBeUndefined();
		expect(result.items[0].json.runId).toBe(runId);
		const [request] = local.api.requests;
		expect(request.path).toBe(
			'/v2/actors/local-user~demo-scraper/runs/last/key-value-store/records/OUTPUT',
		);
		expect(request.query.status).toBe(runStatus || undefined);
	});

	it('lists the keys, downloads the ZIP and checks a record of a run store, saying which run in the items', async () => {
		const keys = await runNode({
			parameters: {
				resource: 'key',
				operation: 'list',
				returnAll: true,
				...ofLastRun(DEMO_ACTOR.id, 'SUCCEEDED'),
			},
		});
		expect(keys.items.map((item) => item.json.key)).toEqual(fixtureKeys(SUCCEEDED_RUN.store.id));
		expect(local.api.requests[0].query.status).toBe('SUCCEEDED');

		const zip = await runNode({
			parameters: { resource: 'record', operation: 'download', ...ofRun(FAILED_RUN.run.id) },
		});
		expect(zip.items[0].json).toMatchObject({
			runId: FAILED_RUN.run.id,
			fileName: `run-${FAILED_RUN.run.id}.zip`,
		});
		expect(zip.items[0].binary?.data?.fileName).toBe(`run-${FAILED_RUN.run.id}.zip`);

		const exists = await runNode({
			parameters: {
				resource: 'record',
				operation: 'exists',
				key: byId('OUTPUT'),
				...ofRun(RUNNING_RUN.run.id),
			},
		});
		expect(exists.items[0].json).toEqual({
			key: 'OUTPUT',
			runId: RUNNING_RUN.run.id,
			exists: true,
		});
	});

	it('says the run was not found, naming what to check', async () => {
		const { error } = await runNode({ parameters: getOutput(ofRun('NoSuchRun00000001')) });
		expect(error?.message).toMatch(
			/^Apify API error 404 record-not-found: Actor run was not found/,
		);
		expect(error?.description).toMatch(/Check the Run ID, or the Actor/);
	});

	it('names the run store in a missing record error', async () => {
		const { error } = await runNode({
			parameters: { ...getOutput(ofRun(SUCCEEDED_RUN.run.id)), key: byId('NO-SUCH-KEY') },
		});
		expect(error?.description).toBe(
			`The default store of run "${SUCCEEDED_RUN.run.id}" has no record with key "NO-SUCH-KEY". Check the Key parameter, or list the store's keys.`,
		);
	});

	it.each([
		// An empty field n8n itself refuses; an expression can still come out empty.
		[ofRun('={{ " " }}'), 'The Run ID parameter is empty'],
		[ofRun('not a run/id'), 'The Run ID "not a run/id" is not a valid Actor run ID'],
		[ofLastRun('={{ "" }}', 'SUCCEEDED'), 'The Actor parameter is empty'],
		[ofLastRun('a/b/c', 'SUCCEEDED'), 'The Actor "a/b/c" is not a valid Actor ID or name'],
	])('refuses %j before any request', async (store, message) => {
		const { error } = await runNode({ parameters: getOutput(store) });
		expect(error?.message).toBe(message);
		expect(local.api.requests).toHaveLength(0);
	});
});

describe("Run Origin: the last run started a given way (Apify's RunOrigin, sent as origin)", () => {
	// SUCCEEDED_RUN was started by the scheduler, FAILED_RUN through the API, RUNNING_RUN (the
	// newest) in Apify Console: a request that lost ?origin= would reach another run's store.
	it.each([
		['SCHEDULER', '', SUCCEEDED_RUN],
		['API', '', FAILED_RUN],
		['WEB', 'RUNNING', RUNNING_RUN],
	])(
		'gets the record of the last run of origin %s and status %j, saying which origin in the item',
		async (runOrigin, runStatus, { run }) => {
			const result = await runNode({
				parameters: {
					...getOutput(ofLastRun(DEMO_ACTOR.id, runStatus)),
					runOrigin,
				},
			});
			expect(result.error).toBeUndefined();
			expect(result.items[0].json.runId).toBe(run.id);
			const [request] = local.api.requests;
			expect(request.path).toBe(
				`/v2/actors/${DEMO_ACTOR.id}/runs/last/key-value-store/records/OUTPUT`,
			);
			expect(request.query).toEqual({
				...(runStatus ? { status: runStatus } : {}),
				origin: runOrigin,
				attachment: 'true',
			});
		},
	);

	it('names the origin in the items of Download All, and in the message when no run matches', async () => {
		const zip = await runNode({
			parameters: {
				resource: 'record',
				operation: 'download',
				...ofLastRun(DEMO_ACTOR.id, 'SUCCEEDED'),
				runOrigin: 'SCHEDULER',
			},
		});
		expect(zip.error).toBeUndefined();
		expect(zip.items[0].json).toMatchObject({
			actorId: DEMO_ACTOR.id,
			runStatus: 'SUCCEEDED',
			runOrigin: 'SCHEDULER',
			fileName: `${DEMO_ACTOR.id}-last-succeeded-run-of-origin-SCHEDULER.zip`,
		});
		expect(local.api.requests[0].query).toEqual({ status: 'SUCCEEDED', origin: 'SCHEDULER' });

		const none = await runNode({
			parameters: { ...getOutput(ofLastRun(DEMO_ACTOR.id, 'SUCCEEDED')), runOrigin: 'WEBHOOK' },
		});
		expect(none.error?.message).toMatch(/Actor run was not found/);
		expect(local.api.requests.at(-1)?.query.origin).toBe('WEBHOOK');
	});

	it('leaves items and requests as before when Run Origin is Any', async () => {
		const result = await runNode({
			parameters: { ...getOutput(ofLastRun(DEMO_ACTOR.id, 'SUCCEEDED')), runOrigin: '' },
		});
		expect(result.error).toBeUndefined();
		expect(local.api.requests[0].query.origin).toBeUndefined();
	});

	it('refuses an origin Apify does not know before any request', async () => {
		const { error } = await runNode({
			parameters: { ...getOutput(ofLastRun(DEMO_ACTOR.id, '')), runOrigin: '={{ "CRON" }}' },
		});
		expect(error?.message).toBe('The Run Origin "CRON" is not one Apify knows');
		expect(error?.description).toMatch(
			/^Use one of ACTOR, API, CI, CLI, DEVELOPMENT, MCP, SCHEDULER/,
		);
		expect(local.api.requests).toHaveLength(0);
	});
});

describe('public URLs of the default store of an Actor run', () => {
	const actorName = 'local-user~demo-scraper';
	// FAILED is not the newest run: a request that lost ?status= would reach the RUNNING run's store.
	const cases: Array<[string, IDataObject, FixtureRun, IDataObject, string, string | undefined]> = [
		[
			'a run by its ID',
			ofRun(SUCCEEDED_RUN.run.id),
			SUCCEEDED_RUN,
			{ runId: SUCCEEDED_RUN.run.id },
			`/v2/actor-runs/${SUCCEEDED_RUN.run.id}/key-value-store`,
			undefined,
		],
		[
			"an Actor's last failed run",
			ofLastRun('local-user/demo-scraper', 'FAILED'),
			FAILED_RUN,
			{ actorId: actorName, runStatus: 'FAILED' },
			`/v2/actors/${actorName}/runs/last/key-value-store`,
			'FAILED',
		],
	];

	it.each(cases)(
		'signs a record of %s on the store ID path, and the link reads it without a token',
		async (_name, store, { store: runStore }, source, aliasPath, status) => {
			const parameters = {
				resource: 'record',
				operation: 'getPublicUrl',
				key: byId('OUTPUT'),
				...store,
			};
			const result = await runNode({ parameters });
			expect(result.error).toBeUndefined();
			const { url, ...rest } = result.items[0].json as { url: string };
			expect(rest).toEqual({ key: 'OUTPUT', ...source, storeId: runStore.id });
			expect(local.api.requests.map(({ path, query }) => [path, query.status])).toEqual([
				[aliasPath, status],
			]);
			expect(new URL(url).pathname).toBe(`/v2/key-value-stores/${runStore.id}/records/OUTPUT`);
			expect(JSON.stringify(result.run)).not.toContain(runStore.urlSigningSecretKey);
			expectNoSecrets(result);

			local.api.clearRequests();
			const response = await fetch(url);
			expect(response.status).toBe(200);
			expect(
				Buffer.from(await response.arrayBuffer()).equals(fixtureRecord(runStore.id, 'OUTPUT').body),
			).toBe(true);
			expect(local.api.requests[0].headers.authorization).toBeUndefined();
		},
	);

	it.each(cases)(
		'makes a listing URL of %s that lists its keys under the prefix without a token',
		async (_name, store, { run, store: runStore }, source, aliasPath, status) => {
			const result = await runNode({
				parameters: {
					resource: 'key',
					operation: 'getPublicListingUrl',
					recordFilter: 'prefix',
					prefix: 'log-',
					expiresInSeconds: 600,
					...store,
				},
			});
			expect(result.error).toBeUndefined();
			const { url, expiresAt, ...rest } = result.items[0].json as {
				url: string;
				expiresAt: string;
			};
			expect(rest).toEqual({ ...source, storeId: runStore.id });
			expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
			expect(local.api.requests.map(({ path, query }) => [path, query.status])).toEqual([
				[aliasPath, status],
			]);
			expect(new URL(url).pathname).toBe(`/v2/key-value-stores/${runStore.id}/keys`);
			expect(JSON.stringify(result.run)).not.toContain(runStore.urlSigningSecretKey);
			expectNoSecrets(result);

			const response = await fetch(url);
			expect(response.status).toBe(200);
			const listing = (await response.json()) as { data: { items: Array<{ key: string }> } };
			expect(listing.data.items.map((item) => item.key)).toEqual([
				`log-${run.status.toLowerCase()}`,
			]);
		},
	);

	it("names the run's store when a read-only token gets no signing key", async () => {
		const { error } = await runNode({
			parameters: {
				resource: 'record',
				operation: 'getPublicUrl',
				key: byId('OUTPUT'),
				...ofRun(SUCCEEDED_RUN.run.id),
			},
			credentialId: 'readOnly',
		});
		expect(error?.message).toBe(
			`The API did not give the URL signing key of the default store of run "${SUCCEEDED_RUN.run.id}"`,
		);
	});
});
