/** The local Apify API with its seed data and one credential of each kind, for the engine tests. */
import type { IDataObject } from 'n8n-workflow';

import { ContractCheck, formatFindings } from '../../dev/contract/check';
import { writeCoverage } from '../../dev/contract/coverage';
import {
	credentialsHelper,
	CREDENTIAL_TYPE,
	runNode,
	type RunResult,
} from '../../dev/harness/engine';
import {
	DEMO_STORE,
	FULL_ACCESS_TOKEN,
	OTHER_USER_TOKEN,
	READ_ONLY_TOKEN,
	startSeededLocalApi,
} from '../../dev/local-api/fixtures';
import {
	UNDOCUMENTED_OFF,
	UNDOCUMENTED_ON,
	type ExchangeObserver,
	type LocalApi,
	type LocalApiSettings,
} from '../../dev/local-api/server';
import { createStoreSignature } from '../../dev/local-api/signature';

export const DEMO_STORE_SIGNATURE = createStoreSignature({
	storeId: DEMO_STORE.id,
	secretKey: DEMO_STORE.urlSigningSecretKey,
});
export const BAD_TOKEN = 'apify_api_LOCALbadTokenThatNoUserHas_000000000000009';

/** Every secret any test credential holds; none may show up in output, errors or logs. */
export const SECRETS = [
	FULL_ACCESS_TOKEN,
	READ_ONLY_TOKEN,
	OTHER_USER_TOKEN,
	BAD_TOKEN,
	DEMO_STORE_SIGNATURE,
];

/** Starts the seeded local API and registers the credentials `default`, `readOnly`, `otherUser`, `badToken`, `signature`. */
export async function startEngineFixture(observer?: ExchangeObserver): Promise<LocalApi> {
	const api = await startSeededLocalApi({ observer });
	const credentials: Record<string, IDataObject> = {
		default: { authType: 'apiToken', apiToken: FULL_ACCESS_TOKEN, baseUrl: api.url },
		readOnly: { authType: 'apiToken', apiToken: READ_ONLY_TOKEN, baseUrl: api.url },
		otherUser: { authType: 'apiToken', apiToken: OTHER_USER_TOKEN, baseUrl: api.url },
		badToken: { authType: 'apiToken', apiToken: BAD_TOKEN, baseUrl: api.url },
		signature: {
			authType: 'urlSignature',
			signature: DEMO_STORE_SIGNATURE,
			signatureStoreId: DEMO_STORE.id,
			baseUrl: api.url,
		},
	};
	for (const [id, data] of Object.entries(credentials)) {
		await credentialsHelper.add(id, CREDENTIAL_TYPE, data as never);
	}
	return api;
}

/**
 * Checks every request the local API gets and every answer it gives against Apify's OpenAPI
 * (dev/contract): a test after which a violation was seen fails with it, and the operations the
 * file called are written for the coverage report.
 */
export function useContractCheck(): { readonly check: ContractCheck } {
	const contract = {} as { check: ContractCheck };
	beforeAll(async () => {
		contract.check = await ContractCheck.load();
	});
	afterEach(() => {
		const violations = contract.check.takeViolations();
		if (violations.length > 0) {
			throw new Error(
				`Apify's OpenAPI was violated (${violations.length}):\n${formatFindings(violations)}`,
			);
		}
	});
	afterAll(() => writeCoverage(contract.check, expect.getState().testPath ?? 'engine'));
	return contract;
}

/**
 * Starts the local API for a test file, under the contract check, and resets its request log,
 * faults and redirect mode before each test; `local.api` is set once the file's tests run.
 */
export function useLocalApi(): { readonly api: LocalApi } {
	const local = {} as { api: LocalApi };
	const contract = useContractCheck();
	beforeAll(async () => {
		local.api = await startEngineFixture(contract.check);
	});
	afterAll(async () => await local.api.close());
	beforeEach(() => {
		local.api.clearRequests();
		local.api.faults.clear();
		local.api.setRedirectMode('off');
	});
	return local;
}

/**
 * The two APIs the node must work with: one that does only what Apify documents (the local API's
 * default), and one with the behaviours no Apify source confirms (ETags, HEAD beyond the documented
 * path, a store signature opening records). Tests of a behaviour that could depend on them run in both.
 */
export const API_MODES = [
	['as Apify documents it', UNDOCUMENTED_OFF],
	['with the undocumented behaviours', UNDOCUMENTED_ON],
] as const;

/** Puts the local API in a mode for the tests of the enclosing describe block. */
export function useApiMode(
	local: { readonly api: LocalApi },
	settings: Partial<LocalApiSettings>,
): void {
	beforeAll(() => local.api.configure(settings));
	afterAll(() => local.api.configure({ ...UNDOCUMENTED_OFF, writeVisibilityDelayMs: 0 }));
}

/** Parameters of Record → Get for a key of the demo store. */
export const recordGetParameters = (key: string, extra: IDataObject = {}): IDataObject => ({
	resource: 'record',
	operation: 'get',
	storeId: byId(DEMO_STORE.id),
	key: byId(key),
	...extra,
});

export const byId = (value: string) => ({ __rl: true, mode: 'id', value });

/** The trigger's parameters for a store, every event watched unless `extra` says otherwise. */
export const triggerParameters = (storeId: string, extra: IDataObject = {}): IDataObject => ({
	storeId: byId(storeId),
	events: ['added', 'changed', 'deleted'],
	...extra,
});

/** `[key, change]` of each trigger item. */
export const changesOf = (items: Array<{ json: IDataObject }>) =>
	items.map((item) => [item.json.key, item.json.change]);

/**
 * Runs Download All, one item per record, over an archive the local API answers with instead of
 * the demo store's real one (no retries unless `options` ask).
 */
export async function unpackServed(
	api: LocalApi,
	archive: Buffer,
	options: IDataObject = {},
): Promise<RunResult> {
	api.faults.add({
		path: `/v2/key-value-stores/${DEMO_STORE.id}/records`,
		kind: 'body',
		body: archive,
		contentType: 'application/zip',
	});
	return await runNode({
		parameters: {
			resource: 'record',
			operation: 'download',
			storeId: byId(DEMO_STORE.id),
			outputMode: 'records',
			options: { maxRetries: 0, ...options },
		},
	});
}

/** Fails when any secret appears anywhere in the run's serialised data. */
export function expectNoSecrets(result: RunResult): void {
	const serialised =
		JSON.stringify(result.run) +
		JSON.stringify(result.error ?? {}) +
		String(result.error?.stack ?? '');
	for (const secret of SECRETS) expect(serialised).not.toContain(secret);
}
