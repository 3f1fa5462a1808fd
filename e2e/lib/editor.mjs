// @ts-check
// The editor part of the suite: `n8n start` on loopback, headless Chromium driven by
// playwright-core, the node's panels as users see them, and screenshots for the README.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { chromium as playwright } from 'playwright-core';

import { CheckFailure, expect, expectEqual, show } from './checks.mjs';
import { OWNER } from './n8n.mjs';
import { freePort } from './proc.mjs';

/** @import { Browser, Page } from 'playwright-core' */
/** @import { Checks } from './checks.mjs' */
/** @import { N8n } from './n8n.mjs' */

const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-dev-shm-usage',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--no-first-run',
	'--disable-default-apps',
	'--metrics-recording-only',
];
const VIEWPORT = { width: 1440, height: 900 };
const TIMEOUT_MS = 30_000;

/**
 * Runs the editor checks against `n8n` (set up by the CLI part, started unless it runs); stops it afterwards.
 *
 * @param {Checks} checks
 * @param {N8n} n8n
 * @param {object} options
 * @param {string} options.chromium  the Chromium executable
 * @param {Record<string, string>} options.workflows  IDs of the example workflows by file name
 * @param {Record<string, string>} options.secrets  secrets by label, which must show nowhere
 * @param {string} options.docsDir  where the screenshots go
 * @param {string} options.tmpDir  the run's folder; Chromium's profile goes there
 * @param {boolean} [options.onlyToolPanel]  only the AI tool's panel (E2E_ONLY=mcp)
 */
export async function runEditorChecks(
	checks,
	n8n,
	{ chromium, workflows, secrets, docsDir, tmpDir, onlyToolPanel = false },
) {
	mkdirSync(docsDir, { recursive: true });
	// Already running when the active-workflow checks started it.
	const url =
		n8n.url ??
		(await checks.check(
			`editor: n8n start ${n8n.version} is ready on loopback`,
			async () => await n8n.start({ port: await freePort() }),
		));
	if (!url) return;

	const browser = await launchBrowser(checks, chromium, tmpDir);
	if (!browser) {
		await n8n.stop();
		return;
	}
	/** @type {Set<string>} */
	const blocked = new Set();
	try {
		const ui = await openEditor(browser, url, docsDir, blocked);
		const signedIn = await checks.check(
			'editor: sign in with the owner set by environment variables',
			async () => {
				await ui.signIn();
				return ui.page.url();
			},
		);
		if (!signedIn) return;

		const context = { checks, ui, workflows, secrets };
		if (onlyToolPanel) {
			await checkToolPanel(context);
			return;
		}
		await checkWorkflowList(context);
		await checkCanvas(context);
		await checkTriggerPanel(context);
		await checkRecordWritePanels(context);
		await checkStoreListAndPublicLinks(context);
		await checkRecordGetAndPickers(context);
		await checkDownloadAll(context);
		await checkToolPanel(context);
		// Leaves its panel open for the credential checks.
		await checkKeyList(context);
		await checkCredentials(context);
		// Last: it changes a workflow without saving it.
		await checkStorePickerWithSignature(context);
	} finally {
		await browser.close().catch(() => {});
		await n8n.stop();
		if (blocked.size)
			console.log(`note: the browser's requests to ${[...blocked].join(', ')} were blocked`);
	}
	await checks.check("editor: no token or signature in n8n's server log", () => {
		for (const [label, secret] of Object.entries(secrets))
			expect(!n8n.serverOutput.includes(secret), `the ${label} appears in n8n's log`);
	});
}

/**
 * Headless Chromium, its profile, caches and temporary files in the run's folder; undefined when it
 * does not start (the check fails).
 *
 * @param {Checks} checks
 * @param {string} chromium
 * @param {string} tmpDir
 * @returns {Promise<Browser | undefined>}
 */
