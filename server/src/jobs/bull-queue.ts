import { Job as BullJob, DelayedError, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { Clock } from '../clock';
import { Logger, errorMessage } from '../log';
import { isUnavailable } from '../store/redis/availability';
import { Job } from '../store/store';
import { JobHandler, JobQueue } from './queue';

export interface BullJobQueueOptions {
	/** BullMQ queue name and key prefix (its keys share one hash tag, so Cluster works). */
	name: string;
	prefix: string;
	/** Jobs one instance runs at once. */
	concurrency: number;
	/** A running job's lock; the worker renews it while alive. Lapsed locks mean a dead worker. */
	lockDurationMs: number;
	/** How often each worker looks for jobs whose worker died (stalled) and puts them back. */
	stalledIntervalMs: number;
}

export const BULL_DEFAULTS: BullJobQueueOptions = {
	name: 'jobs',
	prefix: 'ping:bull',
	concurrency: 32,
	lockDurationMs: 30_000,
	stalledIntervalMs: 15_000,
};

/** What BullMQ stores per job: our kind, payload and the time (by our clock) it is due. */
interface JobData {
	kind: string;
	payload: Record<string, unknown>;
	runAt: number;
}

const UNKNOWN_OR_CRASHED_RETRY_MS = 60_000;
const RUN_DUE_LIMIT_MS = 10_000;

/**
 * The job queue of Redis mode: BullMQ, shared by every server instance. Durable (jobs live in
 * Redis), at least once (a job whose worker dies is found stalled by another instance and run
 * again), never run by two live instances at once (BullMQ's per-job lock, renewed while the
 * handler runs). A handler's `{retryAt}` moves the same job to BullMQ's delayed set, so a
 * pending retry belongs to no instance and whichever is alive when it is due runs it.
 */
export class BullJobQueue implements JobQueue {
	private readonly handlers = new Map<string, JobHandler>();
	private readonly options: BullJobQueueOptions;
	private readonly queue: Queue;
	private worker: Worker | null = null;
	private workerConnection: Redis | null = null;
	private ran = 0;

	/**
	 * `connect(purpose)` opens a new ioredis connection: the producer side fails fast
	 * (requests waiting on it answer 503), the worker side waits for Redis to come back.
	 */
	constructor(
		private readonly connect: (purpose: 'producer' | 'worker') => Redis,
		private readonly clock: Clock,
		private readonly log: Logger,
		options: Partial<BullJobQueueOptions> = {},
	) {
		this.options = { ...BULL_DEFAULTS, ...options };
		this.queue = new Queue(this.options.name, { connection: connect('producer'), prefix: this.options.prefix });
		this.queue.on('error', this.report('jobs.queue_error'));
	}

	register(kind: string, handler: JobHandler): void {
		this.handlers.set(kind, handler);
	}

	/** Adds jobs; a job id already in the queue is not added twice (hand-over is idempotent). */
	async enqueue(jobs: Job[]): Promise<void> {
		if (jobs.length === 0) return;
		await this.queue.addBulk(
			jobs.map((job) => ({
				name: job.kind,
				data: { kind: job.kind, payload: job.payload, runAt: job.runAt } satisfies JobData,
				opts: {
					jobId: job.id,
					delay: Math.max(0, job.runAt - this.clock.now()),
					// Kept a while after completion so a late duplicate hand-over of the same id is ignored.
					removeOnComplete: { age: 24 * 3600, count: 100_000 },
					// A processor error other than a planned retry (e.g. Redis gone mid-update)
					// is retried by BullMQ itself rather than dropped.
					attempts: 1_000_000,
					backoff: { type: 'fixed', delay: UNKNOWN_OR_CRASHED_RETRY_MS },
				},
			})),
		);
	}

	start(): void {
		if (this.worker) return;
		this.workerConnection = this.connect('worker');
		const worker = new Worker(this.options.name, (job, token) => this.process(job, token), {
			connection: this.workerConnection,
			prefix: this.options.prefix,
			concurrency: this.options.concurrency,
			lockDuration: this.options.lockDurationMs,
			stalledInterval: this.options.stalledIntervalMs,
			// A job is put back however often its workers die; it is never failed for stalling.
			maxStalledCount: 1_000_000,
		});
		worker.on('error', this.report('jobs.worker_error'));
		worker.on('stalled', (id) => this.log.warn('jobs.stalled_recovered', { job_id: id }));
		this.worker = worker;
	}

	async nextDueAt(): Promise<number | null> {
		const counts = await this.queue.getJobCounts('waiting', 'active', 'prioritized');
		if (counts.waiting + counts.active + counts.prioritized > 0) return this.clock.now();
		const delayed = await this.queue.getDelayed();
		if (delayed.length === 0) return null;
		return Math.min(...delayed.map((job) => (job.data as JobData).runAt));
	}

	/** BullMQ workers block on Redis for new jobs; there is nothing to wake. */
	wake(): void {}

	/**
	 * Tests with a manual clock: promotes delayed jobs due by that clock, then waits until no job
	 * is waiting or running (bounded), and returns how many this instance ran meanwhile.
	 */
	async runDue(): Promise<number> {
		const before = this.ran;
		const now = this.clock.now();
		for (const job of await this.queue.getDelayed()) {
			if ((job.data as JobData).runAt <= now) await job.promote().catch(() => undefined);
		}
		const deadline = Date.now() + RUN_DUE_LIMIT_MS;
		while (Date.now() < deadline) {
			const counts = await this.queue.getJobCounts('waiting', 'active', 'prioritized');
			if (counts.waiting + counts.active + counts.prioritized === 0) break;
			await new Promise((r) => setTimeout(r, 10));
		}
		return this.ran - before;
	}

	/**
	 * Lets running jobs finish, but not forever: with Redis away a clean close cannot complete,
	 * and a job abandoned here is only locked until another instance finds it stalled.
	 */
	async stop(graceMs = 10_000): Promise<void> {
		const worker = this.worker;
		this.worker = null;
		// Redis away: nothing running can be completed anyway, so don't wait long.
		const grace = this.workerConnection && this.workerConnection.status !== 'ready' ? Math.min(graceMs, 1_000) : graceMs;
		const closed = (async () => {
			if (worker) await worker.close();
			// Closing a queue whose connection is still initialising makes BullMQ emit an
			// unhandled 'error' later; let it finish first.
			await this.queue.waitUntilReady().catch(() => undefined);
			await this.queue.close();
		})();
		let timer: NodeJS.Timeout | undefined;
		const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), grace)));
		const outcome = await Promise.race([closed.then(() => 'closed' as const), late]);
		clearTimeout(timer);
		if (outcome === 'late') {
			this.log.warn('jobs.stop_timed_out', { grace_ms: grace });
			closed.catch(() => undefined);
		}
	}

	/** Tests: dies like a killed process would, leaving its running jobs locked until the lock lapses. */
	async kill(): Promise<void> {
		const worker = this.worker;
		this.worker = null;
		if (worker) await worker.close(true);
		await this.queue.close();
	}

	/** Redis being away is logged once per connection (open-redis.ts); BullMQ repeats it every retry. */
	private report(event: string): (error: Error) => void {
		return (error) => (isUnavailable(error) ? this.log.debug : this.log.warn)(event, { error: errorMessage(error) });
	}

	private async process(bullJob: BullJob, token?: string): Promise<void> {
		const data = bullJob.data as JobData;
		// BullMQ counts every start of the job (first run, retries, runs after a stall).
		const job: Job = {
			id: String(bullJob.id),
			kind: data.kind,
			payload: data.payload,
			runAt: data.runAt,
			attempts: Math.max(0, bullJob.attemptsStarted - 1),
		};
		let retryAt: number | null = null;
		const handler = this.handlers.get(job.kind);
		if (!handler) {
			this.log.error('jobs.unknown_kind', { job_id: job.id, kind: job.kind });
			retryAt = this.clock.now() + UNKNOWN_OR_CRASHED_RETRY_MS;
		} else {
			try {
				const result = await handler(job);
				if (result && typeof result.retryAt === 'number') retryAt = result.retryAt;
			} catch (error) {
				this.log.error('jobs.handler_failed', { job_id: job.id, kind: job.kind, error: errorMessage(error) });
				retryAt = this.clock.now() + UNKNOWN_OR_CRASHED_RETRY_MS;
			}
		}
		this.ran++;
		if (retryAt === null) return;
		await bullJob.updateData({ ...data, runAt: retryAt });
		await bullJob.moveToDelayed(Date.now() + Math.max(0, retryAt - this.clock.now()), token);
		throw new DelayedError();
	}
}
