/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	testMatch: ['<rootDir>/test/**/*.test.ts'],
	// The long fault runs have their own command, `npm run test:faults`.
	testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/faults/'],
	transform: {
		'^.+\\.ts$': ['@swc/jest'],
		// apify-client loads proxy-agent with a dynamic import(), which Jest's CommonJS sandbox
		// rejects without --experimental-vm-modules; compiling it turns that into a require().
		'/node_modules/apify-client/.+\\.js$': ['@swc/jest'],
		// mime is an ES module.
		'/node_modules/mime/.+\\.js$': ['@swc/jest'],
	},
	transformIgnorePatterns: ['/node_modules/(?!(apify-client|mime)/)'],
	testTimeout: 30000,
	globalSetup: '<rootDir>/dev/harness/jest-global-setup.js',
	globalTeardown: '<rootDir>/dev/harness/jest-global-teardown.js',
};
