import IORedis, { Redis, RedisOptions } from 'ioredis';
import { Clock } from '../../domain/time';
import { BullJobQueue, BullJobQueueOptions } from '../../jobs/bullmq-queue';
import { Logger, errorMessage } from '../../observability/log';
import { RedisAnswerEvents } from './redis-answer-events';
import { RedisStore } from './redis-store';
import { isUnavailable } from './availability';
import { withinBudget } from './request-budget';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { RateCounterFactory } from '../store';

/** How the Redis side is reached and named (from PING_REDIS_URL / PING_REDIS_PREFIX). */
export interface RedisSettings {
	url: string;
	prefix: string;
	retentionMs: number;
	/** Give up on a command after this long (the request answers 503). */
	commandTimeoutMs: number;
	/** How long start-up waits for Redis [10 s]. */
	startupTimeoutMs?: number;
	queue?: Partial<BullJobQueueOptions>;
	/** Re-queue jobs left in outboxes older than this (a writer died before handing them over). */
	outboxSweepAfterMs?: number;
}

export type ConnectionPurpose = 'store' | 'producer' | 'worker' | 'publisher' | 'subscriber';

/** The URL without its password, for logs and error messages. */
export function safeRedisUrl(url: string): string {
	try {
		const u = new URL(url);
		if (u.password) u.password = '***';
		return u.toString();
	} catch {
		return '(invalid Redis URL)';
	}
}

/**
 * Request-path connections fail fast (no offline queue, one retry, a command timeout), so a
 * request answers 503 in about `commandTimeoutMs` instead of hanging while Redis is away. The
 * worker and subscriber connections wait for Redis instead (BullMQ requires it). All of them
 * reconnect forever with a capped backoff, so the process recovers by itself.
 */
export function openConnection(
	settings: RedisSettings,
	purpose: ConnectionPurpose,
	log: Logger,
): Redis {
	const patient = purpose === 'worker' || purpose === 'subscriber';
	const options: RedisOptions = {
		connectionName: `ping-${purpose}`,
		connectTimeout: Math.max(1_000, settings.commandTimeoutMs),
		retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 1_000),
		...(patient
			? { maxRetriesPerRequest: null, enableOfflineQueue: true }
			: {
					maxRetriesPerRequest: 1,
					enableOfflineQueue: false,
					commandTimeout: settings.commandTimeoutMs,
					enableAutoPipelining: purpose === 'store',
				}),
	};
	const redis = new IORedis(settings.url, options);
	let down = false;
	redis.on('error', (error) => {
		if (down) return;
		down = true;
		log.warn('redis.unreachable', {
			connection: purpose,
			url: safeRedisUrl(settings.url),
			error: errorMessage(error),
		});
	});
	redis.on('ready', () => {
		if (!down) return;
		down = false;
		log.info('redis.recovered', { connection: purpose });
	});
	return redis;
}

/** Resolves once the connection is ready; request-path connections refuse commands before that. */
export async function whenReady(
	redis: Redis,
	settings: RedisSettings,
	timeoutMs: number,
): Promise<void> {
	if (redis.status === 'ready') return;
	await new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => {
			redis.off('ready', onReady);
			reject(
				new Error(
					`cannot reach Redis at ${safeRedisUrl(settings.url)} (PING_REDIS_URL) within ${timeoutMs} ms`,
				),
			);
		}, timeoutMs);
		const onReady = () => {
			clearTimeout(timer);
			resolve();
		};
		redis.once('ready', onReady);
	});
}

export interface OpenRedisStore {
	store: RedisStore;
	jobs: BullJobQueue;
	events: RedisAnswerEvents;
	rateCounter: RateCounterFactory;
	close(): Promise<void>;
}

/** Everything Redis mode needs: the store, the shared BullMQ queue and cross-instance wake-ups. */
export async function openRedisStore(
	settings: RedisSettings,
	clock: Clock,
	log: Logger,
): Promise<OpenRedisStore> {
	const opened: Redis[] = [];
	const connect = (purpose: ConnectionPurpose) => {
		const redis = openConnection(settings, purpose, log);
		opened.push(redis);
		return redis;
	};
	// QUIT waits for a reply; with Redis away that never comes, so such connections are just dropped.
	const closeAll = () =>
		Promise.all(
			opened.map(async (r) => {
				if (r.status !== 'ready') return r.disconnect();
				await Promise.race([
					r.quit(),
					new Promise((resolve) => setTimeout(resolve, 1_000).unref()),
				]).catch(() => undefined);
				r.disconnect();
			}),
		);
	try {
		const client = connect('store');
		await whenReady(client, settings, settings.startupTimeoutMs ?? 10_000);
		const store = new RedisStore(client, {
			prefix: settings.prefix,
			retentionMs: settings.retentionMs,
			log,
		});
		const jobs = new BullJobQueue(
			(purpose) => connect(purpose),
			clock,
			log,
			{
				// One hash tag for all of BullMQ's keys: its scripts touch several at once (Redis Cluster).
				prefix: `{${settings.prefix}:bull}`,
				...settings.queue,
			},
			isUnavailable,
		);
		store.setJobHandOver((list) => jobs.enqueue(list));
		const events = new RedisAnswerEvents(
			connect('publisher'),
			connect('subscriber'),
			`${settings.prefix}:answers`,
			log,
		);
		await events.listen();

		const sweepAfter = settings.outboxSweepAfterMs ?? 30_000;
		const sweep = setInterval(
			() => {
				store
					.sweepOutbox(sweepAfter)
					.catch((error) => log.warn('jobs.outbox_sweep_failed', { error: errorMessage(error) }));
			},
			Math.max(1_000, Math.floor(sweepAfter / 3)),
		);
		sweep.unref();

		return {
			store,
			jobs,
			events,
			rateCounter: (name, points) => {
				const counter = new RateLimiterRedis({
					storeClient: client,
					keyPrefix: `${settings.prefix}:rate:${name}`,
					points,
					duration: 60,
				});
				// Counting a request is Redis work of that request: it spends the same budget.
				const consume = counter.consume.bind(counter);
				counter.consume = (key, cost, options) => withinBudget(() => consume(key, cost, options));
				return counter;
			},
			async close() {
				clearInterval(sweep);
				await jobs.close().catch(() => undefined);
				await store.close();
				await closeAll();
			},
		};
	} catch (error) {
		await closeAll();
		throw error;
	}
}
