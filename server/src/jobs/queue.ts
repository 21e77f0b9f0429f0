import { JobHandler, JobKind } from './job';

/**
 * Runs the durable follow-up work (pushes, callbacks) that store writes queue. Two backends:
 * `SqliteJobQueue` (the SQLite job table, one process) and `BullJobQueue` (BullMQ on Redis,
 * shared by every instance); `store/open.ts` picks the one that goes with the store. Both run
 * a job through the same `JobDispatch`. Delivery is at least once: a handler may see a job
 * again after a crash, so handlers stay idempotent (callbacks carry an idempotency key).
 */
export interface JobQueue {
	/** The handler of one job kind; a job of a kind nobody registered waits and is logged. */
	register<K extends JobKind>(kind: K, handler: JobHandler<K>): void;
	start(): void;
	/** Look at the queue now (after a write that queued jobs). */
	wake(): void;
	/** Runs every job due by the injected clock and waits for them (tests with a manual clock). */
	runDue(): Promise<number>;
	/** When the next job is due by the queue's clock (now if one is waiting or running), null when none is queued. */
	nextDueAt(): Promise<number | null>;
	/** Stops taking jobs and waits for the running ones. */
	stop(): Promise<void>;
}
