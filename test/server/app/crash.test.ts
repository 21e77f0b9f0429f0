import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeReceiver } from '../../fakes/callback-receiver';
import { createChannel, respond, sendMessage } from '../../helpers/server';
import { ServerProcess, startServerProcess } from '../../helpers/server-process';

/**
 * A server killed with SIGKILL while a callback is in flight (SQLite mode): the restarted
 * server takes the job's lease back at start and sends the callback again within seconds,
 * with the same idempotency key, instead of waiting for the lease to run out.
 */
describe('crash recovery (SQLite)', () => {
	let dir: string;
	let receiver: FakeReceiver;
	let server: ServerProcess | null = null;

	beforeEach(async () => {
		dir = mkdtempSync(join(tmpdir(), 'ping-crash-'));
		receiver = await new FakeReceiver().start();
	});
	afterEach(async () => {
		await server?.stop();
		await receiver.stop();
		rmSync(dir, { recursive: true, force: true });
	});

	test('kill -9 with a callback in flight: re-sent within 10 s of restart, one idempotency key', async () => {
		const env = { PING_DATABASE: join(dir, 'ping.db'), PING_CALLBACK_ALLOW: '127.0.0.1' };
		server = await startServerProcess(env);
		const channel = await createChannel(server.url);
		const id = await sendMessage(server.url, channel.token, {
			title: 'Deploy?',
			actions: [{ type: 'button', label: 'Yes', key: 'yes' }],
			callback_url: receiver.url,
		});
		// The first attempt hangs at the receiver: the process dies with it in flight.
		receiver.reply = () => ({ status: 200, delayMs: 60_000 });
		expect((await respond(server.url, id, { triggered_by: 'yes' })).status).toBe(200);
		await receiver.waitFor(1);
		await server.kill();

		receiver.reply = () => ({ status: 200 });
		server = await startServerProcess(env);
		const restartedAt = Date.now();
		await receiver.waitFor(2, 10_000);
		expect(Date.now() - restartedAt).toBeLessThan(10_000);
		expect(server.output()).toContain('"event":"jobs.leases_taken_back"');

		const keys = new Set(receiver.received.map((c) => c.headers['x-ping-idempotency-key']));
		expect(keys.size).toBe(1);
		expect(receiver.received.map((c) => c.body.message_id)).toEqual([id, id]);
	}, 40_000);
});
