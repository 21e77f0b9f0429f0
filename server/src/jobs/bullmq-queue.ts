import { Job as BullJob, DelayedError, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { Clock } from '../domain/time';
import { Logger, errorMessage } from '../observability/log';
import { JobDispatch, UNKNOWN_OR_CRASHED_RETRY_MS } from './dispatch';
import { MovedJob, OLD_QUEUE_NAME, moveOldQueueJobs } from './bullmq-old-queue';
import { JOB_CONCURRENCY, JOB_KINDS, Job, JobHandler, JobKind, JobPayloads } from './job';
import { JobQueue } from './queue';

export interface BullJobQueueOptions {
	/** Key prefix of every queue (their keys share one hash tag, so Cluster works). */
	prefix: string;
	/** Jobs of each kind one instance runs at once (JOB_CONCURRENCY, the SQLite queue's table too). */
	concurrency: Readonly<Record<JobKind, number>>;
	/** A running job's lock; the worker renews it while alive. Lapsed locks mean a dead worker. */
	lockDurationMs: number;
	/** How often each worker looks for jobs whose worker died (stalled) and puts them back. */
	stalledIntervalMs: number;
	/** How often a started queue looks again for jobs in the old single queue (rolling upgrades). */
	oldQueueCheckMs: number;
}

export const BULL_DEFAULTS: BullJobQueueOptions = {
	prefix: 'ping:bull',
	concurrency: JOB_CONCURRENCY,
	lockDurationMs: 30_000,
	stalledIntervalMs: 15_000,
	oldQueueCheckMs: 60_000,
};

/** The BullMQ queue of one job kind (BullMQ refuses `:` in names). */
export function queueNameOf(kind: string): string {
	return `${OLD_QUEUE_NAME}.${kind}`;
}

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
 * Each job kind has its own BullMQ queue and, per instance, its own worker with the kind's
 * concurrency (JOB_CONCURRENCY), so a flood of slow callbacks cannot hold back pushes: they
 * never wait in the same line. Jobs left in the single queue of an earlier version are moved
 * to their kind's queue on start (and now and then after, for a rolling upgrade).
 *
 * Like `SqliteJobQueue`: `start()` runs jobs in the background, `stop()` ends that (adding jobs still
 * works), and `runDue()` runs what is due by the injected clock, by hand when stopped (tests).
 */
export class BullJobQueue implements JobQueue {
	private readonly dispatch: JobDispatch;
	private readonly options: BullJobQueueOptions;
	private readonly producer: Redis;
	/** One queue per kind: those of JOB_KINDS, and any other kind met in a job (see `queueOf`). */
	private readonly queues = new Map<string, Queue>();
	/** The single queue of earlier versions, only read to move its jobs. */
	private readonly oldQueue: Queue;
	/** The background workers, one per kind, while started. */
	private workers: Worker[] = [];
	/** Shared by the workers for their non-blocking commands (BullMQ adds a blocking one per worker). */
	private workerConnection: Redis | null = null;
	/** Fetch jobs one by one for `runDue()` while the background workers are stopped. */
	private readonly manual = new Map<JobKind, Worker>();
	private oldQueueTimer: NodeJS.Timeout | null = null;
	private movingOldJobs: Promise<number> | null = null;
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
		this.producer = connect('producer');
		for (const kind of JOB_KINDS) this.queueOf(kind);
		this.oldQueue = this.newQueue(OLD_QUEUE_NAME);
	}

	register<K extends JobKind>(kind: K, handler: JobHandler<K>): void {
		this.dispatch.register(kind, handler);
	}

	/** Adds jobs, each to its kind's queue; a job id already there is not added twice (hand-over is idempotent). */
	async enqueue(jobs: Job[]): Promise<void> {
		const byKind = new Map<string, MovedJob[]>();
		for (const job of jobs) {
			const list = byKind.get(job.kind) ?? [];
			list.push({ id: job.id, data: { kind: job.kind, payload: job.payload, runAt: job.runAt } });
			byKind.set(job.kind, list);
		}
		await Promise.all([...byKind].map(([kind, list]) => this.add(kind, list)));
	}

	start(): void {
		if (this.workers.length > 0 || this.closed) return;
		this.workerConnection = this.connect('worker');
		for (const kind of JOB_KINDS) {
			const worker = new Worker(queueNameOf(kind), (job, token) => this.process(job, token), {
				connection: this.workerConnection,
				...this.workerOptions(),
				concurrency: this.options.concurrency[kind],
			});
			worker.on('error', this.report('jobs.worker_error'));
			worker.on('stalled', (id) => this.log.warn('jobs.stalled_recovered', { job_id: id, kind }));
			this.workers.push(worker);
		}
		void this.moveOldJobs();
		// Not unref'd: stop() clears it, and a queue left running should show as a live handle.
		this.oldQueueTimer = setInterval(() => void this.moveOldJobs(), this.options.oldQueueCheckMs);
	}

	/**
	 * Moves the jobs of the old single queue to their kinds' queues (`bullmq-old-queue.ts`):
	 * done by `start()`, and by hand in tests. One look at a time per instance; a failure
	 * (Redis away) is logged and the next look tries again.
	 */
	moveOldJobs(): Promise<number> {
		this.movingOldJobs ??= moveOldQueueJobs(this.oldQueue, (job) => this.add(job.data.kind, [job]))
			.then((moved) => {
				if (moved > 0) this.log.info('jobs.moved_from_old_queue', { count: moved });
				return moved;
			})
			.catch((error: unknown) => {
				this.report('jobs.old_queue_move_failed')(error as Error);
				return 0;
			})
			.finally(() => {
				this.movingOldJobs = null;
			});
		return this.movingOldJobs;
	}

	async nextDueAt(): Promise<number | null> {
		if (await this.anyWaitingOrRunning()) return this.clock.now();
		const delayed = (await Promise.all(this.kindQueues().map((q) => q.getDelayed()))).flat();
		if (delayed.length === 0) return null;
		return Math.min(...delayed.map((job) => (job.data as JobData).runAt));
	}

	/** BullMQ workers block on Redis for new jobs; there is nothing to wake. */
	wake(): void {}

	/**
	 * Tests with a manual clock: promotes delayed jobs due by that clock, then runs what is
	 * waiting: by hand when the background workers are stopped, else by waiting (bounded) until
	 * nothing is waiting or running. Returns how many jobs this instance ran meanwhile.
	 */
	async runDue(): Promise<number> {
		const before = this.ran;
		const now = this.clock.now();
		for (const queue of this.kindQueues()) {
			for (const job of await queue.getDelayed()) {
				if ((job.data as JobData).runAt <= now) await job.promote().catch(() => undefined);
			}
		}
		if (this.workers.length > 0) {
			const deadline = Date.now() + RUN_DUE_LIMIT_MS;
			while (Date.now() < deadline && (await this.anyWaitingOrRunning())) {
				await new Promise((r) => setTimeout(r, 10));
			}
			return this.ran - before;
		}
		// Until a pass over every kind runs nothing: a job may queue a job of another kind.
		let ranBeforePass: number;
		do {
			ranBeforePass = this.ran;
			for (const kind of JOB_KINDS) {
				// A runDue() still in flight when the queue is closed or killed must not open a worker
				// (and its own blocking connection) that nothing would ever close.
				if (this.closed) return this.ran - before;
				await this.runDueByHand(this.manualWorker(kind));
			}
		} while (this.ran > ranBeforePass);
		return this.ran - before;
	}

	/**
	 * Ends background processing, letting running jobs finish, but not forever: with Redis away a
	 * clean close cannot complete, and a job abandoned here is only locked until another
	 * instance finds it stalled. Adding jobs and `runDue()` keep working until `close()`.
	 */
	async stop(graceMs = 10_000): Promise<void> {
		if (this.oldQueueTimer) clearInterval(this.oldQueueTimer);
		this.oldQueueTimer = null;
		const workers = this.workers;
		this.workers = [];
		if (workers.length === 0) return;
		// Redis away: nothing running can be completed anyway, so don't wait long. The connection
		// may only notice that Redis left while we wait, so the shorter grace starts from then.
		const closing = Promise.all(workers.map((worker) => worker.close()));
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

	/** Stops everything and closes every queue (the connections belong to whoever made them). */
	async close(): Promise<void> {
		this.closed = true;
		await this.stop();
		const manual = [...this.manual.values()];
		this.manual.clear();
		await this.bounded(
			(async () => {
				await this.movingOldJobs;
				await Promise.all(manual.map((worker) => worker.close()));
				await Promise.all(
					this.allQueues().map(async (queue) => {
						// Closing a queue whose connection is still initialising makes BullMQ emit an
						// unhandled 'error' later; let it finish first.
						await queue.waitUntilReady().catch(() => undefined);
						await queue.close();
					}),
				);
			})(),
			1_000,
		);
	}

	/** Tests: dies like a killed process would, leaving its running jobs locked until the lock lapses. */
	async kill(): Promise<void> {
		this.closed = true;
		if (this.oldQueueTimer) clearInterval(this.oldQueueTimer);
		this.oldQueueTimer = null;
		const workers = [...this.workers, ...this.manual.values()];
		this.workers = [];
		this.manual.clear();
		await Promise.all(workers.map((worker) => worker.close(true)));
		await this.movingOldJobs;
		await Promise.all(this.allQueues().map((queue) => queue.close()));
	}

	/** Adds jobs of one kind to its queue, keeping each job's id and data. */
	private async add(kind: string, jobs: MovedJob[]): Promise<void> {
		if (jobs.length === 0) return;
		await this.queueOf(kind).addBulk(
			jobs.map(({ id, data }) => ({
				name: kind,
				data,
				opts: {
					jobId: id,
					delay: this.delayUntil(data.runAt ?? this.clock.now()),
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

	/**
	 * The queue of a kind. A kind this version does not know (a job queued by a newer one) gets
	 * a queue but no worker: its jobs wait there, logged, for a version that runs them.
	 */
	private queueOf(kind: string): Queue {
		let queue = this.queues.get(kind);
		if (!queue) {
			if (!(JOB_KINDS as readonly string[]).includes(kind))
				this.log.warn('jobs.unknown_kind_queued', { kind });
			queue = this.newQueue(queueNameOf(kind));
			this.queues.set(kind, queue);
		}
		return queue;
	}

	private newQueue(name: string): Queue {
		const queue = new Queue(name, { connection: this.producer, prefix: this.options.prefix });
		queue.on('error', this.report('jobs.queue_error'));
		return queue;
	}

	private kindQueues(): Queue[] {
		return [...this.queues.values()];
	}

	private allQueues(): Queue[] {
		return [...this.kindQueues(), this.oldQueue];
	}

	private async anyWaitingOrRunning(): Promise<boolean> {
		const counts = await Promise.all(
			JOB_KINDS.map((kind) => this.queueOf(kind).getJobCounts('waiting', 'active', 'prioritized')),
		);
		return counts.some((c) => c.waiting + c.active + c.prioritized > 0);
	}

	private manualWorker(kind: JobKind): Worker {
		let worker = this.manual.get(kind);
		if (!worker) {
			worker = new Worker(queueNameOf(kind), null, {
				connection: this.connect('worker'),
				...this.workerOptions(),
				autorun: false,
			});
			this.manual.set(kind, worker);
		}
		return worker;
	}

	/** Runs the waiting jobs of one kind's queue by hand (background workers stopped). */
	private async runDueByHand(worker: Worker): Promise<void> {
		// Jobs put back because they are early (by the clock) are not fetched twice in one call.
		const putBack = new Set<string>();
		for (;;) {
			const token = randomUUID();
			const job = await worker.getNextJob(token, { block: false });
			if (!job) return;
			if (putBack.has(String(job.id))) {
				await job.moveToDelayed(Date.now() + this.delayUntil((job.data as JobData).runAt), token);
				return;
			}
			const retryAt = this.notYet(job) ? (job.data as JobData).runAt : await this.runHandler(job);
			if (retryAt === null) {
				await job.moveToCompleted(undefined, token, false);
				continue;
			}
			if (this.notYet(job)) putBack.add(String(job.id));
			await this.reschedule(job, token, retryAt);
		}
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
		// BullMQ keeps the job: its outcome is always this queue's to write (`saved` is never set
		// in Redis mode, where the store has no job rows).
		const { retryAt } = await this.dispatch.run(job);
		this.ran++;
		return retryAt;
	}
}
