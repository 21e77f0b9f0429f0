import type { Redis } from 'ioredis';
import { newJobId } from '../../domain/ids';
import { PollOutcome, PollRecord } from '../../domain/polling';
import {
	Account,
	Answer,
	ApiKey,
	ApnsDevice,
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
} from '../../domain/types';
import { Logger, errorMessage, silentLogger } from '../../observability/log';
import { Job, NewJob } from '../../jobs/job';
import {
	applyDevicePatch,
	ChannelPatch,
	legacyDeliveryKind,
	queuedDelivery,
	DevicePatch,
	ExpireMessageResult,
	MessagePage,
	SaveAnswerResult,
	Store,
} from '../store';
import { guardAvailability } from './availability';
import { RedisKeys, historyMember, messageIdOfMember } from './keys';
import {
	CAS_RECORD,
	CONSUME_ANSWER,
	DELETE_RECORD,
	EXPIRE_MESSAGE,
	INSERT_API_KEY,
	INSERT_LIMITED,
	INSERT_MESSAGE,
	LOOKUP,
	QUEUE_MESSAGE_JOBS,
	RECORD_ATTEMPT,
	REPLACE_MESSAGE,
	SAVE_ANSWER,
	SET_CALLBACK_STATE,
	CLAIM_PAIRING,
} from './scripts';

/** Hands jobs to the shared queue (BullMQ); must be idempotent per job id. */
export type JobHandOver = (jobs: Job[]) => Promise<void>;

export interface RedisStoreOptions {
	/** Key prefix, so several deployments (or test runs) can share one Redis. */
	prefix?: string;
	/** How long a message (and its answer) is kept after it was sent, as a Redis TTL. */
	retentionMs?: number;
	log?: Logger;
}

const DAY_MS = 24 * 3600 * 1000;
/** Compare-and-set retries before giving up on a record that keeps changing under us. */
const CAS_ATTEMPTS = 50;

type Scripted = Redis & {
	pingCas(...args: (string | number)[]): Promise<number>;
	pingDelete(...args: (string | number)[]): Promise<number>;
	pingClaimPairing(...args: (string | number)[]): Promise<number>;
	pingInsertApiKey(...args: (string | number)[]): Promise<'inserted' | 'limit'>;
	pingInsertLimited(...args: (string | number)[]): Promise<'inserted' | 'limit'>;
	pingRecordAttempt(...args: (string | number)[]): Promise<number>;
	pingLookup(...args: (string | number)[]): Promise<string | null>;
	pingInsertMessage(...args: (string | number)[]): Promise<number>;
	pingSaveAnswer(...args: (string | number)[]): Promise<SaveAnswerResult>;
	pingConsume(...args: (string | number)[]): Promise<number>;
	pingExpireMessage(...args: (string | number)[]): Promise<ExpireMessageResult | 'changed'>;
	pingSetCallbackState(...args: (string | number)[]): Promise<number>;
	pingReplaceMessage(...args: (string | number)[]): Promise<number>;
	pingZremIfScore(...args: (string | number)[]): Promise<number>;
	pingQueueMessageJobs(...args: (string | number)[]): Promise<number>;
};

function withScripts(redis: Redis): Scripted {
	const define = (name: string, lua: string) => {
		if (!(name in redis)) redis.defineCommand(name, { lua });
	};
	define('pingCas', CAS_RECORD);
	define('pingDelete', DELETE_RECORD);
	define('pingClaimPairing', CLAIM_PAIRING);
	define('pingInsertApiKey', INSERT_API_KEY);
	define('pingInsertLimited', INSERT_LIMITED);
	define('pingRecordAttempt', RECORD_ATTEMPT);
	define('pingLookup', LOOKUP);
	define('pingInsertMessage', INSERT_MESSAGE);
	define('pingSaveAnswer', SAVE_ANSWER);
	define('pingConsume', CONSUME_ANSWER);
	define('pingExpireMessage', EXPIRE_MESSAGE);
	define('pingSetCallbackState', SET_CALLBACK_STATE);
	define('pingReplaceMessage', REPLACE_MESSAGE);
	define('pingQueueMessageJobs', QUEUE_MESSAGE_JOBS);
	define(
		'pingZremIfScore',
		"if redis.call('ZSCORE', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('ZREM', KEYS[1], ARGV[1]) end return 0",
	);
	return redis as Scripted;
}

function parse<T>(json: string | null): T | null {
	return json === null ? null : (JSON.parse(json) as T);
}

