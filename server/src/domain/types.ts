/** The product's records, as the domain and every store driver see them. Times are epoch milliseconds. */

export type Priority = 'low' | 'normal' | 'high';
export const PRIORITIES: readonly Priority[] = ['low', 'normal', 'high'];

export type ButtonStyle = 'primary' | 'secondary' | 'destructive';
export const BUTTON_STYLES: readonly ButtonStyle[] = ['primary', 'secondary', 'destructive'];

export interface UrlAction {
	type: 'url';
	label: string;
	value: string;
}
export interface ButtonAction {
	type: 'button';
	label: string;
	key?: string;
	style: ButtonStyle;
}
export interface SelectOption {
	label: string;
	value: string;
}
export interface SelectAction {
	type: 'select';
	label: string;
	key: string;
	options: SelectOption[];
	value?: string;
}
export interface TextAction {
	type: 'text';
	label: string;
	key: string;
	placeholder?: string;
	value?: string;
	multiline: boolean;
	max_length: number;
}
export interface NumberAction {
	type: 'number';
	label: string;
	key: string;
	min?: number;
	max?: number;
	step?: number;
	value?: number;
}
export interface ToggleAction {
	type: 'toggle';
	label: string;
	key: string;
	value?: boolean;
}
export type FormAction = SelectAction | TextAction | NumberAction | ToggleAction;
export type Action = UrlAction | ButtonAction | FormAction;

export type ResponseValue = string | number | boolean;

export interface Message {
	id: string;
	channelId: string;
	title: string;
	body: string | null;
	priority: Priority;
	callbackUrl: string | null;
	actions: Action[];
	createdAt: number;
	/** After this the message can no longer be answered (`expires_in`, an extension). */
	expiresAt: number | null;
	muted: boolean;
	/**
	 * SHA-256 (hex) of the message's answer token, the secret part of its answer link
	 * (`/a/<token>`). The token itself is never stored. Absent on messages stored before
	 * answer links existed: those have no link.
	 */
	answerTokenHash?: string | null;
}

/**
 * How an answer came in: `link` (the answer page, `/a/<token>`), `api` (`POST …/respond`) or
 * `device` (a paired browser: its inbox, or a notification's button).
 */
export type ResponderVia = 'link' | 'api' | 'device';

/** Who answered (docs/api.md#answers): how, and the name an API client or a device has, if any. */
export interface Responder {
	via: ResponderVia;
	/** `device`: the paired browser that answered. */
	device_id?: string;
	/** Set by an API client (`responder` of `/respond`, at most 100 characters), or the device's name. */
	name?: string;
}

export interface Answer {
	triggeredBy: string;
	responses: Record<string, ResponseValue>;
	/** ISO-8601 UTC time of the tap, as reported by the phone (or the server's time). */
	timestamp: string;
	submittedAt: number;
	/** A string or null only in answers stored before answer links (read with `responderOf`). */
	responder: Responder | string | null;
}

/** Where the answer's callback stands; `failed` makes polls say `failed`. */
export type CallbackState = 'none' | 'pending' | 'delivered' | 'failed';

export interface MessageRecord extends Message {
	answer: Answer | null;
	/** When a poll consumed the answer (single read). */
	readAt: number | null;
	callbackState: CallbackState;
}

export interface Account {
	id: string;
	createdAt: number;
}

export interface ApiKey {
	id: string;
	accountId: string;
	name: string | null;
	/** First characters of the key, enough to recognise it in a list. */
	prefix: string;
	keyHash: string;
	createdAt: number;
	lastUsedAt: number | null;
}

export interface Channel {
	id: string;
	accountId: string;
	name: string;
	icon: string | null;
	color: string | null;
	mutedUntil: number | null;
	tokenHash: string;
	/** Kept in clear: it is the HMAC key of every callback. Never logged. */
	webhookSecret: string;
	createdAt: number;
	updatedAt: number;
}

export type ApnsEnvironment = 'sandbox' | 'production';

export type DeviceKind = 'apns' | 'webpush';

/** Fields every device has, whatever reaches it. */
interface DeviceBase {
	id: string;
	accountId: string;
	name: string | null;
	createdAt: number;
	/** Last (re-)registration: a 410 older than this must not remove the device. */
	registeredAt: number;
	/** Last time the device itself called the server (webpush: its key); null for never. */
	lastSeenAt: number | null;
}

