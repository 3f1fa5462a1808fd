// n8n's community-package scanner (`@n8n/scan-community-package`), run on both legs it lints when
// n8n reviews a package: the source tree (package.json, nodes/, credentials/) and the compiled
// `.js` of the tarball `npm pack` makes. Its provenance check and its download of the source from
// GitHub need a published package and the network, and are left out. Prints each leg's findings
// per file and rule; exits non-zero on any error. Run it through `npm run scan` (it needs a build).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import tmp from 'tmp';

// The scanner makes a temporary folder as it loads, for the downloads this script does not use:
// removed at exit.
tmp.setGracefulCleanup();
const { analyzePackage, SOURCE_FILE_PATTERNS } = await import(
	'@n8n/scan-community-package/scanner/scanner.mjs'
);

/** The tarball leg's patterns, as `analyzePackageByName` passes them. */
const TARBALL_FILE_PATTERNS = ['**/*.js', 'package.json'];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** `npm pack`, unpacked into a temporary folder; returns the folder and its remover. */
function packed() {
	const folder = mkdtempSync(join(tmpdir(), 'scan-'));
	const [{ filename }] = JSON.parse(
		execFileSync('npm', ['pack', '--json', '--pack-destination', folder], {
			cwd: root,
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'inherit'],
		}),
	);
	const unpacked = join(folder, 'package');
	mkdirSync(unpacked);
	execFileSync('tar', ['-xzf', join(folder, filename), '-C', unpacked, '--strip-components=1']);
	return { unpacked, remove: () => rmSync(folder, { recursive: true, force: true }) };
}

/** `  12:5  error  message  rule` lines of ESLint's stylish format, counted by rule. */
function countByRule(details) {
	const counts = new Map();
	for (const match of details.matchAll(/^\s+\d+:\d+\s+(error|warning)\s+.*\s(\S+)$/gm)) {
		const key = `${match[1]} ${match[2]}`;
		counts.set(key, (counts.get(key) ?? 0) + 1);
	}
	return counts;
}

async function scanLeg(name, folder, patterns) {
	const result = await analyzePackage(folder, patterns);
	if (result.passed) {
		console.log(`${name}: passed (0 errors)`);
		return true;
	}
	console.log(`${name}: FAILED (${result.message})`);
	if (result.details) {
		console.log(result.details);
		for (const [rule, count] of countByRule(result.details)) console.log(`  ${count}× ${rule}`);
	}
	return false;
}

const sourcePassed = await scanLeg('Source tree', root, SOURCE_FILE_PATTERNS);
const tarball = packed();
let tarballPassed;
try {
	tarballPassed = await scanLeg('Packed tarball', tarball.unpacked, TARBALL_FILE_PATTERNS);
} finally {
	tarball.remove();
}
if (!sourcePassed || !tarballPassed) process.exit(1);
