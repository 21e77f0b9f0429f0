import { AnswerEvents } from './answer-events';
import { Clock } from '../domain/time';
import { Config } from '../config/config';
import { JobQueue } from '../jobs/queue';
import { JobRunner } from '../jobs/sqlite-queue';
import { Logger } from '../observability/log';
import { openRedisBackend } from './redis/open';
import { SqliteStore } from './sqlite/sqlite-store';
import { Store } from './store';

/** The store, the queue that runs the jobs its writes queue, and the long-poll wake-ups, as one set. */
export interface Storage {
	store: Store;
	jobs: JobQueue;
	events: AnswerEvents;
	/** Closes what `openStorage` opened (after `jobs.stop()`). */
	close(): Promise<void>;
}

/**
 * PING_STORE=sqlite: one file, jobs in its own table run by `JobRunner`, in-process wake-ups.
 * PING_STORE=redis: the Redis store, BullMQ shared by every instance, wake-ups over pub/sub.
 * A store passed in (tests) must be a SQLite store: it brings its job table.
 */
export async function openStorage(config: Config, deps: { clock: Clock; log: Logger; store?: Store }): Promise<Storage> {
	const { clock, log } = deps;
	if (deps.store || config.store === 'sqlite') {
		const store = deps.store ?? new SqliteStore(config.databaseFile);
		if (!(store instanceof SqliteStore)) throw new Error('a store passed to startServer must be a SqliteStore');
		const jobs = new JobRunner(store, clock, log);
		store.onJobsQueued = () => jobs.wake();
		return { store, jobs, events: new AnswerEvents(), close: () => store.close() };
	}
	const backend = await openRedisBackend(
		{
			url: config.redis.url as string,
			prefix: config.redis.prefix,
			retentionMs: config.redis.retentionMs,
			commandTimeoutMs: config.redis.commandTimeoutMs,
			startupTimeoutMs: config.redis.startupTimeoutMs,
		},
		clock,
		log,
	);
	return { store: backend.store, jobs: backend.jobs, events: backend.events, close: () => backend.close() };
}
