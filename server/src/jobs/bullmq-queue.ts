import { Job as BullJob, DelayedError, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { Clock } from '../domain/time';
import { Logger, errorMessage } from '../observability/log';
import { JobDispatch, UNKNOWN_OR_CRASHED_RETRY_MS } from './dispatch';
import { Job, JobHandler, JobKind, JobPayloads } from './job';
import { JobQueue } from './queue';

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

/** What BullMQ stores per job: our kind, payload, the time (by our clock) it is due, and how often it was started. */
interface JobData {
	kind: JobKind;
	payload: JobPayloads[JobKind];
	runAt: number;
	/** Handler runs begun so far, counted before each run (so a run cut short by a crash counts too). */
	attempts?: number;
}

const RUN_DUE_LIMIT_MS = 10_000;
/** How long stop() still waits for running jobs once Redis is known to be away. */
const REDIS_GONE_GRACE_MS = 1_000;
/** Instances' clocks may differ a little; a job this close to due is run, not put back. */
const EARLY_TOLERANCE_MS = 1_000;

/**
 * The job queue of Redis mode: BullMQ, shared by every server instance. Durable (jobs live in
 * Redis), at least once (a job whose worker dies is found stalled by another instance and run
 * again), never run by two live instances at once (BullMQ's per-job lock, renewed while the
 * handler runs). A handler's `{retryAt}` moves the same job to BullMQ's delayed set, so a
 * pending retry belongs to no instance and whichever is alive when it is due runs it.
 *
 * Like `SqliteJobQueue`: `start()` runs jobs in the background, `stop()` ends that (adding jobs still
 * works), and `runDue()` runs what is due by the injected clock, by hand when stopped (tests).
 */
export class BullJobQueue implements JobQueue {
	private readonly dispatch: JobDispatch;
	private readonly options: BullJobQueueOptions;
	private readonly queue: Queue;
	private worker: Worker | null = null;
	private workerConnection: Redis | null = null;
	/** Fetches jobs one by one for `runDue()` while the background worker is stopped. */
	private manual: Worker | null = null;
	private ran = 0;
	/** Set by close()/kill(): no new worker may open connections after that. */
	private closed = false;

	/**
	 * `connect(purpose)` opens a new ioredis connection: the producer side fails fast
	 * (requests waiting on it answer 503), the worker side waits for Redis to come back.
	 * `isRedisAway(error)` tells a connection error (logged once by whoever made the
	 * connection; BullMQ repeats it every retry) from a real one.
	 */
	constructor(
		private readonly connect: (purpose: 'producer' | 'worker') => Redis,
		private readonly clock: Clock,
		private readonly log: Logger,
		options: Partial<BullJobQueueOptions> = {},
		private readonly isRedisAway: (error: unknown) => boolean = () => false,
	) {
		this.options = { ...BULL_DEFAULTS, ...options };
		this.dispatch = new JobDispatch(clock, log);
		this.queue = new Queue(this.options.name, {
			connection: connect('producer'),
			prefix: this.options.prefix,
		});
		this.queue.on('error', this.report('jobs.queue_error'));
	}

	register<K extends JobKind>(kind: K, handler: JobHandler<K>): void {
		this.dispatch.register(kind, handler);
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
					delay: this.delayUntil(job.runAt),
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
			...this.workerOptions(),
			concurrency: this.options.concurrency,
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
	 * Tests with a manual clock: promotes delayed jobs due by that clock, then runs what is
	 * waiting: by hand when the background worker is stopped, else by waiting (bounded) until
	 * nothing is waiting or running. Returns how many jobs this instance ran meanwhile.
	 */
	async runDue(): Promise<number> {
		const before = this.ran;
		const now = this.clock.now();
		for (const job of await this.queue.getDelayed()) {
			if ((job.data as JobData).runAt <= now) await job.promote().catch(() => undefined);
		}
		if (this.worker) {
			const deadline = Date.now() + RUN_DUE_LIMIT_MS;
			while (Date.now() < deadline) {
				const counts = await this.queue.getJobCounts('waiting', 'active', 'prioritized');
				if (counts.waiting + counts.active + counts.prioritized === 0) break;
				await new Promise((r) => setTimeout(r, 10));
			}
			return this.ran - before;
		}
		// A runDue() still in flight when the queue is closed or killed must not open a worker
		// (and its own blocking connection) that nothing would ever close.
		if (this.closed) return this.ran - before;
		this.manual ??= new Worker(this.options.name, null, {
			connection: this.connect('worker'),
			...this.workerOptions(),
			autorun: false,
		});
		// Jobs put back because they are early (by the clock) are not fetched twice in one call.
		const putBack = new Set<string>();
		for (;;) {
			const token = randomUUID();
			const job = await this.manual.getNextJob(token, { block: false });
			if (!job) break;
			if (putBack.has(String(job.id))) {
				await job.moveToDelayed(Date.now() + this.delayUntil((job.data as JobData).runAt), token);
				break;
			}
			const retryAt = this.notYet(job) ? (job.data as JobData).runAt : await this.runHandler(job);
			if (retryAt === null) {
				await job.moveToCompleted(undefined, token, false);
				continue;
			}
			if (this.notYet(job)) putBack.add(String(job.id));
			await this.reschedule(job, token, retryAt);
		}
		return this.ran - before;
	}

	/**
	 * Ends background processing, letting running jobs finish, but not forever: with Redis away a
	 * clean close cannot complete, and a job abandoned here is only locked until another
	 * instance finds it stalled. Adding jobs and `runDue()` keep working until `close()`.
	 */
	async stop(graceMs = 10_000): Promise<void> {
		const worker = this.worker;
		this.worker = null;
		if (!worker) return;
		// Redis away: nothing running can be completed anyway, so don't wait long. The connection
		// may only notice that Redis left while we wait, so the shorter grace starts from then.
		const closing = worker.close();
		const redisGone = this.whenDisconnected(this.workerConnection);
		const grace = Promise.race([
			closing,
			redisGone.then(() => new Promise((r) => setTimeout(r, REDIS_GONE_GRACE_MS))),
		]);
		await this.bounded(grace, graceMs);
		closing.catch(() => undefined);
	}

	/** Resolves once the connection is not (or no longer) ready; never, while it stays up. */
	private whenDisconnected(connection: Redis | null): Promise<void> {
		if (!connection || connection.status !== 'ready') return Promise.resolve();
		return new Promise((resolve) => {
			const gone = () => {
				connection.off('close', gone);
				connection.off('end', gone);
				resolve();
			};
			connection.once('close', gone);
			connection.once('end', gone);
		});
	}

	/** Stops everything and closes the queue (the connections belong to whoever made them). */
	async close(): Promise<void> {
		this.closed = true;
		await this.stop();
		const manual = this.manual;
		this.manual = null;
		await this.bounded(
			(async () => {
				if (manual) await manual.close();
				// Closing a queue whose connection is still initialising makes BullMQ emit an
				// unhandled 'error' later; let it finish first.
				await this.queue.waitUntilReady().catch(() => undefined);
				await this.queue.close();
			})(),
			1_000,
		);
	}

	/** Tests: dies like a killed process would, leaving its running jobs locked until the lock lapses. */
	async kill(): Promise<void> {
		this.closed = true;
		const worker = this.worker;
		const manual = this.manual;
		this.worker = null;
		this.manual = null;
		if (worker) await worker.close(true);
		if (manual) await manual.close(true);
		await this.queue.close();
	}

	private workerOptions() {
		return {
			prefix: this.options.prefix,
			lockDuration: this.options.lockDurationMs,
			stalledInterval: this.options.stalledIntervalMs,
			// A job is put back however often its workers die; it is never failed for stalling.
			maxStalledCount: 1_000_000,
		};
	}

	private delayUntil(runAt: number): number {
		return Math.max(0, runAt - this.clock.now());
	}

	/** BullMQ's delays run on the wall clock; our rule is the injected clock (tests move it). */
	private notYet(job: BullJob): boolean {
		return (job.data as JobData).runAt > this.clock.now() + EARLY_TOLERANCE_MS;
	}

	private async bounded(work: Promise<unknown>, ms: number): Promise<void> {
		let timer: NodeJS.Timeout | undefined;
		const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
		const outcome = await Promise.race([work.then(() => 'done' as const), late]);
		clearTimeout(timer);
		if (outcome === 'late') {
			this.log.warn('jobs.stop_timed_out', { grace_ms: ms });
			work.catch(() => undefined);
		}
	}

	/** Redis being away is logged once per connection (store/redis/open.ts); BullMQ repeats it every retry. */
	private report(event: string): (error: Error) => void {
		return (error) =>
			(this.isRedisAway(error) ? this.log.debug : this.log.warn)(event, {
				error: errorMessage(error),
			});
	}

	/** Background worker: a retry moves the job to the delayed set and tells BullMQ so. */
	private async process(bullJob: BullJob, token?: string): Promise<void> {
		const retryAt = this.notYet(bullJob)
			? (bullJob.data as JobData).runAt
			: await this.runHandler(bullJob);
		if (retryAt === null) return;
		await this.reschedule(bullJob, token, retryAt);
		throw new DelayedError();
	}

	private async reschedule(
		bullJob: BullJob,
		token: string | undefined,
		retryAt: number,
	): Promise<void> {
		const data = bullJob.data as JobData;
		if (data.runAt !== retryAt) await bullJob.updateData({ ...data, runAt: retryAt });
		await bullJob.moveToDelayed(Date.now() + this.delayUntil(retryAt), token);
	}

	/** Runs the job's handler: null when done, else when to run it again. */
	private async runHandler(bullJob: BullJob): Promise<number | null> {
		const data = bullJob.data as JobData;
		const attempts = data.attempts ?? 0;
		// Counted durably before the run, like the SQLite job table's claim: a run cut short by a
		// dead instance still counts (BullMQ's own counter also counts early fetches put back).
		await bullJob.updateData({ ...data, attempts: attempts + 1 });
		const job = {
			id: String(bullJob.id),
			kind: data.kind,
			payload: data.payload,
			runAt: data.runAt,
			attempts,
		} as Job;
		const retryAt = await this.dispatch.run(job);
		this.ran++;
		return retryAt;
	}
}
