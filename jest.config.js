/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
  transform: {
    // Type checking happens once in `npm run lint` (tsc); tests only transpile.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  },
  testTimeout: 20000,
  // Under heavy machine load, a BullMQ connection of a Redis test whose bounded shutdown timed
  // out can keep reconnecting to its already-stopped redis-server after every test has finished
  // (seen only with three suites running at once). Jest then never exits; this makes it exit
  // with the real result and print its open-handles warning instead. Tracked in the closing note.
  forceExit: true,
};