async function launchBrowser(checks, chromium, tmpDir) {
	const browserHome = join(tmpDir, 'chromium');
	mkdirSync(browserHome, { recursive: true });
	const browserEnv = {
		...process.env,
		HOME: browserHome,
		TMPDIR: browserHome,
		XDG_CONFIG_HOME: browserHome,
		XDG_CACHE_HOME: browserHome,
	};
	return await checks.check(
		`editor: headless Chromium starts (${chromium})`,
		async () =>
			await playwright.launch({
				executablePath: chromium,
				args: CHROMIUM_ARGS,
				headless: true,
				timeout: 60_000,
				env: browserEnv,
			}),
	);
}

/**
 * A page on the editor at `url`. Nothing leaves the machine: requests to anything but the n8n under
 * test are refused, and their origins added to `blocked`.
 *
 * @param {Browser} browser
 * @param {string} url
 * @param {string} docsDir
 * @param {Set<string>} blocked
 */
async function openEditor(browser, url, docsDir, blocked) {
	const context = await browser.newContext({
		viewport: VIEWPORT,
		deviceScaleFactor: 1,
		locale: 'en-US',
		timezoneId: 'UTC',
	});
	await context.route('**/*', (route) => {
		const target = new URL(route.request().url());
		if (
			target.origin === new URL(url).origin ||
			target.protocol === 'data:' ||
			target.protocol === 'blob:'
		)
			return route.continue();
		blocked.add(target.origin);
		return route.abort();
	});
	const page = await context.newPage();
	page.setDefaultTimeout(TIMEOUT_MS);
	return new EditorPage(page, url, docsDir);
}

/**
 * What each group of editor checks gets: the checks, the signed-in editor, the IDs of the example
 * workflows by file name, and the secrets that must show nowhere.
 *
 * @typedef {object} EditorContext
 * @property {Checks} checks
 * @property {EditorPage} ui
 * @property {Record<string, string>} workflows
 * @property {Record<string, string>} secrets
 */

/**
 * The example workflows in the editor's list of workflows.
 *
 * @param {EditorContext} context
 */
async function checkWorkflowList({ checks, ui }) {
	await checks.check('editor: the example workflows are listed', async () => {
		await ui.navigate('/home/workflows');
		for (const name of [
			'Apify KVS: get records (JSON, text, file)',
			'Apify KVS: fingerprint new images every day',
		]) {
			await ui.page.getByText(name, { exact: true }).first().waitFor();
		}
	});
}

/**
 * The realistic example on the canvas: its nodes come from the installed package.
 *
 * @param {EditorContext} context
 */
async function checkCanvas({ checks, ui, workflows }) {
	await checks.check(
		'editor: the realistic workflow on the canvas, the nodes loaded from the community package',
		async () => {
			await ui.openWorkflow(workflows['daily-image-fingerprints.workflow.json']);
			const subtitles = {
				'List image keys': 'list: key',
				'Get each image': 'get: record',
			};
			for (const [name, subtitle] of Object.entries(subtitles)) {
				const text = await ui.canvasNode(name).innerText();
				expect(
					text.includes(subtitle),
					`canvas node "${name}" shows ${show(text)}; expected its subtitle "${subtitle}" (a missing node type shows none)`,
				);
			}
			await ui.page.locator('[data-test-id=zoom-to-fit]').click();
			await ui.page.waitForTimeout(800);
			await ui.screenshot('workflow.png');
		},
	);
}

/**
 * The trigger on the canvas, and its panel.
 *
 * @param {EditorContext} context
 */
