// n8n's own lint rules for community nodes. The node streams files and unpacks archives with
// Node's stream API, which n8n Cloud's stricter variant does not allow, hence this variant.
import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default configWithoutCloudSupport;
