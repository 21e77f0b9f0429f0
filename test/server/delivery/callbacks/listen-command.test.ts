import { ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import { promisify } from 'node:util';
import { SERVER_CLI } from '../../../helpers/server-cli';

const run = promisify(execFile);

describe('ping-server listen', () => {
	let child: ChildProcessWithoutNullStreams | null = null;
	afterEach(() => {
		if (child && child.exitCode === null) child.kill('SIGTERM');
		child = null;
	});

	test('prints each callback and whether its signature verifies', async () => {
		const secret = crypto.randomBytes(32).toString('hex');
		child = spawn(process.execPath, [...SERVER_CLI, 'listen', '--port', '0', '--secret', secret]);
		let out = '';
		child.stdout.on('data', (d: Buffer) => (out += d.toString()));
		const waitFor = async (pattern: RegExp) => {
			for (let i = 0; i < 100 && !pattern.test(out); i++)
				await new Promise((r) => setTimeout(r, 30));
			const match = pattern.exec(out);
			if (!match) throw new Error(`no ${pattern} in output: ${out}`);
			return match;
		};
		const [, url] = await waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+\/)/);
		const body = '{"message_id":"msg_cccccccccccc","triggered_by":"approve","responses":{}}';
		const t = Math.floor(Date.now() / 1000);
		const v1 = crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
		const ok = await fetch(url, {
			method: 'POST',
			body,
			headers: { 'content-type': 'application/json', 'x-ping-signature': `t=${t},v1=${v1}` },
		});
		expect(ok.status).toBe(200);
		await waitFor(/signature: valid/);
		const forged = await fetch(url, {
			method: 'POST',
			body,
			headers: {
				'content-type': 'application/json',
				'x-ping-signature': `t=${t},v1=${'0'.repeat(64)}`,
			},
		});
		expect(forged.status).toBe(401);
		await waitFor(/signature: INVALID: HMAC does not match/);
	});

	test('--help documents the listen command and the callback settings', async () => {
		const { stdout } = await run(process.execPath, [...SERVER_CLI, '--help']);
		expect(stdout).toContain('ping-server listen --port 3001 --secret');
		expect(stdout).toContain('PING_CALLBACK_ALLOW');
		expect(stdout).toContain('PING_CALLBACK_TIMEOUT_MS');
	});

	test('a --secret that is not 64 hex characters is refused', async () => {
		const failed = await run(process.execPath, [
			...SERVER_CLI,
			'listen',
			'--secret',
			'short',
		]).catch((e) => e);
		expect(failed.code).toBe(1);
		expect(failed.stderr).toContain('--secret must be the channel');
	});
});
