import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { PollOutcome, PollRecord } from '../domain/polling';
import { JobSettlement, NewJob } from '../jobs/job';
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
} from '../domain/types';

/**
 * The one storage contract. Every driver (SQLite embedded default, Redis for scale-out)
 * implements it and passes the same suite (`test/server/store-contract.ts`).
 *
 * Rules every driver keeps:
 * - `saveAnswer` is first-writer-wins, atomically: of many concurrent calls exactly one saves.
 * - `pollAnswer` decides and consumes atomically: of many concurrent polls exactly one is `submitted`.
 * - Jobs passed with a write are stored in the same atomic step as the write, so follow-up work
 *   (a push, a callback) is never lost between "acknowledged" and "queued".
 * - Times are epoch milliseconds chosen by the caller (`now`), so tests drive the clock.
 *
 * Running the jobs is the job queue's business (`jobs/queue.ts`): the SQLite driver keeps them in
 * its own table (run by `SqliteJobQueue`); the Redis driver hands them to BullMQ.
 */

export interface ChannelPatch {
	name?: string;
	icon?: string | null;
	color?: string | null;
	mutedUntil?: number | null;
	tokenHash?: string;
	webhookSecret?: string;
}

/** Fields of the other device kind are ignored (see `applyDevicePatch`). */
export interface DevicePatch {
	name?: string | null;
	registeredAt?: number;
	lastSeenAt?: number;
	// APNs devices
	token?: string;
	environment?: ApnsEnvironment;
	topic?: string | null;
	// Web Push devices
	subscription?: WebPushSubscription | null;
	channelIds?: string[] | null;
}

/** The device after `patch`, for both drivers: each kind takes only its own fields. */
export function applyDevicePatch(device: Device, patch: DevicePatch): Device {
	const common = {
		name: patch.name !== undefined ? patch.name : device.name,
		registeredAt: patch.registeredAt ?? device.registeredAt,
		lastSeenAt: patch.lastSeenAt ?? device.lastSeenAt,
	};
	if (device.kind === 'apns') {
		return {
			...device,
			...common,
			token: patch.token ?? device.token,
			environment: patch.environment ?? device.environment,
			topic: patch.topic !== undefined ? patch.topic : device.topic,
		};
	}
	return {
		...device,
		...common,
		subscription: patch.subscription !== undefined ? patch.subscription : device.subscription,
		channelIds: patch.channelIds !== undefined ? patch.channelIds : device.channelIds,
	};
}

/** A device's delivery row as `addDeliveries` writes it: queued, never attempted. */
export function queuedDelivery(
	messageId: string,
	deviceId: string,
	kind: DeviceKind,
	now: number,
): DeviceDelivery {
	return {
		messageId,
		deviceId,
		kind,
		state: 'queued',
		reason: null,
		apnsId: null,
		attempts: 0,
		nextAttemptAt: null,
		updatedAt: now,
	};
}

/**
 * The kind of a delivery row stored before rows had one (Redis records written before the
 * field; the SQLite migration 13 applies the same rule), given its device's kind, null when the
 * device is gone:
 * - the device's kind while it exists;
 * - `apns` when `apnsId` is set: only the APNs job sets it, at every attempt;
 * - `webpush` when it was attempted without one, or failed for a reason only the Web Push job
 *   gives (`NoSubscription`, `Answered`);
 * - else `apns`, the only kind before Web Push. Such a row was never attempted and its device
 *   is gone, so nothing in it tells; if it was a browser's and is still `queued`, the APNs job
 *   settles it (`DeviceRemoved`), as the first job to run did before rows had a kind.
 */
export function legacyDeliveryKind(
	row: Omit<DeviceDelivery, 'kind'>,
	deviceKind: DeviceKind | null,
): DeviceKind {
	if (deviceKind !== null) return deviceKind;
	if (row.apnsId !== null) return 'apns';
	if (row.attempts > 0 || row.reason === 'NoSubscription' || row.reason === 'Answered')
		return 'webpush';
	return 'apns';
}

/** `expired`: the message was closed (`expireMessage`) or is past its expiry: no answer is taken. */
export type SaveAnswerResult = 'saved' | 'conflict' | 'missing' | 'expired';

/**
 * `expireMessage`: `expired` when this call closed the message; `answered` or `already_expired`
 * when it was settled before (nothing changes); `missing` for an unknown id.
 */
export type ExpireMessageResult = 'expired' | 'answered' | 'already_expired' | 'missing';

export interface MessagePage {
	limit: number;
	/** Continue after this message (exclusive), newest first. */
	before?: { createdAt: number; id: string };
}

