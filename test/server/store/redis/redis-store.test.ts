import type { Redis } from 'ioredis';
import { ManualClock } from '../../../../server/src/domain/time';
import { BullJobQueue } from '../../../../server/src/jobs/bullmq-queue';
import { JobQueue } from '../../../../server/src/jobs/queue';
import { silentLogger } from '../../../../server/src/observability/log';
import {
	ConnectionPurpose,
	RedisSettings,
	openConnection,
	whenReady,
} from '../../../../server/src/store/redis/open';
import { RedisStore } from '../../../../server/src/store/redis/redis-store';
import { TestRedis, describeWithRedis, startRedis } from '../../../helpers/redis';
import { pollOutcome } from '../../../../server/src/domain/polling';
import { StorageUnavailableError } from '../../../../server/src/store/store';
import {
	answerFixture,
	browserFixture,
	channelFixture,
	deviceFixture,
	eventually,
	messageFixture,
	storeContract,
} from '../store-contract';

/** Short locks so a dead instance's job comes back within a couple of seconds. */
const QUEUE_TIMING = { lockDurationMs: 1_000, stalledIntervalMs: 400 };

describeWithRedis('Redis driver', () => {
	let redis: TestRedis;
	let run = 0;
	beforeAll(async () => {
		redis = await startRedis();
	});
	afterAll(async () => {
		await redis?.destroy();
	});

	storeContract('Redis', async () => {
		const prefix = `contract${++run}`;
		const settings: RedisSettings = {
			url: redis.url,
			prefix,
			retentionMs: 30 * 24 * 3600_000,
			commandTimeoutMs: 2_000,
		};
		const clock = new ManualClock();
		const connections: Redis[] = [];
		const connect = (purpose: ConnectionPurpose) => {
			const c = openConnection(settings, purpose, silentLogger);
			connections.push(c);
			return c;
		};
		const client = connect('store');
		await whenReady(client, settings, 5_000);
		const store = new RedisStore(client, { prefix });
		const queueOptions = { prefix: `${prefix}:bull`, ...QUEUE_TIMING };
		const producer = new BullJobQueue(connect, clock, silentLogger, queueOptions);
		store.setJobHandOver((jobs) => producer.enqueue(jobs));
		const queues: BullJobQueue[] = [producer];
		return {
			store,
			clock,
			newQueue: () => {
				const queue = new BullJobQueue(connect, clock, silentLogger, queueOptions);
				queues.push(queue);
				return queue;
			},
			crash: async (queue: JobQueue) => {
				queues.splice(queues.indexOf(queue as BullJobQueue), 1);
				await (queue as BullJobQueue).kill();
			},
			lapseLeases: () =>
				new Promise((r) =>
					setTimeout(r, QUEUE_TIMING.lockDurationMs + 2 * QUEUE_TIMING.stalledIntervalMs),
				),
			close: async () => {
				await Promise.all(queues.map((q) => q.close()));
				await store.close();
				await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
			},
		};
	});
});