/** Devices stored before paired browsers existed are APNs devices never seen. */
function normalizeDevice(device: Device): Device {
	return device.kind === undefined
		? { ...(device as Omit<ApnsDevice, 'kind'>), kind: 'apns', lastSeenAt: null }
		: device;
}

/** When a paired browser last called the server (its pairing, if never since). */
const lastSight = (d: WebPushDevice) => d.lastSeenAt ?? d.createdAt;

/** A delivery record as stored: those written before rows had a kind have none. */
type StoredDelivery = Omit<DeviceDelivery, 'kind'> & { kind?: DeviceKind };

function toDevice(raw: string): Device {
	return normalizeDevice(JSON.parse(raw) as Device);
}

function toRecord(hash: Record<string, string>): MessageRecord {
	const message = JSON.parse(hash.rec) as Message;
	return {
		...message,
		answerTokenHash: message.answerTokenHash ?? null,
		answer: hash.answer ? (JSON.parse(hash.answer) as Answer) : null,
		readAt: hash.read ? Number(hash.read) : null,
		callbackState: (hash.cb ?? 'none') as CallbackState,
	};
}

function jobFields(jobs: Job[]): string[] {
	return jobs.flatMap((job) => [job.id, JSON.stringify(job)]);
}

/**
 * The Redis driver of the Store contract, for several server instances behind one Redis.
 *
 * Atomicity: every rule of the contract is one Lua script or MULTI on one hash slot (see
 * keys.ts): first answer wins (HSETNX), single read (version compare-and-set), key limits, and
 * each record with its lookup indexes. A channel's history index lives in the channel's slot,
 * so it is written just BEFORE the message (a crash leaves an index entry to a missing message,
 * which reads skip and remove) and cleaned AFTER deletions.
 *
 * Jobs: a write stores its jobs in the message's outbox in the same script, then hands them to
 * the queue (BullMQ) and clears the outbox. The outbox index is written first, so a process
 * that dies between the write and the hand-over leaves a trace that `sweepOutbox` (run by every
 * instance) finds and re-queues: no acknowledged job is lost. Queue adds are idempotent by job
 * id, so the worst case of a crash is one extra delivery attempt, never a lost one.
 *
 * Expiry: answers are judged by the caller's `now` (the poll state machine), exactly like the
 * SQLite driver. Redis TTLs reclaim memory: a message expires `retentionMs` after it was sent,
 * except a failed callback's unread answer, which is kept without expiry until a poll reads it.
 */
export class RedisStore implements Store {
	private readonly redis: Scripted;
	private readonly keys: RedisKeys;
	private readonly retentionMs: number;
	private readonly log: Logger;
	private handOverTo: JobHandOver | null = null;

	constructor(redis: Redis, options: RedisStoreOptions = {}) {
		this.redis = withScripts(redis);
		this.keys = new RedisKeys(options.prefix ?? 'ping');
		this.retentionMs = options.retentionMs ?? 30 * DAY_MS;
		this.log = options.log ?? silentLogger;
		guardAvailability(this);
	}

	/** Where jobs go once their write is durable (the BullMQ queue). Without it they wait in outboxes. */
	setJobHandOver(handOver: JobHandOver | null): void {
		this.handOverTo = handOver;
	}

	// Accounts and API keys

	async ensureAccount(id: string, now: number): Promise<Account> {
		const key = this.keys.account(id);
		await this.redis.set(key, JSON.stringify({ id, createdAt: now }), 'NX');
		return parse<Account>(await this.redis.get(key)) as Account;
	}

	async countApiKeys(): Promise<number> {
		return this.redis.scard(this.keys.allApiKeys());
	}

	async insertApiKey(key: ApiKey, maxActive: number): Promise<'inserted' | 'limit'> {
		const k = this.keys;
		const limit = Math.min(maxActive, Number.MAX_SAFE_INTEGER);
		return this.redis.pingInsertApiKey(
			4,
			k.accountApiKeys(key.accountId),
			k.apiKey(key.id),
			k.apiKeyByHash(key.keyHash),
			k.allApiKeys(),
			limit,
			JSON.stringify(key),
			key.id,
		);
	}

	async findApiKeyByHash(keyHash: string): Promise<ApiKey | null> {
		return parse<ApiKey>(
			await this.redis.pingLookup(1, this.keys.apiKeyByHash(keyHash), this.keys.apiKey()),
		);
	}

	async listApiKeys(accountId: string): Promise<ApiKey[]> {
		const keys = await this.listRecords<ApiKey>(this.keys.accountApiKeys(accountId), (id) =>
			this.keys.apiKey(id),
		);
		return keys.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
	}

