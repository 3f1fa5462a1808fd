/**
 * What `npm run demo` and `npm run test:live` share: where the Apify API is, loading n8n's engine
 * (the harness in dev/), and a plain table printer.
 */
import { randomBytes } from 'node:crypto';

export const DEFAULT_APIFY_BASE_URL = 'https://api.apify.com';

/** APIFY_BASE_URL, or Apify's own API. */
export function apifyBaseUrlFromEnv(): string {
	return process.env.APIFY_BASE_URL?.trim() || DEFAULT_APIFY_BASE_URL;
}

export type Harness = typeof import('../dev/harness/engine');

/** Runs `use` with the engine harness loaded (which removes the temporary n8n folder it made when the process ends). */
export async function withHarness<T>(use: (harness: Harness) => Promise<T>): Promise<T> {
	// Imported only now: loading n8n-core sets up its instance folder. A key for this run only
	// encrypts the credentials, as n8n stores them, without n8n-core announcing a new key file.
	process.env.N8N_ENCRYPTION_KEY ??= randomBytes(24).toString('base64');
	// Node errors are printed by the scripts themselves; n8n's own log would repeat them.
	process.env.N8N_LOG_LEVEL ??= 'silent';
	return await use(await import('../dev/harness/engine'));
}

/** Columns padded to their widest cell, under a rule; indented by four spaces. */
export function printTable(header: string[], rows: string[][]): void {
	const widths = header.map((title, column) =>
		Math.max(title.length, ...rows.map((row) => row[column].length)),
	);
	const line = (cells: string[]) =>
		`    ${cells.map((cell, column) => cell.padEnd(widths[column])).join('  ')}`.trimEnd();
	console.log(line(header));
	console.log(line(widths.map((width) => '─'.repeat(width))));
	for (const row of rows) console.log(line(row));
}
