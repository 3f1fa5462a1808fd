/**
 * `npm run test:live:local`: the live check (scripts/live-check.ts) against the seeded local API,
 * started here twice: once doing only what Apify documents, once with every UNDOCUMENTED behaviour
 * on and writes that show only after a delay. CI runs it so that the live check keeps working.
 * Exits with 1 if an operation failed in either run, or if a request of the node or an answer of
 * the local API broke Apify's OpenAPI (dev/contract).
 */
import { FULL_ACCESS_TOKEN, SUCCEEDED_RUN, startSeededLocalApi } from '../dev/local-api/fixtures';
import { UNDOCUMENTED_OFF, UNDOCUMENTED_ON, type LocalApiSettings } from '../dev/local-api/server';
import { runLiveCheck } from './live-check';
import { withHarness, type Harness } from './support';

const WRITE_DELAY_MS = 300;

const MODES: ReadonlyArray<{
	name: string;
	suite: string;
	settings: typeof UNDOCUMENTED_OFF | (typeof UNDOCUMENTED_ON & Partial<LocalApiSettings>);
}> = [
	{ name: 'documented behaviour only', suite: 'live-local', settings: UNDOCUMENTED_OFF },
	{
		name: `undocumented behaviours on, writes visible after ${WRITE_DELAY_MS} ms`,
		suite: 'live-local-undocumented',
		settings: { ...UNDOCUMENTED_ON, writeVisibilityDelayMs: WRITE_DELAY_MS },
	},
];

/** One run of the live check against a fresh local API; true if every operation worked. */
async function checkMode(harness: Harness, mode: (typeof MODES)[number]): Promise<boolean> {
	const api = await startSeededLocalApi({ settings: mode.settings });
	const started = Date.now();
	try {
		const passed = await runLiveCheck(
			{
				baseUrl: api.url,
				token: FULL_ACCESS_TOKEN,
				runId: SUCCEEDED_RUN.run.id,
				label: `local API at ${api.url} (${mode.name})`,
				localApi: { settings: mode.settings, suite: mode.suite },
			},
			harness,
		);
		const left = await leftoverStores(api.url);
		if (left.length > 0) console.log(`The live check left stores behind: ${left.join(', ')}`);
		return passed && left.length === 0;
	} finally {
		console.log(`Run time: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
		await api.close();
	}
}

/** The live check's stores (its own and its memory store) still in the account. */
async function leftoverStores(baseUrl: string): Promise<string[]> {
	const response = await fetch(`${baseUrl}/v2/key-value-stores?limit=1000`, {
		headers: { Authorization: `Bearer ${FULL_ACCESS_TOKEN}` },
	});
	const { data } = (await response.json()) as { data: { items: Array<{ name?: string }> } };
	return data.items
		.map((store) => store.name ?? '')
		.filter((name) => name.startsWith('n8n-live-check-'));
}

async function main(): Promise<number> {
	const failed = await withHarness(async (harness) => {
		const modes: string[] = [];
		for (const mode of MODES) if (!(await checkMode(harness, mode))) modes.push(mode.name);
		return modes;
	});
	if (failed.length > 0) {
		console.log(`The live check FAILED against the local API: ${failed.join('; ')}.`);
		return 1;
	}
	console.log('The live check passed against the local API in both modes.');
	return 0;
}

void main().then(
	(code) => {
		process.exitCode = code;
	},
	(error: unknown) => {
		console.error(
			`The local live check could not run: ${(error as Error)?.stack ?? String(error)}`,
		);
		process.exitCode = 1;
	},
);
