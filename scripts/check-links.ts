/**
 * Checks the relative links of the project's Markdown: README.md, CONTRIBUTING.md, CHANGELOG.md and
 * docs/*.md. Every Markdown link and image (`[..](..)`, `![..](..)`, reference definitions) and every
 * HTML `<img src>` and `<a href>` that points into the repository must name a file or folder that
 * exists, and a `#anchor` into a Markdown file must match one of its headings as GitHub makes
 * anchors, or an HTML `id` / `name` in it. Links with a scheme (https:, mailto:) are not checked.
 *
 * Usage: npx tsx scripts/check-links.ts [FILE.md ...]   (part of `npm run lint`)
 * Exits with 1 and lists every broken link, or prints how many links it checked.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Characters GitHub drops from a heading's anchor: github-slugger's set, the one GitHub's renderer
 * is emulated by: other numbers, all punctuation but connectors (`_`), symbols (`→`, `+`, `` ` ``),
 * controls, format and private-use characters, unassigned code points and separators. A space and
 * `-` stay; each space then becomes `-`, so "Record → Get" becomes `record--get`.
 */
const DROPPED =
	/(?![ -])[\p{No}\p{Pe}\p{Pf}\p{Pi}\p{Ps}\p{Po}\p{Pd}\p{S}\p{Cc}\p{Co}\p{Cf}\p{Cn}\p{Z}]/gu;

/**
 * The anchor GitHub gives a heading whose rendered text is `text`, before duplicates are numbered:
 * lower case, punctuation and symbols removed, each space a hyphen (GitHub Docs, "Section links").
 */
export function githubSlug(text: string): string {
	return text.trim().toLowerCase().replace(DROPPED, '').replace(/ /g, '-');
}