	async deleteApiKey(accountId: string, id: string): Promise<boolean> {
		const k = this.keys;
		return this.deleteRecord<ApiKey>(k.apiKey(id), (key) =>
			key.accountId !== accountId
				? null
				: {
						drop: [k.apiKeyByHash(key.keyHash)],
						from: [k.accountApiKeys(accountId), k.allApiKeys()],
						member: id,
					},
		);
	}

	async touchApiKey(id: string, now: number): Promise<void> {
		await this.updateRecord<ApiKey>(this.keys.apiKey(id), (key) => ({
			next: { ...key, lastUsedAt: now },
		}));
	}

	// Channels

	async insertChannel(channel: Channel): Promise<void> {
		const k = this.keys;
		await this.redis
			.multi()
			.set(k.channel(channel.id), JSON.stringify(channel))
			.set(k.channelByTokenHash(channel.tokenHash), channel.id)
			.zadd(k.accountChannels(channel.accountId), 0, channel.id)
			.exec()
			.then(execResult);
	}

	async getChannel(id: string): Promise<Channel | null> {
		return parse<Channel>(await this.redis.get(this.keys.channel(id)));
	}

	async findChannelByTokenHash(tokenHash: string): Promise<Channel | null> {
		return parse<Channel>(
			await this.redis.pingLookup(1, this.keys.channelByTokenHash(tokenHash), this.keys.channel()),
		);
	}

	async listChannels(accountId: string): Promise<Channel[]> {
		const channels = await this.listRecords<Channel>(this.keys.accountChannels(accountId), (id) =>
			this.keys.channel(id),
		);
		return channels.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
	}

	async updateChannel(id: string, patch: ChannelPatch, now: number): Promise<Channel | null> {
		const k = this.keys;
		return this.updateRecord<Channel>(k.channel(id), (current) => {
			const next: Channel = { ...current, ...patch, updatedAt: now };
			return next.tokenHash === current.tokenHash
				? { next }
				: {
						next,
						drop: [k.channelByTokenHash(current.tokenHash)],
						point: [k.channelByTokenHash(next.tokenHash)],
						value: id,
					};
		});
	}

	async deleteChannel(id: string): Promise<boolean> {
		const k = this.keys;
		const deleted = await this.deleteRecord<Channel>(k.channel(id), (channel) => ({
			drop: [k.channelByTokenHash(channel.tokenHash)],
			from: [k.accountChannels(channel.accountId)],
			member: id,
		}));
		if (!deleted) return false;
		const hooks = k.channelWebhooks(id);
		const hookIds = await this.redis.zrange(hooks, 0, -1);
		if (hookIds.length > 0) await this.redis.del(...hookIds.map((h) => k.webhook(h)));
		await this.redis.del(hooks);
		// The channel is gone atomically above; its messages are now unreachable (no token, no
		// owner) and are removed here. A crash half-way leaves messages the retention TTL reclaims.
		const history = k.channelMessages(id);
		for (;;) {
			const members = await this.redis.zrange(history, 0, 499);
			if (members.length === 0) break;
			const ids = members.map(messageIdOfMember);
			await Promise.all(ids.map((mid) => this.redis.del(...k.messageKeys(mid))));
			await this.redis.zrem(history, ...members);
		}
		await this.redis.del(history);
		return true;
	}

	// Channel webhooks

	async insertWebhook(
		webhook: ChannelWebhook,
		maxPerChannel: number,
	): Promise<'inserted' | 'limit'> {
		const k = this.keys;
		return this.redis.pingInsertLimited(
			2,
			k.channelWebhooks(webhook.channelId),
			k.webhook(webhook.id),
			Math.min(maxPerChannel, Number.MAX_SAFE_INTEGER),
			JSON.stringify(webhook),
			webhook.id,
		);
	}

	async getWebhook(id: string): Promise<ChannelWebhook | null> {
		return parse<ChannelWebhook>(await this.redis.get(this.keys.webhook(id)));
	}

	async listWebhooks(channelId: string): Promise<ChannelWebhook[]> {
		const hooks = await this.listRecords<ChannelWebhook>(
			this.keys.channelWebhooks(channelId),
			(id) => this.keys.webhook(id),
		);
		return hooks.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
	}

	async deleteWebhook(channelId: string, id: string): Promise<boolean> {
		return this.deleteRecord<ChannelWebhook>(this.keys.webhook(id), (hook) =>
			hook.channelId !== channelId
				? null
				: { drop: [], from: [this.keys.channelWebhooks(channelId)], member: id },
		);
	}

	// Devices: JSON records; APNs ones indexed by account and token, paired browsers by key hash

