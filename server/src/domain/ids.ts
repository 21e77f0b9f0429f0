import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Crypto-random [A-Za-z0-9] string without modulo bias. */
export function randomAlphanumeric(length: number): string {
	let out = '';
	for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
	return out;
}

/** Base-62 digits in byte order, so that strings of them sort as their numbers do. */
const BASE62_ORDERED = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** How many of a message id's 12 characters come from the clock. */
const MESSAGE_ID_CLOCK_CHARS = 3;

/**
 * A message id: `msg_`, three characters from the millisecond clock, nine crypto-random ones
 * (53 bits). The clock part is the time modulo 62³ ms (about four minutes) in ordered base 62,
 * so ids made one after another sort next to each other: a new message's entry lands beside
 * the previous one's in the id index instead of on a random page of it, which is what kept
 * inserts fast on a database of millions of messages (bench/README.md, "A million messages").
 * It wraps every four minutes, which only moves where inserts land; uniqueness rests on the
 * random part. An id is never a credential: every route that takes one also needs a token or
 * a key that the message belongs to.
 */
export function newMessageId(now: number = Date.now()): string {
	let clock = now % BASE62_ORDERED.length ** MESSAGE_ID_CLOCK_CHARS;
	let prefix = '';
	for (let i = 0; i < MESSAGE_ID_CLOCK_CHARS; i++) {
		prefix = BASE62_ORDERED[clock % BASE62_ORDERED.length] + prefix;
		clock = Math.floor(clock / BASE62_ORDERED.length);
	}
	return `msg_${prefix}${randomAlphanumeric(12 - MESSAGE_ID_CLOCK_CHARS)}`;
}
export const newChannelId = () => `ch_${randomAlphanumeric(12)}`;
export const newDeviceId = () => `dev_${randomAlphanumeric(12)}`;
export const newKeyId = () => `key_${randomAlphanumeric(12)}`;
export const newJobId = () => `job_${randomAlphanumeric(16)}`;
export const newApiKey = () => `pk_live_${randomAlphanumeric(32)}`;
/** 43 URL-safe characters (32 random bytes). It is the credential of send and poll. */
export const newWebhookToken = () => randomBytes(32).toString('base64url');
/** 64 lowercase hex characters; used as UTF-8 text when signing. */
export const newWebhookSecret = () => randomBytes(32).toString('hex');

export const API_KEY_PATTERN = /^pk_live_[A-Za-z0-9]{32}$/;

/** Tokens and keys are stored only as this hash. */
export function sha256Hex(value: string): string {
	return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Constant-time comparison of two strings; only their lengths can be told apart by timing. */
export function constantTimeEqual(a: string, b: string): boolean {
	const ba = Buffer.from(a, 'utf8');
	const bb = Buffer.from(b, 'utf8');
	if (ba.length !== bb.length) {
		timingSafeEqual(ba, ba); // same work as a real comparison, then the answer
		return false;
	}
	return timingSafeEqual(ba, bb);
}

export const newWebhookId = () => `wh_${randomAlphanumeric(12)}`;
/** A callback delivery's idempotency key, sent unchanged on every retry. */
export const newDeliveryId = () => `dlv_${randomAlphanumeric(20)}`;
