import { Config } from '../config/config';
import { Clock } from '../domain/time';
import { JobQueue } from '../jobs/queue';
import { SqliteJobQueue } from '../jobs/sqlite-queue';
import { Logger } from '../observability/log';
import { AnswerEvents } from './answer-events';
import { RetentionSweeper } from './sqlite/retention';
import { SqliteStore } from './sqlite/sqlite-store';
import { RateCounterFactory, Store } from './store';
import RateLimiterMemory from 'rate-limiter-flexible/lib/RateLimiterMemory';

/** An opened store with the job queue that runs the jobs its writes queue, and the long-poll wake-ups. */
export interface OpenStore {
	store: Store;
	jobs: JobQueue;
	events: AnswerEvents;
	/** Request counters for rate limits: in this process (SQLite), or in Redis, shared by every instance. */
	rateCounter: RateCounterFactory;
	/** Closes what `openStore` opened (after `jobs.stop()`). */
	close(): Promise<void>;
}

/**
 * The one place that picks the store driver (PING_STORE):
 * - `sqlite`: one file, jobs in its own table run by `SqliteJobQueue`, in-process wake-ups;
 * - `redis`: the Redis store, BullMQ shared by every instance, wake-ups over pub/sub.
 * A store passed in (tests) must be a SQLite store: it brings its job table.
 */
export async function openStore(
	config: Config,
	deps: { clock: Clock; log: Logger; store?: Store },
): Promise<OpenStore> {
	const { clock, log } = deps;
	if (deps.store || config.store === 'sqlite') {
		const store =
			deps.store ??
			new SqliteStore(config.databaseFile, {
				cacheMiB: config.sqlite.cacheMiB,
				mmapMiB: config.sqlite.mmapMiB,
				log,
			});
		if (!(store instanceof SqliteStore))
			throw new Error('a store passed to startServer must be a SqliteStore');
		if (store.leasesTakenBack > 0)
			log.info('jobs.leases_taken_back', { count: store.leasesTakenBack });
		const jobs = new SqliteJobQueue(store, clock, log);
		store.jobStarter = jobs;
		const rateCounter: RateCounterFactory = (name, points) =>
			new RateLimiterMemory({ keyPrefix: name, points, duration: 60 });
		const retention = new RetentionSweeper(store, clock, log, {
			retentionMs: config.retentionMs,
			everyMs: 60_000,
			// Measured with bench/retention.js: 100 per batch and 5 ms apart kept a write's p99
			// during a purge near its p99 without one (a day of 60,000 messages takes ~4 s).
			batch: 100,
			pauseMs: 5,
		});
		retention.start();
		return {
			store,
			jobs,
			events: new AnswerEvents(),
			rateCounter,
			close: async () => {
				await retention.stop();
				await store.close();
			},
		};
	}
	// Loaded only in Redis mode: ioredis and BullMQ cost SQLite mode ~100 ms and ~25 MiB at start.
	const { openRedisStore } = await import('./redis/open');
	return openRedisStore(
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
}