async function checkTriggerPanel({ checks, ui, workflows }) {
	await checks.check(
		'editor: the trigger loads from the community package; its panel shows Store Of, Store, Key Prefix, Events and the change options',
		async () => {
			// n8n's CLI cannot start a workflow at a polling trigger, so the editor shows that n8n knows the node.
			await ui.openWorkflow(workflows['store-changes-trigger.workflow.json']);
			const text = await ui.canvasNode('Screenshot added or changed').innerText();
			expect(
				text.includes('Records added, changed'),
				`canvas node shows ${show(text)}; expected the subtitle "Records added, changed" (a missing node type shows none)`,
			);
			await ui.openNode('Screenshot added or changed');
			await ui.expectFields(
				['storeSource', 'storeId', 'prefix', 'events', 'includeValue', 'checkEtags'],
				[
					'Poll Times',
					'Store Of',
					'Store',
					'Key Prefix',
					'Events',
					'Include Record Value',
					'Detect Same-Size Edits',
				],
			);
			await ui.screenshot('trigger.png');
			await ui.closeNode();
		},
	);
}

/**
 * The node as an AI agent's tool in the MCP example: its panel, with the manual tool description
 * and the parameters the model fills in through $fromAI().
 *
 * @param {EditorContext} context
 */
async function checkToolPanel({ checks, ui, workflows }) {
	await checks.check(
		'editor: the MCP example on the canvas; the get_record tool panel shows Tool Description, Description, Store and Key',
		async () => {
			// As the other checks, from the workflow list (E2E_ONLY=mcp starts here).
			await ui.navigate('/home/workflows');
			await ui.page.getByText('Apify KVS: tools for AI agents (MCP server)').first().waitFor();
			await ui.openWorkflow(workflows['mcp-server-tools.workflow.json']);
			await ui.canvasNode('MCP Server Trigger').waitFor();
			await ui.openNode('get_record');
			await ui.expectFields(
				['descriptionType', 'toolDescription'],
				['Tool Description', 'Description', 'Store', 'Key'],
			);
			await ui.expectSelected('resource', 'Record');
			await ui.expectSelected('operation', 'Get');
			await ui.screenshot('ai-tool.png');
			await ui.closeNode();
		},
	);
}

/**
 * The panels of the write operations: Record → Put, Delete, Exists; Store → Get or Create.
 *
 * @param {EditorContext} context
 */
async function checkRecordWritePanels({ checks, ui, workflows }) {
	await checks.check(
		'editor: Record → Put panel shows Store, Key, Value, Content Type; Record → Delete shows Store, Key; Store → Get or Create shows Name',
		async () => {
			await ui.openWorkflow(workflows['record-write-and-stores.workflow.json']);
			await ui.openNode('Put run-summary');
			await ui.expectFields(
				['storeId', 'key', 'valueSource', 'contentType'],
				['Store', 'Key', 'Value', 'Content Type', 'Options'],
			);
			await ui.expectSelected('operation', 'Put');
			await ui.screenshot('record-put.png');
			await ui.closeNode();
			await ui.openNode('Delete run-summary');
			await ui.expectSelected('operation', 'Delete');
			await ui.expectFields(['storeId', 'key'], ['Store', 'Key', 'Options']);
			await ui.screenshot('record-delete.png');
			await ui.closeNode();
			await ui.openNode('Get or create a store');
			await ui.expectSelected('resource', 'Store');
			await ui.expectFields(['name'], ['Name', 'Options']);
			await ui.closeNode();
		},
	);

	await checks.check('editor: Record → Exists panel shows Store Of, Store, Key', async () => {
		await ui.openWorkflow(workflows['record-write-and-stores.workflow.json']);
		await ui.openNode('Exists before delete');
		await ui.expectSelected('operation', 'Exists');
		await ui.expectSelected('storeSource', 'A Store');
		await ui.expectFields(
			['storeSource', 'storeId', 'key'],
			['Store Of', 'Store', 'Key', 'Options'],
		);
		await ui.screenshot('record-exists.png');
		await ui.closeNode();
	});
}

/**
 * Store → List, Record → Get Public URL and Key → Get Public Listing URL: panels, and Execute step.
 *
 * @param {EditorContext} context
 */
