import { ManualClock } from '../../../../server/src/domain/time';
import { FakeReceiver } from '../../../fakes/callback-receiver';
import { drainJobs, messageDetail, verifiedIndependently } from '../../../helpers/callbacks';
import { describeOnBothStores } from '../../../helpers/redis';
import {
	ADMIN_KEY,
	api,
	createChannel,
	respond,
	sendMessage,
	startTestServer,
	TestChannel,
	TestServer,
} from '../../../helpers/server';

const START = Date.UTC(2026, 0, 1, 9, 0, 0);
const APPROVE = [{ type: 'button', label: 'Approve', key: 'approve' }];

/**
 * Expiry events (`docs/api.md#expiry-events`) on both stores: a message sent with
 * `expiry_callback` and left unanswered gets one signed `expired` event at its expiry, also
 * across a restart; an answered one gets none; nothing is accepted after it.
 */
function expirySuite(storeEnv: () => Record<string, string>) {
	let clock: ManualClock;
	let server: TestServer;
	let channel: TestChannel;
	let receiver: FakeReceiver;

	async function start(dir?: string) {
		server = await startTestServer({
			clock,
			dir,
			env: { PING_CALLBACK_ALLOW: '127.0.0.1/32', ...storeEnv() },
		});
		// The queue is driven by hand on the manual clock, so nothing races the test.
		await server.jobs.stop();
		return server;
	}

	function send(extra: Record<string, unknown> = {}) {
		return sendMessage(server.url, channel.token, {
			title: 'Deploy?',
			callback_url: receiver.url,
			actions: APPROVE,
			expires_in: 60,
			expiry_callback: true,
			...extra,
		});
	}

	beforeEach(async () => {
		clock = new ManualClock(START);
		receiver = await new FakeReceiver().start();
		await start();
		channel = await createChannel(server.url);
	});

	afterEach(async () => {
		await server?.stop();
		await receiver.stop();
	});

	test('unanswered at its expiry: one signed expired event, nothing before, no answer after', async () => {
		const id = await send();
		clock.set(START + 59_000);
		await server.jobs.runDue();
		expect(receiver.received).toHaveLength(0);

		await drainJobs(server, clock);
		expect(receiver.received).toHaveLength(1);
		const [event] = receiver.received;
		expect(event.raw).toBe(
			JSON.stringify({
				event: 'expired',
				message_id: id,
				channel_id: channel.id,
				expired_at: new Date(START + 60_000).toISOString(),
			}),
		);
		expect(verifiedIndependently(event, channel.secret, clock.now())).toBe(true);
		expect(event.headers['x-ping-idempotency-key']).toMatch(/^dlv_/);

		const late = await respond(server.url, id, { triggered_by: 'approve' });
		expect(late.status).toBe(409);
		expect(late.body.error).toMatch(/expired/);
		await drainJobs(server, clock);
		expect(receiver.received).toHaveLength(1);
		const detail = await messageDetail(server, id);
		expect(detail.state).toBe('expired');
		expect(detail.answer).toBeNull();
		expect(detail.callback_attempts.map((a) => a.outcome)).toEqual(['delivered']);
	});

	test('answered in time: the answer goes out, no expired event ever', async () => {
		const id = await send();
		expect((await respond(server.url, id, { triggered_by: 'approve' })).status).toBe(200);
		await drainJobs(server, clock);
		clock.set(START + 120_000);
		await drainJobs(server, clock);
		expect(receiver.received).toHaveLength(1);
		expect(receiver.received[0].body).toMatchObject({ message_id: id, triggered_by: 'approve' });
		expect(receiver.received[0].body.event).toBeUndefined();
	});

	test('the event is retried like a callback, with the same idempotency key, and delivered once', async () => {
		receiver.reply = () => ({ status: receiver.received.length === 1 ? 503 : 200 });
		const id = await send();
		await drainJobs(server, clock);
		expect(receiver.received).toHaveLength(2);
		expect(receiver.received[1].raw).toBe(receiver.received[0].raw);
		expect(receiver.received[1].headers['x-ping-idempotency-key']).toBe(
			receiver.received[0].headers['x-ping-idempotency-key'],
		);
		const detail = await messageDetail(server, id);
		expect(detail.callback_attempts.map((a) => [a.attempt, a.outcome])).toEqual([
			[1, 'retrying'],
			[2, 'delivered'],
		]);
	});

	test('the expiry is a durable job: a server restarted before the expiry still sends it, once', async () => {
		const id = await send();
		const dir = server.dir;
		await server.stop({ keepFiles: true });
		clock.set(START + 61_000);
		await start(dir);
		await drainJobs(server, clock);
		expect(receiver.received).toHaveLength(1);
		expect(receiver.received[0].body).toMatchObject({ event: 'expired', message_id: id });
		expect(verifiedIndependently(receiver.received[0], channel.secret, clock.now())).toBe(true);
	});

	test('without expiry_callback (Ping clients) an expired message sends nothing', async () => {
		await send({ expiry_callback: undefined });
		clock.set(START + 61_000);
		await drainJobs(server, clock);
		expect(receiver.received).toHaveLength(0);
	});

	test('expiry_callback without callback_url or expires_in is a 400 naming the field, nothing stored', async () => {
		for (const body of [
			{ title: 'x', expiry_callback: true, expires_in: 60 },
			{ title: 'x', expiry_callback: true, callback_url: receiver.url },
			{ title: 'x', expiry_callback: 'yes', callback_url: receiver.url, expires_in: 60 },
		]) {
			const res = await api(server.url, 'POST', `/v1/send/${channel.token}`, { body });
			expect(res.status).toBe(400);
			expect(res.body.error).toMatch(/expiry_callback/);
		}
		const list = await api(server.url, 'GET', `/v1/channels/${channel.id}/messages`, {
			key: ADMIN_KEY,
		});
		expect(list.body.messages).toEqual([]);
	});
}

describeOnBothStores('expiry events', expirySuite);
