/**
 * The layering rules of the code base, checked on its import statements: layers point down
 * (actions → parameter readers → transport → helpers → nothing of the node), the trigger and list search take shared
 * pieces only, and nothing outside the tests depends on a test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** The source files of a folder, or the file itself. */
function sourceFiles(folder: string): string[] {
	if (/\.(ts|mjs|js)$/.test(folder)) return [folder];
	return readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: true })
		.filter((entry) => entry.isFile() && /\.(ts|mjs|js)$/.test(entry.name))
		.map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** The files a file imports from this repository, as paths from the root (without extension). */
function localImports(file: string): string[] {
	const text = readFileSync(join(ROOT, file), 'utf8');
	const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)];
	return specifiers.map(([, specifier]) => relative(ROOT, resolve(ROOT, dirname(file), specifier)));
}

function violations(folders: string[], forbidden: RegExp): string[] {
	return folders.flatMap(sourceFiles).flatMap((file) =>
		localImports(file)
			.filter((target) => forbidden.test(target))
			.map((target) => `${file} imports ${target}`),
	);
}

describe('layers', () => {
	it('the parameter readers import nothing of actions or methods', () => {
		expect(violations(['nodes/ApifyKeyValueStore/parameters.ts'], /\/(actions|methods)\//)).toEqual(
			[],
		);
	});

	it('transport imports nothing of the parameter readers, actions or methods', () => {
		expect(
			violations(['nodes/ApifyKeyValueStore/transport'], /\/(actions|methods)\/|\/parameters$/),
		).toEqual([]);
	});

	it('helpers, the ground floor, import nothing of transport, the parameter readers, actions or methods', () => {
		expect(
			violations(
				['nodes/ApifyKeyValueStore/helpers'],
				/\/(actions|methods|transport)(\/|$)|\/parameters$/,
			),
		).toEqual([]);
	});

	it('list search imports no action', () => {
		expect(violations(['nodes/ApifyKeyValueStore/methods'], /\/actions\//)).toEqual([]);
	});

	it('the trigger imports no operation and no description file', () => {
		expect(
			violations(['nodes/ApifyKeyValueStoreTrigger'], /\.(operation|descriptions)$|\/actions\//),
		).toEqual([]);
	});

	it('the node imports no development infrastructure and no test', () => {
		expect(violations(['nodes', 'credentials'], /^(test|dev|scripts|bench|e2e)\//)).toEqual([]);
	});

	it('scripts, the benchmark, the e2e suite and the development tools import no test', () => {
		expect(violations(['scripts', 'bench', 'e2e', 'dev'], /^test\//)).toEqual([]);
	});

	it('catches a forbidden import (the check itself works)', () => {
		expect(violations(['test/unit'], /^nodes\/ApifyKeyValueStore\/transport$/)).toContain(
			'test/unit/decodeContent.test.ts imports nodes/ApifyKeyValueStore/transport',
		);
	});
});
