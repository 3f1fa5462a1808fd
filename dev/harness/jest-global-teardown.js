// Removes the Jest run's temporary folder (jest-global-setup.js).
const { rmSync } = require('node:fs');

module.exports = () => {
	if (process.env.HARNESS_TEMP_ROOT)
		rmSync(process.env.HARNESS_TEMP_ROOT, { recursive: true, force: true });
};
