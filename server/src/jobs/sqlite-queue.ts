import { Clock } from '../domain/time';
import { Logger, errorMessage } from '../observability/log';
import { JobDispatch } from './dispatch';
import { JOB_CONCURRENCY, JOB_KINDS, Job, JobHandler, JobKind, NewJob } from './job';
import { JobQueue } from './queue';

/**
 * The leased job table this queue runs from, kept by the SQLite store (the Redis store has
 * none: in Redis mode BullMQ holds the jobs).
 */
export interface JobStore {
	/**
	 * Leases up to `limit` due jobs (of `kind`, or of any kind) for `leaseMs`; a crashed
	 * worker's jobs come back after the lease.
	 */
	claimDueJobs(now: number, limit: number, leaseMs: number, kind?: JobKind): Promise<Job[]>;
	completeJob(id: string): Promise<void>;
	retryJob(id: string, runAt: number): Promise<void>;
	/** Earliest `runAt` among jobs not leased, or null when there are none. */
	nextJobDueAt(now: number): Promise<number | null>;
}

/**
 * How a store write hands the jobs it queues straight to the queue (`SqliteJobQueue` is one):
 * a job the queue can start at once is written already leased, in the write's own
 * transaction, and started after the commit, with no claim transaction and no look at the
 * table. The lease is the one a claim would have written, so the poller never takes the job
 * as well, and a crash before it finishes leaves it to the restarted server like any other.
 */
export interface JobStarter {
	/**
	 * Called inside the transaction that writes `job`: the lease to write it with when the queue
	 * can start it now (it is due and its kind has a free slot besides `starting`, the jobs this
	 * transaction already took), or null to leave it to the poller. Changes nothing, so a
	 * transaction that rolls back leaves nothing behind.
	 */
	leaseFor(job: NewJob, starting: readonly Job[]): number | null;
	/**
	 * After the commit: runs `started` (written leased), and looks at the queue when the write
	 * also queued jobs it did not start.
	 */
	written(started: readonly Job[], othersQueued: boolean): void;
}

export interface SqliteJobQueueOptions {
	/** Jobs of one kind run at once at most, each kind on its own (JOB_CONCURRENCY in job.ts). */
	concurrency: Record<JobKind, number>;
	/** A claimed job comes back to the queue after this long if its worker died. */
	leaseMs: number;
	/** Longest sleep between looks at the queue when nothing is due. */
	idleMs: number;
}

/** How many due jobs `runDue()` (tests) claims at a time. */
const RUN_DUE_BATCH = 32;

const DEFAULTS: SqliteJobQueueOptions = {
	concurrency: JOB_CONCURRENCY,
	leaseMs: 120_000,
	idleMs: 1_000,
};

/**
 * The embedded job queue: runs durable jobs from the SQLite job table (pushes, callbacks). A
 * write that queues a job it can start is handed the job at once (`JobStarter`); a write that
 * queues others wakes it, so follow-up work starts within the same tick; otherwise it sleeps
 * until the next due job, at most `idleMs`.
 */
export class SqliteJobQueue implements JobQueue, JobStarter {
	private readonly dispatch: JobDispatch;
	private readonly options: SqliteJobQueueOptions;
	/** Running jobs, per kind. */
	private readonly inFlight = new Map<JobKind, Set<Promise<void>>>(
		JOB_KINDS.map((kind) => [kind, new Set()]),
	);
	/** Slots a claim in progress may fill, per kind: a hand-off meanwhile leaves them free. */
	private readonly claiming = new Map<JobKind, number>();
	private timer: NodeJS.Timeout | null = null;
	private running = false;
	private ticking = false;
	private tickAgain = false;

	constructor(
		private readonly store: JobStore,
		private readonly clock: Clock,
		private readonly log: Logger,
		options: Partial<Omit<SqliteJobQueueOptions, 'concurrency'>> & {
			concurrency?: Partial<SqliteJobQueueOptions['concurrency']>;
		} = {},
	) {
		this.options = {
			...DEFAULTS,
			...options,
			concurrency: { ...DEFAULTS.concurrency, ...options.concurrency },
		};
		this.dispatch = new JobDispatch(clock, log);
	}

	register<K extends JobKind>(kind: K, handler: JobHandler<K>): void {
		this.dispatch.register(kind, handler);
	}

	start(): void {
		this.running = true;
		this.wake();
	}

