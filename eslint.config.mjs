// n8n's own lint rules for community nodes, in the variant n8n Cloud's verification uses: no Node.js
// built-in module but crypto (not even for types), none of the globals setTimeout, process and the
// like, and only libraries that are devDependencies, which the build bundles.
import { config } from '@n8n/node-cli/eslint';

export default config;
