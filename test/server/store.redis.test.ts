import type { Redis } from 'ioredis';
import { ManualClock } from '../../server/src/clock';
import { BullJobQueue } from '../../server/src/jobs/bull-queue';
import { JobQueue } from '../../server/src/jobs/queue';
import { silentLogger } from '../../server/src/log';
import { ConnectionPurpose, RedisSettings, openConnection, whenReady } from '../../server/src/store/redis/open-redis';
import { RedisStore } from '../../server/src/store/redis/redis-store';
import { TestRedis, describeWithRedis, startRedis } from '../helpers/redis';
import { storeContract } from './store-contract';

/** Short locks so a dead instance's job comes back within a couple of seconds. */
const QUEUE_TIMING = { lockDurationMs: 1_000, stalledIntervalMs: 400 };

describeWithRedis('Redis driver', () => {
	let redis: TestRedis;
	let run = 0;
	beforeAll(async () => {
		redis = await startRedis();
	});
	afterAll(async () => {
		await redis?.destroy();
	});

	storeContract('Redis', async () => {
		const prefix = `contract${++run}`;
		const settings: RedisSettings = { url: redis.url, prefix, retentionMs: 30 * 24 * 3600_000, commandTimeoutMs: 2_000 };
		const clock = new ManualClock();
		const connections: Redis[] = [];
		const connect = (purpose: ConnectionPurpose) => {
			const c = openConnection(settings, purpose, silentLogger);
			connections.push(c);
			return c;
		};
		const client = connect('store');
		await whenReady(client, settings, 5_000);
		const store = new RedisStore(client, { prefix });
		const queueOptions = { prefix: `${prefix}:bull`, ...QUEUE_TIMING };
		const producer = new BullJobQueue(connect, clock, silentLogger, queueOptions);
		store.setJobDispatch((jobs) => producer.enqueue(jobs));
		return {
			store,
			clock,
			newQueue: () => new BullJobQueue(connect, clock, silentLogger, queueOptions),
			crash: (queue: JobQueue) => (queue as BullJobQueue).kill(),
			lapseLeases: () => new Promise((r) => setTimeout(r, QUEUE_TIMING.lockDurationMs + 2 * QUEUE_TIMING.stalledIntervalMs)),
			close: async () => {
				await producer.stop();
				await store.close();
				await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
			},
		};
	});
});
