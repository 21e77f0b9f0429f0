import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVER_CLI } from '../../helpers/server-cli';
import { ServerProcess, startServerProcess } from '../../helpers/server-process';
import {
	ADMIN_KEY,
	TestChannel,
	TestServer,
	api,
	createChannel,
	respond,
	startTestServer,
} from '../../helpers/server';

interface AskRun {
	child: ChildProcess;
	stdout(): string;
	stderr(): string;
	/** The id from the "Sent msg_…" line, once the message is stored. */
	messageId: Promise<string>;
	exit: Promise<number | null>;
}

/** Runs the real `ping-server ask` (from the sources) as a child process, output piped. */
function ask(args: string[], env: Record<string, string> = {}): AskRun {
	const child = spawn(process.execPath, [...SERVER_CLI, 'ask', ...args], {
		env: { PATH: process.env.PATH ?? '', ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let out = '';
	let err = '';
	child.stdout?.on('data', (c) => (out += c));
	const messageId = new Promise<string>((resolve, reject) => {
		child.stderr?.on('data', (c) => {
			err += c;
			const found = /Sent (msg_\w+)/.exec(err);
			if (found) resolve(found[1]);
		});
		child.once('exit', () => reject(new Error(`ask exited before sending:\n${err}`)));
	});
	messageId.catch(() => undefined);
	const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	return { child, stdout: () => out, stderr: () => err, messageId, exit };
}

async function eventuallySeen(text: () => string, pattern: RegExp, timeoutMs = 10_000) {
	const deadline = Date.now() + timeoutMs;
	while (!pattern.test(text())) {
		if (Date.now() > deadline) throw new Error(`never saw ${pattern} in:\n${text()}`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

async function freePort(): Promise<number> {
	return new Promise((resolve) => {
		const probe = createServer().listen(0, '127.0.0.1', () => {
			const { port } = probe.address() as { port: number };
			probe.close(() => resolve(port));
		});
	});
}

describe('ping-server ask', () => {
	let server: TestServer;
	let channel: TestChannel;
	const flags = () => ['--server', server.url, '--token', channel.token];
	const message = async (id: string) =>
		(await api(server.url, 'GET', `/v1/messages/${id}`, { key: ADMIN_KEY })).body.message;

	beforeAll(async () => {
		server = await startTestServer();
		channel = await createChannel(server.url, 'Scripts');
	});

	afterAll(async () => {
		await server?.stop();
	});

	test('approve: sends Approve/Reject expiring with the timeout, prints "approved", exits 0 (settings from the environment)', async () => {
		const run = ask(['--title', 'Deploy v2?', '--body', 'api and web', '--priority', 'high'], {
			PING_SERVER_URL: server.url,
			PING_WEBHOOK_TOKEN: channel.token,
		});
		const id = await run.messageId;
		const stored = await message(id);
		expect(stored).toMatchObject({
			title: 'Deploy v2?',
			body: 'api and web',
			priority: 'high',
			actions: [{ key: 'approve' }, { key: 'reject' }],
		});
		const expiresIn = Date.parse(stored.expires_at) - Date.parse(stored.created_at);
		expect(expiresIn).toBe(600_000);
		await respond(server.url, id, { triggered_by: 'approve' });
		expect(await run.exit).toBe(0);
		expect(run.stdout()).toBe('approved\n');
		// Piped, not a terminal: no progress line.
		expect(run.stderr()).not.toMatch(/left \(Ctrl-C/);
	});

	test('reject: prints "rejected", exits 1', async () => {
		const run = ask([...flags(), '--title', 'Drop table?', '--approve']);
		await respond(server.url, await run.messageId, { triggered_by: 'reject' });
		expect(await run.exit).toBe(1);
		expect(run.stdout()).toBe('rejected\n');
	});

	test('--buttons: prints the button tapped, exits 0', async () => {
		const run = ask([...flags(), '--title', 'Release when?', '--buttons', 'now, tonight ,later']);
		const id = await run.messageId;
		expect((await message(id)).actions.map((a: { key: string }) => a.key)).toEqual([
			'now',
			'tonight',
			'later',
		]);
		await respond(server.url, id, { triggered_by: 'tonight' });
		expect(await run.exit).toBe(0);
		expect(run.stdout()).toBe('tonight\n');
	});

	test('--text: prints what was typed, exits 0', async () => {
		const run = ask([...flags(), '--title', 'Release notes?', '--text']);
		await respond(server.url, await run.messageId, {
			triggered_by: 'submit',
			responses: { answer: 'Faster sync.\nFewer bugs.' },
		});
		expect(await run.exit).toBe(0);
		expect(run.stdout()).toBe('Faster sync.\nFewer bugs.\n');
	});

	test('--json: one JSON object with the outcome, the answer and the callback body', async () => {
		const run = ask([...flags(), '--title', 'Merge?', '--json']);
		const id = await run.messageId;
		await respond(server.url, id, { triggered_by: 'approve', responder: 'ana' });
		expect(await run.exit).toBe(0);
		expect(JSON.parse(run.stdout())).toEqual({
			status: 'approved',
			message_id: id,
			answer: 'approved',
			answer_url: expect.stringMatching(/\/a\/[A-Za-z0-9]{12}[A-Za-z0-9_-]{32}$/),
			result: expect.objectContaining({
				message_id: id,
				triggered_by: 'approve',
				responder: { via: 'api', name: 'ana' },
			}),
		});
	});

	test('no answer by --timeout: the message expires, exit 2, a late tap is refused', async () => {
		const started = Date.now();
		const run = ask([...flags(), '--title', 'Anyone?', '--timeout', '2s', '--json']);
		const id = await run.messageId;
		expect(await run.exit).toBe(2);
		expect(Date.now() - started).toBeLessThan(15_000);
		expect(JSON.parse(run.stdout())).toMatchObject({
			status: 'expired',
			message_id: id,
			answer: null,
		});
		expect(run.stderr()).toMatch(/expired/);
		expect((await respond(server.url, id, { triggered_by: 'approve' })).status).toBe(409);
	});

	test('Ctrl-C (SIGINT) cancels: the message expires at once, a late tap is refused, exit 130', async () => {
		const run = ask([...flags(), '--title', 'Wait for me?']);
		const id = await run.messageId;
		await new Promise((r) => setTimeout(r, 300));
		run.child.kill('SIGINT');
		expect(await run.exit).toBe(130);
		expect(run.stderr()).toMatch(/Cancelled/);
		expect((await message(id)).state).toBe('expired');
		expect((await respond(server.url, id, { triggered_by: 'approve' })).status).toBe(409);
	});

	const withTerminal = spawnSync('script', ['--version']).status === 0 ? test : test.skip;
	withTerminal(
		'on a terminal, a progress line counts down on stderr, cleared before the answer',
		async () => {
			// `script` runs the command on a pseudo-terminal, as a person at a shell would.
			const command = [process.execPath, ...SERVER_CLI, 'ask', '--title', 'Terminal'].join(' ');
			const child = spawn('script', ['-qfec', command, '/dev/null'], {
				env: {
					PATH: process.env.PATH ?? '',
					PING_SERVER_URL: server.url,
					PING_WEBHOOK_TOKEN: channel.token,
				},
				stdio: ['pipe', 'pipe', 'pipe'],
			});
			let seen = '';
			const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
			const id = await new Promise<string>((resolve) =>
				child.stdout?.on('data', (c) => {
					seen += c;
					const found = /Sent (msg_\w+)/.exec(seen);
					if (found) resolve(found[1]);
				}),
			);
			try {
				await eventuallySeen(
					() => seen,
					/Waiting for the answer, \d+:\d\d left \(Ctrl-C cancels\)/,
				);
				await respond(server.url, id, { triggered_by: 'approve' });
				expect(await exit).toBe(0);
				expect(seen).toMatch(/\r\x1b\[Kapproved\r?\n/);
			} finally {
				if (child.exitCode === null) child.kill('SIGKILL');
			}
		},
	);

	test.each([
		[['--title', 'x'], /--server \(or PING_SERVER_URL\) is required/, false],
		[['--server', 'http://127.0.0.1:1'], /--token \(or PING_WEBHOOK_TOKEN\) is required/, false],
		[[], /--title is required/, true],
		[['--title', 'x', '--timeout', 'soon'], /--timeout must be a duration/, true],
		[['--title', 'x', '--priority', 'urgent'], /--priority must be one of/, true],
		[
			['--title', 'x', '--approve', '--text'],
			/choose one of --approve, --buttons and --text/,
			true,
		],
		[['--title', 'x', '--buttons', 'a,a'], /--buttons must not repeat a label/, true],
		[['--title', 'x', '--colour', 'red'], /Unknown option '--colour'/, true],
	])('usage error %j → exit 3 with a message naming the flag', async (args, error, withServer) => {
		const run = ask(withServer ? [...flags(), ...args] : args);
		expect(await run.exit).toBe(3);
		expect(run.stderr()).toMatch(error);
		expect(run.stdout()).toBe('');
	});

	test('a refused token or an unreachable server → exit 3 with the reason', async () => {
		const wrong = ask(['--server', server.url, '--token', 'nope', '--title', 'x']);
		expect(await wrong.exit).toBe(3);
		expect(wrong.stderr()).toMatch(/webhook token is not valid/);
		const port = await freePort();
		const away = ask(['--server', `http://127.0.0.1:${port}`, '--token', 't', '--title', 'x']);
		expect(await away.exit).toBe(3);
		expect(away.stderr()).toMatch(/could not send the message: ECONNREFUSED/);
	});
});

describe('ping-server ask across a server restart', () => {
	let dir: string;
	let server: ServerProcess | undefined;

	afterAll(async () => {
		await server?.stop();
		rmSync(dir, { recursive: true, force: true });
	});

	test('keeps waiting while the server is down and prints the answer given after it is back', async () => {
		dir = mkdtempSync(join(tmpdir(), 'ping-ask-'));
		const env = { PING_PORT: String(await freePort()), PING_DATABASE: join(dir, 'ping.db') };
		server = await startServerProcess(env);
		const channel = await createChannel(server.url, 'Restarts');
		const run = ask(['--server', server.url, '--token', channel.token, '--title', 'Survive?']);
		const id = await run.messageId;
		await new Promise((r) => setTimeout(r, 300));
		await server.kill();
		await new Promise((r) => setTimeout(r, 1_500));
		server = await startServerProcess(env);
		await new Promise((r) => setTimeout(r, 500));
		expect(run.child.exitCode).toBeNull();
		expect((await respond(server.url, id, { triggered_by: 'approve' })).status).toBe(200);
		expect(await run.exit).toBe(0);
		expect(run.stdout()).toBe('approved\n');
	}, 60_000);
});
