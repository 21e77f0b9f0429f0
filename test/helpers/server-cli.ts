import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(__dirname, '../..');

/**
 * `node` arguments that run the `ping-server` command from its TypeScript sources (tsx
 * transpiles them; no build needed), so process tests exercise the current code, not a stale
 * build: `spawn(process.execPath, [...SERVER_CLI, '--help'])`. Both of tsx's loaders
 * (`--import tsx`, not only `tsx/cjs`): the server loads optional parts with `import()`.
 */
export const SERVER_CLI: readonly string[] = [
	'--import',
	pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
	join(ROOT, 'server/src/main.ts'),
];

/** The built command (`bin` of the server workspace); only test/built/ uses it, after `npm run build`. */
export const BUILT_SERVER_MAIN = join(ROOT, 'server/dist/main.js');
