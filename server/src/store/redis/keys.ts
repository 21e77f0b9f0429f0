/**
 * Key layout of the Redis driver. Every atomic step (MULTI or one Lua script) touches keys of
 * ONE hash slot, so the same code runs on a single Redis and on Redis Cluster:
 *
 * - `{dir}`: the directory (accounts, API keys, channels, devices and their lookup indexes).
 *   Small and read-mostly; one slot keeps each record and its indexes in one MULTI/Lua.
 * - `{msg_…}`: one message: its record hash, its outbox (jobs not yet handed to the queue)
 *   and whatever else hangs off one message. Messages are the volume, spread over all slots.
 * - `{ch_…}`: a channel's message history (a sorted set), written next to the message.
 * - `{outbox}`: messages whose outbox may still hold jobs (crash recovery, see redis-store.ts).
 */
export class RedisKeys {
	constructor(private readonly prefix: string) {}

	private dir(rest: string): string {
		return `${this.prefix}:{dir}:${rest}`;
	}

	account(id: string): string {
		return this.dir(`account:${id}`);
	}
	apiKey(id = ''): string {
		return this.dir(`key:${id}`);
	}
	apiKeyByHash(hash: string): string {
		return this.dir(`key-hash:${hash}`);
	}
	/** Every API key id (its size is `countApiKeys`). */
	allApiKeys(): string {
		return this.dir('keys');
	}
	accountApiKeys(accountId: string): string {
		return this.dir(`account-keys:${accountId}`);
	}
	channel(id = ''): string {
		return this.dir(`channel:${id}`);
	}
	channelByTokenHash(hash: string): string {
		return this.dir(`channel-token:${hash}`);
	}
	accountChannels(accountId: string): string {
		return this.dir(`account-channels:${accountId}`);
	}
	device(id: string): string {
		return this.dir(`device:${id}`);
	}
	deviceByToken(accountId: string, token: string): string {
		return this.dir(`device-token:${accountId}:${token}`);
	}
	/** Device-key hash → the paired browser's device id. */
	deviceByKey(keyHash: string): string {
		return this.dir(`device-key:${keyHash}`);
	}
	/** A pairing link (JSON), with a TTL of its validity. */
	pairing(codeHash: string): string {
		return this.dir(`pairing:${codeHash}`);
	}
	accountDevices(accountId: string): string {
		return this.dir(`account-devices:${accountId}`);
	}
	/** Sorted set of every paired browser's id (all accounts), for the subscription expiry sweep. */
	browsers(): string {
		return this.dir('browsers');
	}

	webhook(id: string): string {
		return this.dir(`webhook:${id}`);
	}
	channelWebhooks(channelId: string): string {
		return this.dir(`channel-webhooks:${channelId}`);
	}

	/** Hash: `rec` (the message JSON), `answer`, `read`, `cb` (callback state), `v` (version). */
	message(id: string): string {
		return `${this.prefix}:{${id}}`;
	}
	/** Hash: job id → job JSON, for jobs written with the message and not yet in the queue. */
	outbox(messageId: string): string {
		return `${this.prefix}:{${messageId}}:outbox`;
	}
	/** List of callback attempt JSONs, oldest first; expires with the message. */
	callbackAttempts(messageId: string): string {
		return `${this.prefix}:{${messageId}}:attempts`;
	}
	/** Hash: device id → push delivery JSON; expires with the message (`retentionMs` after its last write at the latest). */
	deliveries(messageId: string): string {
		return `${this.prefix}:{${messageId}}:deliveries`;
	}
	/** Keys that live and expire with the message record (its TTL is copied onto them). */
	messageCompanions(id: string): string[] {
		return [this.outbox(id), this.callbackAttempts(id), this.deliveries(id)];
	}
	/** Every key of one message, for deletion. */
	messageKeys(id: string): string[] {
		return [this.message(id), ...this.messageCompanions(id)];
	}

	/** Sorted set, all scores 0, members `<created_at, 15 digits>:<message id>`: lexical = time order. */
	channelMessages(channelId: string): string {
		return `${this.prefix}:{${channelId}}:messages`;
	}

	/**
	 * String: the id of the message whose answer token has this SHA-256, for links made before
	 * answer tokens named their message (no longer written; they expire with their messages).
	 * Its own hash slot (the token is what a request brings); an entry whose message is gone
	 * reads as an unknown link.
	 */
	answerToken(tokenHash: string): string {
		return `${this.prefix}:answer-token:{${tokenHash}}`;
	}

	/** String: a console session's JSON, by the SHA-256 of its id; expires with the session. */
	consoleSession(idHash: string): string {
		return this.dir(`console-session:${idHash}`);
	}

	/** String: a server secret (the answer link key), shared by every instance. */
	secret(name: string): string {
		return this.dir(`secret:${name}`);
	}

	/** Sorted set: message id → when (wall clock ms) its outbox got jobs. */
	outboxIndex(): string {
		return `${this.prefix}:{outbox}:pending`;
	}
}

/** The history member of a message: sorts like (created_at, id). */
export function historyMember(createdAt: number, id: string): string {
	return `${String(createdAt).padStart(15, '0')}:${id}`;
}

export function messageIdOfMember(member: string): string {
	return member.slice(member.indexOf(':') + 1);
}