	/** The lookup key that finds this device: its APNs token, or its device key's hash. */
	private deviceIndex(device: Device): string {
		return device.kind === 'apns'
			? this.keys.deviceByToken(device.accountId, device.token)
			: this.keys.deviceByKey(device.keyHash);
	}

	/** The sorted sets a device is a member of: its account's, and the browsers' (paired browsers). */
	private deviceSets(device: Device): string[] {
		const sets = [this.keys.accountDevices(device.accountId)];
		if (device.kind === 'webpush') sets.push(this.keys.browsers());
		return sets;
	}

	async insertDevice(device: Device): Promise<void> {
		const k = this.keys;
		const multi = this.redis
			.multi()
			.set(k.device(device.id), JSON.stringify(device))
			.set(this.deviceIndex(device), device.id);
		for (const set of this.deviceSets(device)) multi.zadd(set, 0, device.id);
		await multi.exec().then(execResult);
	}

	async getDevice(id: string): Promise<Device | null> {
		const raw = await this.redis.get(this.keys.device(id));
		return raw === null ? null : toDevice(raw);
	}

	async findDeviceByToken(accountId: string, token: string): Promise<ApnsDevice | null> {
		const id = await this.redis.get(this.keys.deviceByToken(accountId, token));
		if (id === null) return null;
		const device = await this.getDevice(id);
		return device?.kind === 'apns' && device.accountId === accountId && device.token === token
			? device
			: null;
	}

	async findDeviceByKeyHash(keyHash: string): Promise<WebPushDevice | null> {
		const id = await this.redis.get(this.keys.deviceByKey(keyHash));
		if (id === null) return null;
		const device = await this.getDevice(id);
		return device?.kind === 'webpush' && device.keyHash === keyHash ? device : null;
	}

	async listDevices(accountId: string): Promise<Device[]> {
		const devices = (
			await this.listRecords<Device>(this.keys.accountDevices(accountId), (id) =>
				this.keys.device(id),
			)
		).map(normalizeDevice);
		return devices.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
	}

	async updateDevice(id: string, patch: DevicePatch): Promise<Device | null> {
		return this.updateRecord<Device>(this.keys.device(id), (stored) => {
			const current = normalizeDevice(stored);
			const next = applyDevicePatch(current, patch);
			const before = this.deviceIndex(current);
			const after = this.deviceIndex(next);
			return before === after ? { next } : { next, drop: [before], point: [after], value: id };
		});
	}

	async deleteDevice(id: string): Promise<boolean> {
		const k = this.keys;
		return this.deleteRecord<Device>(k.device(id), (stored) => {
			const device = normalizeDevice(stored);
			return { drop: [this.deviceIndex(device)], from: this.deviceSets(device), member: id };
		});
	}

	async deleteDeviceRegisteredBefore(id: string, before: number): Promise<boolean> {
		const k = this.keys;
		// Compare-and-delete: a re-registration racing the 410 changes the record, and the
		// condition is checked again on the new one.
		return this.deleteRecord<Device>(k.device(id), (stored) => {
			const device = normalizeDevice(stored);
			return device.registeredAt >= before
				? null
				: { drop: [this.deviceIndex(device)], from: this.deviceSets(device), member: id };
		});
	}

	// Web Push subscriptions: conditional changes of a browser's record (compare-and-set)

	/** The browser's record after `change`, if it is a paired browser and `change` applies (null: no). */
	private async changeBrowser(
		id: string,
		change: (device: WebPushDevice) => WebPushDevice | null,
	): Promise<boolean> {
		const changed = await this.updateRecord<Device>(this.keys.device(id), (stored) => {
			const device = normalizeDevice(stored);
			const next = device.kind === 'webpush' ? change(device) : null;
			return next && { next };
		});
		return changed !== null;
	}

	async removeSubscription(deviceId: string, endpoint: string): Promise<boolean> {
		return this.changeBrowser(deviceId, (d) =>
			d.subscription?.endpoint === endpoint ? { ...d, subscription: null } : null,
		);
	}

	async listBrowsersUnseenSince(before: number): Promise<WebPushDevice[]> {
		const browsers = await this.listRecords<Device>(this.keys.browsers(), (id) =>
			this.keys.device(id),
		);
		return browsers
			.filter(
				(d): d is WebPushDevice =>
					d.kind === 'webpush' && d.subscription !== null && lastSight(d) < before,
			)
			.sort((a, b) => lastSight(a) - lastSight(b) || (a.id < b.id ? -1 : 1));
	}

	async expireSubscription(deviceId: string, before: number): Promise<boolean> {
		return this.changeBrowser(deviceId, (d) =>
			d.subscription !== null && lastSight(d) < before ? { ...d, subscription: null } : null,
		);
	}

