// The rules of n8n's community-package scanner that a bundled library can break: no Node.js
// built-in but crypto, none of the restricted globals (process, globalThis, setTimeout, …), no
// console. test/unit/bundles.test.ts runs them on dist/ in npm test, in a few seconds; npm run scan
// runs the scanner itself, all its rules, on the source tree and the packed tarball.
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';

export default [
	{
		files: ['dist/**/*.js'],
		plugins: { '@n8n/community-nodes': n8nCommunityNodesPlugin },
		rules: {
			'@n8n/community-nodes/no-restricted-globals': 'error',
			'@n8n/community-nodes/no-restricted-imports': 'error',
			'no-console': 'error',
		},
	},
];