/** The text a heading's Markdown renders to: markup removed, the contents kept. */
export function headingText(markdown: string): string {
	const codes: string[] = [];
	let text = markdown.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (_match, _fence, code: string) => {
		codes.push(code.trim());
		return `\u0000${codes.length - 1}\u0000`;
	});
	text = text
		.replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1') // image: its alt text
		.replace(/\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])/g, '$1') // link: its text
		.replace(/<\/?[A-Za-z][^>]*>/g, '') // HTML tags
		.replace(/(^|[^\p{L}\p{N}_])(?:\*+|_+)(?=\S)/gu, '$1') // opening emphasis
		.replace(/(\S)(?:\*+|_+)(?=[^\p{L}\p{N}_]|$)/gu, '$1') // closing emphasis
		.replace(/~~/g, '')
		.replace(/\\([!-/:-@[-`{-~])/g, '$1') // backslash escapes
		.replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_m, name: string) =>
			name === 'amp'
				? '&'
				: name === 'lt'
					? '<'
					: name === 'gt'
						? '>'
						: name === 'quot'
							? '"'
							: name === '#39'
								? "'"
								: '\u00a0',
		);
	return text.replace(/\u0000(\d+)\u0000/g, (_m, index: string) => codes[Number(index)]);
}

/** Lines outside fenced code blocks, with their 1-based numbers. */
function proseLines(markdown: string): Array<{ line: number; text: string }> {
	const result: Array<{ line: number; text: string }> = [];
	let fence: { char: string; length: number } | undefined;
	markdown.split(/\r?\n/).forEach((text, index) => {
		const marker = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(text);
		if (fence) {
			if (
				marker &&
				marker[1][0] === fence.char &&
				marker[1].length >= fence.length &&
				marker[2].trim() === ''
			) {
				fence = undefined;
			}
			return;
		}
		if (marker && !(marker[1][0] === '`' && marker[2].includes('`'))) {
			fence = { char: marker[1][0], length: marker[1].length };
			return;
		}
		result.push({ line: index + 1, text });
	});
	return result;
}

/**
 * Every anchor a Markdown file has: its ATX headings' anchors, numbered as GitHub numbers repeated
 * ones (`-1`, `-2`, …), and the `id` and `name` attributes of its HTML.
 */
export function anchorsOf(markdown: string): Set<string> {
	const anchors = new Set<string>();
	const occurrences = new Map<string, number>();
	for (const { text } of proseLines(markdown)) {
		const heading = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(text);
		if (heading) {
			const base = githubSlug(headingText(heading[1] ?? ''));
			let slug = base;
			while (occurrences.has(slug)) {
				const count = (occurrences.get(base) ?? 0) + 1;
				occurrences.set(base, count);
				slug = `${base}-${count}`;
			}
			occurrences.set(slug, 0);
			anchors.add(slug);
		}
		for (const match of text.matchAll(/<[A-Za-z][^>]*?\b(?:id|name)\s*=\s*["']([^"']+)["']/g)) {
			anchors.add(match[1]);
		}
	}
	return anchors;
}

export interface Link {
	line: number;
	target: string;
}

/** Every link target of a Markdown file outside code: inline, reference definitions, HTML. */
export function linksOf(markdown: string): Link[] {
	const links: Link[] = [];
	for (const { line, text: raw } of proseLines(markdown)) {
		const text = raw.replace(/(`+)[\s\S]*?[^`]\1(?!`)/g, '');
		for (const match of text.matchAll(
			/\]\(\s*(<[^>]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g,
		)) {
			links.push({ line, target: match[1].replace(/^<(.*)>$/, '$1') });
		}
		const definition = /^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/.exec(text);
		if (definition) links.push({ line, target: definition[1].replace(/^<(.*)>$/, '$1') });
		for (const match of text.matchAll(
			/<(?:img|a|source)\b[^>]*?\s(?:src|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi,
		)) {
			links.push({ line, target: match[1] ?? match[2] ?? match[3] });
		}
	}
	return links;
}

export interface Problem {
	file: string;
	line: number;
	target: string;
	reason: string;
}

/** Checks the links of `files` (paths relative to `root`). */
export function checkFiles(
	files: string[],
	root: string,
): { problems: Problem[]; checked: number } {
	const problems: Problem[] = [];
	const anchorCache = new Map<string, Set<string>>();
	const anchorsOfFile = (absolute: string): Set<string> => {
		let anchors = anchorCache.get(absolute);
		if (!anchors) {
			anchors = anchorsOf(readFileSync(absolute, 'utf8'));
			anchorCache.set(absolute, anchors);
		}
		return anchors;
	};
	let checked = 0;
	for (const file of files) {
		const absoluteFile = path.resolve(root, file);
		for (const { line, target } of linksOf(readFileSync(absoluteFile, 'utf8'))) {
			if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(target) || target.startsWith('//')) continue;
			checked++;
			const problem = (reason: string) => problems.push({ file, line, target, reason });
			if (target === '') {
				problem('the link is empty');
				continue;
			}
			const hash = target.indexOf('#');
			const filePart = (hash === -1 ? target : target.slice(0, hash)).replace(/\?.*$/, '');
			const anchor = hash === -1 ? undefined : target.slice(hash + 1);
			let decoded: string;
			try {
				decoded = decodeURIComponent(filePart);
			} catch {
				problem('the path is not valid percent-encoding');
				continue;
			}
			const absoluteTarget =
				decoded === ''
					? absoluteFile
					: decoded.startsWith('/')
						? path.join(root, decoded)
						: path.resolve(path.dirname(absoluteFile), decoded);
			const relative = path.relative(root, absoluteTarget);
			if (relative.startsWith('..') || path.isAbsolute(relative)) {
				problem('it points outside the repository');
				continue;
			}
			if (!existsSync(absoluteTarget)) {
				problem(`${relative || '.'} does not exist`);
				continue;
			}
			if (!anchor || !/\.md$/i.test(absoluteTarget)) continue;
			let wanted: string;
			try {
				wanted = decodeURIComponent(anchor);
			} catch {
				problem('the anchor is not valid percent-encoding');
				continue;
			}
			if (!anchorsOfFile(absoluteTarget).has(wanted)) {
				problem(`${relative} has no heading with the anchor #${wanted}`);
			}
		}
	}
	return { problems, checked };
}

/** README.md, CONTRIBUTING.md, CHANGELOG.md and docs/*.md, those that exist. */
export function defaultFiles(root: string): string[] {
	const docs = existsSync(path.join(root, 'docs'))
		? readdirSync(path.join(root, 'docs'))
				.filter((name) => name.endsWith('.md'))
				.sort()
				.map((name) => `docs/${name}`)
		: [];
	return ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md', ...docs].filter((file) =>
		existsSync(path.join(root, file)),
	);
}

function main(): void {
	const root = process.cwd();
	const files = process.argv.length > 2 ? process.argv.slice(2) : defaultFiles(root);
	const { problems, checked } = checkFiles(files, root);
	if (problems.length > 0) {
		console.error(`Broken links (${problems.length}):`);
		for (const { file, line, target, reason } of problems) {
			console.error(`  ${file}:${line}: ${target}: ${reason}`);
		}
		process.exit(1);
	}
	console.log(`Links: ${checked} relative links in ${files.length} files, all found.`);
}

if (require.main === module) main();