	async claimExpiryWarning(deviceId: string, before: number, now: number): Promise<boolean> {
		return this.changeBrowser(deviceId, (d) =>
			d.subscription !== null &&
			lastSight(d) < before &&
			(d.expiryWarnedAt === undefined || d.expiryWarnedAt <= lastSight(d))
				? { ...d, expiryWarnedAt: now }
				: null,
		);
	}

	async releaseExpiryWarning(deviceId: string, at: number): Promise<void> {
		await this.changeBrowser(deviceId, (d) => {
			if (d.expiryWarnedAt !== at) return null;
			const { expiryWarnedAt: _released, ...rest } = d;
			return rest;
		});
	}

	// Pairings: a JSON record that expires with the link

	async insertPairing(pairing: Pairing): Promise<void> {
		await this.setExpiring(this.keys.pairing(pairing.codeHash), pairing);
	}

	async findPairing(codeHash: string, now: number): Promise<Pairing | null> {
		return this.getUnexpired<Pairing>(this.keys.pairing(codeHash), now);
	}

	async claimPairing(
		codeHash: string,
		now: number,
		makeDevice: (pairing: Pairing) => WebPushDevice,
	): Promise<WebPushDevice | null> {
		const k = this.keys;
		const key = k.pairing(codeHash);
		const raw = await this.redis.get(key);
		if (raw === null) return null;
		const pairing = JSON.parse(raw) as Pairing;
		if (pairing.expiresAt <= now) return null;
		const device = makeDevice(pairing);
		const claimed = await this.redis.pingClaimPairing(
			5,
			key,
			k.device(device.id),
			k.deviceByKey(device.keyHash),
			k.accountDevices(device.accountId),
			k.browsers(),
			raw,
			JSON.stringify(device),
			device.id,
		);
		return claimed === 1 ? device : null;
	}

	// Push deliveries: one hash per message, device id → delivery JSON

	async addDeliveries(
		messageId: string,
		kind: DeviceKind,
		deviceIds: string[],
		now: number,
	): Promise<void> {
		if (deviceIds.length === 0) return;
		const key = this.keys.deliveries(messageId);
		const multi = this.redis.multi();
		for (const deviceId of deviceIds) {
			multi.hsetnx(key, deviceId, JSON.stringify(queuedDelivery(messageId, deviceId, kind, now)));
		}
		await multi.pexpire(key, this.retentionMs).exec().then(execResult);
	}

	async listDeliveries(messageId: string, kind?: DeviceKind): Promise<DeviceDelivery[]> {
		const all = await this.redis.hgetall(this.keys.deliveries(messageId));
		const stored = Object.values(all).map((json) => JSON.parse(json) as StoredDelivery);
		const rows = await this.withKinds(stored);
		return rows
			.filter((row) => kind === undefined || row.kind === kind)
			.sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
	}

	/**
	 * Records written before rows had a kind get it here (`legacyDeliveryKind`), from their
	 * devices' records, read only for those: they expire with their message, so this read goes
	 * away after one retention period.
	 */
	private async withKinds(rows: StoredDelivery[]): Promise<DeviceDelivery[]> {
		const unknown = rows.filter((row) => row.kind === undefined);
		if (unknown.length === 0) return rows as DeviceDelivery[];
		// Device records are all in the {dir} slot: one MGET, on Redis Cluster too.
		const raws = await this.redis.mget(unknown.map((row) => this.keys.device(row.deviceId)));
		const deviceKinds = new Map(
			unknown.map((row, i) => {
				const raw = raws[i];
				return [row.deviceId, raw === null ? null : toDevice(raw).kind];
			}),
		);
		return rows.map(({ kind, ...row }) => ({
			...row,
			kind: kind ?? legacyDeliveryKind(row, deviceKinds.get(row.deviceId) ?? null),
		}));
	}

	async saveDeliveries(deliveries: DeviceDelivery[]): Promise<void> {
		if (deliveries.length === 0) return;
		const multi = this.redis.multi();
		const keys = new Set<string>();
		for (const d of deliveries) {
			const key = this.keys.deliveries(d.messageId);
			keys.add(key);
			multi.hset(key, d.deviceId, JSON.stringify(d));
		}
		for (const key of keys) multi.pexpire(key, this.retentionMs);
		await multi.exec().then(execResult);
	}

	// Messages and answers