/** A phone with the native app, reached through APNs. */
export interface ApnsDevice extends DeviceBase {
	kind: 'apns';
	/** APNs device token, lowercase hex. */
	token: string;
	environment: ApnsEnvironment;
	topic: string | null;
}

/** A browser's push subscription (`PushSubscription.toJSON()`), as RFC 8291 needs it. */
export interface WebPushSubscription {
	endpoint: string;
	/** The browser's P-256 public key, base64url. */
	p256dh: string;
	/** The 16-byte authentication secret, base64url. */
	auth: string;
}

/**
 * A browser paired by a pairing link: it holds its own device key (stored here only as a hash)
 * and sees only the messages of its channels.
 */
export interface WebPushDevice extends DeviceBase {
	kind: 'webpush';
	keyHash: string;
	/** The channels it may read and answer; null: every channel of its account. */
	channelIds: string[] | null;
	/** Null until the browser subscribes (or after the push service said it is gone). */
	subscription: WebPushSubscription | null;
	/**
	 * When it was last warned that its subscription expires unless it is opened; absent when never
	 * (a warning older than `lastSeenAt` no longer counts).
	 */
	expiryWarnedAt?: number;
}

export type Device = ApnsDevice | WebPushDevice;

/**
 * A single-use pairing link, valid for a few minutes: whoever opens it first becomes a
 * `webpush` device of `accountId`. Only the hash of its code is stored.
 */
export interface Pairing {
	codeHash: string;
	accountId: string;
	channelIds: string[] | null;
	name: string | null;
	createdAt: number;
	expiresAt: number;
}

/** A channel subscription: every answer on the channel is POSTed, signed, to `url`. */
export interface ChannelWebhook {
	id: string;
	channelId: string;
	url: string;
	description: string | null;
	createdAt: number;
}

/** Who a callback delivery goes to: the message's own `callback_url`, or a channel webhook. */
export type CallbackTarget = 'callback_url' | 'webhook';

/** One POST of one callback delivery, as recorded for `GET /v1/messages/{id}`. */
export interface CallbackAttempt {
	messageId: string;
	/** The delivery's idempotency key (`X-Ping-Idempotency-Key`), the same on every retry. */
	deliveryId: string;
	target: CallbackTarget;
	webhookId: string | null;
	/** 1 for the first attempt of the delivery. */
	attempt: number;
	attemptedAt: number;
	/** The receiver's HTTP status, null when no response came (refused, timeout, network error). */
	statusCode: number | null;
	error: string | null;
	latencyMs: number;
	/** `retrying` means another attempt is scheduled at `nextAttemptAt`. */
	outcome: 'delivered' | 'retrying' | 'failed';
	nextAttemptAt: number | null;
}

/**
 * Where one message's push to one device stands. `queued`: not tried yet; `retrying`: waiting
 * for `nextAttemptAt` after a 429/5xx/connection failure; `sent`: APNs accepted it (200);
 * `failed`: given up, `reason` says why (Apple's reason string or ours).
 */
export type DeliveryState = 'queued' | 'retrying' | 'sent' | 'failed';

export interface DeviceDelivery {
	messageId: string;
	deviceId: string;
	/**
	 * The device's kind, stored with the row: each kind's job lists and settles only its own
	 * rows, also once the device is gone.
	 */
	kind: DeviceKind;
	state: DeliveryState;
	reason: string | null;
	/** `apns-id` of the last attempt (Apple echoes it; support can trace a push with it). */
	apnsId: string | null;
	attempts: number;
	nextAttemptAt: number | null;
	updatedAt: number;
}

/**
 * A signed-in console session (`/console`). The session id lives only in the browser's
 * cookie; the store keeps its SHA-256. It belongs to the API key it was opened with (by the
 * key's hash, so a revoked key or a changed PING_ADMIN_KEY ends it at once).
 */
export interface ConsoleSession {
	/** SHA-256 (hex) of the session id. */
	idHash: string;
	accountId: string;
	/** The key's id (`admin` for PING_ADMIN_KEY). */
	keyId: string;
	/** SHA-256 (hex) of the key, as `api_keys` keeps it. */
	keyHash: string;
	createdAt: number;
	expiresAt: number;
}
