// One temporary folder for a Jest run, under which each test process's engine harness makes its
// n8n folder; the global teardown removes it (a test file's exit handlers never run under Jest,
// whose `process` is a stand-in).
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = () => {
	process.env.HARNESS_TEMP_ROOT = mkdtempSync(join(tmpdir(), 'n8n-engine-tests-'));
};
