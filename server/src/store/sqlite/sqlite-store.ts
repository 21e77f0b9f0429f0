import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { newJobId } from '../../domain/ids';
import { PollOutcome, PollRecord } from '../../domain/polling';
import {
	Account,
	Answer,
	ApiKey,
	ApnsDevice,
	ApnsEnvironment,
	CallbackAttempt,
	CallbackState,
	Channel,
	ChannelWebhook,
	ConsoleSession,
	DeviceDelivery,
	Device,
	DeviceKind,
	Message,
	MessageRecord,
	Pairing,
	WebPushDevice,
	WebPushSubscription,
} from '../../domain/types';
import { Job, JobKind, JobSettlement, NewJob } from '../../jobs/job';
import { JobStarter, JobStore } from '../../jobs/sqlite-queue';
import {
	applyDevicePatch,
	ChannelPatch,
	DevicePatch,
	MessagePage,
	SaveAnswerResult,
	ExpireMessageResult,
	Store,
} from '../store';
import { Logger } from '../../observability/log';
import { Checkpointer } from './checkpointer';
import { MIGRATIONS } from './schema';

type Row = Record<string, unknown>;

export const SQLITE_CACHE_MIB_DEFAULT = 64;
export const SQLITE_MMAP_MIB_DEFAULT = 256;

/**
 * Holds `<file>-lock` (a small SQLite file in exclusive locking mode, written once) for as
 * long as the store is open: a second process on the same database fails here, at once.
 */
function lockFile(file: string): Database.Database {
	const lock = new Database(`${file}-lock`);
	try {
		lock.pragma('busy_timeout = 0');
		lock.pragma('locking_mode = EXCLUSIVE');
		lock.exec('BEGIN EXCLUSIVE; COMMIT');
		return lock;
	} catch (error) {
		lock.close();
		if ((error as { code?: string }).code === 'SQLITE_BUSY') {
			throw new Error(
				`the SQLite database ${file} is in use by another ping-server process; SQLite mode runs one process per file (use PING_STORE=redis to run several)`,
			);
		}
		throw error;
	}
}

/**
 * Entries each of the store's in-memory caches (channels by token and by id, webhook lists)
 * holds before it starts over. Exact for the one process that owns the file (every write drops
 * what it changes); the SQLite store is not meant to be shared by several processes (use Redis
 * for that).
 */
const CHANNEL_CACHE_MAX = 10_000;

/** `cache`'s entry for `key`, else what `load` finds (kept; null is not), emptying a full cache first. */
function readThrough<V>(cache: Map<string, V>, key: string, load: () => V | null): V | null {
	const cached = cache.get(key);
	if (cached !== undefined) return cached;
	const value = load();
	if (value === null) return null;
	if (cache.size >= CHANNEL_CACHE_MAX) cache.clear();
	cache.set(key, value);
	return value;
}

interface PendingMessage {
	message: Message;
	jobs: NewJob[];
	resolve: () => void;
	reject: (error: unknown) => void;
}

const str = (v: unknown) => v as string;
const strOrNull = (v: unknown) => (v === null || v === undefined ? null : (v as string));
const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function toApiKey(r: Row): ApiKey {
	return {
		id: str(r.id),
		accountId: str(r.account_id),
		name: strOrNull(r.name),
		prefix: str(r.prefix),
		keyHash: str(r.key_hash),
		createdAt: Number(r.created_at),
		lastUsedAt: numOrNull(r.last_used_at),
	};
}

function toChannel(r: Row): Channel {
	return {
		id: str(r.id),
		accountId: str(r.account_id),
		name: str(r.name),
		icon: strOrNull(r.icon),
		color: strOrNull(r.color),
		mutedUntil: numOrNull(r.muted_until),
		tokenHash: str(r.token_hash),
		webhookSecret: str(r.webhook_secret),
		createdAt: Number(r.created_at),
		updatedAt: Number(r.updated_at),
	};
}

function toDevice(r: Row): Device {
	const common = {
		id: str(r.id),
		accountId: str(r.account_id),
		name: strOrNull(r.name),
		createdAt: Number(r.created_at),
		registeredAt: Number(r.registered_at),
		lastSeenAt: numOrNull(r.last_seen_at),
	};
	if (r.kind === 'webpush') {
		return {
			...common,
			kind: 'webpush',
			keyHash: str(r.key_hash),
			channelIds: r.channel_ids === null ? null : (JSON.parse(str(r.channel_ids)) as string[]),
			subscription:
				r.subscription === null ? null : (JSON.parse(str(r.subscription)) as WebPushSubscription),
			...(r.expiry_warned_at === null || r.expiry_warned_at === undefined
				? {}
				: { expiryWarnedAt: Number(r.expiry_warned_at) }),
		};
	}
	return {
		...common,
		kind: 'apns',
		token: str(r.token),
		environment: str(r.environment) as ApnsEnvironment,
		topic: strOrNull(r.topic),
	};
}

/** A device as named parameters for its row: the other kind's columns are null. */
function deviceRow(d: Device) {
	const apns = d.kind === 'apns' ? d : null;
	const webpush = d.kind === 'webpush' ? d : null;
	return {
		id: d.id,
		accountId: d.accountId,
		kind: d.kind,
		name: d.name,
		createdAt: d.createdAt,
		registeredAt: d.registeredAt,
		lastSeenAt: d.lastSeenAt,
		token: apns?.token ?? null,
		environment: apns?.environment ?? null,
		topic: apns?.topic ?? null,
		keyHash: webpush?.keyHash ?? null,
		channelIds: webpush?.channelIds ? JSON.stringify(webpush.channelIds) : null,
		subscription: webpush?.subscription ? JSON.stringify(webpush.subscription) : null,
	};
}