async function checkStoreListAndPublicLinks({ checks, ui, workflows, secrets }) {
	await checks.check(
		'editor: Store → List panel shows Return All; Execute step lists the named stores',
		async () => {
			await ui.openWorkflow(workflows['share-links-and-stores.workflow.json']);
			await ui.openNode('List my stores');
			await ui.expectSelected('resource', 'Store');
			await ui.expectSelected('operation', 'List');
			await ui.expectFields(['returnAll'], ['Return All', 'Options']);
			const count = await ui.executeStep('table');
			expect(count >= 2, `${count} stores in the output panel`);
			const output = await ui.outputText();
			expect(
				output.includes('demo-store') && output.includes('paging-store'),
				`the output does not show the stores: ${show(output.slice(0, 300))}`,
			);
			await ui.screenshot('store-list.png');
			await ui.closeNode();
		},
	);

	await checks.check(
		'editor: Record → Get Public URL panel shows Store Of, Store, Key; Execute step gives a signed link',
		async () => {
			await ui.openNode('Public link to the screenshot');
			await ui.expectSelected('operation', 'Get Public URL');
			await ui.expectFields(
				['storeSource', 'storeId', 'key'],
				['Store Of', 'Store', 'Key', 'Options'],
			);
			expectEqual(await ui.executeStep('json'), 1, 'items in the output panel');
			const output = await ui.outputText();
			expect(
				/records\/screenshot\?signature=/.test(output),
				`the output shows no signed link: ${show(output.slice(0, 300))}`,
			);
			for (const [label, secret] of Object.entries(secrets))
				expect(!output.includes(secret), `the ${label} appears in the output`);
			await ui.screenshot('record-public-url.png');
			await ui.closeNode();
		},
	);

	await checks.check(
		'editor: Key → Get Public Listing URL panel shows Records, Prefix, Expires In Seconds; Execute step gives a link that expires',
		async () => {
			await ui.openNode('Public link to the image keys');
			await ui.expectSelected('operation', 'Get Public Listing URL');
			await ui.expectFields(
				['storeId', 'recordFilter', 'prefix', 'expiresInSeconds'],
				['Store', 'Records', 'Prefix', 'Expires In Seconds', 'Options'],
			);
			expectEqual(await ui.executeStep('json'), 1, 'items in the output panel');
			const output = await ui.outputText();
			expect(
				/keys\?signature=[^&\s"]+&prefix=img-/.test(output) &&
					/"expiresAt":\s*"\d{4}-/.test(output),
				`the output shows no expiring listing link: ${show(output.slice(0, 400))}`,
			);
			await ui.screenshot('key-public-listing-url.png');
			await ui.closeNode();
		},
	);
}

/**
 * Record → Get: its panel, the store picker and the key picker (search, mode names).
 *
 * @param {EditorContext} context
 */
async function checkRecordGetAndPickers({ checks, ui, workflows }) {
	await checks.check(
		'editor: Record → Get panel shows Credential, Resource, Operation, Store, Key, Output, Put Output File in Field, Options',
		async () => {
			await ui.openWorkflow(workflows['record-get.workflow.json']);
			await ui.openNode('Get screenshot (file)');
			await ui.expectFields(
				['resource', 'operation', 'storeId', 'key', 'outputFormat', 'binaryPropertyName'],
				['Credential', 'Store', 'Key', 'Output', 'Put Output File in Field', 'Options'],
			);
			await ui.expectSelected('resource', 'Record');
			await ui.expectSelected('operation', 'Get');
			await ui.expectSelected('outputFormat', 'Auto');
		},
	);
	await checks.check(
		"editor: Store → From List lists the local API's stores of the token's user (demo-store, paging-store, the unnamed one)",
		async () => {
			const stores = await ui.openPicker('storeId', (names) => names.length >= 3);
			for (const name of ['demo-store', 'paging-store', 'kvsUnnamedStore01 (unnamed)'])
				expect(stores.includes(name), `store list ${show(stores)} lacks ${name}`);
			expect(
				!stores.includes('other-store'),
				`store list ${show(stores)} shows another user's store`,
			);
			await ui.screenshot('store-picker.png');
			await ui.closePicker();
			return stores.join(', ');
		},
	);
	await checks.check('editor: Key → From List lists the keys of the chosen store', async () => {
		const keys = await ui.openPicker('key', (names) => names.length >= 10);
		for (const key of ['INPUT', 'OUTPUT', 'screenshot', 'img-001'])
			expect(keys.includes(key), `key list ${show(keys)} lacks ${key}`);
		await ui.screenshot('record-get.png');
		return `${keys.length} keys`;
	});
	await checks.check('editor: typing in the key picker filters the keys by prefix', async () => {
		// The chosen key stays at the top of the list.
		/** @param {string[]} names */
		const onlyImages = (names) => {
			const rest = names.filter((name) => name !== 'screenshot');
			return rest.length > 0 && rest.every((name) => name.startsWith('img-'));
		};
		const keys = (await ui.searchPicker('img-', onlyImages)).filter((key) => key !== 'screenshot');
		expectEqual(keys, ['img-001', 'img-002', 'img-003'], 'keys for "img-"');
		await ui.closePicker();
	});
	await checks.check(
		'editor: the mode names users see: Store "From list", "By ID", "By URL"; Key "From list", "By ID"',
		async () => {
			// n8n shows its own names for modes called list, id and url, whatever their displayName.
			expectEqual(await ui.modeNames('storeId'), ['From list', 'By ID', 'By URL'], 'Store modes');
			expectEqual(await ui.modeNames('key'), ['From list', 'By ID'], 'Key modes');
		},
	);
	await ui.closeNode();
}

/**
 * Record → Download All: its panel, and Execute step with one item per record.
 *
 * @param {EditorContext} context
 */
async function checkDownloadAll({ checks, ui, workflows }) {
	await checks.check(
		'editor: Record → Download All panel shows Store, Records, Output, Put Output File in Field, Parse JSON Records',
		async () => {
			await ui.openWorkflow(workflows['record-download-all.workflow.json']);
			await ui.openNode('Download records, one item each');
			await ui.expectFields(
				['storeId', 'recordFilter', 'outputMode', 'binaryPropertyName'],
				['Store', 'Records', 'Output', 'Put Output File in Field', 'Options', 'Parse JSON Records'],
			);
			await ui.expectSelected('operation', 'Download All');
			await ui.expectSelected('outputMode', 'One Item per Record');
		},
	);
	await checks.check(
		'editor: Execute step on Download All outputs 16 items with files',
		async () => {
			const count = await ui.executeStep('binary');
			expectEqual(count, 16, 'items in the output panel');
			const output = await ui.outputText();
			expect(
				output.includes('INPUT.json') && output.includes('application/json'),
				`the output panel does not show the files: ${show(output.slice(0, 300))}`,
			);
			await ui.screenshot('download-all.png');
		},
	);
	await ui.closeNode();
}

/**
 * Key → List: its panel, and Execute step; leaves the node's panel open for checkCredentials.
 *
 * @param {EditorContext} context
 */
async function checkKeyList({ checks, ui, workflows }) {
	await checks.check(
		'editor: Key → List panel shows Store, Records, Return All, Options',
		async () => {
			await ui.openWorkflow(workflows['key-list.workflow.json']);
			await ui.openNode('List keys');
			await ui.expectFields(
				['storeId', 'recordFilter', 'returnAll'],
				['Store', 'Records', 'Return All', 'Options'],
			);
			await ui.expectSelected('resource', 'Key');
			await ui.expectSelected('operation', 'List');
		},
	);
	await checks.check('editor: Execute step on Key → List outputs the 16 keys', async () => {
		const count = await ui.executeStep('table');
		expectEqual(count, 16, 'items in the output panel');
		const output = await ui.outputText();
		expect(
			output.includes('INPUT') && output.includes('recordPublicUrl'),
			`the output table does not show the keys: ${show(output.slice(0, 300))}`,
		);
		await ui.screenshot('list-keys.png');
	});
}

/**
 * The credential dialog opened from the node (the panel checkKeyList left open), then the test of
 * a wrong token, a URL signature and a signature for another store.
 *
 * @param {EditorContext} context
 */
async function checkCredentials({ checks, ui, secrets }) {
	await checks.check(
		'editor: the credential dialog shows its fields and its test passes against the local API',
		async () => {
			await ui.page.locator('[data-test-id=credential-edit-button]').click();
			const modal = ui.page.locator('[data-test-id=editCredential-modal]');
			await modal.waitFor();
			await modal.locator('[data-test-id=credentials-config-container-test-success]').waitFor();
			for (const name of ['authType', 'apiToken', 'baseUrl'])
				await modal.locator(`[data-test-id=parameter-input-${name}]`).waitFor();
			const text = await modal.innerText();
			for (const label of [
				'Authentication',
				'API Token',
				'API Base URL',
				'Connection tested successfully',
			]) {
				expect(text.includes(label), `credential dialog lacks "${label}"`);
			}
			await ui.screenshot('credential.png');
			await ui.page.keyboard.press('Escape');
			await modal.waitFor({ state: 'hidden' });
		},
	);
	await ui.closeNode();
	await checks.check(
		'editor: a credential with a wrong token fails its test, with the API error',
		async () => {
			const text = await ui.credentialTest('e2eBadToken00001', false);
			expect(
				/401|token/i.test(text),
				`the failed test does not say why: ${show(text.slice(0, 400))}`,
			);
			for (const [label, secret] of Object.entries(secrets))
				expect(!text.includes(secret), `the ${label} appears in the dialog`);
		},
	);
	await checks.check(
		'editor: a credential on plain HTTP to another host than localhost fails its test, unsent',
		async () => {
			const text = await ui.credentialTest('e2ePlainHttp0001', false);
			expect(
				/must use https:\/\//.test(text),
				`the failed test does not say why: ${show(text.slice(0, 400))}`,
			);
			for (const [label, secret] of Object.entries(secrets))
				expect(!text.includes(secret), `the ${label} appears in the dialog`);
		},
	);
	await checks.check(
		'editor: a URL signature credential shows Signature and Store ID, and its test passes',
		async () => {
			const text = await ui.credentialTest('e2eSignature0001', true);
			for (const label of ['Signature', 'Store ID', 'API Base URL'])
				expect(text.includes(label), `credential dialog lacks "${label}"`);
		},
	);
	await checks.check(
		'editor: a signature for another store fails the credential test',
		async () => {
			const text = await ui.credentialTest('e2eBadSignature1', false);
			expect(
				/403|signature/i.test(text),
				`the failed test does not say why: ${show(text.slice(0, 400))}`,
			);
			for (const [label, secret] of Object.entries(secrets))
				expect(!text.includes(secret), `the ${label} appears in the dialog`);
		},
	);
}

/**
 * With a URL signature credential, the store picker says why it cannot list stores; changes a workflow without saving it.
 *
 * @param {EditorContext} context
 */
async function checkStorePickerWithSignature({ checks, ui }) {
	await checks.check(
		'editor: with a URL signature, Store → From List says that listing stores needs an API token',
		async () => {
			await ui.openWorkflow('e2eSignatureList');
			await ui.openNode('List keys');
			const locator = ui.page.locator('[data-test-id=resource-locator-storeId]');
			await locator.locator('[data-test-id=rlc-mode-selector]').click();
			await ui.page
				.locator('.el-select-dropdown__item:visible', { hasText: 'From list' })
				.first()
				.click();
			await locator.locator('[data-test-id=rlc-input]').click();
			await ui.page
				.getByText('Listing stores needs an API token')
				.first()
				.waitFor({ timeout: 15_000 });
		},
	);
}

class EditorPage {
	/**
	 * @param {Page} page
	 * @param {string} url  the editor's base URL
	 * @param {string} docsDir  where screenshots go
	 */
	constructor(page, url, docsDir) {
		this.page = page;
		this.url = url;
		this.docsDir = docsDir;
	}

	async signIn() {
		const { page } = this;
		await page.goto(`${this.url}/signin`);
		await page.locator('input[name=emailOrLdapLoginId]').fill(OWNER.email);
		await page.locator('input[name=password]').fill(OWNER.password);
		await page.locator('[data-test-id=form-submit-button]').click();
		await page
			.waitForURL((target) => !target.pathname.startsWith('/signin'), { timeout: TIMEOUT_MS })
			.catch(async () => {
				throw new CheckFailure(
					`still on the sign-in page after signing in as ${OWNER.email}: ${show((await page.locator('body').innerText()).slice(0, 300))}`,
				);
			});
	}

	/**
	 * Client-side navigation, as the editor's own links do: reloading the editor takes 10 s or more here.
	 *
	 * @param {string} path
	 */
	async navigate(path) {
		await this.page.evaluate((target) => {
			window.history.pushState({}, '', target);
			window.dispatchEvent(new PopStateEvent('popstate', { state: {} }));
		}, path);
		await this.page.waitForURL((target) => target.pathname === path);
	}

	/** @param {string} id */
	async openWorkflow(id) {
		await this.navigate(`/workflow/${id}`);
		await this.page.locator('[data-test-id=canvas-node]').first().waitFor();
	}

	/** @param {string} name */
	canvasNode(name) {
		return this.page.locator(`[data-test-id=canvas-node][data-node-name="${name}"]`);
	}

	/** @param {string} name */
	async openNode(name) {
		await this.canvasNode(name).dblclick();
		await this.page.locator('[data-test-id=ndv] [data-test-id=node-parameters]').waitFor();
	}

	async closeNode() {
		const close = this.page.locator('[data-test-id=ndv-close-button]');
		if (await close.isVisible()) await close.click();
		await this.page.locator('[data-test-id=ndv]').waitFor({ state: 'hidden' });
	}

	/**
	 * Every parameter input by name, and every label by its display name, in the open panel.
	 *
	 * @param {string[]} names
	 * @param {string[]} labels
	 */
	async expectFields(names, labels) {
		const panel = this.page.locator('[data-test-id=ndv] [data-test-id=node-parameters]');
		for (const name of names) {
			await panel
				.locator(`[data-test-id=parameter-input-${name}]`)
				.first()
				.waitFor({ timeout: 5000 })
				.catch(() => {
					throw new CheckFailure(`the panel has no "${name}" parameter`);
				});
		}
		const text = await this.page.locator('[data-test-id=ndv]').innerText();
		for (const label of labels) expect(text.includes(label), `the panel has no "${label}"`);
	}

	/**
	 * The option shown for a parameter in the open panel.
	 *
	 * @param {string} name
	 * @param {string} value
	 */
	async expectSelected(name, value) {
		const input = this.page
			.locator(`[data-test-id=ndv] [data-test-id=parameter-input-${name}] input`)
			.first();
		expectEqual(await input.inputValue(), value, `${name}`);
	}

	/**
	 * Opens a resource locator's list ("From List") and returns the names it shows once `loaded`
	 * says the list is complete (the chosen value shows at once, the rest when the API answered),
	 * or after 10 s.
	 *
	 * @param {string} name
	 * @param {(names: string[]) => boolean} loaded
	 */
	async openPicker(name, loaded) {
		const locator = this.page.locator(`[data-test-id=resource-locator-${name}]`);
		const mode = await locator.locator('[data-test-id=rlc-mode-selector] input').inputValue();
		expectEqual(mode, 'From list', `${name} mode`);
		await locator.locator('[data-test-id=rlc-input]').click();
		return await this.pickerItems(loaded);
	}

	/**
	 * @param {(names: string[]) => boolean} loaded
	 * @returns {Promise<string[]>}
	 */
	async pickerItems(loaded) {
		const items = this.page.locator('[data-test-id=rlc-item]');
		await items.first().waitFor();
		const deadline = Date.now() + 10_000;
		for (;;) {
			const names = (await items.allInnerTexts()).map((text) => text.trim());
			if (loaded(names) || Date.now() > deadline) return names;
			await this.page.waitForTimeout(250);
		}
	}

	/**
	 * Types into the open list's search box; the list reloads from the API.
	 *
	 * @param {string} text
	 * @param {(names: string[]) => boolean} loaded
	 */
	async searchPicker(text, loaded) {
		await this.page
			.locator('[data-test-id=rlc-search] input, input[data-test-id=rlc-search]')
			.first()
			.fill(text);
		return await this.pickerItems(loaded);
	}

	async closePicker() {
		await this.page.keyboard.press('Escape');
		await this.page.locator('[data-test-id=rlc-item]').first().waitFor({ state: 'hidden' });
	}

	/**
	 * The names in a resource locator's mode menu.
	 *
	 * @param {string} name
	 */
	async modeNames(name) {
		const selector = this.page.locator(
			`[data-test-id=resource-locator-${name}] [data-test-id=rlc-mode-selector]`,
		);
		await selector.click();
		const options = this.page.locator('.el-select-dropdown__item:visible');
		await options.first().waitFor();
		const names = (await options.allInnerTexts()).map((text) => text.trim());
		await selector.click();
		await options.first().waitFor({ state: 'hidden' });
		return names;
	}

	/**
	 * Opens a credential's dialog; waits for its test to pass (or fail) and returns the dialog's text.
	 *
	 * @param {string} id
	 * @param {boolean} passes
	 */
	async credentialTest(id, passes) {
		await this.navigate(`/home/credentials/${id}`);
		const modal = this.page.locator('[data-test-id=editCredential-modal]');
		const outcome = passes
			? modal.locator('[data-test-id=credentials-config-container-test-success]')
			: modal.getByText(/Couldn.t connect with these settings/);
		await outcome.waitFor();
		// The reason of a failed test is folded under "More details".
		if (!passes) await modal.getByText('More details').click();
		const text = await modal.innerText();
		await this.page.keyboard.press('Escape');
		await modal.waitFor({ state: 'hidden' });
		return text;
	}

	/**
	 * Clicks Execute step in the open panel, shows the output as `view`; returns the item count shown.
	 *
	 * @param {'table' | 'json' | 'binary'} view
	 */
	async executeStep(view) {
		const { page } = this;
		await page.locator('[data-test-id=node-execute-button]').click();
		const output = page.locator('[data-test-id=output-panel]');
		const count = output.getByText(/^\d+ items?$/).first();
		await count.waitFor({ timeout: 60_000 }).catch(async () => {
			throw new CheckFailure(
				`no items in the output panel: ${show((await output.innerText()).slice(0, 400))}`,
			);
		});
		await output.locator(`[data-test-id=radio-button-${view}]`).click();
		await this.page.waitForTimeout(500);
		return Number((await count.innerText()).split(' ')[0]);
	}

	/** What the open panel's output shows, as text. */
	async outputText() {
		return await this.page.locator('[data-test-id=output-panel]').innerText();
	}

	/** @param {string} file  in docs/ */
	async screenshot(file) {
		const { page } = this;
		// Toasts ("Node executed successfully") and the mouse's hover effects stay out of the picture.
		await page.addStyleTag({ content: '.el-notification { display: none !important; }' });
		await page.mouse.move(VIEWPORT.width / 2, 4);
		await page.waitForTimeout(400);
		await page.screenshot({
			path: join(this.docsDir, file),
			animations: 'disabled',
			caret: 'hide',
		});
	}
}
