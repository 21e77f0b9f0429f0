import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../server/src/domain/time';
import { CallbackJobPayload, Job, NewJob } from '../../../server/src/jobs/job';
import { SqliteJobQueue } from '../../../server/src/jobs/sqlite-queue';
import { silentLogger } from '../../../server/src/observability/log';
import { SqliteStore } from '../../../server/src/store/sqlite/sqlite-store';
import { answerFixture, channelFixture, messageFixture } from '../store/store-contract';

/** Each job kind runs with its own concurrency: slow callbacks never hold back pushes. */
test('callbacks stuck at their concurrency limit do not delay a push', async () => {
	const clock = new ManualClock();
	const now = clock.now();
	const store = new SqliteStore(':memory:');
	const queue = new SqliteJobQueue(store, clock, silentLogger, {
		concurrency: { 'callback.deliver': 2, 'push.message': 2 },
	});
	const release: Array<() => void> = [];
	const callbacksStarted: Job[] = [];
	const pushed: string[] = [];
	queue.register('callback.deliver', (job) => {
		callbacksStarted.push(job);
		return new Promise<void>((resolve) => release.push(resolve)); // a receiver that hangs
	});
	queue.register('push.message', async (job) => void pushed.push(job.payload.message_id));
	try {
		const channel = channelFixture();
		await store.ensureAccount(channel.accountId, now);
		await store.insertChannel(channel);
		const callback = (deliveryId: string): CallbackJobPayload => ({
			messageId: 'msg_x',
			deliveryId,
			target: 'callback_url',
			webhookId: null,
			url: 'https://example.com/hook',
			body: '{}',
		});
		const answered = messageFixture(channel.id);
		await store.insertMessage(answered, [
			{ kind: 'callback.deliver', payload: callback('d1'), runAt: now },
			{ kind: 'callback.deliver', payload: callback('d2'), runAt: now },
			{ kind: 'callback.deliver', payload: callback('d3'), runAt: now },
		]);
		queue.start();
		await waitUntil(() => callbacksStarted.length === 2);

		const sent = messageFixture(channel.id);
		await store.insertMessage(sent, [
			{ kind: 'push.message', payload: { message_id: sent.id }, runAt: now },
		]);
		queue.wake();
		await waitUntil(() => pushed.length === 1);
		expect(pushed).toEqual([sent.id]);
		// The third callback waits for a free callback slot, not for the push.
		expect(callbacksStarted).toHaveLength(2);
		release.shift()?.();
		await waitUntil(() => callbacksStarted.length === 3);
	} finally {
		for (const done of release) done();
		await queue.stop();
		await store.close();
	}
});

async function waitUntil(check: () => boolean, timeoutMs = 3_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error('condition not met in time');
		await new Promise((r) => setTimeout(r, 10));
	}
}