/** What only the Redis driver has: Redis TTLs, the outbox hand-over, unreachable Redis. */
describeWithRedis('Redis driver specifics', () => {
	let redis: TestRedis;
	let run = 0;
	const opened: Redis[] = [];
	const closers: (() => Promise<void>)[] = [];
	const T0 = Date.UTC(2026, 0, 1);

	beforeAll(async () => {
		redis = await startRedis();
	});
	afterEach(async () => {
		for (const close of closers.splice(0)) await close();
		await Promise.all(opened.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
	});
	afterAll(async () => {
		await redis?.destroy();
	});

	async function open(prefix = `specific${++run}`, retentionMs = 3_600_000) {
		const settings: RedisSettings = { url: redis.url, prefix, retentionMs, commandTimeoutMs: 300 };
		const connect = (purpose: ConnectionPurpose) => {
			const c = openConnection(settings, purpose, silentLogger);
			opened.push(c);
			return c;
		};
		const client = connect('store');
		await whenReady(client, settings, 5_000);
		const store = new RedisStore(client, { prefix, retentionMs });
		const clock = new ManualClock(T0);
		const queue = new BullJobQueue(connect, clock, silentLogger, {
			prefix: `${prefix}:bull`,
			...QUEUE_TIMING,
		});
		closers.push(() => queue.close());
		return { store, clock, queue, client, prefix };
	}

	test("messages expire from Redis after the retention; a failed callback's unread answer is kept until read", async () => {
		const { store, client, prefix } = await open();
		const attemptsTtl = (id: string) => client.pttl(`${prefix}:{${id}}:attempts`);
		const channel = channelFixture();
		await store.insertChannel(channel);
		const plain = messageFixture(channel.id);
		const failing = messageFixture(channel.id, { callbackUrl: 'https://example.com/cb' });
		await store.insertMessage(plain, []);
		await store.insertMessage(failing, []);
		expect(await store.messageTtlMs(plain.id)).toBeGreaterThan(3_500_000);
		expect(await store.messageTtlMs(plain.id)).toBeLessThanOrEqual(3_600_000);

		await store.saveAnswer(failing.id, answerFixture(), 'pending', []);
		await store.recordCallbackAttempt({
			messageId: failing.id,
			deliveryId: 'dlv_1',
			target: 'callback_url',
			webhookId: null,
			attempt: 14,
			attemptedAt: T0,
			statusCode: 500,
			error: 'HTTP 500',
			latencyMs: 3,
			outcome: 'failed',
			nextAttemptAt: null,
		});
		expect(await attemptsTtl(failing.id)).toBeGreaterThan(3_500_000);
		await store.setCallbackState(failing.id, 'failed');
		expect(await store.messageTtlMs(failing.id)).toBe(-1);
		expect(await attemptsTtl(failing.id)).toBe(-1);
		const polled = await store.pollAnswer(
			failing.id,
			(r) => pollOutcome(r, T0 + 7 * 24 * 3600_000, 600_000),
			T0,
		);
		expect(polled?.outcome.status).toBe('failed');
		expect(await store.messageTtlMs(failing.id)).toBeGreaterThan(3_500_000);
		expect(await attemptsTtl(failing.id)).toBeGreaterThan(3_500_000);
	});

	test("an attempt that ends the callback sets its state in the same call, with the failed answer's TTL lifted", async () => {
		const { store, client, prefix } = await open();
		const attemptsTtl = (id: string) => client.pttl(`${prefix}:{${id}}:attempts`);
		const channel = channelFixture();
		await store.insertChannel(channel);
		const failing = messageFixture(channel.id, { callbackUrl: 'https://example.com/cb' });
		const delivered = messageFixture(channel.id, { callbackUrl: 'https://example.com/cb' });
		const attempt = (messageId: string, outcome: 'failed' | 'delivered') => ({
			messageId,
			deliveryId: `dlv_${messageId}`,
			target: 'callback_url' as const,
			webhookId: null,
			attempt: 1,
			attemptedAt: T0,
			statusCode: outcome === 'failed' ? 500 : 200,
			error: outcome === 'failed' ? 'HTTP 500' : null,
			latencyMs: 3,
			outcome,
			nextAttemptAt: null,
		});
		for (const message of [failing, delivered]) {
			await store.insertMessage(message, []);
			await store.saveAnswer(message.id, answerFixture(), 'pending', []);
		}

		expect(await store.recordCallbackAttempt(attempt(failing.id, 'failed'), 'failed')).toBe(false);
		expect((await store.getMessage(failing.id))?.callbackState).toBe('failed');
		expect(await store.messageTtlMs(failing.id)).toBe(-1);
		expect(await attemptsTtl(failing.id)).toBe(-1);
		expect(await store.listCallbackAttempts(failing.id)).toEqual([attempt(failing.id, 'failed')]);

		await store.recordCallbackAttempt(attempt(delivered.id, 'delivered'), 'delivered');
		expect((await store.getMessage(delivered.id))?.callbackState).toBe('delivered');
		expect(await store.messageTtlMs(delivered.id)).toBeGreaterThan(3_500_000);
		expect(await attemptsTtl(delivered.id)).toBeGreaterThan(3_500_000);

		// The message gone: the attempt is still logged (with the retention), no state is set.
		await store.recordCallbackAttempt(attempt('msg_gone', 'failed'), 'failed');
		expect(await store.getMessage('msg_gone')).toBeNull();
		expect(await attemptsTtl('msg_gone')).toBeGreaterThan(3_500_000);
	});

	test('answer links made before tokens named their message are found by their hash; new messages add no such key', async () => {
		const { store, client, prefix } = await open();
		const channel = channelFixture();
		await store.insertChannel(channel);
		const old = messageFixture(channel.id);
		await store.insertMessage(old, []);
		const fresh = messageFixture(channel.id);
		await store.insertMessage(fresh, []);
		// What a server before this version wrote beside each message.
		await client.set(`${prefix}:answer-token:{${old.answerTokenHash}}`, old.id, 'PX', 60_000);
		expect(await store.findMessageByLegacyAnswerTokenHash(old.answerTokenHash!)).toMatchObject({
			id: old.id,
		});
		expect(await store.findMessageByLegacyAnswerTokenHash(fresh.answerTokenHash!)).toBeNull();
		expect(await client.keys(`${prefix}:answer-token:*`)).toHaveLength(1);
		// A key that names a message whose hash is another's opens nothing.
		await client.set(`${prefix}:answer-token:{${'b'.repeat(64)}}`, old.id, 'PX', 60_000);
		expect(await store.findMessageByLegacyAnswerTokenHash('b'.repeat(64))).toBeNull();
	});

	test("delivery records written before they had a kind are read with one: their device's, else what the jobs wrote", async () => {
		const { store, client, prefix } = await open();
		const phone = deviceFixture({ accountId: 'usr_a' });
		const browser = browserFixture({ accountId: 'usr_a' });
		await store.ensureAccount('usr_a', T0);
		await store.insertDevice(phone);
		await store.insertDevice(browser);
		const apnsId = '123e4567-e89b-12d3-a456-426614174000';
		const old = (deviceId: string, over: Record<string, unknown>) =>
			JSON.stringify({
				messageId: 'msg_old000000001',
				deviceId,
				state: 'queued',
				reason: null,
				apnsId: null,
				attempts: 0,
				nextAttemptAt: null,
				updatedAt: T0,
				...over,
			});
		// As an earlier version wrote them (no `kind`): the rule of the SQLite migration 13.
		await client.hset(`${prefix}:{msg_old000000001}:deliveries`, {
			[phone.id]: old(phone.id, { state: 'sent', apnsId, attempts: 1 }),
			[browser.id]: old(browser.id, {}),
			dev_gone00000001: old('dev_gone00000001', { state: 'retrying', apnsId, attempts: 1 }),
			dev_gone00000002: old('dev_gone00000002', { state: 'retrying', attempts: 2 }),
			dev_gone00000003: old('dev_gone00000003', { state: 'failed', reason: 'NoSubscription' }),
			dev_gone00000004: old('dev_gone00000004', { state: 'queued' }),
		});
		const kinds = async (kind?: 'apns' | 'webpush') =>
			(await store.listDeliveries('msg_old000000001', kind)).map((r) => [r.deviceId, r.kind]);
		expect(await kinds()).toEqual(
			[
				[phone.id, 'apns'],
				[browser.id, 'webpush'],
				['dev_gone00000001', 'apns'],
				['dev_gone00000002', 'webpush'],
				['dev_gone00000003', 'webpush'],
				['dev_gone00000004', 'apns'],
			].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
		);
		expect((await kinds('webpush')).map(([id]) => id)).toEqual(
			[browser.id, 'dev_gone00000002', 'dev_gone00000003'].sort(),
		);
		// A record saved again keeps its kind, and the rest of it.
		const [row] = await store.listDeliveries('msg_old000000001', 'webpush');
		await store.saveDeliveries([{ ...row, state: 'failed', reason: 'DeviceRemoved' }]);
		expect(
			JSON.parse((await client.hget(`${prefix}:{msg_old000000001}:deliveries`, row.deviceId))!),
		).toEqual({ ...row, state: 'failed', reason: 'DeviceRemoved', kind: 'webpush' });
	});

	test('jobs of a writer that died before handing them to the queue are recovered from the outbox', async () => {
		const prefix = `outbox${++run}`;
		// The "dying" writer: its store has no queue, as if the process died right after the write.
		const dying = await open(prefix);
		const channel = channelFixture();
		await dying.store.insertChannel(channel);
		const m = messageFixture(channel.id);
		await dying.store.insertMessage(m, [
			{ kind: 'push.message', payload: { message_id: m.id }, runAt: T0 },
		]);

		const survivor = await open(prefix);
		const seen: string[] = [];
		survivor.queue.register('push.message', async (job) => void seen.push(job.payload.message_id));
		survivor.queue.start();
		survivor.store.setJobHandOver((jobs) => survivor.queue.enqueue(jobs));
		expect(await survivor.store.sweepOutbox(60_000)).toBe(0); // too young: its writer may still be at it
		expect(await survivor.store.sweepOutbox(0)).toBe(1);
		await eventually(() => expect(seen).toEqual([m.id]));
		expect(await survivor.store.sweepOutbox(0)).toBe(0);
		expect(await survivor.client.zcard(`${prefix}:{outbox}:pending`)).toBe(0);
	});

	test('a write hands its jobs over at once and leaves no outbox behind', async () => {
		const { store, queue, client, prefix } = await open();
		store.setJobHandOver((jobs) => queue.enqueue(jobs));
		const seen: string[] = [];
		queue.register('push.message', async (job) => void seen.push(job.id));
		queue.start();
		const channel = channelFixture();
		await store.insertChannel(channel);
		const m = messageFixture(channel.id);
		await store.insertMessage(m, [
			{ kind: 'push.message', payload: { message_id: m.id }, runAt: T0 },
		]);
		await eventually(() => expect(seen).toHaveLength(1));
		expect(await client.hlen(`${prefix}:{${m.id}}:outbox`)).toBe(0);
		expect(await client.zcard(`${prefix}:{outbox}:pending`)).toBe(0);
	});

	test('a hung Redis makes calls fail with "storage unavailable" within the command timeout, then recover', async () => {
		const { store } = await open();
		const channel = channelFixture();
		await store.insertChannel(channel);
		redis.pause();
		try {
			const started = Date.now();
			await expect(store.getChannel(channel.id)).rejects.toBeInstanceOf(StorageUnavailableError);
			expect(Date.now() - started).toBeLessThan(2_000);
		} finally {
			redis.resume();
		}
		await eventually(async () => expect(await store.getChannel(channel.id)).toEqual(channel));
	});

	// A worker opened after its queue is gone has a blocking connection (BullMQ's own copy of the
	// worker connection) that nobody closes: it reconnects forever once Redis stops, and Jest never exits.
	test.each(['killed', 'closed'] as const)(
		'a queue %s while runDue() is in flight opens no worker afterwards',
		async (end) => {
			const { queue, client, prefix } = await open();
			queue.start();
			const running = queue.runDue(); // waits on Redis first, so the queue ends meanwhile
			await (end === 'killed' ? queue.kill() : queue.close());
			await running.catch(() => undefined);
			await new Promise((r) => setTimeout(r, 200));
			const clients = String(await client.client('LIST')).split('\n');
			expect(clients.filter((line) => line.includes(` name=${prefix}:bull`))).toEqual([]);
		},
	);
});
