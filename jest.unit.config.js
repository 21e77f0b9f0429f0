/**
 * `npm run test:unit`: the fast loop, no build. Every test runs the TypeScript sources; only
 * test/built/ (checks of the build output itself) is left out. `npm test` builds, then runs all.
 * @type {import('jest').Config}
 */
const base = require('./jest.config');

module.exports = {
	...base,
	testPathIgnorePatterns: [...base.testPathIgnorePatterns, '<rootDir>/test/built/'],
};