export interface Store {
	// Accounts and API keys
	ensureAccount(id: string, now: number): Promise<Account>;
	countApiKeys(): Promise<number>;
	/** Inserts unless the account already has `maxActive` keys. */
	insertApiKey(key: ApiKey, maxActive: number): Promise<'inserted' | 'limit'>;
	findApiKeyByHash(keyHash: string): Promise<ApiKey | null>;
	listApiKeys(accountId: string): Promise<ApiKey[]>;
	deleteApiKey(accountId: string, id: string): Promise<boolean>;
	touchApiKey(id: string, now: number): Promise<void>;

	// Channels
	insertChannel(channel: Channel): Promise<void>;
	getChannel(id: string): Promise<Channel | null>;
	findChannelByTokenHash(tokenHash: string): Promise<Channel | null>;
	listChannels(accountId: string): Promise<Channel[]>;
	updateChannel(id: string, patch: ChannelPatch, now: number): Promise<Channel | null>;
	/** Deletes the channel, its messages (with their callback attempts) and its webhooks. */
	deleteChannel(id: string): Promise<boolean>;

	// Channel webhooks (subscriptions that receive every answer on the channel)
	/** Inserts unless the channel already has `maxPerChannel` webhooks. */
	insertWebhook(webhook: ChannelWebhook, maxPerChannel: number): Promise<'inserted' | 'limit'>;
	getWebhook(id: string): Promise<ChannelWebhook | null>;
	/** Oldest first. */
	listWebhooks(channelId: string): Promise<ChannelWebhook[]>;
	deleteWebhook(channelId: string, id: string): Promise<boolean>;

	// Devices
	insertDevice(device: Device): Promise<void>;
	getDevice(id: string): Promise<Device | null>;
	findDeviceByToken(accountId: string, token: string): Promise<ApnsDevice | null>;
	listDevices(accountId: string): Promise<Device[]>;
	updateDevice(id: string, patch: DevicePatch): Promise<Device | null>;
	deleteDevice(id: string): Promise<boolean>;
	/**
	 * Deletes the device only if it last registered before `before` (APNs 410 timestamp), in one
	 * atomic step, so a re-registration racing the 410 keeps the device. True when deleted.
	 */
	deleteDeviceRegisteredBefore(id: string, before: number): Promise<boolean>;
	/** The paired browser holding this device key (by its hash), or null. */
	findDeviceByKeyHash(keyHash: string): Promise<WebPushDevice | null>;

	// Web Push subscriptions: hygiene after a push service's 404/410, and expiry of unused ones
	/**
	 * Sets the browser's subscription to null if it is still the one at `endpoint`, in one atomic
	 * step: a browser that subscribed again meanwhile keeps its new subscription. True when removed.
	 */
	removeSubscription(deviceId: string, endpoint: string): Promise<boolean>;
	/**
	 * Subscribed paired browsers (every account) last seen before `before` (`lastSeenAt`, or
	 * `createdAt` for one never seen), oldest first: what the expiry sweep looks at.
	 */
	listBrowsersUnseenSince(before: number): Promise<WebPushDevice[]>;
	/**
	 * Sets the subscription to null if the browser is still subscribed and still unseen since
	 * `before`, atomically (a browser that called in meanwhile keeps it). True when expired.
	 */
	expireSubscription(deviceId: string, before: number): Promise<boolean>;
	/**
	 * Records that the browser was warned of its expiry at `now`, if it is subscribed, unseen since
	 * `before`, and not warned since it was last seen: of several sweeps (instances) exactly one
	 * gets true and sends the warning.
	 */
	claimExpiryWarning(deviceId: string, before: number, now: number): Promise<boolean>;
	/** Undoes the claim made at `at` (the warning could not be sent), so a later sweep tries again. */
	releaseExpiryWarning(deviceId: string, at: number): Promise<void>;

	// Pairings (single-use links that turn a browser into a webpush device)
	insertPairing(pairing: Pairing): Promise<void>;
	/** The pairing with this code hash while it can still be claimed at `now` (reading uses nothing up). */
	findPairing(codeHash: string, now: number): Promise<Pairing | null>;
	/**
	 * Uses up the pairing and stores the device `makeDevice` builds from it, in one atomic step:
	 * of two browsers opening the same link, one gets the device and the other null. Null too
	 * for an unknown or expired code.
	 */
	claimPairing(
		codeHash: string,
		now: number,
		makeDevice: (pairing: Pairing) => WebPushDevice,
	): Promise<WebPushDevice | null>;

