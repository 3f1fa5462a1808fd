/**
 * `npm run contract:coverage`: which operations of Apify's OpenAPI (dev/contract) the suites called,
 * from what each suite under the contract check wrote to `.cache/contract-coverage/` (the engine
 * tests, the e2e and queue suites, the live check against the local API), each suite's last run.
 * Names the operations the node can send that no suite sent. `--summary` (npm test) leaves out the
 * table of operations.
 */
import { ContractCheck } from '../dev/contract/check';
import { readCoverage, type CoverageFile } from '../dev/contract/coverage';
import { NODE_OPERATIONS } from '../dev/contract/node-operations';

/** Engine test files write one file each; they count as one suite, "engine". */
function suiteOf(file: CoverageFile): string {
	return file.suite.endsWith('.test.ts') ? 'engine' : file.suite;
}

async function main(): Promise<void> {
	const files = readCoverage();
	const calls = new Map<string, Map<string, number>>();
	for (const file of files) {
		for (const [operationId, count] of Object.entries(file.operations)) {
			const bySuite = calls.get(operationId) ?? new Map<string, number>();
			bySuite.set(suiteOf(file), (bySuite.get(suiteOf(file)) ?? 0) + count);
			calls.set(operationId, bySuite);
		}
	}
	const operations = (await ContractCheck.load()).operations();
	const exercised = operations.filter((operation) => calls.has(operation.operationId));
	const nodeOperations = operations.filter((operation) => operation.operationId in NODE_OPERATIONS);
	const unsent = nodeOperations.filter((operation) => !calls.has(operation.operationId));
	const suites = [...new Set(files.map(suiteOf))].sort();

	console.log(`Apify's OpenAPI, key-value store part: ${operations.length} documented operations.`);
	console.log(`Suites with a coverage file: ${suites.join(', ') || 'none (run npm test first)'}.`);
	console.log(`Exercised: ${exercised.length} of ${operations.length}.`);
	console.log(
		`The node can send ${nodeOperations.length}; the suites sent ${nodeOperations.length - unsent.length}.`,
	);
	if (!process.argv.includes('--summary')) {
		console.log('\n| operation | method and path | node sends it | calls by suite |');
		console.log('| --- | --- | --- | --- |');
		for (const operation of operations) {
			const bySuite = calls.get(operation.operationId);
			const byWhat = NODE_OPERATIONS[operation.operationId];
			console.log(
				`| ${operation.operationId} | ${operation.method} ${operation.path} | ${byWhat ?? 'no'} | ${
					bySuite ? [...bySuite].map(([suite, count]) => `${suite} ${count}`).join(', ') : '—'
				} |`,
			);
		}
	}
	if (unsent.length > 0) {
		console.log('\nThe node can send these, and no suite sent them:');
		for (const operation of unsent)
			console.log(`  ${operation.operationId} (${NODE_OPERATIONS[operation.operationId]})`);
	}
	const notes = new Set(files.flatMap((file) => file.notes));
	if (notes.size > 0) console.log(`\nNot checked:\n${[...notes].map((n) => `  ${n}`).join('\n')}`);
}

void main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
