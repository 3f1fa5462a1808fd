/**
 * Which documented operations the suites call: each suite that runs the contract check writes the
 * operations it saw to `.cache/contract-coverage/`, and `npm run contract:coverage` adds them up
 * (scripts/contract-coverage.ts).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import type { ContractCheck } from './check';

export const COVERAGE_DIR = join(__dirname, '..', '..', '.cache', 'contract-coverage');

export interface CoverageFile {
	suite: string;
	writtenAt: string;
	/** Calls per operation ID. */
	operations: Record<string, number>;
	excused: number;
	notes: string[];
}

/** Writes what one suite exercised; `suite` names it, e.g. the test file. */
export function writeCoverage(check: ContractCheck, suite: string): void {
	mkdirSync(COVERAGE_DIR, { recursive: true });
	const file: CoverageFile = {
		suite,
		writtenAt: new Date().toISOString(),
		operations: Object.fromEntries(check.exercised),
		excused: check.excused.length,
		notes: [...check.notes],
	};
	// One file per suite: a later run of it replaces the earlier one.
	const name = `${basename(suite).replace(/[^\w.-]+/g, '_')}.json`;
	writeFileSync(join(COVERAGE_DIR, name), JSON.stringify(file, null, 1));
}

export function readCoverage(): CoverageFile[] {
	let names: string[];
	try {
		names = readdirSync(COVERAGE_DIR);
	} catch {
		return [];
	}
	return names
		.filter((name) => name.endsWith('.json'))
		.map((name) => JSON.parse(readFileSync(join(COVERAGE_DIR, name), 'utf8')) as CoverageFile);
}