function toPairing(r: Row): Pairing {
	return {
		codeHash: str(r.code_hash),
		accountId: str(r.account_id),
		channelIds: r.channel_ids === null ? null : (JSON.parse(str(r.channel_ids)) as string[]),
		name: strOrNull(r.name),
		createdAt: Number(r.created_at),
		expiresAt: Number(r.expires_at),
	};
}

function toMessage(r: Row): MessageRecord {
	return {
		id: str(r.id),
		channelId: str(r.channel_id),
		title: str(r.title),
		body: strOrNull(r.body),
		priority: str(r.priority) as Message['priority'],
		callbackUrl: strOrNull(r.callback_url),
		actions: JSON.parse(str(r.actions)),
		createdAt: Number(r.created_at),
		expiresAt: numOrNull(r.expires_at),
		muted: r.muted === 1,
		answerTokenHash: strOrNull(r.answer_link_hash ?? r.answer_token_hash),
		answer: r.answer === null ? null : (JSON.parse(str(r.answer)) as Answer),
		readAt: numOrNull(r.read_at),
		callbackState: str(r.callback_state) as CallbackState,
	};
}

/** A row of the `pollMessage` statement (in its column order). */
function toPollRecord(r: unknown[]): PollRecord {
	return {
		id: str(r[0]),
		channelId: str(r[1]),
		expiresAt: numOrNull(r[2]),
		answer: r[3] === null ? null : (JSON.parse(str(r[3])) as Answer),
		readAt: numOrNull(r[4]),
		callbackState: str(r[5]) as CallbackState,
	};
}

function toDelivery(r: Row): DeviceDelivery {
	return {
		messageId: str(r.message_id),
		deviceId: str(r.device_id),
		kind: str(r.kind) as DeviceKind,
		state: str(r.state) as DeviceDelivery['state'],
		reason: strOrNull(r.reason),
		apnsId: strOrNull(r.apns_id),
		attempts: Number(r.attempts),
		nextAttemptAt: numOrNull(r.next_attempt_at),
		updatedAt: Number(r.updated_at),
	};
}

function toWebhook(r: Row): ChannelWebhook {
	return {
		id: str(r.id),
		channelId: str(r.channel_id),
		url: str(r.url),
		description: strOrNull(r.description),
		createdAt: Number(r.created_at),
	};
}

function toAttempt(r: Row): CallbackAttempt {
	return {
		messageId: str(r.message_id),
		deliveryId: str(r.delivery_id),
		target: str(r.target) as CallbackAttempt['target'],
		webhookId: strOrNull(r.webhook_id),
		attempt: Number(r.attempt),
		attemptedAt: Number(r.attempted_at),
		statusCode: numOrNull(r.status_code),
		error: strOrNull(r.error),
		latencyMs: Number(r.latency_ms),
		outcome: str(r.outcome) as CallbackAttempt['outcome'],
		nextAttemptAt: numOrNull(r.next_attempt_at),
	};
}

/** A job row as queued by this server (kind and payload were typed when they were written). */
function toJob(r: Row): Job {
	return {
		id: str(r.id),
		kind: str(r.kind),
		payload: JSON.parse(str(r.payload)),
		runAt: Number(r.run_at),
		attempts: Number(r.attempts),
	} as Job;
}

/** How the SQLite file is opened; the defaults suit a server (tests and benches change them). */
export interface SqliteStoreOptions {
	busyTimeoutMs?: number;
	/** SQLite's page cache, in MiB (PING_SQLITE_CACHE_MB). */
	cacheMiB?: number;
	/** How much of the file is read through a memory map, in MiB (PING_SQLITE_MMAP_MB); 0 is off. */
	mmapMiB?: number;
	/** Where a failing background checkpoint is reported. */
	log?: Logger;
}

/**
 * The embedded default store: one SQLite file (WAL), zero set-up, survives restarts.
 * better-sqlite3 is synchronous, so every method is atomic within this process; the
 * multi-statement ones run in a transaction as well.
 *
 * One process per file, enforced: the store holds an exclusive lock on `<file>-lock` while it
 * is open, so a second server on the same file fails at start instead of sharing it. That makes
 * every job lease found at open a lease of a process that is gone, and they are taken back at
 * once: work interrupted by a crash resumes as soon as the server is up again, not when the
 * lease would have run out. (The lock is a file of its own, not SQLite's exclusive locking mode
 * on the database, so that the checkpoint worker can open the database too.)
 *
 * WAL checkpoints run on a worker thread (`checkpointer.ts`), never inside a request's commit.
 */
export class SqliteStore implements Store, JobStore {
	private readonly db: Database.Database;
	private readonly lock: Database.Database | null;
	/** Started by the first write that adds real weight (a message, an answer…), not at open. */
	private checkpointer: Checkpointer | null = null;
	private readonly onDisk: boolean;
	private readonly file: string;
	private readonly log: Logger | null;
	private readonly busyTimeoutMs: number;
	private readonly stmt: Record<string, Database.Statement>;
	/**
	 * Runs `fn` in a transaction (a savepoint when nested). Made once: better-sqlite3 builds
	 * a wrapper per `db.transaction()` call, which on the answer path cost as much as the
	 * statements it wrapped.
	 */
	private readonly atomically: <T>(fn: () => T) => T;
	/**
	 * Channels and their webhook lists as last read, for the reads every send and answer makes
	 * (the token's channel, an answer's channel and its webhooks). One process per file and every
	 * change through the methods below that drop them, so they are never stale.
	 */
	private readonly channelsByToken = new Map<string, Channel>();
	private readonly channelsById = new Map<string, Channel>();
	private readonly webhooksByChannel = new Map<string, ChannelWebhook[]>();
	private pendingMessages: PendingMessage[] = [];
	/**
	 * The job queue, told about every write that queues jobs: the ones it can start are written
	 * leased and handed to it after the commit, the others wake it.
	 */
	jobStarter: JobStarter | null = null;

