/**
 * Code loaded from outside this checkout (the benchmark's baseline nodes in `.cache/`, another
 * build of this package) gets n8n-workflow, n8n-core and @n8n/di from this project, so that all
 * of it runs on one engine, one `Container` and one set of n8n-workflow classes. Node's resolver
 * would otherwise take the first copy it meets above the file, which, when `.cache` is a link to
 * another checkout's cache, is that checkout's.
 */
import { realpathSync } from 'node:fs';
import Module from 'node:module';
import { resolve, sep } from 'node:path';

export const PROJECT_ROOT = resolve(__dirname, '../..');
/** Loaded from this project only. */
export const ENGINE_PACKAGES = ['n8n-workflow', 'n8n-core', '@n8n/di'];

export const packageName = (specifier: string) =>
	specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];

/** A folder as given and as its real path: Node names loaded files by their real paths. */
function spellings(dir: string): string[] {
	const given = resolve(dir);
	try {
		return [...new Set([given, realpathSync(given)])];
	} catch {
		return [given];
	}
}

const inside = (file: string, dirs: string[]) =>
	dirs.some((dir) => file === dir || file.startsWith(`${dir}${sep}`));

const foreignDirs: string[] = [];
let hooked = false;

/** Makes every file under `dir` load the engine packages from this project. */
export function useProjectEngineFor(dir: string): void {
	foreignDirs.push(...spellings(dir).filter((spelling) => !foreignDirs.includes(spelling)));
	if (hooked) return;
	hooked = true;
	type Resolve = (request: string, parent: NodeJS.Module | undefined, ...rest: unknown[]) => string;
	const moduleWithResolver = Module as unknown as { _resolveFilename: Resolve };
	const original = moduleWithResolver._resolveFilename;
	moduleWithResolver._resolveFilename = function (request, parent, ...rest) {
		if (
			parent?.filename &&
			inside(parent.filename, foreignDirs) &&
			ENGINE_PACKAGES.includes(packageName(request))
		) {
			return require.resolve(request, { paths: [PROJECT_ROOT] });
		}
		return original.call(this, request, parent, ...rest);
	};
}

/** Throws when a module of an engine package was loaded from anywhere but this project's node_modules. */
export function assertProjectEngine(what: string): void {
	const own = spellings(resolve(PROJECT_ROOT, 'node_modules'));
	const strays = Object.keys(require.cache).filter(
		(file) =>
			ENGINE_PACKAGES.some((name) => file.includes(`${sep}node_modules${sep}${name}${sep}`)) &&
			!ENGINE_PACKAGES.some((name) =>
				own.some((dir) => file.startsWith(`${dir}${sep}${name}${sep}`)),
			),
	);
	if (strays.length > 0) throw new Error(`${what} loaded another copy of the engine: ${strays[0]}`);
}
