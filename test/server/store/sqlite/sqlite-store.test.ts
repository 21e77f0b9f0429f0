import Database from 'better-sqlite3';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../../../../server/src/domain/ids';
import { ManualClock } from '../../../../server/src/domain/time';
import { JobQueue } from '../../../../server/src/jobs/queue';
import { SqliteJobQueue } from '../../../../server/src/jobs/sqlite-queue';
import { silentLogger } from '../../../../server/src/observability/log';
import { MIGRATIONS } from '../../../../server/src/store/sqlite/schema';
import { SqliteStore } from '../../../../server/src/store/sqlite/sqlite-store';
import { api, ADMIN_KEY, createChannel, startTestServer } from '../../../helpers/server';
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

// As the server wires it: the writes hand the jobs they queue to the newest queue, which starts
// them without a claim (the first run above leaves every job to the queues' claims).
storeContract('SQLite, jobs handed from the writes', async () => {
	const clock = new ManualClock();
	const store = new SqliteStore(':memory:');
	return {
		store,
		clock,
		newQueue: () => {
			const queue = new SqliteJobQueue(store, clock, silentLogger, { leaseMs: LEASE_MS });
			store.jobStarter = queue;
			return queue;
		},
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

describe('SQLite: a database made by an older server', () => {
	let dir: string;
	beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ping-sqlite-old-'))));
	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	test('migration 9 replaces the descending history index; every stored message keeps its place in the history', async () => {
		const file = join(dir, 'ping.db');
		// The schema as the server before migration 9 left it, with a channel and 250 messages.
		const old = new Database(file);
		old.pragma('journal_mode = WAL');
		for (const migration of MIGRATIONS.slice(0, 7)) old.exec(migration);
		old.pragma('user_version = 7');
		old.prepare("INSERT INTO accounts (id, created_at) VALUES ('usr_old', 1)").run();
		old
			.prepare(
				`INSERT INTO channels (id, account_id, name, token_hash, webhook_secret, created_at, updated_at)
				 VALUES ('ch_old000000000', 'usr_old', 'Old', ?, ?, 1, 1)`,
			)
			.run('a'.repeat(64), 'b'.repeat(64));
		const insert = old.prepare(
			`INSERT INTO messages (id, channel_id, title, priority, actions, created_at, muted)
			 VALUES (?, 'ch_old000000000', ?, 'normal', '[]', ?, 0)`,
		);
		// Two messages per millisecond, so the id breaks ties as it did before.
		for (let i = 0; i < 250; i++)
			insert.run(`msg_${String(i).padStart(12, '0')}`, `Old ${i}`, 1_000 + Math.floor(i / 2));
		old.close();

		const store = new SqliteStore(file);
		try {
			const indexes = (store as unknown as { db: Database.Database }).db
				.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages'")
				.all()
				.map((r) => (r as { name: string }).name);
			expect(indexes).toContain('messages_channel_history');
			expect(indexes).not.toContain('messages_channel_created');

			// Paged newest first across the whole history: all 250, in order, none twice.
			const seen: string[] = [];
			let before: { createdAt: number; id: string } | undefined;
			for (;;) {
				const page = await store.listMessages('ch_old000000000', { limit: 40, before });
				if (page.length === 0) break;
				seen.push(...page.map((m) => m.id));
				const last = page[page.length - 1];
				before = { createdAt: last.createdAt, id: last.id };
			}
			const expected = Array.from(
				{ length: 250 },
				(_, i) => `msg_${String(249 - i).padStart(12, '0')}`,
			);
			expect(seen).toEqual(expected);
			expect((await store.getMessage('msg_000000000007'))?.title).toBe('Old 7');
		} finally {
			await store.close();
		}
	});
});

describe('SQLite: answer links made before tokens named their message', () => {
	let dir: string;
	beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ping-sqlite-links-'))));
	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	/** The token as servers before migration 12 made it: the MAC alone (32 characters). */
	const legacyToken = (key: string, messageId: string) =>
		createHmac('sha256', key)
			.update(`ping/answer-link/v1\u0000${messageId}`)
			.digest()
			.subarray(0, 24)
			.toString('base64url');

	test('migration 12: old rows are still found by their hash; new rows keep theirs unindexed', async () => {
		const file = join(dir, 'ping.db');
		const old = new Database(file);
		for (const migration of MIGRATIONS.slice(0, 11)) old.exec(migration);
		old.pragma('user_version = 11');
		old
			.prepare(
				`INSERT INTO messages (id, channel_id, title, priority, actions, created_at, muted, answer_token_hash)
				 VALUES ('msg_old000000001', 'ch_old000000000', 'Old', 'normal', '[]', 1000, 0, ?)`,
			)
			.run('a'.repeat(64));
		old.close();

		const store = new SqliteStore(file);
		try {
			expect(await store.findMessageByLegacyAnswerTokenHash('a'.repeat(64))).toMatchObject({
				id: 'msg_old000000001',
				answerTokenHash: 'a'.repeat(64),
			});
			const fresh = messageFixture('ch_old000000000');
			await store.insertMessage(fresh, []);
			expect((await store.getMessage(fresh.id))?.answerTokenHash).toBe(fresh.answerTokenHash);
			// The legacy index holds the old row only: inserts no longer add to it.
			const db = (store as unknown as { db: Database.Database }).db;
			const indexed = db
				.prepare(
					'SELECT count(*) AS n FROM messages INDEXED BY messages_answer_token WHERE answer_token_hash IS NOT NULL',
				)
				.get() as { n: number };
			expect(indexed.n).toBe(1);
		} finally {
			await store.close();
		}
	});

	test('an upgraded server still opens such a link, shows it in the API, and takes an answer from it', async () => {
		const key = 'k'.repeat(40);
		// SQLite whatever the run's store (this test edits the file as an older server left it).
		const env = { PING_STORE: 'sqlite', PING_LINK_SECRET: key };
		let server = await startTestServer({ dir, env });
		const channel = await createChannel(server.url);
		const sent = await api(server.url, 'POST', `/v1/send/${channel.token}`, {
			body: {
				title: 'Deploy v1?',
				actions: [{ type: 'button', label: 'Approve', key: 'approve' }],
			},
		});
		const id = sent.body.id as string;
		await server.stop({ keepFiles: true });
		// The row as a server before migration 12 wrote it: the MAC's hash, in the indexed column.
		const token = legacyToken(key, id);
		const db = new Database(join(dir, 'ping.db'));
		db.prepare(
			'UPDATE messages SET answer_token_hash = ?, answer_link_hash = NULL WHERE id = ?',
		).run(sha256Hex(token), id);
		db.close();

		server = await startTestServer({ dir, env });
		try {
			const link = `${server.url}/a/${token}`;
			const shown = await api(server.url, 'GET', `/v1/messages/${id}`, { key: ADMIN_KEY });
			expect(shown.body.message.answer_url).toBe(link);
			const page = await fetch(link);
			const html = await page.text();
			expect(page.status).toBe(200);
			expect(html).toContain('Deploy v1?');
			const formToken = /name="form_token" value="([^"]+)"/.exec(html)![1];
			const answered = await fetch(link, {
				method: 'POST',
				headers: {
					'content-type': 'application/x-www-form-urlencoded',
					origin: server.url,
				},
				body: new URLSearchParams({ form_token: formToken, triggered_by: 'approve' }).toString(),
			});
			expect(answered.status).toBe(200);
			const after = await api(server.url, 'GET', `/v1/messages/${id}`, { key: ADMIN_KEY });
			expect(after.body.message.answer).toMatchObject({ triggered_by: 'approve' });
		} finally {
			await server.stop();
		}
	});
});

test('the job table keeps only the index its claims read (a page less in every commit that adds or removes a job)', async () => {
	const store = new SqliteStore(':memory:');
	try {
		const db = (store as unknown as { db: Database.Database }).db;
		const indexes = db
			.prepare(
				"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' ORDER BY name",
			)
			.all()
			.map((r) => (r as { name: string }).name);
		expect(indexes).toEqual(['jobs_kind_due', 'sqlite_autoindex_jobs_1']);
		const plan = db
			.prepare(
				'EXPLAIN QUERY PLAN SELECT * FROM jobs WHERE kind = ? AND run_at <= ? AND locked_until <= ? ORDER BY run_at LIMIT ?',
			)
			.all('callback.deliver', 1, 1, 1)
			.map((r) => (r as { detail: string }).detail)
			.join(' ');
		expect(plan).toContain('jobs_kind_due');
	} finally {
		await store.close();
	}
});

describe('SQLite: checkpoints in the background', () => {
	test('writes land in the WAL and a worker thread copies them into the database file', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'ping-sqlite-ckpt-'));
		const file = join(dir, 'ping.db');
		const store = new SqliteStore(file);
		try {
			const db = (store as unknown as { db: Database.Database }).db;
			expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
			const channel = channelFixture();
			await store.ensureAccount(channel.accountId, 1);
			await store.insertChannel(channel);
			const sizeBefore = statSync(file).size;
			await Promise.all(
				Array.from({ length: 2_000 }, () => store.insertMessage(messageFixture(channel.id), [])),
			);
			// Nothing on this thread checkpoints: the file grows only by the worker's copies.
			const deadline = Date.now() + 10_000;
			while (statSync(file).size <= sizeBefore && Date.now() < deadline)
				await new Promise((r) => setTimeout(r, 50));
			expect(statSync(file).size).toBeGreaterThan(sizeBefore);
		} finally {
			await store.close();
			rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe('SQLite: migrations keep what an earlier version stored', () => {
	let dir: string;
	beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ping-sqlite-'))));
	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	test('migration 13: delivery rows of a version-11 database get their kind, from the device while it exists, else from what the jobs wrote', async () => {
		const file = join(dir, 'ping.db');
		const old = new Database(file);
		for (const migration of MIGRATIONS.slice(0, 11)) old.exec(migration);
		old.pragma('user_version = 11');
		old.prepare('INSERT INTO accounts (id, created_at) VALUES (?, ?)').run('usr_old', 1000);
		const device = old.prepare(
			`INSERT INTO devices (id, account_id, kind, created_at, registered_at, token, environment)
			 VALUES (?, 'usr_old', ?, 1000, 1000, ?, ?)`,
		);
		device.run('dev_phone0000001', 'apns', 'abcd', 'sandbox');
		device.run('dev_browser00001', 'webpush', null, null);
		const delivery = old.prepare(
			`INSERT INTO deliveries (message_id, device_id, state, reason, apns_id, attempts, next_attempt_at, updated_at)
			 VALUES ('msg_old000000001', ?, ?, ?, ?, ?, ?, 2000)`,
		);
		const apnsId = '123e4567-e89b-12d3-a456-426614174000';
		// Devices that still exist: their kind, whatever the row says.
		delivery.run('dev_phone0000001', 'sent', null, apnsId, 1, null);
		delivery.run('dev_browser00001', 'queued', null, null, 0, null);
		// Devices removed since: apns_id only ever comes from the APNs job…
		delivery.run('dev_gone00000001', 'retrying', 'TooManyRequests', apnsId, 1, 3000);
		// …an attempt without one, or a reason only Web Push gives, is a browser's…
		delivery.run('dev_gone00000002', 'retrying', 'HTTP 503', null, 2, 3000);
		delivery.run('dev_gone00000003', 'failed', 'NoSubscription', null, 0, null);
		delivery.run('dev_gone00000004', 'failed', 'Answered', null, 0, null);
		// …and a row never attempted says nothing: APNs, the only kind before migration 8.
		delivery.run('dev_gone00000005', 'queued', null, null, 0, null);
		delivery.run('dev_gone00000006', 'failed', 'Expired', null, 0, null);
		old.close();

		const store = new SqliteStore(file);
		try {
			const rows = await store.listDeliveries('msg_old000000001');
			expect(rows.map((r) => [r.deviceId, r.kind])).toEqual([
				['dev_browser00001', 'webpush'],
				['dev_gone00000001', 'apns'],
				['dev_gone00000002', 'webpush'],
				['dev_gone00000003', 'webpush'],
				['dev_gone00000004', 'webpush'],
				['dev_gone00000005', 'apns'],
				['dev_gone00000006', 'apns'],
				['dev_phone0000001', 'apns'],
			]);
			// The rest of each row is as it was.
			expect(rows.find((r) => r.deviceId === 'dev_gone00000002')).toEqual({
				messageId: 'msg_old000000001',
				deviceId: 'dev_gone00000002',
				kind: 'webpush',
				state: 'retrying',
				reason: 'HTTP 503',
				apnsId: null,
				attempts: 2,
				nextAttemptAt: 3000,
				updatedAt: 2000,
			});
			expect(
				(await store.listDeliveries('msg_old000000001', 'webpush')).map((r) => r.deviceId),
			).toEqual(['dev_browser00001', 'dev_gone00000002', 'dev_gone00000003', 'dev_gone00000004']);
			// New rows are written with their kind.
			await store.addDeliveries('msg_old000000001', 'webpush', ['dev_browser00002'], 4000);
			expect((await store.listDeliveries('msg_old000000001', 'webpush')).at(1)).toMatchObject({
				deviceId: 'dev_browser00002',
				kind: 'webpush',
			});
		} finally {
			await store.close();
		}
	});

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
