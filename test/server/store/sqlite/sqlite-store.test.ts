import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../../server/src/domain/time';
import { JobQueue } from '../../../../server/src/jobs/queue';
import { SqliteJobQueue } from '../../../../server/src/jobs/sqlite-queue';
import { silentLogger } from '../../../../server/src/observability/log';
import { MIGRATIONS } from '../../../../server/src/store/sqlite/schema';
import { SqliteStore } from '../../../../server/src/store/sqlite/sqlite-store';
import { channelFixture, messageFixture, storeContract } from '../store-contract';

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

describe('SQLite: one process per file', () => {
	let dir: string;
	beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ping-sqlite-'))));
	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	test('a second store on the same file fails at once with a message saying why', () => {
		const first = new SqliteStore(join(dir, 'ping.db'));
		try {
			expect(() => new SqliteStore(join(dir, 'ping.db'), { busyTimeoutMs: 50 })).toThrow(
				/in use by another ping-server process.*PING_STORE=redis/,
			);
		} finally {
			void first.close();
		}
	});

	test('the leases of a process that died are taken back when the file is opened again', async () => {
		const file = join(dir, 'ping.db');
		const now = Date.UTC(2026, 0, 1);
		const dead = new SqliteStore(file);
		const channel = channelFixture();
		await dead.ensureAccount(channel.accountId, now);
		await dead.insertChannel(channel);
		const message = messageFixture(channel.id);
		await dead.insertMessage(message, [
			{ kind: 'push.message', payload: { message_id: message.id }, runAt: now },
		]);
		expect(await dead.claimDueJobs(now, 10, LEASE_MS)).toHaveLength(1);
		expect(await dead.claimDueJobs(now + 1_000, 10, LEASE_MS)).toHaveLength(0);
		await dead.close(); // the process died holding the lease

		const reopened = new SqliteStore(file);
		try {
			expect(reopened.leasesTakenBack).toBe(1);
			const [job] = await reopened.claimDueJobs(now + 1_000, 10, LEASE_MS);
			expect(job).toMatchObject({ kind: 'push.message', attempts: 1 });
		} finally {
			await reopened.close();
		}
	});
});

describe('SQLite: migrations keep what an earlier version stored', () => {
	let dir: string;
	beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ping-sqlite-'))));
	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	test('APNs devices of a version-7 database become kind apns, and pairing works after', async () => {
		const file = join(dir, 'ping.db');
		const old = new Database(file);
		for (const migration of MIGRATIONS.slice(0, 7)) old.exec(migration);
		old.pragma('user_version = 7');
		old.prepare('INSERT INTO accounts (id, created_at) VALUES (?, ?)').run('usr_old', 1000);
		old
			.prepare(
				`INSERT INTO devices (id, account_id, token, environment, topic, name, created_at, registered_at)
				 VALUES ('dev_old000000001', 'usr_old', 'abcd', 'sandbox', 'com.example', 'iPhone', 1000, 2000)`,
			)
			.run();
		old.close();

		const store = new SqliteStore(file);
		try {
			expect(await store.getDevice('dev_old000000001')).toEqual({
				id: 'dev_old000000001',
				kind: 'apns',
				accountId: 'usr_old',
				token: 'abcd',
				environment: 'sandbox',
				topic: 'com.example',
				name: 'iPhone',
				createdAt: 1000,
				registeredAt: 2000,
				lastSeenAt: null,
			});
			expect((await store.findDeviceByToken('usr_old', 'abcd'))?.id).toBe('dev_old000000001');
		} finally {
			await store.close();
		}
	});
});
