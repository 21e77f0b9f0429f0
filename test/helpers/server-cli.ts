import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

/**
 * `node` arguments that run the `ping-server` command from its TypeScript sources (tsx's
 * CommonJS loader transpiles them; no build needed), so process tests exercise the current
 * code, not a stale build: `spawn(process.execPath, [...SERVER_CLI, '--help'])`.
 */
export const SERVER_CLI: readonly string[] = [
	'--require',
	require.resolve('tsx/cjs'),
	join(ROOT, 'server/src/main.ts'),
];

/** The built command (`bin` of the server workspace); only test/built/ uses it, after `npm run build`. */
export const BUILT_SERVER_MAIN = join(ROOT, 'server/dist/main.js');
