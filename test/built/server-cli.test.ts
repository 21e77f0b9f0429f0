import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BUILT_SERVER_MAIN } from '../helpers/server-cli';

const run = promisify(execFile);

/**
 * The build output, as it is installed and started (`npm start`, the `ping-server` bin). Needs
 * `npm run build` first: `npm test` does it, `npm run test:unit` leaves this folder out. Every
 * other test runs the TypeScript sources.
 */
describe('the built ping-server command', () => {
	beforeAll(() => {
		if (!existsSync(BUILT_SERVER_MAIN))
			throw new Error(
				`${BUILT_SERVER_MAIN} is missing: run \`npm run build\` first (npm test does)`,
			);
	});

	test('is the bin of the server workspace', () => {
		const pkg = JSON.parse(readFileSync(join(__dirname, '../../server/package.json'), 'utf8'));
		expect(join(__dirname, '../../server', pkg.bin['ping-server'])).toBe(BUILT_SERVER_MAIN);
	});

	test('starts with plain node and prints its help', async () => {
		const { stdout } = await run(process.execPath, [BUILT_SERVER_MAIN, '--help']);
		expect(stdout).toContain('ping-server listen --port 3001 --secret');
		expect(stdout).toContain('PING_DATABASE');
	});

	test('has the ask command: --help prints its usage, a missing flag exits 3', async () => {
		const { stdout } = await run(process.execPath, [BUILT_SERVER_MAIN, 'ask', '--help']);
		expect(stdout).toContain('Usage: ping-server ask --title');
		const failed = await run(process.execPath, [BUILT_SERVER_MAIN, 'ask'], {
			env: { PATH: process.env.PATH ?? '' },
		}).catch((e) => e);
		expect(failed.code).toBe(3);
		expect(failed.stderr).toContain('--server (or PING_SERVER_URL) is required');
	});

	test('a bad setting exits 1 with a message naming it', async () => {
		const failed = await run(process.execPath, [BUILT_SERVER_MAIN], {
			env: { ...process.env, PING_PORT: 'x' },
		}).catch((e) => e);
		expect(failed.code).toBe(1);
		expect(failed.stderr).toContain('configuration error: PING_PORT must be a whole number');
	});
});
