import { ManualClock } from '../../../../server/src/domain/time';
import { JobQueue } from '../../../../server/src/jobs/queue';
import { SqliteJobQueue } from '../../../../server/src/jobs/sqlite-queue';
import { silentLogger } from '../../../../server/src/observability/log';
import { SqliteStore } from '../../../../server/src/store/sqlite/sqlite-store';
import { storeContract } from '../store-contract';

const LEASE_MS = 120_000;

storeContract('SQLite', async () => {
	const clock = new ManualClock();
	const store = new SqliteStore(':memory:');
	return {
		store,
		clock,
		newQueue: () => new SqliteJobQueue(store, clock, silentLogger, { leaseMs: LEASE_MS }),
		// The runner stops taking jobs and never finishes the one it holds (its promise is dropped).
		crash: async (queue: JobQueue) => void queue.stop(),
		lapseLeases: async () => clock.advance(LEASE_MS + 1),
		close: () => store.close(),
	};
});
