import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { loadConfig } from '../../../server/src/config/config';
import { SERVER_CLI } from '../../helpers/server-cli';

const run = promisify(execFile);

/** The settings lines a command printed, as an environment. */
function settingsOf(stdout: string): Record<string, string> {
	const env: Record<string, string> = {};
	for (const line of stdout.split('\n')) {
		const m = /^(PING_[A-Z_]+)=(.*)$/.exec(line);
		if (m) env[m[1]] = m[2];
	}
	return env;
}

describe('ping-server webpush-keys', () => {
	test('prints a fresh VAPID pair as paste-ready settings that loadConfig accepts, with a subject hint', async () => {
		const [first, second] = await Promise.all([
			run(process.execPath, [...SERVER_CLI, 'webpush-keys']),
			run(process.execPath, [...SERVER_CLI, 'webpush-keys']),
		]);
		const env = settingsOf(first.stdout);
		expect(Object.keys(env)).toEqual(['PING_WEBPUSH_PUBLIC_KEY', 'PING_WEBPUSH_PRIVATE_KEY']);
		expect(env.PING_WEBPUSH_PUBLIC_KEY).toMatch(/^[A-Za-z0-9_-]{87}$/); // 65 bytes
		expect(env.PING_WEBPUSH_PRIVATE_KEY).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes
		expect(first.stdout).toContain('# PING_WEBPUSH_SUBJECT=mailto:');
		const config = loadConfig({ ...env, PING_WEBPUSH_SUBJECT: 'mailto:ops@example.com' });
		expect(config.webPush).toMatchObject({
			publicKey: env.PING_WEBPUSH_PUBLIC_KEY,
			privateKey: env.PING_WEBPUSH_PRIVATE_KEY,
		});
		// Every run makes a new pair.
		expect(settingsOf(second.stdout).PING_WEBPUSH_PRIVATE_KEY).not.toBe(
			env.PING_WEBPUSH_PRIVATE_KEY,
		);
	});

	test('--help lists the command', async () => {
		const { stdout } = await run(process.execPath, [...SERVER_CLI, '--help']);
		expect(stdout).toContain('ping-server webpush-keys');
		expect(stdout).toContain('PING_WEBPUSH_SUBJECT');
	});
});
