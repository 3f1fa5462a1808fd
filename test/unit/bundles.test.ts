import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '../..');

interface LintResult {
	filePath: string;
	messages: Array<{ line: number; ruleId: string | null; message: string }>;
}

/** ESLint's findings on the bundles, with the rules of dev/build/bundle-rules.config.mjs. */
function lintBundles(): LintResult[] {
	const run = (): string =>
		execFileSync(
			process.execPath,
			[
				join(root, 'node_modules/eslint/bin/eslint.js'),
				'--config',
				'dev/build/bundle-rules.config.mjs',
				'--format',
				'json',
				'dist/**/*.js',
			],
			{ cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
		);
	try {
		return JSON.parse(run()) as LintResult[];
	} catch (error) {
		// ESLint exits with 1 when it found errors; its report is still on stdout.
		const { stdout } = error as { stdout?: string };
		if (!stdout) throw error;
		return JSON.parse(stdout) as LintResult[];
	}
}

describe('the bundles n8n loads', () => {
	it('use no Node.js built-in but crypto, none of the globals n8n Cloud refuses and no console', () => {
		expect(existsSync(join(root, 'dist/nodes'))).toBe(true);
		const findings = lintBundles().flatMap(({ filePath, messages }) =>
			messages.map(
				({ line, ruleId, message }) =>
					`${relative(root, filePath)}:${line} ${ruleId ?? ''} ${message}`,
			),
		);
		expect(findings).toEqual([]);
	}, 60_000);
});