	/** Jobs that were leased by a previous process when this one opened the file. */
	readonly leasesTakenBack: number;

	constructor(file: string, options: SqliteStoreOptions = {}) {
		const onDisk = file !== ':memory:';
		if (onDisk) mkdirSync(dirname(file), { recursive: true });
		this.lock = onDisk ? lockFile(file) : null;
		try {
			this.db = new Database(file);
		} catch (error) {
			this.lock?.close();
			throw error;
		}
		try {
			this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
			this.db.pragma('journal_mode = WAL');
			this.db.pragma('synchronous = NORMAL');
			this.db.pragma('foreign_keys = ON');
			// A negative cache_size is in KiB. Pages of the history and id indexes of a large
			// database stay in memory; the map lets reads skip a system call per page.
			this.db.pragma(`cache_size = ${-1024 * (options.cacheMiB ?? SQLITE_CACHE_MIB_DEFAULT)}`);
			this.db.pragma(`mmap_size = ${1024 * 1024 * (options.mmapMiB ?? SQLITE_MMAP_MIB_DEFAULT)}`);
			// The WAL's size stays bounded after a burst (the file is cut back once checkpointed).
			this.db.pragma(`journal_size_limit = ${16 * 1024 * 1024}`);
			if (onDisk) this.db.pragma('wal_autocheckpoint = 0');
			this.migrate();
			this.leasesTakenBack = this.db
				.prepare('UPDATE jobs SET locked_until = 0 WHERE locked_until > 0')
				.run().changes;
		} catch (error) {
			this.db.close();
			this.lock?.close();
			throw error;
		}
		this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
		const inTransaction = this.db.transaction((fn: () => unknown) => fn());
		this.atomically = <T>(fn: () => T) => inTransaction(fn) as T;
		this.onDisk = onDisk;
		this.file = file;
		this.log = options.log ?? null;
		const p = (sql: string) => this.db.prepare(sql);
		this.stmt = {
			insertAccount: p('INSERT OR IGNORE INTO accounts (id, created_at) VALUES (?, ?)'),
			getAccount: p('SELECT * FROM accounts WHERE id = ?'),
			countKeys: p('SELECT COUNT(*) AS n FROM api_keys'),
			countAccountKeys: p('SELECT COUNT(*) AS n FROM api_keys WHERE account_id = ?'),
			insertKey: p(
				`INSERT INTO api_keys (id, account_id, name, prefix, key_hash, created_at, last_used_at)
				 VALUES (@id, @accountId, @name, @prefix, @keyHash, @createdAt, @lastUsedAt)`,
			),
			keyByHash: p('SELECT * FROM api_keys WHERE key_hash = ?'),
			listKeys: p('SELECT * FROM api_keys WHERE account_id = ? ORDER BY created_at, id'),
			deleteKey: p('DELETE FROM api_keys WHERE account_id = ? AND id = ?'),
			touchKey: p('UPDATE api_keys SET last_used_at = ? WHERE id = ?'),
			insertChannel: p(
				`INSERT INTO channels (id, account_id, name, icon, color, muted_until, token_hash, webhook_secret, created_at, updated_at)
				 VALUES (@id, @accountId, @name, @icon, @color, @mutedUntil, @tokenHash, @webhookSecret, @createdAt, @updatedAt)`,
			),
			getChannel: p('SELECT * FROM channels WHERE id = ?'),
			channelByToken: p('SELECT * FROM channels WHERE token_hash = ?'),
			listChannels: p('SELECT * FROM channels WHERE account_id = ? ORDER BY created_at, id'),
			updateChannel: p(
				`UPDATE channels SET name = @name, icon = @icon, color = @color, muted_until = @mutedUntil,
				 token_hash = @tokenHash, webhook_secret = @webhookSecret, updated_at = @updatedAt WHERE id = @id`,
			),
			deleteChannel: p('DELETE FROM channels WHERE id = ?'),
			oldestMessages: p('SELECT id FROM messages WHERE created_at < ? ORDER BY created_at LIMIT ?'),
			deleteMessage: p('DELETE FROM messages WHERE id = ?'),
			deleteMessageAttempts: p('DELETE FROM callback_attempts WHERE message_id = ?'),
			deleteMessageDeliveries: p('DELETE FROM deliveries WHERE message_id = ?'),
			deleteChannelMessages: p('DELETE FROM messages WHERE channel_id = ?'),
			deleteChannelAttempts: p(
				'DELETE FROM callback_attempts WHERE message_id IN (SELECT id FROM messages WHERE channel_id = ?)',
			),
			countWebhooks: p('SELECT COUNT(*) AS n FROM channel_webhooks WHERE channel_id = ?'),
			insertWebhook: p(
				`INSERT INTO channel_webhooks (id, channel_id, url, description, created_at)
				 VALUES (@id, @channelId, @url, @description, @createdAt)`,
			),
			getWebhook: p('SELECT * FROM channel_webhooks WHERE id = ?'),
			listWebhooks: p(
				'SELECT * FROM channel_webhooks WHERE channel_id = ? ORDER BY created_at, id',
			),
			deleteWebhook: p('DELETE FROM channel_webhooks WHERE channel_id = ? AND id = ?'),
			insertAttempt: p(
				`INSERT INTO callback_attempts (message_id, delivery_id, target, webhook_id, attempt, attempted_at,
				 status_code, error, latency_ms, outcome, next_attempt_at)
				 VALUES (@messageId, @deliveryId, @target, @webhookId, @attempt, @attemptedAt,
				 @statusCode, @error, @latencyMs, @outcome, @nextAttemptAt)`,
			),
			listAttempts: p(
				'SELECT * FROM callback_attempts WHERE message_id = ? ORDER BY attempted_at, rowid',
			),
			insertDevice: p(
				`INSERT INTO devices (id, account_id, kind, name, created_at, registered_at, last_seen_at,
				 token, environment, topic, key_hash, channel_ids, subscription)
				 VALUES (@id, @accountId, @kind, @name, @createdAt, @registeredAt, @lastSeenAt,
				 @token, @environment, @topic, @keyHash, @channelIds, @subscription)`,
			),
			getDevice: p('SELECT * FROM devices WHERE id = ?'),
			deviceByToken: p(
				"SELECT * FROM devices WHERE account_id = ? AND token = ? AND kind = 'apns'",
			),
			deviceByKeyHash: p("SELECT * FROM devices WHERE key_hash = ? AND kind = 'webpush'"),
			listDevices: p('SELECT * FROM devices WHERE account_id = ? ORDER BY created_at, id'),
			updateDevice: p(
				`UPDATE devices SET name = @name, registered_at = @registeredAt, last_seen_at = @lastSeenAt,
				 token = @token, environment = @environment, topic = @topic,
				 channel_ids = @channelIds, subscription = @subscription WHERE id = @id`,
			),
			insertPairing: p(
				`INSERT INTO pairings (code_hash, account_id, channel_ids, name, created_at, expires_at)
				 VALUES (?, ?, ?, ?, ?, ?)`,
			),
			findPairing: p('SELECT * FROM pairings WHERE code_hash = ? AND expires_at > ?'),
			takePairing: p('DELETE FROM pairings WHERE code_hash = ? RETURNING *'),
			dropExpiredPairings: p('DELETE FROM pairings WHERE expires_at <= ?'),
			removeSubscription: p(
				`UPDATE devices SET subscription = NULL
				 WHERE id = ? AND kind = 'webpush' AND json_extract(subscription, '$.endpoint') = ?`,
			),
			browsersUnseenSince: p(
				`SELECT * FROM devices WHERE kind = 'webpush' AND subscription IS NOT NULL
				 AND COALESCE(last_seen_at, created_at) < ? ORDER BY COALESCE(last_seen_at, created_at), id`,
			),
			expireSubscription: p(
				`UPDATE devices SET subscription = NULL WHERE id = ? AND kind = 'webpush'
				 AND subscription IS NOT NULL AND COALESCE(last_seen_at, created_at) < ?`,
			),
			claimExpiryWarning: p(
				`UPDATE devices SET expiry_warned_at = @now WHERE id = @id AND kind = 'webpush'
				 AND subscription IS NOT NULL AND COALESCE(last_seen_at, created_at) < @before
				 AND (expiry_warned_at IS NULL OR expiry_warned_at <= COALESCE(last_seen_at, created_at))`,
			),
			releaseExpiryWarning: p(
				'UPDATE devices SET expiry_warned_at = NULL WHERE id = ? AND expiry_warned_at = ?',
			),
			deleteDevice: p('DELETE FROM devices WHERE id = ?'),
			deleteDeviceBefore: p('DELETE FROM devices WHERE id = ? AND registered_at < ?'),
			addDelivery: p(
				`INSERT OR IGNORE INTO deliveries (message_id, device_id, kind, state, attempts, updated_at) VALUES (?, ?, ?, 'queued', 0, ?)`,
			),
			listDeliveries: p('SELECT * FROM deliveries WHERE message_id = ? ORDER BY device_id'),
			listDeliveriesOfKind: p(
				'SELECT * FROM deliveries WHERE message_id = ? AND kind = ? ORDER BY device_id',
			),
			saveDelivery: p(
				`INSERT OR REPLACE INTO deliveries (message_id, device_id, kind, state, reason, apns_id, attempts, next_attempt_at, updated_at)
				 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			),
			deleteChannelDeliveries: p(
				'DELETE FROM deliveries WHERE message_id IN (SELECT id FROM messages WHERE channel_id = ?)',
			),
			insertMessage: p(
				`INSERT INTO messages (id, channel_id, title, body, priority, callback_url, actions, created_at, expires_at, muted, answer_link_hash)
				 VALUES (@id, @channelId, @title, @body, @priority, @callbackUrl, @actions, @createdAt, @expiresAt, @muted, @answerTokenHash)`,
			),
			getMessage: p('SELECT * FROM messages WHERE id = ?'),
			signingSecret: p(
				`SELECT c.webhook_secret FROM messages m JOIN channels c ON c.id = m.channel_id
				 WHERE m.id = ?`,
			).pluck(),
			// A poll's columns only, as an array (no per-row object keys to build).
			pollMessage: p(
				'SELECT id, channel_id, expires_at, answer, read_at, callback_state FROM messages WHERE id = ?',
			).raw(),
			messageByAnswerToken: p('SELECT * FROM messages WHERE answer_token_hash = ?'),
			insertSecret: p('INSERT OR IGNORE INTO server_secrets (name, value) VALUES (?, ?)'),
			getSecret: p('SELECT value FROM server_secrets WHERE name = ?'),
			listMessages: p(
				'SELECT * FROM messages WHERE channel_id = ? ORDER BY created_at DESC, id DESC LIMIT ?',
			),
			// The row-value comparison lets the history index start at the cursor.
			listMessagesBefore: p(
				`SELECT * FROM messages WHERE channel_id = ? AND (created_at, id) < (?, ?)
				 ORDER BY created_at DESC, id DESC LIMIT ?`,
			),
			saveAnswer: p(
				`UPDATE messages SET answer = ?, callback_state = ?
				 WHERE id = ? AND answer IS NULL AND expired_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`,
			),
			expireMessage: p(
				`UPDATE messages SET expired_at = @now, expires_at = MIN(COALESCE(expires_at, @now), @now)
				 WHERE id = @id AND answer IS NULL AND expired_at IS NULL`,
			),
			markRead: p('UPDATE messages SET read_at = ? WHERE id = ? AND read_at IS NULL'),
			setCallbackState: p('UPDATE messages SET callback_state = ? WHERE id = ?'),
			insertJob: p('INSERT INTO jobs (id, kind, payload, run_at) VALUES (?, ?, ?, ?)'),
			insertLeasedJob: p(
				'INSERT INTO jobs (id, kind, payload, run_at, attempts, locked_until) VALUES (?, ?, ?, ?, 1, ?)',
			),
			dueJobs: p(
				'SELECT * FROM jobs WHERE run_at <= ? AND locked_until <= ? ORDER BY run_at LIMIT ?',
			),
			dueJobsOfKind: p(
				'SELECT * FROM jobs WHERE kind = ? AND run_at <= ? AND locked_until <= ? ORDER BY run_at LIMIT ?',
			),
			leaseJob: p('UPDATE jobs SET locked_until = ?, attempts = attempts + 1 WHERE id = ?'),
			deleteJob: p('DELETE FROM jobs WHERE id = ?'),
			retryJob: p('UPDATE jobs SET run_at = ?, locked_until = 0 WHERE id = ?'),
			nextDue: p('SELECT MIN(MAX(run_at, locked_until)) AS t FROM jobs'),
			messageExists: p('SELECT 1 FROM messages WHERE id = ?'),
			insertSession: p(
				`INSERT INTO console_sessions (id_hash, account_id, key_id, key_hash, created_at, expires_at)
				 VALUES (@idHash, @accountId, @keyId, @keyHash, @createdAt, @expiresAt)`,
			),
			getSession: p('SELECT * FROM console_sessions WHERE id_hash = ? AND expires_at > ?'),
			deleteSession: p('DELETE FROM console_sessions WHERE id_hash = ?'),
			deleteExpiredSessions: p('DELETE FROM console_sessions WHERE expires_at <= ?'),
		};
	}

	/**
	 * Starts the checkpoint worker on the first write that matters. A worker thread costs about
	 * 10 MiB of memory; an idle server (or one that only reads) does not need it, and the few
	 * pages written at start are checkpointed when the store closes.
	 */
	private wrote(): void {
		if (this.checkpointer || !this.onDisk || !this.db.open) return;
		this.checkpointer = new Checkpointer(this.file, this.log, () => this.restartWal());
	}

	/**
	 * Copies what is left of the WAL and starts it over (see `Checkpointer`). Never waits: if
	 * the worker is checkpointing at this moment, it is tried again after the next one.
	 */
	private restartWal(): void {
		if (!this.db.open) return;
		this.db.pragma('busy_timeout = 0');
		try {
			this.db.pragma('wal_checkpoint(RESTART)');
		} catch {
			// busy: the worker asks again after its next round
		} finally {
			this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
		}
	}

	private migrate(): void {
		const version = Number(this.db.pragma('user_version', { simple: true }));
		for (let i = version; i < MIGRATIONS.length; i++) {
			this.db.transaction(() => {
				this.db.exec(MIGRATIONS[i]);
				this.db.pragma(`user_version = ${i + 1}`);
			})();
		}
	}

	/**
	 * Writes jobs inside the caller's transaction. A job the queue can start at once is written
	 * leased, as a claim would have leased it (its first start counted), and added to `started`.
	 */
	private queueJobs(jobs: NewJob[], started: Job[]): void {
		for (const job of jobs) {
			const id = newJobId();
			const leasedUntil = this.jobStarter?.leaseFor(job, started) ?? null;
			const payload = JSON.stringify(job.payload);
			if (leasedUntil === null) this.stmt.insertJob.run(id, job.kind, payload, job.runAt);
			else {
				this.stmt.insertLeasedJob.run(id, job.kind, payload, job.runAt, leasedUntil);
				started.push({ ...job, id, attempts: 0 });
			}
		}
	}

	/** After the commit of a write that queued `queued` jobs, `started` of them leased. */
	private jobsWritten(queued: number, started: readonly Job[]): void {
		if (queued > 0) this.jobStarter?.written(started, started.length < queued);
	}

	async ensureAccount(id: string, now: number): Promise<Account> {
		this.stmt.insertAccount.run(id, now);
		const row = this.stmt.getAccount.get(id) as Row;
		return { id: str(row.id), createdAt: Number(row.created_at) };
	}

	async countApiKeys(): Promise<number> {
		return Number((this.stmt.countKeys.get() as Row).n);
	}

	/** Counts the rows `scope` has and inserts `row` only below `max`, in one transaction. */
	private insertBelowLimit(
		count: Database.Statement,
		insert: Database.Statement,
		scope: string,
		max: number,
		row: object,
	): 'inserted' | 'limit' {
		return this.atomically(() => {
			if (Number((count.get(scope) as Row).n) >= max) return 'limit' as const;
			insert.run(row);
			return 'inserted' as const;
		});
	}

	async insertApiKey(key: ApiKey, maxActive: number): Promise<'inserted' | 'limit'> {
		return this.insertBelowLimit(
			this.stmt.countAccountKeys,
			this.stmt.insertKey,
			key.accountId,
			maxActive,
			key,
		);
	}

	async findApiKeyByHash(keyHash: string): Promise<ApiKey | null> {
		const row = this.stmt.keyByHash.get(keyHash) as Row | undefined;
		return row ? toApiKey(row) : null;
	}

	async listApiKeys(accountId: string): Promise<ApiKey[]> {
		return (this.stmt.listKeys.all(accountId) as Row[]).map(toApiKey);
	}

	async deleteApiKey(accountId: string, id: string): Promise<boolean> {
		return this.stmt.deleteKey.run(accountId, id).changes > 0;
	}

	async touchApiKey(id: string, now: number): Promise<void> {
		this.stmt.touchKey.run(now, id);
	}

	async insertChannel(channel: Channel): Promise<void> {
		this.stmt.insertChannel.run(channel);
	}

	async getChannel(id: string): Promise<Channel | null> {
		return readThrough(this.channelsById, id, () => {
			const row = this.stmt.getChannel.get(id) as Row | undefined;
			return row ? toChannel(row) : null;
		});
	}

	async findChannelByTokenHash(tokenHash: string): Promise<Channel | null> {
		return readThrough(this.channelsByToken, tokenHash, () => {
			const row = this.stmt.channelByToken.get(tokenHash) as Row | undefined;
			return row ? toChannel(row) : null;
		});
	}

	async listChannels(accountId: string): Promise<Channel[]> {
		return (this.stmt.listChannels.all(accountId) as Row[]).map(toChannel);
	}

	async updateChannel(id: string, patch: ChannelPatch, now: number): Promise<Channel | null> {
		this.channelsByToken.clear();
		this.channelsById.delete(id);
		return this.atomically(() => {
			const row = this.stmt.getChannel.get(id) as Row | undefined;
			if (!row) return null;
			const next: Channel = { ...toChannel(row), ...patch, updatedAt: now };
			this.stmt.updateChannel.run(next);
			return next;
		});
	}

	/**
	 * Deletes up to `limit` of the oldest messages sent before `before`, with their callback
	 * attempts and push deliveries, in one short transaction; how many it deleted. Retention
	 * calls it batch after batch, so requests never wait behind one long delete.
	 */
	purgeMessagesBefore(before: number, limit: number): number {
		const deleted = this.atomically(() => {
			const rows = this.stmt.oldestMessages.all(before, limit) as Row[];
			for (const { id } of rows) {
				this.stmt.deleteMessageAttempts.run(id);
				this.stmt.deleteMessageDeliveries.run(id);
				this.stmt.deleteMessage.run(id);
			}
			return rows.length;
		});
		if (deleted > 0) this.wrote();
		return deleted;
	}

	async deleteChannel(id: string): Promise<boolean> {
		this.channelsByToken.clear();
		this.channelsById.delete(id);
		this.webhooksByChannel.delete(id);
		return this.atomically(() => {
			this.stmt.deleteChannelDeliveries.run(id);
			this.stmt.deleteChannelAttempts.run(id);
			this.stmt.deleteChannelMessages.run(id);
			return this.stmt.deleteChannel.run(id).changes > 0;
		});
	}

	async insertWebhook(
		webhook: ChannelWebhook,
		maxPerChannel: number,
	): Promise<'inserted' | 'limit'> {
		this.webhooksByChannel.delete(webhook.channelId);
		return this.insertBelowLimit(
			this.stmt.countWebhooks,
			this.stmt.insertWebhook,
			webhook.channelId,
			maxPerChannel,
			webhook,
		);
	}

	async getWebhook(id: string): Promise<ChannelWebhook | null> {
		const row = this.stmt.getWebhook.get(id) as Row | undefined;
		return row ? toWebhook(row) : null;
	}

	async listWebhooks(channelId: string): Promise<ChannelWebhook[]> {
		const webhooks = readThrough(this.webhooksByChannel, channelId, () =>
			(this.stmt.listWebhooks.all(channelId) as Row[]).map(toWebhook),
		);
		return [...(webhooks ?? [])];
	}

	async deleteWebhook(channelId: string, id: string): Promise<boolean> {
		this.webhooksByChannel.delete(channelId);
		return this.stmt.deleteWebhook.run(channelId, id).changes > 0;
	}

	async insertDevice(device: Device): Promise<void> {
		this.stmt.insertDevice.run(deviceRow(device));
	}

	async getDevice(id: string): Promise<Device | null> {
		const row = this.stmt.getDevice.get(id) as Row | undefined;
		return row ? toDevice(row) : null;
	}

	async findDeviceByToken(accountId: string, token: string): Promise<ApnsDevice | null> {
		const row = this.stmt.deviceByToken.get(accountId, token) as Row | undefined;
		return row ? (toDevice(row) as ApnsDevice) : null;
	}

	async findDeviceByKeyHash(keyHash: string): Promise<WebPushDevice | null> {
		const row = this.stmt.deviceByKeyHash.get(keyHash) as Row | undefined;
		return row ? (toDevice(row) as WebPushDevice) : null;
	}

	async listDevices(accountId: string): Promise<Device[]> {
		return (this.stmt.listDevices.all(accountId) as Row[]).map(toDevice);
	}

	async updateDevice(id: string, patch: DevicePatch): Promise<Device | null> {
		return this.atomically(() => {
			const row = this.stmt.getDevice.get(id) as Row | undefined;
			if (!row) return null;
			const next = applyDevicePatch(toDevice(row), patch);
			this.stmt.updateDevice.run(deviceRow(next));
			return next;
		});
	}

	async deleteDevice(id: string): Promise<boolean> {
		return this.stmt.deleteDevice.run(id).changes > 0;
	}

	async deleteDeviceRegisteredBefore(id: string, before: number): Promise<boolean> {
		return this.stmt.deleteDeviceBefore.run(id, before).changes > 0;
	}

	async removeSubscription(deviceId: string, endpoint: string): Promise<boolean> {
		return this.stmt.removeSubscription.run(deviceId, endpoint).changes > 0;
	}

	async listBrowsersUnseenSince(before: number): Promise<WebPushDevice[]> {
		return (this.stmt.browsersUnseenSince.all(before) as Row[]).map(
			(row) => toDevice(row) as WebPushDevice,
		);
	}

	async expireSubscription(deviceId: string, before: number): Promise<boolean> {
		return this.stmt.expireSubscription.run(deviceId, before).changes > 0;
	}

	async claimExpiryWarning(deviceId: string, before: number, now: number): Promise<boolean> {
		return this.stmt.claimExpiryWarning.run({ id: deviceId, before, now }).changes > 0;
	}

	async releaseExpiryWarning(deviceId: string, at: number): Promise<void> {
		this.stmt.releaseExpiryWarning.run(deviceId, at);
	}

	async insertPairing(pairing: Pairing): Promise<void> {
		this.stmt.insertPairing.run(
			pairing.codeHash,
			pairing.accountId,
			pairing.channelIds === null ? null : JSON.stringify(pairing.channelIds),
			pairing.name,
			pairing.createdAt,
			pairing.expiresAt,
		);
	}

	async findPairing(codeHash: string, now: number): Promise<Pairing | null> {
		const row = this.stmt.findPairing.get(codeHash, now) as Row | undefined;
		return row ? toPairing(row) : null;
	}

	async claimPairing(
		codeHash: string,
		now: number,
		makeDevice: (pairing: Pairing) => WebPushDevice,
	): Promise<WebPushDevice | null> {
		return this.atomically(() => {
			// Links nobody used are dropped here: they are few, short-lived, and this is when they matter.
			this.stmt.dropExpiredPairings.run(now);
			const row = this.stmt.takePairing.get(codeHash) as Row | undefined;
			if (!row) return null;
			const device = makeDevice(toPairing(row));
			this.stmt.insertDevice.run(deviceRow(device));
			return device;
		});
	}

	async addDeliveries(
		messageId: string,
		kind: DeviceKind,
		deviceIds: string[],
		now: number,
	): Promise<void> {
		this.atomically(() => {
			for (const deviceId of deviceIds) this.stmt.addDelivery.run(messageId, deviceId, kind, now);
		});
	}

	async listDeliveries(messageId: string, kind?: DeviceKind): Promise<DeviceDelivery[]> {
		const rows =
			kind === undefined
				? this.stmt.listDeliveries.all(messageId)
				: this.stmt.listDeliveriesOfKind.all(messageId, kind);
		return (rows as Row[]).map(toDelivery);
	}

	async saveDeliveries(deliveries: DeviceDelivery[]): Promise<void> {
		this.wrote();
		this.atomically(() => {
			// Positional binding: this runs once per device per push, named binding costs more.
			for (const d of deliveries) {
				this.stmt.saveDelivery.run(
					d.messageId,
					d.deviceId,
					d.kind,
					d.state,
					d.reason,
					d.apnsId,
					d.attempts,
					d.nextAttemptAt,
					d.updatedAt,
				);
			}
		});
	}

	/**
	 * Group commit: the messages of every send that arrives within one event-loop turn are
	 * written in one transaction (one WAL commit instead of one each), and each send is
	 * acknowledged only after that commit. If the batch fails, each message is retried alone so
	 * one bad row fails only its own send.
	 */
	insertMessage(message: Message, jobs: NewJob[]): Promise<void> {
		return new Promise((resolve, reject) => {
			this.pendingMessages.push({ message, jobs, resolve, reject });
			if (this.pendingMessages.length === 1) setImmediate(() => this.flushMessages());
		});
	}

	private insertMessageRow(message: Message, jobs: NewJob[], started: Job[]): void {
		this.stmt.insertMessage.run({
			...message,
			actions: JSON.stringify(message.actions),
			muted: message.muted ? 1 : 0,
			answerTokenHash: message.answerTokenHash ?? null,
		});
		this.queueJobs(jobs, started);
	}

	private flushMessages(): void {
		this.wrote();
		const batch = this.pendingMessages;
		this.pendingMessages = [];
		const started: Job[] = [];
		try {
			this.atomically(() =>
				batch.forEach((p) => this.insertMessageRow(p.message, p.jobs, started)),
			);
			batch.forEach((p) => p.resolve());
		} catch {
			started.length = 0;
			for (const p of batch) {
				const before = started.length;
				try {
					this.atomically(() => this.insertMessageRow(p.message, p.jobs, started));
					p.resolve();
				} catch (error) {
					started.length = before;
					p.reject(error);
				}
			}
		}
		this.jobsWritten(
			batch.reduce((n, p) => n + p.jobs.length, 0),
			started,
		);
	}

	async getMessage(id: string): Promise<MessageRecord | null> {
		const row = this.stmt.getMessage.get(id) as Row | undefined;
		return row ? toMessage(row) : null;
	}

	async getSigningSecret(messageId: string): Promise<string | null> {
		const secret = this.stmt.signingSecret.get(messageId) as string | undefined;
		return secret ?? null;
	}

	async findMessageByLegacyAnswerTokenHash(tokenHash: string): Promise<MessageRecord | null> {
		const row = this.stmt.messageByAnswerToken.get(tokenHash) as Row | undefined;
		return row ? toMessage(row) : null;
	}

	async ensureSecret(name: string, candidate: string): Promise<string> {
		return this.atomically(() => {
			this.stmt.insertSecret.run(name, candidate);
			return str((this.stmt.getSecret.get(name) as Row).value);
		});
	}

	async listMessages(channelId: string, page: MessagePage): Promise<MessageRecord[]> {
		const rows = page.before
			? this.stmt.listMessagesBefore.all(
					channelId,
					page.before.createdAt,
					page.before.id,
					page.limit,
				)
			: this.stmt.listMessages.all(channelId, page.limit);
		return (rows as Row[]).map(toMessage);
	}

	async saveAnswer(
		messageId: string,
		answer: Answer,
		callbackState: CallbackState,
		jobs: NewJob[],
	): Promise<SaveAnswerResult> {
		this.wrote();
		const started: Job[] = [];
		const result = this.atomically((): SaveAnswerResult => {
			const saved =
				this.stmt.saveAnswer.run(
					JSON.stringify(answer),
					callbackState,
					messageId,
					answer.submittedAt,
				).changes > 0;
			if (saved) {
				this.queueJobs(jobs, started);
				return 'saved';
			}
			const row = this.stmt.getMessage.get(messageId) as Row | undefined;
			if (!row) return 'missing';
			if (row.answer !== null) return 'conflict';
			const closed =
				row.expired_at !== null ||
				(row.expires_at !== null && Number(row.expires_at) <= answer.submittedAt);
			return closed ? 'expired' : 'conflict';
		});
		if (result === 'saved') this.jobsWritten(jobs.length, started);
		return result;
	}

	async pollAnswer(
		messageId: string,
		decide: (record: PollRecord) => PollOutcome,
		now: number,
	): Promise<{ record: PollRecord; outcome: PollOutcome } | null> {
		// No transaction needed: the consuming UPDATE only succeeds while the answer is unread,
		// so of two readers exactly one marks it; the other reads again and sees already_read.
		for (;;) {
			const row = this.stmt.pollMessage.get(messageId) as unknown[] | undefined;
			if (!row) return null;
			const record = toPollRecord(row);
			const outcome = decide(record);
			if (!outcome.consumes || this.stmt.markRead.run(now, messageId).changes === 1)
				return { record, outcome };
		}
	}

	async setCallbackState(messageId: string, state: CallbackState): Promise<void> {
		this.stmt.setCallbackState.run(state, messageId);
	}

	async expireMessage(messageId: string, now: number): Promise<ExpireMessageResult> {
		// One conditional UPDATE: it and saveAnswer's exclude each other on the same row.
		if (this.stmt.expireMessage.run({ now, id: messageId }).changes > 0) return 'expired';
		const row = this.stmt.getMessage.get(messageId) as Row | undefined;
		if (!row) return 'missing';
		return row.answer !== null ? 'answered' : 'already_expired';
	}

	async recordCallbackAttempt(
		attempt: CallbackAttempt,
		callbackState?: CallbackState,
		job?: JobSettlement,
	): Promise<boolean> {
		this.wrote();
		if (!callbackState && !job) {
			this.stmt.insertAttempt.run(attempt);
			return false;
		}
		// One commit for the attempt, the callback's state and the job's outcome: a crash leaves
		// all of them or none (the job, still leased, then runs again after the restart).
		this.atomically(() => {
			this.stmt.insertAttempt.run(attempt);
			if (callbackState) this.stmt.setCallbackState.run(callbackState, attempt.messageId);
			if (job) this.settleJob(job);
		});
		return job !== undefined;
	}

	async listCallbackAttempts(messageId: string): Promise<CallbackAttempt[]> {
		return (this.stmt.listAttempts.all(messageId) as Row[]).map(toAttempt);
	}

	async queueMessageJobs(messageId: string, jobs: NewJob[]): Promise<boolean> {
		const started: Job[] = [];
		const queued = this.atomically(() => {
			if (!this.stmt.messageExists.get(messageId)) return false;
			this.queueJobs(jobs, started);
			return true;
		});
		if (queued) this.jobsWritten(jobs.length, started);
		return queued;
	}

	async insertConsoleSession(session: ConsoleSession): Promise<void> {
		this.atomically(() => {
			// Sessions past their expiry go as new ones come: no timer, and the table stays small.
			this.stmt.deleteExpiredSessions.run(session.createdAt);
			this.stmt.insertSession.run(session);
		});
	}

	async findConsoleSession(idHash: string, now: number): Promise<ConsoleSession | null> {
		const row = this.stmt.getSession.get(idHash, now) as Row | undefined;
		if (!row) return null;
		return {
			idHash: str(row.id_hash),
			accountId: str(row.account_id),
			keyId: str(row.key_id),
			keyHash: str(row.key_hash),
			createdAt: Number(row.created_at),
			expiresAt: Number(row.expires_at),
		};
	}

	async deleteConsoleSession(idHash: string): Promise<void> {
		this.stmt.deleteSession.run(idHash);
	}

	async claimDueJobs(now: number, limit: number, leaseMs: number, kind?: JobKind): Promise<Job[]> {
		return this.atomically(() => {
			const rows = (
				kind === undefined
					? this.stmt.dueJobs.all(now, now, limit)
					: this.stmt.dueJobsOfKind.all(kind, now, now, limit)
			) as Row[];
			for (const row of rows) this.stmt.leaseJob.run(now + leaseMs, row.id);
			return rows.map(toJob);
		});
	}

	async completeJob(id: string): Promise<void> {
		this.settleJob({ jobId: id, retryAt: null });
	}

	async retryJob(id: string, runAt: number): Promise<void> {
		this.settleJob({ jobId: id, retryAt: runAt });
	}

	/** A run's outcome on the job's row: deleted when done, else due again and not leased. */
	private settleJob({ jobId, retryAt }: JobSettlement): void {
		if (retryAt === null) this.stmt.deleteJob.run(jobId);
		else this.stmt.retryJob.run(retryAt, jobId);
	}

	async nextJobDueAt(_now: number): Promise<number | null> {
		return numOrNull((this.stmt.nextDue.get() as Row).t);
	}

	async close(): Promise<void> {
		if (this.pendingMessages.length > 0) this.flushMessages();
		await this.checkpointer?.stop();
		// The last connection to close checkpoints what is left and removes the WAL.
		this.db.close();
		this.lock?.close();
	}
}
