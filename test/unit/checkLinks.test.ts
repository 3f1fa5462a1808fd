import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { anchorsOf, checkFiles, githubSlug, headingText, linksOf } from '../../scripts/check-links';

describe('githubSlug', () => {
	it.each([
		// GitHub Docs, "Section links": lower case, spaces to hyphens, punctuation removed.
		['Sample Section', 'sample-section'],
		[
			"This'll be a Helpful Section About the Greek Letter Θ!",
			'thisll-be-a-helpful-section-about-the-greek-letter-θ',
		],
		// The arrow is a symbol and goes; both spaces around it stay, as two hyphens.
		['Record → Get', 'record--get'],
		['Store → Get, List, Get or Create, Delete', 'store--get-list-get-or-create-delete'],
		// Hyphens and underscores stay, dots go.
		['Heading 2.0 - A Complex One', 'heading-20---a-complex-one'],
		['snake_case and kebab-case', 'snake_case-and-kebab-case'],
		["Compared with Apify's own n8n node", 'compared-with-apifys-own-n8n-node'],
		['C++ & C#: (notes)', 'c--c-notes'],
		['  Trimmed  ', 'trimmed'],
	])('%s → %s', (heading, slug) => {
		expect(githubSlug(heading)).toBe(slug);
	});
});

describe('headingText', () => {
	it('keeps the contents of markup and drops the markup', () => {
		expect(headingText('The `npm test` _suite_ and **[links](x.md)** <b>here</b>')).toBe(
			'The npm test suite and links here',
		);
		expect(headingText('`__init__` and __bold__')).toBe('__init__ and bold');
	});
});

describe('anchorsOf', () => {
	it('numbers repeated headings and skips code blocks', () => {
		const markdown = [
			'# Title',
			'## Options',
			'## Options',
			'```sh',
			'# not a heading',
			'```',
			'## Options ##',
			'<a id="custom"></a>',
		].join('\n');
		expect([...anchorsOf(markdown)]).toEqual([
			'title',
			'options',
			'options-1',
			'options-2',
			'custom',
		]);
	});
});

describe('linksOf', () => {
	it('finds Markdown links, images, definitions and HTML, not code', () => {
		const markdown = [
			'See [a](a.md#x "title") and ![pic](docs/p.png), `[not](code.md)`.',
			'[![badge](b.svg)](https://example.com)',
			'<img src="docs/i.png" alt=""> <a href=\'c.md\'>c</a>',
			'[ref]: <d e.md>',
			'```',
			'[in](fence.md)',
			'```',
		].join('\n');
		expect(linksOf(markdown).map((link) => link.target)).toEqual([
			'a.md#x',
			'docs/p.png',
			'b.svg',
			'https://example.com',
			'docs/i.png',
			'c.md',
			'd e.md',
		]);
	});
});

describe('checkFiles', () => {
	let root: string;

	beforeEach(() => {
		root = mkdtempSync(path.join(tmpdir(), 'check-links-'));
		mkdirSync(path.join(root, 'docs'));
		writeFileSync(path.join(root, 'docs', 'shot.png'), '');
		writeFileSync(
			path.join(root, 'docs', 'page.md'),
			'# Page\n\n## Record → Get\n\n![shot](shot.png)\n',
		);
	});

	afterEach(() => {
		rmSync(root, { recursive: true, force: true });
	});

	it('passes links whose files and anchors exist', () => {
		writeFileSync(
			path.join(root, 'README.md'),
			'# Readme\n\n[get](docs/page.md#record--get) [top](#readme) <img src="docs/shot.png"> [web](https://x.invalid/#y)\n',
		);
		const { problems, checked } = checkFiles(['README.md', 'docs/page.md'], root);
		expect(problems).toEqual([]);
		expect(checked).toBe(4);
	});

	it('lists a missing file, a missing anchor and a link out of the repository', () => {
		writeFileSync(
			path.join(root, 'README.md'),
			'# Readme\n\n[gone](docs/gone.md)\n\n[get](docs/page.md#record-get) ![x](../x.png) [self](#nothing)\n',
		);
		const { problems } = checkFiles(['README.md'], root);
		expect(problems.map(({ line, target }) => `${line} ${target}`)).toEqual([
			'3 docs/gone.md',
			'5 docs/page.md#record-get',
			'5 ../x.png',
			'5 #nothing',
		]);
	});

	it('exits with 1 from the command line when a link is broken', () => {
		writeFileSync(path.join(root, 'README.md'), '[get](docs/page.md#no-such-heading)\n');
		const script = path.resolve(__dirname, '../../scripts/check-links.ts');
		const tsx = path.resolve(__dirname, '../../node_modules/.bin/tsx');
		const run = spawnSync(tsx, [script], { cwd: root, encoding: 'utf8' });
		expect(run.status).toBe(1);
		expect(run.stderr).toContain('README.md:1: docs/page.md#no-such-heading');
	});
});