	/** Look at the queue now (called after a write that queued jobs). */
	wake(): void {
		if (!this.running) return;
		if (this.ticking) {
			this.tickAgain = true;
			return;
		}
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		void this.tick();
	}

	leaseFor(job: NewJob, starting: readonly Job[]): number | null {
		const now = this.clock.now();
		if (!this.running || job.runAt > now) return null;
		let taken = this.runningOf(job.kind).size + (this.claiming.get(job.kind) ?? 0);
		for (const other of starting) if (other.kind === job.kind) taken++;
		return taken < this.options.concurrency[job.kind] ? now + this.options.leaseMs : null;
	}

	written(started: readonly Job[], othersQueued: boolean): void {
		for (const job of started) this.track(job);
		if (othersQueued) this.wake();
	}

	async stop(): Promise<void> {
		this.running = false;
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		await Promise.allSettled([...this.inFlight.values()].flatMap((set) => [...set]));
	}

	/** Runs every job due now and waits for them (tests with a manual clock). */
	async runDue(): Promise<number> {
		let ran = 0;
		for (;;) {
			const jobs = await this.store.claimDueJobs(
				this.clock.now(),
				RUN_DUE_BATCH,
				this.options.leaseMs,
			);
			if (jobs.length === 0) return ran;
			ran += jobs.length;
			await Promise.all(jobs.map((job) => this.run(job)));
		}
	}

	async nextDueAt(): Promise<number | null> {
		return this.store.nextJobDueAt(this.clock.now());
	}

	private async tick(): Promise<void> {
		this.ticking = true;
		try {
			for (const kind of JOB_KINDS) {
				const free = this.options.concurrency[kind] - this.runningOf(kind).size;
				if (free <= 0) continue;
				this.claiming.set(kind, free);
				let jobs: Job[];
				try {
					jobs = await this.store.claimDueJobs(this.clock.now(), free, this.options.leaseMs, kind);
				} finally {
					this.claiming.delete(kind);
				}
				for (const job of jobs) this.track(job);
				if (jobs.length === free) this.tickAgain = true;
			}
		} catch (error) {
			this.log.error('jobs.claim_failed', { error: errorMessage(error) });
		} finally {
			this.ticking = false;
		}
		if (!this.running) return;
		if (
			this.tickAgain &&
			JOB_KINDS.some((kind) => this.runningOf(kind).size < this.options.concurrency[kind])
		) {
			this.tickAgain = false;
			setImmediate(() => this.wake());
			return;
		}
		await this.sleepUntilNextDue();
	}

	private async sleepUntilNextDue(): Promise<void> {
		let delay = this.options.idleMs;
		try {
			const next = await this.store.nextJobDueAt(this.clock.now());
			if (next !== null) delay = Math.min(delay, Math.max(0, next - this.clock.now()));
		} catch {
			// keep the idle delay; the claim error is logged by tick()
		}
		if (!this.running || this.timer || this.ticking) return;
		this.timer = setTimeout(() => {
			this.timer = null;
			void this.tick();
		}, delay);
	}

	private runningOf(kind: JobKind): Set<Promise<void>> {
		return this.inFlight.get(kind) as Set<Promise<void>>;
	}

	private track(job: Job): void {
		const running = this.runningOf(job.kind);
		const limit = this.options.concurrency[job.kind];
		let retryAt: number | null = null;
		const promise = this.run(job)
			.then((at) => {
				retryAt = at;
			})
			.finally(() => {
				running.delete(promise);
				// A retry due sooner than the idle sleep (an early callback retry, 250 ms) must not
				// wait for the timer armed before it existed: look again, which re-arms the timer.
				const soonRetry = retryAt !== null && retryAt - this.clock.now() < this.options.idleMs;
				if (this.tickAgain || soonRetry || running.size === limit - 1) this.wake();
			});
		running.add(promise);
	}

	/**
	 * Runs one job and writes its outcome, unless the handler's own last write already did, in
	 * the same commit as its result (a callback attempt: `JobSettlement`).
	 */
	private async run(job: Job): Promise<number | null> {
		const { retryAt, saved } = await this.dispatch.run(job);
		if (saved) return retryAt;
		await (
			retryAt === null ? this.store.completeJob(job.id) : this.store.retryJob(job.id, retryAt)
		).catch((error) =>
			this.log.error('jobs.outcome_not_saved', { job_id: job.id, error: errorMessage(error) }),
		);
		return retryAt;
	}
}