	async insertMessage(message: Message, jobs: NewJob[]): Promise<void> {
		const k = this.keys;
		const queued = this.toJobs(jobs);
		const marker = queued.length > 0 ? await this.markOutbox(message.id) : null;
		const history = k.channelMessages(message.channelId);
		// Both go out in this order on one connection (one round trip), so Redis applies the
		// history entry before the message: a crash in between leaves only an entry reads skip.
		const [, inserted] = await Promise.all([
			this.redis
				.multi()
				.zadd(history, 0, historyMember(message.createdAt, message.id))
				// History older than the retention points at expired messages: trim it as we go.
				.zremrangebylex(history, '-', `(${historyMember(message.createdAt - this.retentionMs, '')}`)
				.exec()
				.then(execResult),
			this.redis.pingInsertMessage(
				2,
				k.message(message.id),
				k.outbox(message.id),
				JSON.stringify(message),
				this.retentionMs,
				...jobFields(queued),
			),
		]);
		if (inserted !== 1) throw new Error(`message ${message.id} already exists`);
		if (marker !== null) await this.handOver(message.id, queued, marker);
	}

	async getMessage(id: string): Promise<MessageRecord | null> {
		const hash = await this.redis.hgetall(this.keys.message(id));
		return hash.rec ? toRecord(hash) : null;
	}

	async getSigningSecret(messageId: string): Promise<string | null> {
		const message = await this.getMessage(messageId);
		const channel = message ? await this.getChannel(message.channelId) : null;
		return channel ? channel.webhookSecret : null;
	}

	/** Links made before answer tokens named their message were indexed by their hash. */
	async findMessageByLegacyAnswerTokenHash(tokenHash: string): Promise<MessageRecord | null> {
		const id = await this.redis.get(this.keys.answerToken(tokenHash));
		if (id === null) return null;
		const record = await this.getMessage(id);
		return record && record.answerTokenHash === tokenHash ? record : null;
	}

	async ensureSecret(name: string, candidate: string): Promise<string> {
		const key = this.keys.secret(name);
		await this.redis.set(key, candidate, 'NX');
		const value = await this.redis.get(key);
		if (value === null) throw new Error(`server secret ${name} vanished from Redis`);
		return value;
	}

	async listMessages(channelId: string, page: MessagePage): Promise<MessageRecord[]> {
		const history = this.keys.channelMessages(channelId);
		const records: MessageRecord[] = [];
		let start = page.before ? `(${historyMember(page.before.createdAt, page.before.id)}` : '+';
		while (records.length < page.limit) {
			const want = page.limit - records.length;
			const newest = await this.redis.zrevrangebylex(history, start, '-', 'LIMIT', 0, want);
			if (newest.length === 0) break;
			const hashes = await Promise.all(
				newest.map((m) => this.redis.hgetall(this.keys.message(messageIdOfMember(m)))),
			);
			const gone: string[] = [];
			newest.forEach((member, i) => {
				if (hashes[i].rec) records.push(toRecord(hashes[i]));
				else gone.push(member);
			});
			if (gone.length > 0) await this.redis.zrem(history, ...gone);
			start = `(${newest[newest.length - 1]}`;
			if (newest.length < want) break;
		}
		return records;
	}

	async saveAnswer(
		messageId: string,
		answer: Answer,
		callbackState: CallbackState,
		jobs: NewJob[],
	): Promise<SaveAnswerResult> {
		const k = this.keys;
		const queued = this.toJobs(jobs);
		const marker = queued.length > 0 ? await this.markOutbox(messageId) : null;
		const result = await this.redis.pingSaveAnswer(
			2,
			k.message(messageId),
			k.outbox(messageId),
			JSON.stringify(answer),
			callbackState,
			answer.submittedAt,
			...jobFields(queued),
		);
		// A lost race leaves only the outbox marker, which the sweep drops (its outbox is empty).
		if (result === 'saved' && marker !== null) await this.handOver(messageId, queued, marker);
		return result;
	}

	async pollAnswer(
		messageId: string,
		decide: (record: PollRecord) => PollOutcome,
		now: number,
	): Promise<{ record: PollRecord; outcome: PollOutcome } | null> {
		const key = this.keys.message(messageId);
		for (let i = 0; i < CAS_ATTEMPTS; i++) {
			const hash = await this.redis.hgetall(key);
			if (!hash.rec) return null;
			const record = toRecord(hash);
			const outcome = decide(record);
			if (!outcome.consumes) return { record, outcome };
			// Consume only the version we decided on: of concurrent polls exactly one wins, the
			// others read again and see `already_read`.
			const keys = [key, ...this.keys.messageCompanions(messageId)];
			if ((await this.redis.pingConsume(keys.length, ...keys, hash.v, now, this.retentionMs)) === 1)
				return { record, outcome };
		}
		throw new Error(`message ${messageId} kept changing while being polled`);
	}

