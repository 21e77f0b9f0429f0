import { FakeReceiver } from '../../../fakes/callback-receiver';
import { TestRedis, describeWithRedis, startRedis } from '../../../helpers/redis';
import { ServerProcess, startServerProcess } from '../../../helpers/server-process';
import {
	ADMIN_KEY,
	TestChannel,
	api,
	createChannel,
	respond,
	sendMessage,
} from '../../../helpers/server';

/**
 * Scale-out: two real server processes on one Redis behave as one service. Any instance may
 * take any request; the rules (single read, first answer wins) hold across them.
 */
describeWithRedis('two server processes on one Redis', () => {
	let redis: TestRedis;
	let a: ServerProcess;
	let b: ServerProcess;
	let channel: TestChannel;
	const actions = [
		{ type: 'button', label: 'Approve', key: 'approve' },
		{ type: 'button', label: 'Decline', key: 'decline' },
	];

	beforeAll(async () => {
		redis = await startRedis();
		const env = {
			PING_STORE: 'redis',
			PING_REDIS_URL: redis.url,
			PING_REDIS_TIMEOUT_MS: '500',
			PING_CALLBACK_ALLOW: '127.0.0.1/32,::1,localhost',
		};
		[a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
		channel = await createChannel(a.url, 'Shared');
	}, 60_000);

	afterAll(async () => {
		await Promise.all([a?.stop(), b?.stop()]);
		await redis?.destroy();
	});

	test('a channel made on one instance works on the other', async () => {
		const listed = await api(b.url, 'GET', '/v1/channels', { key: ADMIN_KEY });
		expect(listed.body.channels.map((c: { id: string }) => c.id)).toContain(channel.id);
		const id = await sendMessage(b.url, channel.token, { title: 'via B' });
		expect(id).toMatch(/^msg_/);
	});

	test('an answer posted to A is polled on B, once', async () => {
		const id = await sendMessage(a.url, channel.token, { title: 'Deploy?', actions });
		expect((await api(b.url, 'GET', `/v1/callback/${channel.token}/${id}`)).body.status).toBe(
			'pending',
		);
		expect((await respond(a.url, id, { triggered_by: 'approve' })).status).toBe(200);
		const polled = await api(b.url, 'GET', `/v1/callback/${channel.token}/${id}`);
		expect(polled.body).toMatchObject({
			status: 'submitted',
			result: { message_id: id, triggered_by: 'approve' },
		});
		expect((await api(a.url, 'GET', `/v1/callback/${channel.token}/${id}`)).body.status).toBe(
			'already_read',
		);
	});

	test('a long poll waiting on B wakes as soon as the answer lands on A (pub/sub)', async () => {
		const id = await sendMessage(a.url, channel.token, { title: 'Wait for me', actions });
		const started = Date.now();
		const waiting = api(b.url, 'GET', `/v1/callback/${channel.token}/${id}?wait=20`);
		await new Promise((r) => setTimeout(r, 300));
		const answeredAt = Date.now();
		expect((await respond(a.url, id, { triggered_by: 'decline' })).status).toBe(200);
		const polled = await waiting;
		expect(polled.body).toMatchObject({ status: 'submitted', result: { triggered_by: 'decline' } });
		// Woken by the notification, well before the 2 s safety re-check would have looked again.
		expect(Date.now() - answeredAt).toBeLessThan(1_000);
		expect(Date.now() - started).toBeGreaterThanOrEqual(300);
	});

	test('20 concurrent polls spread over both instances: exactly one submitted', async () => {
		const id = await sendMessage(a.url, channel.token, { title: 'Once', actions });
		await respond(b.url, id, { triggered_by: 'approve' });
		const polls = await Promise.all(
			Array.from({ length: 20 }, (_, i) =>
				api(i % 2 ? a.url : b.url, 'GET', `/v1/callback/${channel.token}/${id}`),
			),
		);
		const statuses = polls.map((p) => p.body.status);
		expect(statuses.filter((s) => s === 'submitted')).toHaveLength(1);
		expect(statuses.filter((s) => s === 'already_read')).toHaveLength(19);
	});

	test('20 concurrent answers spread over both instances: exactly one 200, the rest 409', async () => {
		const id = await sendMessage(b.url, channel.token, { title: 'First wins', actions });
		const answers = await Promise.all(
			Array.from({ length: 20 }, (_, i) =>
				respond(i % 2 ? a.url : b.url, id, {
					triggered_by: i % 3 ? 'approve' : 'decline',
					responder: `r${i}`,
				}),
			),
		);
		const statuses = answers.map((r) => r.status);
		expect(statuses.filter((s) => s === 200)).toHaveLength(1);
		expect(statuses.filter((s) => s === 409)).toHaveLength(19);
		const winner = answers[statuses.indexOf(200)].body.answer;
		const polled = await api(a.url, 'GET', `/v1/callback/${channel.token}/${id}`);
		expect(polled.body.result).toEqual(winner);
	});

	test('Redis down: requests answer 503 quickly, the processes stay up, and recover with nothing lost', async () => {
		const kept = await sendMessage(a.url, channel.token, {
			title: 'Acknowledged before the outage',
			actions,
		});
		expect((await respond(b.url, kept, { triggered_by: 'approve' })).status).toBe(200);

		await redis.stop();
		for (const instance of [a, b]) {
			const started = Date.now();
			const send = await api(instance.url, 'POST', `/v1/send/${channel.token}`, {
				body: { title: 'during the outage' },
			});
			expect(send.status).toBe(503);
			expect(send.body).toEqual({
				ok: false,
				error: expect.stringMatching(/^storage unavailable: /),
				code: 'storage_unavailable',
			});
			expect(Date.now() - started).toBeLessThan(3_000);
			const poll = await api(instance.url, 'GET', `/v1/callback/${channel.token}/${kept}`);
			expect(poll.status).toBe(503);
			expect((await api(instance.url, 'GET', '/health')).status).toBe(200);
		}

		await redis.restart();
		for (const instance of [a, b]) {
			let status = 0;
			const deadline = Date.now() + 10_000;
			while (status !== 200 && Date.now() < deadline) {
				status = (
					await api(instance.url, 'POST', `/v1/send/${channel.token}`, { body: { title: 'after' } })
				).status;
				if (status !== 200) await new Promise((r) => setTimeout(r, 100));
			}
			expect(status).toBe(200);
		}
		// The answer acknowledged before the outage is still there, unread.
		const polled = await api(b.url, 'GET', `/v1/callback/${channel.token}/${kept}`);
		expect(polled.body).toMatchObject({
			status: 'submitted',
			result: { message_id: kept, triggered_by: 'approve' },
		});
	}, 40_000);

	test('each callback is delivered exactly once, whichever instance took the answer', async () => {
		const receiver = await new FakeReceiver().start();
		try {
			const ids = await Promise.all(
				Array.from({ length: 10 }, (_, i) =>
					sendMessage(i % 2 ? a.url : b.url, channel.token, {
						title: `cb ${i}`,
						actions,
						callback_url: receiver.url,
					}),
				),
			);
			const answers = await Promise.all(
				ids.map((id, i) => respond(i % 2 ? b.url : a.url, id, { triggered_by: 'approve' })),
			);
			expect(answers.map((r) => r.status)).toEqual(ids.map(() => 200));
			await receiver.waitFor(10, 10_000);
			await new Promise((r) => setTimeout(r, 500)); // room for a duplicate to show up
			expect(receiver.received).toHaveLength(10);
			expect(new Set(receiver.received.map((c) => c.body.message_id))).toEqual(new Set(ids));
			expect(new Set(receiver.received.map((c) => c.headers['x-ping-idempotency-key'])).size).toBe(
				10,
			);
		} finally {
			await receiver.stop();
		}
	});

	test('kill the instance that tried a callback while its retry is pending: the other one delivers it', async () => {
		const receiver = await new FakeReceiver().start();
		receiver.reply = () =>
			receiver.received.length === 1
				? { status: 503, headers: { 'retry-after': '2' } }
				: { status: 200 };
		try {
			const id = await sendMessage(a.url, channel.token, {
				title: 'retry me',
				actions,
				callback_url: receiver.url,
			});
			expect((await respond(a.url, id, { triggered_by: 'approve' })).status).toBe(200);
			await receiver.waitFor(1, 10_000);
			// Whoever made the failed attempt logged the retry it scheduled: that one dies.
			let tried: ServerProcess | undefined;
			const deadline = Date.now() + 5_000;
			while (!tried && Date.now() < deadline) {
				tried = [a, b].find(
					(p) => p.output().includes('"callback.retrying"') && p.output().includes(id),
				);
				if (!tried) await new Promise((r) => setTimeout(r, 20));
			}
			if (!tried) throw new Error('no instance logged the scheduled retry');
			const survivor = tried === a ? b : a;
			await tried.kill();

			await receiver.waitFor(2, 15_000);
			const [first, second] = receiver.received;
			expect(second.body.message_id).toBe(id);
			expect(second.headers['x-ping-idempotency-key']).toBe(
				first.headers['x-ping-idempotency-key'],
			);
			const detail = await api(survivor.url, 'GET', `/v1/messages/${id}`, { key: ADMIN_KEY });
			await new Promise((r) => setTimeout(r, 300));
			expect(receiver.received).toHaveLength(2);
			expect(
				detail.body.message.callback_attempts.map((x: { outcome: string }) => x.outcome),
			).toEqual(['retrying', 'delivered']);
			// The survivor also answers everything else alone.
			expect((await api(survivor.url, 'GET', `/v1/callback/${channel.token}/${id}`)).status).toBe(
				200,
			);
			// The remaining tests use the survivor only.
			a = b = survivor;
		} finally {
			await receiver.stop();
		}
	}, 40_000);

	test('an instance asked to stop while Redis is down still exits within seconds', async () => {
		await redis.stop();
		const started = Date.now();
		await a.stop();
		expect(Date.now() - started).toBeLessThan(5_000);
		await redis.restart();
	}, 30_000);
});
