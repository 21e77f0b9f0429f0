/**
 * End-to-end tests in a real n8n (`npm run test:e2e`). Separate from `npm test`: they need
 * the n8n cache (installed on first run) and take minutes, not seconds.
 * @type {import('jest').Config}
 */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.e2e.test.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
	},
	// One n8n for the whole run; scenarios share it and run one after another.
	maxWorkers: 1,
	// First run installs n8n (minutes); a warm run stays well under the 15-minute budget.
	testTimeout: 5 * 60_000,
	slowTestThreshold: 600,
	verbose: true,
};