	async setCallbackState(messageId: string, state: CallbackState): Promise<void> {
		const keys = this.keys.messageKeys(messageId);
		await this.redis.pingSetCallbackState(keys.length, ...keys, state);
	}

	async expireMessage(messageId: string, now: number): Promise<ExpireMessageResult> {
		const key = this.keys.message(messageId);
		for (let i = 0; i < CAS_ATTEMPTS; i++) {
			const hash = await this.redis.hgetall(key);
			if (!hash.rec) return 'missing';
			const message = JSON.parse(hash.rec) as Message;
			const expiresAt = message.expiresAt === null ? now : Math.min(message.expiresAt, now);
			const next = JSON.stringify({ ...message, expiresAt });
			// The script re-checks answer, close and version atomically: of an answer and the close
			// exactly one wins; a version that moved meanwhile means read again.
			const result = await this.redis.pingExpireMessage(1, key, hash.v, next, now);
			if (result !== 'changed') return result;
		}
		throw new Error(`message ${messageId} kept changing while being expired`);
	}

	// Callback attempts

	/** BullMQ keeps the jobs in Redis mode: a `JobSettlement` is left to the queue (false). */
	async recordCallbackAttempt(
		attempt: CallbackAttempt,
		callbackState?: CallbackState,
	): Promise<boolean> {
		const k = this.keys;
		const log = k.callbackAttempts(attempt.messageId);
		const keys = [
			k.message(attempt.messageId),
			log,
			...k.messageCompanions(attempt.messageId).filter((key) => key !== log),
		];
		await this.redis.pingRecordAttempt(
			keys.length,
			...keys,
			JSON.stringify(attempt),
			this.retentionMs,
			...(callbackState ? [callbackState] : []),
		);
		return false;
	}

	async listCallbackAttempts(messageId: string): Promise<CallbackAttempt[]> {
		const list = await this.redis.lrange(this.keys.callbackAttempts(messageId), 0, -1);
		// Appended as they happen; the sort (stable) only matters for attempts recorded out of order.
		return list
			.map((json) => JSON.parse(json) as CallbackAttempt)
			.sort((a, b) => a.attemptedAt - b.attemptedAt);
	}

	async queueMessageJobs(messageId: string, jobs: NewJob[]): Promise<boolean> {
		const queued = this.toJobs(jobs);
		if (queued.length === 0) return (await this.redis.exists(this.keys.message(messageId))) === 1;
		const marker = await this.markOutbox(messageId);
		const k = this.keys;
		const stored =
			(await this.redis.pingQueueMessageJobs(
				2,
				k.message(messageId),
				k.outbox(messageId),
				...jobFields(queued),
			)) === 1;
		// A missing message leaves only the outbox marker, which the sweep drops.
		if (stored) await this.handOver(messageId, queued, marker);
		return stored;
	}

	// Console sessions

	async insertConsoleSession(session: ConsoleSession): Promise<void> {
		await this.setExpiring(this.keys.consoleSession(session.idHash), session);
	}

	async findConsoleSession(idHash: string, now: number): Promise<ConsoleSession | null> {
		return this.getUnexpired<ConsoleSession>(this.keys.consoleSession(idHash), now);
	}

	async deleteConsoleSession(idHash: string): Promise<void> {
		await this.redis.del(this.keys.consoleSession(idHash));
	}

	/** The remaining time to live of a message's record in ms (-1: kept without expiry, -2: gone). */
	async messageTtlMs(messageId: string): Promise<number> {
		return this.redis.pttl(this.keys.message(messageId));
	}

	// Jobs: outbox and hand-over to the queue

	private toJobs(jobs: NewJob[]): Job[] {
		return jobs.map((job) => ({ ...job, id: newJobId(), attempts: 0 }));
	}

	/** Written before the write itself: the trace a crash leaves for `sweepOutbox`. */
	private async markOutbox(messageId: string): Promise<string> {
		const score = String(Date.now());
		await this.redis.zadd(this.keys.outboxIndex(), score, messageId);
		return score;
	}

	/**
	 * Right after the write: queue the jobs and clear them from the outbox. If the queue is not
	 * reachable the write still stands (its jobs are durable in the outbox) and the sweep
	 * queues them later.
	 */
	private async handOver(messageId: string, jobs: Job[], marker: string): Promise<void> {
		if (!this.handOverTo) return;
		try {
			await this.handOverTo(jobs);
			await this.redis.hdel(this.keys.outbox(messageId), ...jobs.map((j) => j.id));
			await this.redis.pingZremIfScore(1, this.keys.outboxIndex(), messageId, marker);
		} catch (error) {
			this.log.warn('jobs.handover_deferred', {
				message_id: messageId,
				error: errorMessage(error),
			});
		}
	}

