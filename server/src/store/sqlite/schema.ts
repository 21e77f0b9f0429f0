/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
 * Append a new entry to change the schema; never edit one that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
	`
	CREATE TABLE accounts (
		id TEXT PRIMARY KEY,
		created_at INTEGER NOT NULL
	);
	CREATE TABLE api_keys (
		id TEXT PRIMARY KEY,
		account_id TEXT NOT NULL REFERENCES accounts(id),
		name TEXT,
		prefix TEXT NOT NULL,
		key_hash TEXT NOT NULL UNIQUE,
		created_at INTEGER NOT NULL,
		last_used_at INTEGER
	);
	CREATE INDEX api_keys_account ON api_keys(account_id);
	CREATE TABLE channels (
		id TEXT PRIMARY KEY,
		account_id TEXT NOT NULL REFERENCES accounts(id),
		name TEXT NOT NULL,
		icon TEXT,
		color TEXT,
		muted_until INTEGER,
		token_hash TEXT NOT NULL UNIQUE,
		webhook_secret TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		updated_at INTEGER NOT NULL
	);
	CREATE INDEX channels_account ON channels(account_id);
	CREATE TABLE devices (
		id TEXT PRIMARY KEY,
		account_id TEXT NOT NULL REFERENCES accounts(id),
		token TEXT NOT NULL,
		environment TEXT NOT NULL,
		topic TEXT,
		name TEXT,
		created_at INTEGER NOT NULL,
		registered_at INTEGER NOT NULL,
		UNIQUE (account_id, token)
	);
	CREATE TABLE messages (
		id TEXT PRIMARY KEY,
		channel_id TEXT NOT NULL,
		title TEXT NOT NULL,
		body TEXT,
		priority TEXT NOT NULL,
		callback_url TEXT,
		actions TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		expires_at INTEGER,
		muted INTEGER NOT NULL,
		answer TEXT,
		read_at INTEGER,
		callback_state TEXT NOT NULL DEFAULT 'none'
	);
	CREATE INDEX messages_channel_created ON messages(channel_id, created_at DESC, id DESC);
	CREATE TABLE jobs (
		id TEXT PRIMARY KEY,
		kind TEXT NOT NULL,
		payload TEXT NOT NULL,
		run_at INTEGER NOT NULL,
		attempts INTEGER NOT NULL DEFAULT 0,
		locked_until INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX jobs_due ON jobs(run_at);
	`,
	`
	CREATE TABLE channel_webhooks (
		id TEXT PRIMARY KEY,
		channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
		url TEXT NOT NULL,
		description TEXT,
		created_at INTEGER NOT NULL
	);
	CREATE INDEX channel_webhooks_channel ON channel_webhooks(channel_id, created_at);
	CREATE TABLE callback_attempts (
		message_id TEXT NOT NULL,
		delivery_id TEXT NOT NULL,
		target TEXT NOT NULL,
		webhook_id TEXT,
		attempt INTEGER NOT NULL,
		attempted_at INTEGER NOT NULL,
		status_code INTEGER,
		error TEXT,
		latency_ms INTEGER NOT NULL,
		outcome TEXT NOT NULL,
		next_attempt_at INTEGER
	);
	CREATE INDEX callback_attempts_message ON callback_attempts(message_id, attempted_at);
	`,
	// 3: per-device push delivery state (issue 4)
	`
	CREATE TABLE deliveries (
		message_id TEXT NOT NULL,
		device_id TEXT NOT NULL,
		state TEXT NOT NULL,
		reason TEXT,
		apns_id TEXT,
		attempts INTEGER NOT NULL DEFAULT 0,
		next_attempt_at INTEGER,
		updated_at INTEGER NOT NULL,
		PRIMARY KEY (message_id, device_id)
	) WITHOUT ROWID;
	`,
	// 4: a message closed by its expiry (the `callback.expired` job), after which no answer is saved
	`
	ALTER TABLE messages ADD COLUMN expired_at INTEGER;
	`,
	// 5: each job kind is claimed on its own (separate concurrency per kind)
	`
	CREATE INDEX jobs_kind_due ON jobs(kind, run_at);
	`,
	// 6: retention deletes the oldest messages first
	`
	CREATE INDEX messages_created ON messages(created_at);
	`,
	// 7: answer links: the hash of each message's answer token, and server secrets
	// (the link key). Additive: messages stored before have no link.
	`
	ALTER TABLE messages ADD COLUMN answer_token_hash TEXT;
	CREATE UNIQUE INDEX messages_answer_token ON messages(answer_token_hash)
		WHERE answer_token_hash IS NOT NULL;
	CREATE TABLE server_secrets (
		name TEXT PRIMARY KEY,
		value TEXT NOT NULL
	);
	`,
	// 8: paired browsers (devices of kind webpush, each with its own device key and channel
	// scope) beside APNs devices, and single-use pairing links. The devices table is rebuilt
	// because APNs-only columns become nullable; existing rows become kind 'apns'.
	`
	CREATE TABLE devices_v8 (
		id TEXT PRIMARY KEY,
		account_id TEXT NOT NULL REFERENCES accounts(id),
		kind TEXT NOT NULL,
		name TEXT,
		created_at INTEGER NOT NULL,
		registered_at INTEGER NOT NULL,
		last_seen_at INTEGER,
		token TEXT,
		environment TEXT,
		topic TEXT,
		key_hash TEXT UNIQUE,
		channel_ids TEXT,
		subscription TEXT,
		UNIQUE (account_id, token)
	);
	INSERT INTO devices_v8 (id, account_id, kind, name, created_at, registered_at, token, environment, topic)
		SELECT id, account_id, 'apns', name, created_at, registered_at, token, environment, topic FROM devices;
	DROP TABLE devices;
	ALTER TABLE devices_v8 RENAME TO devices;
	CREATE TABLE pairings (
		code_hash TEXT PRIMARY KEY,
		account_id TEXT NOT NULL,
		channel_ids TEXT,
		name TEXT,
		created_at INTEGER NOT NULL,
		expires_at INTEGER NOT NULL
	) WITHOUT ROWID;
	`,
	// 9: the history index in ascending order. New messages have the newest created_at of their
	// channel; in a descending index that is the left edge of the channel's range, where every
	// page split leaves a half-empty page behind (the index took twice the room its entries
	// need). Ascending, they land at the right edge, and SQLite reads it backwards for the
	// newest-first history just as fast.
	`
	DROP INDEX messages_channel_created;
	CREATE INDEX messages_channel_history ON messages(channel_id, created_at, id);
	`,
	// 10: console sessions (issue 16): the hash of the session id, its API key (by hash, so a
	// revoked key ends it) and its expiry.
	`
	CREATE TABLE console_sessions (
		id_hash TEXT PRIMARY KEY,
		account_id TEXT NOT NULL,
		key_id TEXT NOT NULL,
		key_hash TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		expires_at INTEGER NOT NULL
	);
	CREATE INDEX console_sessions_expiry ON console_sessions(expires_at);
	`,
	// 11: Web Push subscription expiry: when a paired browser was last warned, and the sweep's
	// look-up of subscribed browsers by last sight.
	`
	ALTER TABLE devices ADD COLUMN expiry_warned_at INTEGER;
	CREATE INDEX devices_webpush_seen ON devices(COALESCE(last_seen_at, created_at))
		WHERE kind = 'webpush' AND subscription IS NOT NULL;
	`,
	// 12: answer tokens name their message (domain/answer-link.ts), so a link is found by the
	// message id and checked against the hash kept with the message: new messages keep that hash
	// in answer_link_hash, which has no index. The hashes of links made before stay in
	// answer_token_hash, whose index still finds them but no longer grows: its random entries put
	// every new message on a random page of it, which slowed inserts on large databases.
	`
	ALTER TABLE messages ADD COLUMN answer_link_hash TEXT;
	`,
	// 13: each delivery row keeps its device's kind, so the APNs and the Web Push jobs list and
	// settle only their own rows (also those of a removed device). Existing rows take the kind
	// of their device while it exists. For a removed device's row, what the jobs wrote tells
	// (the rule of legacyDeliveryKind in store.ts, which reads old Redis records): apns_id is
	// set by the APNs job only, at every attempt, so set means 'apns'; attempted without one,
	// or failed for a reason only the Web Push job gives (NoSubscription, Answered), means
	// 'webpush'; a row never attempted says nothing, and takes 'apns', the only kind before
	// migration 8.
	`
	ALTER TABLE deliveries ADD COLUMN kind TEXT;
	UPDATE deliveries SET kind = COALESCE(
		(SELECT devices.kind FROM devices WHERE devices.id = deliveries.device_id),
		CASE
			WHEN apns_id IS NOT NULL THEN 'apns'
			WHEN attempts > 0 OR reason IN ('NoSubscription', 'Answered') THEN 'webpush'
			ELSE 'apns'
		END
	);
	`,
	// 14: jobs are claimed per kind (jobs_kind_due, migration 5); the index on run_at alone is no
	// longer read by the server, and it was one more page in every commit that adds or removes a
	// job (an answer's commit, a callback attempt's).
	`
	DROP INDEX jobs_due;
	`,
];
