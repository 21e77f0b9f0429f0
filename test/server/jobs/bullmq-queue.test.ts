import { Queue } from 'bullmq';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { systemClock } from '../../../server/src/domain/time';
import { BullJobQueue, queueNameOf } from '../../../server/src/jobs/bullmq-queue';
import {
	CallbackJobPayload,
	JOB_CONCURRENCY,
	JOB_KINDS,
	Job,
	JobKind,
} from '../../../server/src/jobs/job';
import { silentLogger } from '../../../server/src/observability/log';
import {
	ConnectionPurpose,
	RedisSettings,
	openConnection,
	whenReady,
} from '../../../server/src/store/redis/open';
import { TestRedis, describeWithRedis, startRedis } from '../../helpers/redis';
import { eventually } from '../store/store-contract';

/**
 * Redis mode's job queue with a real redis-server: each job kind in its own BullMQ queue and
 * worker, with the concurrency of JOB_CONCURRENCY (the table the SQLite queue uses too).
 */
describeWithRedis('BullMQ job queue, one queue per job kind', () => {
	let redis: TestRedis;
	let run = 0;
	/** Connections each test opened for its queues, closed after it. */
	let opened: Redis[] = [];
	const queues: BullJobQueue[] = [];
	/** Handlers held open by a test, let go after it whatever happened. */
	const gates: Array<() => void> = [];

	beforeAll(async () => {
		redis = await startRedis();
	});
	afterEach(async () => {
		for (const open of gates.splice(0)) open();
		await Promise.all(queues.splice(0).map((q) => q.close()));
		await Promise.all(opened.map((c) => c.quit().catch(() => c.disconnect())));
		opened = [];
	});
	afterAll(async () => {
		await redis?.destroy();
	});

	function settings(prefix: string): RedisSettings {
		return { url: redis.url, prefix, retentionMs: 3_600_000, commandTimeoutMs: 2_000 };
	}

	function newQueue(prefix: string): BullJobQueue {
		const connect = (purpose: ConnectionPurpose) => {
			const c = openConnection(settings(prefix), purpose, silentLogger);
			opened.push(c);
			return c;
		};
		const queue = new BullJobQueue(connect, systemClock, silentLogger, {
			prefix: `{${prefix}:bull}`,
		});
		queues.push(queue);
		return queue;
	}

	let jobSeq = 0;
	function job(kind: JobKind, runAt = Date.now()): Job {
		const id = `job_${++jobSeq}`;
		const payload =
			kind === 'push.message'
				? { message_id: `msg_${id}` }
				: ({
						messageId: `msg_${id}`,
						deliveryId: `dlv_${id}`,
						target: 'callback_url',
						webhookId: null,
						url: 'https://example.com/hook',
						body: '{}',
					} satisfies CallbackJobPayload);
		return { id, kind, payload, runAt, attempts: 0 } as Job;
	}

	/** A handler that stays in flight until the test lets it go, counting how many run at once. */
	function heldHandler(
		kind: JobKind,
		inFlight: Record<string, number>,
		most: Record<string, number>,
	) {
		return () =>
			new Promise<void>((resolve) => {
				inFlight[kind]++;
				most[kind] = Math.max(most[kind], inFlight[kind]);
				gates.push(() => {
					inFlight[kind]--;
					resolve();
				});
			});
	}

	test('a flood of callbacks to a receiver that hangs does not delay a push job', async () => {
		const queue = newQueue(`flood${++run}`);
		const inFlight: Record<string, number> = { 'callback.deliver': 0 };
		const most: Record<string, number> = { 'callback.deliver': 0 };
		queue.register('callback.deliver', heldHandler('callback.deliver', inFlight, most));
		const pushed: { id: string; callbacksInFlight: number; at: number }[] = [];
		queue.register('push.message', async (j) => {
			pushed.push({ id: j.id, callbacksInFlight: inFlight['callback.deliver'], at: Date.now() });
		});
		const flood = Array.from({ length: 200 }, () => job('callback.deliver'));
		await queue.enqueue(flood);
		queue.start();
		// Every callback slot taken, 168 callbacks queued behind them.
		await eventually(() =>
			expect(inFlight['callback.deliver']).toBe(JOB_CONCURRENCY['callback.deliver']),
		);

		const push = job('push.message');
		const queuedAt = Date.now();
		await queue.enqueue([push]);
		await eventually(() => expect(pushed).toHaveLength(1), 5_000);
		// Run while every callback was still hanging: it never waited for a callback slot.
		expect(pushed[0]).toMatchObject({
			id: push.id,
			callbacksInFlight: JOB_CONCURRENCY['callback.deliver'],
		});
		expect(pushed[0].at - queuedAt).toBeLessThan(2_000);
	});

	test('each kind runs at most its own concurrency at once, and every job runs once', async () => {
		const queue = newQueue(`concurrency${++run}`);
		const inFlight: Record<string, number> = {};
		const most: Record<string, number> = {};
		const ran: string[] = [];
		for (const kind of JOB_KINDS) {
			inFlight[kind] = 0;
			most[kind] = 0;
			const held = heldHandler(kind, inFlight, most);
			queue.register(kind, async (j) => {
				ran.push(j.id);
				await held();
			});
		}
		const jobs = JOB_KINDS.flatMap((kind) =>
			Array.from({ length: JOB_CONCURRENCY[kind] + 5 }, () => job(kind)),
		);
		await queue.enqueue(jobs);
		queue.start();
		// Every kind fills its own slots, whatever the others do.
		await eventually(() =>
			expect(inFlight).toEqual(Object.fromEntries(JOB_KINDS.map((k) => [k, JOB_CONCURRENCY[k]]))),
		);
		// Given time to take more, no kind goes over its limit.
		await new Promise((r) => setTimeout(r, 500));
		expect(most).toEqual(Object.fromEntries(JOB_KINDS.map((k) => [k, JOB_CONCURRENCY[k]])));

		// Let them all finish: the rest run, within the same limits, each job once.
		await eventually(async () => {
			for (const open of gates.splice(0)) open();
			expect(ran).toHaveLength(jobs.length);
		}, 10_000);
		expect(new Set(ran).size).toBe(jobs.length);
		expect(most).toEqual(Object.fromEntries(JOB_KINDS.map((k) => [k, JOB_CONCURRENCY[k]])));
	});

	test('jobs left in the old single queue are moved once and run once, with two instances starting together', async () => {
		const prefix = `upgrade${++run}`;
		// What an earlier version left behind: one queue named "jobs" holding every kind, some
		// waiting, some retried (attempts counted in the data), some delayed until later.
		const oldConnection = openConnection(settings(prefix), 'producer', silentLogger);
		opened.push(oldConnection);
		await whenReady(oldConnection, settings(prefix), 5_000);
		const old = new Queue('jobs', { connection: oldConnection, prefix: `{${prefix}:bull}` });
		const later = Date.now() + 1_500;
		const left = [
			...Array.from({ length: 10 }, () => ({ ...job('push.message'), attempts: 0 })),
			...Array.from({ length: 10 }, () => ({ ...job('callback.deliver'), attempts: 2 })),
			...Array.from({ length: 5 }, () => ({ ...job('callback.expired', later), attempts: 1 })),
		];
		await old.addBulk(
			left.map((j) => ({
				name: j.kind,
				data: { kind: j.kind, payload: j.payload, runAt: j.runAt, attempts: j.attempts },
				opts: {
					jobId: j.id,
					delay: Math.max(0, j.runAt - Date.now()),
					removeOnComplete: { age: 24 * 3600, count: 100_000 },
					attempts: 1_000_000,
					backoff: { type: 'fixed', delay: 60_000 },
				},
			})),
		);

		const runs: { id: string; attempts: number; deliveryId?: string; at: number }[] = [];
		const a = newQueue(prefix);
		const b = newQueue(prefix);
		for (const queue of [a, b]) {
			for (const kind of JOB_KINDS) {
				queue.register(kind, async (j) => {
					runs.push({
						id: j.id,
						attempts: j.attempts,
						deliveryId: (j.payload as { deliveryId?: string }).deliveryId,
						at: Date.now(),
					});
				});
			}
		}
		a.start();
		b.start();

		await eventually(() => expect(new Set(runs.map((r) => r.id)).size).toBe(left.length), 10_000);
		// Long enough for a second copy of any job to have run too.
		await new Promise((r) => setTimeout(r, 1_000));
		expect(runs.map((r) => r.id).sort()).toEqual(left.map((j) => j.id).sort());
		for (const j of left) {
			const seen = runs.find((r) => r.id === j.id);
			// Attempt count and idempotency key as they were; not run before it was due.
			expect(seen).toMatchObject({
				attempts: j.attempts,
				deliveryId: (j.payload as { deliveryId?: string }).deliveryId,
			});
			expect(seen?.at).toBeGreaterThanOrEqual(j.runAt - 50);
		}
		// Each moved job sits in exactly its kind's queue; nothing is left in the old one.
		for (const j of left) {
			const homes = await Promise.all(
				JOB_KINDS.map(async (kind) => {
					const q = new Queue(queueNameOf(kind), {
						connection: oldConnection,
						prefix: `{${prefix}:bull}`,
					});
					const found = await q.getJob(j.id);
					await q.close();
					return found ? kind : null;
				}),
			);
			expect(homes.filter(Boolean)).toEqual([j.kind]);
		}
		expect(await old.getJobCounts('waiting', 'paused', 'delayed', 'prioritized', 'active')).toEqual(
			{ waiting: 0, paused: 0, delayed: 0, prioritized: 0, active: 0 },
		);
		// A later look (another restart) finds nothing more to move.
		expect(await a.moveOldJobs()).toBe(0);
		await old.close();
	});

	test('close() ends every worker, queue and timer it opened: its process exits by itself', async () => {
		const child = spawn(
			process.execPath,
			[
				'--require',
				require.resolve('tsx/cjs'),
				join(__dirname, 'queue-lifecycle.ts'),
				redis.url,
				`lifecycle${++run}`,
			],
			{ stdio: ['ignore', 'pipe', 'pipe'] },
		);
		let output = '';
		child.stdout.on('data', (c) => (output += c));
		child.stderr.on('data', (c) => (output += c));
		const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
		const late = new Promise<'still running'>((resolve) =>
			setTimeout(() => resolve('still running'), 15_000).unref(),
		);
		const outcome = await Promise.race([exited, late]);
		if (outcome === 'still running') child.kill('SIGKILL');
		expect({ outcome, output }).toEqual({ outcome: 0, output: `ran ${JOB_KINDS.length}\n` });
	}, 20_000);
});