	/**
	 * Queues the jobs of outboxes older than `olderThanMs` (their writer died or the queue was
	 * unreachable) and drops empty outbox markers. Every instance runs it now and then.
	 */
	async sweepOutbox(olderThanMs: number, limit = 100): Promise<number> {
		if (!this.handOverTo) return 0;
		const index = this.keys.outboxIndex();
		const entries = await this.redis.zrangebyscore(
			index,
			'-inf',
			Date.now() - olderThanMs,
			'WITHSCORES',
			'LIMIT',
			0,
			limit,
		);
		let queued = 0;
		for (let i = 0; i < entries.length; i += 2) {
			const [messageId, score] = [entries[i], entries[i + 1]];
			const outbox = await this.redis.hgetall(this.keys.outbox(messageId));
			const jobs = Object.values(outbox).map((json) => JSON.parse(json) as Job);
			if (jobs.length > 0) {
				await this.handOverTo(jobs);
				await this.redis.hdel(this.keys.outbox(messageId), ...jobs.map((j) => j.id));
				queued += jobs.length;
				this.log.warn('jobs.recovered_from_outbox', { message_id: messageId, jobs: jobs.length });
			}
			await this.redis.pingZremIfScore(1, index, messageId, score);
		}
		return queued;
	}

	async close(): Promise<void> {
		this.handOverTo = null;
		// The connection belongs to whoever opened it (see open-redis.ts).
	}

	// Record helpers

	/** A JSON record that lives until its `expiresAt` (a TTL of its lifetime from `createdAt`). */
	private async setExpiring(
		key: string,
		record: { createdAt: number; expiresAt: number },
	): Promise<void> {
		const ttl = Math.max(1, record.expiresAt - record.createdAt);
		await this.redis.set(key, JSON.stringify(record), 'PX', ttl);
	}

	/**
	 * The record `setExpiring` stored, while not past its `expiresAt` by `now`: judged by the
	 * caller's clock, like every expiry; the TTL only reclaims the memory.
	 */
	private async getUnexpired<T extends { expiresAt: number }>(
		key: string,
		now: number,
	): Promise<T | null> {
		const record = parse<T>(await this.redis.get(key));
		return record && record.expiresAt > now ? record : null;
	}

	private async listRecords<T>(index: string, keyOf: (id: string) => string): Promise<T[]> {
		const ids = await this.redis.zrange(index, 0, -1);
		if (ids.length === 0) return [];
		const values = await this.redis.mget(...ids.map(keyOf));
		return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as T);
	}

	/**
	 * Read, change, compare-and-set (moving lookup indexes in the same step); null when missing
	 * or when `change` says no (null).
	 */
	private async updateRecord<T>(
		key: string,
		change: (current: T) => { next: T; drop?: string[]; point?: string[]; value?: string } | null,
	): Promise<T | null> {
		for (let i = 0; i < CAS_ATTEMPTS; i++) {
			const raw = await this.redis.get(key);
			if (raw === null) return null;
			const changed = change(JSON.parse(raw) as T);
			if (changed === null) return null;
			const { next, drop = [], point = [], value = '' } = changed;
			const keys = [key, ...drop, ...point];
			if (
				(await this.redis.pingCas(
					keys.length,
					...keys,
					raw,
					JSON.stringify(next),
					drop.length,
					value,
				)) === 1
			)
				return next;
		}
		throw new Error(`record ${key} kept changing while being updated`);
	}

	/** Deletes a record with its indexes if `plan` allows it (null: not the caller's). */
	private async deleteRecord<T>(
		key: string,
		plan: (current: T) => { drop: string[]; from: string[]; member: string } | null,
	): Promise<boolean> {
		for (let i = 0; i < CAS_ATTEMPTS; i++) {
			const raw = await this.redis.get(key);
			if (raw === null) return false;
			const p = plan(JSON.parse(raw) as T);
			if (!p) return false;
			const keys = [key, ...p.drop, ...p.from];
			if ((await this.redis.pingDelete(keys.length, ...keys, raw, p.drop.length, p.member)) === 1)
				return true;
		}
		throw new Error(`record ${key} kept changing while being deleted`);
	}
}

/** MULTI results carry per-command errors; any of them fails the whole call. */
function execResult(results: [Error | null, unknown][] | null): void {
	if (results === null) throw new Error('transaction aborted');
	for (const [error] of results) if (error) throw error;
}