describe('jobs handed from the write that queues them (no claim)', () => {
	const T0 = Date.UTC(2026, 0, 1, 12);
	const LEASE_MS = 120_000;
	let dir: string;
	let clock: ManualClock;
	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'ping-handoff-'));
		clock = new ManualClock(T0);
	});
	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	const callbackJob = (messageId: string, deliveryId: string): NewJob => ({
		kind: 'callback.deliver',
		payload: {
			messageId,
			deliveryId,
			target: 'callback_url',
			webhookId: null,
			url: 'https://example.com/hook',
			body: '{}',
		},
		runAt: clock.now(),
	});

	/** A store on a file with a channel, and a queue wired to it as the server wires them. */
	async function open(concurrency = 32) {
		const store = new SqliteStore(join(dir, 'ping.db'));
		const queue = new SqliteJobQueue(store, clock, silentLogger, {
			leaseMs: LEASE_MS,
			concurrency: { 'callback.deliver': concurrency },
		});
		store.jobStarter = queue;
		let claims = 0;
		const claim = store.claimDueJobs.bind(store);
		store.claimDueJobs = (...args) => {
			claims++;
			return claim(...args);
		};
		const channel = channelFixture();
		await store.ensureAccount(channel.accountId, T0);
		await store.insertChannel(channel).catch(() => undefined); // already there after a restart
		return { store, queue, channel, claims: () => claims };
	}

	test("an answer's callback starts before the answer's write returns, leased once: a claim at the same moment finds nothing", async () => {
		const { store, queue, channel, claims } = await open();
		const started: Job[] = [];
		const release: Array<() => void> = [];
		queue.register('callback.deliver', (job) => {
			started.push(job);
			return new Promise<void>((resolve) => release.push(resolve));
		});
		try {
			queue.start();
			await queue.runDue(); // the start's look at the (empty) table is over
			const message = messageFixture(channel.id);
			await store.insertMessage(message, []);
			const claimsBefore = claims();
			const saving = store.saveAnswer(message.id, answerFixture({ submittedAt: T0 }), 'pending', [
				callbackJob(message.id, 'dlv_1'),
			]);
			expect(started).toHaveLength(1); // before the write's promise is even awaited
			// The poller runs at the same moment as the write (as a timer firing would).
			const [saved, ran] = await Promise.all([saving, queue.runDue()]);
			expect(saved).toBe('saved');
			expect(ran).toBe(0);
			expect(await store.claimDueJobs(clock.now(), 10, LEASE_MS)).toEqual([]);
			expect(started).toHaveLength(1);
			expect(started[0]).toMatchObject({ payload: { deliveryId: 'dlv_1' }, attempts: 0 });
			// Only the two claims this test made itself: the job was not claimed to start it.
			expect(claims() - claimsBefore).toBe(2);
			release.shift()?.();
			await waitUntilAsync(async () => (await queue.nextDueAt()) === null);
			expect(started).toHaveLength(1);
		} finally {
			for (const done of release) done();
			await queue.stop();
			await store.close();
		}
	});

	test('with every callback slot taken, the job is written unleased and the poller starts it when a slot frees', async () => {
		const { store, queue, channel } = await open(1);
		const started: string[] = [];
		const release: Array<() => void> = [];
		queue.register('callback.deliver', (job) => {
			started.push(job.payload.deliveryId);
			return new Promise<void>((resolve) => release.push(resolve));
		});
		try {
			queue.start();
			for (const deliveryId of ['first', 'second']) {
				const message = messageFixture(channel.id);
				await store.insertMessage(message, []);
				await store.saveAnswer(message.id, answerFixture({ submittedAt: T0 }), 'pending', [
					callbackJob(message.id, deliveryId),
				]);
			}
			expect(started).toEqual(['first']);
			release.shift()?.();
			await waitUntil(() => started.length === 2);
			expect(started).toEqual(['first', 'second']);
		} finally {
			for (const done of release) done();
			await queue.stop();
			await store.close();
		}
	});

	test('a write that fails hands nothing over: of two sends in one commit, only the stored one runs its job', async () => {
		const { store, queue, channel } = await open();
		const started: string[] = [];
		queue.register('callback.deliver', async (job) => void started.push(job.payload.deliveryId));
		try {
			queue.start();
			const message = messageFixture(channel.id);
			// Same id twice in one group commit: the batch rolls back, each is retried alone.
			const results = await Promise.allSettled([
				store.insertMessage(message, [callbackJob(message.id, 'kept')]),
				store.insertMessage(message, [callbackJob(message.id, 'refused')]),
			]);
			expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
			await waitUntil(() => started.length === 1);
			await queue.runDue();
			await new Promise((r) => setTimeout(r, 50));
			expect(started).toEqual(['kept']);
		} finally {
			await queue.stop();
			await store.close();
		}
	});

	test('a crash right after the answer: the restarted server delivers it, once, with the same idempotency key', async () => {
		const first = await open();
		const seen: Job[] = [];
		// The process dies before the callback leaves: the handler never finishes.
		first.queue.register('callback.deliver', (job) => {
			seen.push(job);
			return new Promise<void>(() => undefined);
		});
		first.queue.start();
		const message = messageFixture(first.channel.id);
		await first.store.insertMessage(message, []);
		await first.store.saveAnswer(message.id, answerFixture({ submittedAt: T0 }), 'pending', [
			callbackJob(message.id, 'dlv_crash'),
		]);
		expect(seen).toHaveLength(1);
		void first.queue.stop(); // never resolves: its job hangs, as in a dead process
		await first.store.close(); // the file keeps the job, leased by the dead process

		const second = await open();
		second.queue.register('callback.deliver', async (job) => void seen.push(job));
		try {
			expect(second.store.leasesTakenBack).toBe(1);
			second.queue.start();
			await waitUntil(() => seen.length === 2);
			await second.queue.runDue();
			await new Promise((r) => setTimeout(r, 50));
			expect(seen).toHaveLength(2);
			expect(seen[1]).toMatchObject({
				id: seen[0].id,
				payload: { deliveryId: 'dlv_crash' },
				attempts: 1,
			});
			await waitUntilAsync(async () => (await second.queue.nextDueAt()) === null);
		} finally {
			await second.queue.stop();
			await second.store.close();
		}
	});
});

async function waitUntilAsync(check: () => Promise<boolean>, timeoutMs = 3_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error('condition not met in time');
		await new Promise((r) => setTimeout(r, 10));
	}
}