	// Push deliveries (one row per message and device, with the device's kind)
	/**
	 * Adds `queued` rows of `kind` for the devices that have none yet for this message; existing
	 * rows stay as they are.
	 */
	addDeliveries(
		messageId: string,
		kind: DeviceKind,
		deviceIds: string[],
		now: number,
	): Promise<void>;
	/** The message's rows by device id: those of `kind`, or all of them without it. */
	listDeliveries(messageId: string, kind?: DeviceKind): Promise<DeviceDelivery[]>;
	/** Writes these rows (insert or replace), all in one atomic step. */
	saveDeliveries(deliveries: DeviceDelivery[]): Promise<void>;

	// Messages and answers
	insertMessage(message: Message, jobs: NewJob[]): Promise<void>;
	getMessage(id: string): Promise<MessageRecord | null>;
	/**
	 * The secret that signs a message's callbacks: its channel's webhook secret as it is now
	 * (read at every attempt, so a rotated secret signs the next one). Null when the message or
	 * its channel is gone.
	 */
	getSigningSecret(messageId: string): Promise<string | null>;
	/**
	 * The message of an answer link made before answer tokens named their message, by the
	 * SHA-256 of its token (`answerTokenHash`), or null. Links made since are found by the id
	 * they name (`getMessage`), so new messages are not indexed by their token's hash.
	 */
	findMessageByLegacyAnswerTokenHash(tokenHash: string): Promise<MessageRecord | null>;
	listMessages(channelId: string, page: MessagePage): Promise<MessageRecord[]>;
	/**
	 * First answer wins; `callbackState` is `pending` when a callback will be sent, else `none`.
	 * An answer submitted at or after the message's expiry, or after `expireMessage`, is
	 * `expired`, judged in the same atomic step, so an answer racing a close cannot slip in.
	 */
	saveAnswer(
		messageId: string,
		answer: Answer,
		callbackState: CallbackState,
		jobs: NewJob[],
	): Promise<SaveAnswerResult>;
	/** Applies `decide` to the record and, when it consumes, marks the answer read, atomically. */
	pollAnswer(
		messageId: string,
		decide: (record: PollRecord) => PollOutcome,
		now: number,
	): Promise<{ record: PollRecord; outcome: PollOutcome } | null>;
	setCallbackState(messageId: string, state: CallbackState): Promise<void>;
	/**
	 * Closes an unanswered message now, atomically against `saveAnswer` (of an answer and the
	 * close exactly one wins): its expiry becomes `now` at the latest, so polls say `expired`,
	 * and no answer is saved after it. Called at the expiry (the expiry event's job) and to
	 * cancel (an approval, `ask`). `already_expired` when it was closed before.
	 */
	expireMessage(messageId: string, now: number): Promise<ExpireMessageResult>;

	// Callback attempts (the delivery log shown by GET /v1/messages/{id})
	/**
	 * Records an attempt and, when `callbackState` is given (a final outcome of the message's own
	 * callback), sets the message's callback state with it: one write per attempt. With `job`,
	 * a store that keeps the job table (SQLite) writes the job's outcome (deleted, or due again)
	 * in the same transaction and says so (true); the Redis store, whose jobs BullMQ keeps,
	 * leaves them to its queue (false).
	 */
	recordCallbackAttempt(
		attempt: CallbackAttempt,
		callbackState?: CallbackState,
		job?: JobSettlement,
	): Promise<boolean>;
	/** Oldest first. */
	listCallbackAttempts(messageId: string): Promise<CallbackAttempt[]>;

	/**
	 * Queues jobs for an existing message (a callback delivery retried from the console), stored
	 * atomically with the check that the message still exists. False when it does not.
	 */
	queueMessageJobs(messageId: string, jobs: NewJob[]): Promise<boolean>;

	// Console sessions
	insertConsoleSession(session: ConsoleSession): Promise<void>;
	/** The session with this id hash, or null when unknown or past `expiresAt` by `now`. */
	findConsoleSession(idHash: string, now: number): Promise<ConsoleSession | null>;
	deleteConsoleSession(idHash: string): Promise<void>;

	// Server secrets
	/**
	 * The secret called `name`, shared by every instance on this store: the stored one, or
	 * `candidate` stored now when there is none yet (the first caller wins, atomically).
	 */
	ensureSecret(name: string, candidate: string): Promise<string>;

	close(): Promise<void>;
}

/**
 * Makes the request counter behind one rate limit (`name`, `perMinute`): in this process for
 * SQLite, in Redis (shared by every instance) for Redis mode.
 */
export type RateCounterFactory = (name: string, perMinute: number) => RateLimiterAbstract;

/** The storage engine cannot be reached (Redis down): requests that need it answer 503. */
export class StorageUnavailableError extends Error {
	constructor(cause: string) {
		super(`storage unavailable: ${cause}`);
		this.name = 'StorageUnavailableError';
	}
}
