import { createHash } from 'node:crypto';
import { buttonKey, isFormAction } from '../../domain/actions';
import { Message, Priority } from '../../domain/types';
import { stripMarkdown } from '../push/markdown';
import { longestFitting } from '../push/payload';

/**
 * What the inbox's service worker receives (docs/api.md#web-push-payload). Pure: the same
 * message, URLs and time give the same bytes.
 */

/** A push service takes at most 4096 bytes of (encrypted) body (RFC 8030 section 7.2). */
export const WEBPUSH_MAX_BODY_BYTES = 4096;
/**
 * aes128gcm in one record (RFC 8188, RFC 8291): a header of salt (16), record size (4), key id
 * length (1) and the sender's public key (65), then the padding delimiter (1) and the tag (16).
 */
export const ENCRYPTION_OVERHEAD_BYTES = 16 + 4 + 1 + 65 + 1 + 16;
/** The JSON may be this long, so that its encryption stays within the push service's limit. */
export const MAX_PAYLOAD_BYTES = WEBPUSH_MAX_BODY_BYTES - ENCRYPTION_OVERHEAD_BYTES;

/** `TTL` of a message without an expiry: a day, then the inbox still shows it. */
export const DEFAULT_TTL_SECONDS = 24 * 3600;
/** Longest `TTL` asked for: four weeks, about what push services keep at most anyway. */
export const MAX_TTL_SECONDS = 28 * 24 * 3600;
/**
 * `TTL` of an `answered` update: short (it only closes a notification), yet long enough for a
 * browser that sleeps overnight to still close the stale notification when it wakes.
 */
export const ANSWERED_TTL_SECONDS = 12 * 3600;
/** The expiry warning is sent this many days before the subscription expires. */
export const EXPIRY_WARNING_DAYS = 5;
/** `Topic` of the expiry warning: a second warning replaces a pending first one. */
export const EXPIRY_TOPIC = 'subscription-expiry';

/** RFC 8030 section 5.3; `very-low` is not used. */
export type Urgency = 'low' | 'normal' | 'high';
const URGENCY: Record<Priority, Urgency> = { high: 'high', normal: 'normal', low: 'low' };

/** One notification button the service worker shows; a tap POSTs `response` as the answer. */
export interface OneTapAction {
	action: string;
	title: string;
	/** The exact JSON body of the answer (`POST …/respond`). */
	response: { triggered_by: string };
}

export interface MessagePayload {
	type: 'message';
	message_id: string;
	channel_id: string;
	title: string;
	/** Plain text (Markdown stripped), cut to fit; '' for a message without body. */
	body: string;
	priority: Priority;
	answer_url: string | null;
	inbox_url: string;
	require_interaction: boolean;
	actions: OneTapAction[];
}

export interface AnsweredPayload {
	type: 'answered';
	message_id: string;
	answered_by: string;
}

export interface ExpiringPayload {
	type: 'expiring';
	days_left: number;
	inbox_url: string;
}

export type WebPushPayload = MessagePayload | AnsweredPayload | ExpiringPayload;

/** One push, the same for every browser it goes to (each gets its own encryption). */
export interface WebPushNotification {
	/** The JSON, at most MAX_PAYLOAD_BYTES bytes of UTF-8. */
	payload: string;
	/** Seconds the push service keeps it for an offline browser; never 0. */
	ttlSeconds: number;
	urgency: Urgency;
	/** Replaces a pending push with the same topic (≤ 32 base64url characters). */
	topic: string;
	/** True when the body was cut to fit. */
	truncated: boolean;
}

/** The inbox, scrolled to one message's card (`#m-<id>`): what a tap on its notification opens. */
export const inboxUrl = (baseUrl: string, messageId?: string) =>
	messageId === undefined
		? `${baseUrl}/app/`
		: `${baseUrl}/app/#m-${encodeURIComponent(messageId)}`;

/**
 * The push's `Topic`: the message id when it is one already (`msg_` and 12 letters/digits),
 * so a resend, and the `answered` update, replace a pending push of the same message.
 */
export function topicFor(messageId: string): string {
	if (/^[A-Za-z0-9_-]{1,32}$/.test(messageId)) return messageId;
	// Ids of another shape: a stable 32-character digest of it.
	return createHash('sha256').update(messageId).digest('base64url').slice(0, 32);
}

/**
 * Buttons that answer in one tap from the notification: only for a message whose answers are
 * one or two buttons and no form field (a form needs its page; three choices don't fit where
 * browsers show at most two, and showing two of three would hide one). Otherwise none: a tap
 * opens the message in the inbox.
 */
export function oneTapActions(message: Pick<Message, 'actions'>): OneTapAction[] {
	if (message.actions.some(isFormAction)) return [];
	const buttons = message.actions
		.map((action, index) => ({ action, key: buttonKey(action, index) }))
		.filter((b): b is { action: Message['actions'][number]; key: string } => b.key !== null);
	if (buttons.length === 0 || buttons.length > 2) return [];
	return buttons.map(({ action, key }, i) => ({
		action: `a${i}`,
		title: action.label,
		response: { triggered_by: key },
	}));
}

/** Seconds until the message expires (at least 1), a day without expiry, null once expired. */
export function ttlSecondsFor(message: Pick<Message, 'expiresAt'>, now: number): number | null {
	if (message.expiresAt === null) return DEFAULT_TTL_SECONDS;
	const left = Math.ceil((message.expiresAt - now) / 1000);
	return left <= 0 ? null : Math.min(left, MAX_TTL_SECONDS);
}

const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * The push of a new message, or null when it has expired (nothing to show any more). The
 * body is cut (on character boundaries, with an ellipsis) so that the encrypted push fits
 * 4096 bytes; the title too if even the bare title does not fit.
 */
export function messageNotification(
	message: Message,
	urls: { answerUrl: string | null; baseUrl: string },
	now: number,
): WebPushNotification | null {
	const ttlSeconds = ttlSecondsFor(message, now);
	if (ttlSeconds === null) return null;
	const json = (title: string, body: string) =>
		JSON.stringify({
			type: 'message',
			message_id: message.id,
			channel_id: message.channelId,
			title,
			body,
			priority: message.priority,
			answer_url: urls.answerUrl,
			inbox_url: inboxUrl(urls.baseUrl, message.id),
			require_interaction: message.priority === 'high',
			actions: oneTapActions(message),
		} satisfies MessagePayload);
	const fits = (title: string, body: string) => byteLength(json(title, body)) <= MAX_PAYLOAD_BYTES;
	let title = message.title;
	let body = message.body === null ? '' : stripMarkdown(message.body);
	const truncated = !fits(title, body);
	if (truncated) {
		body = longestFitting(body, (candidate) => fits(title, candidate));
		if (body === '' && !fits(title, ''))
			title = longestFitting(title, (candidate) => fits(candidate, ''));
		if (!fits(title, body)) throw new Error(`message ${message.id} cannot fit a Web Push payload`);
	}
	return {
		payload: json(title, body),
		ttlSeconds,
		urgency: URGENCY[message.priority],
		topic: topicFor(message.id),
		truncated,
	};
}

/** The update that closes a message's notification once it was answered (anywhere). */
export function answeredNotification(messageId: string, answeredBy: string): WebPushNotification {
	return {
		payload: JSON.stringify({
			type: 'answered',
			message_id: messageId,
			answered_by: answeredBy,
		} satisfies AnsweredPayload),
		ttlSeconds: ANSWERED_TTL_SECONDS,
		urgency: 'normal',
		topic: topicFor(messageId),
		truncated: false,
	};
}

/** Asks the person to open the inbox before the browser's subscription expires. */
export function expiringNotification(daysLeft: number, baseUrl: string): WebPushNotification {
	return {
		payload: JSON.stringify({
			type: 'expiring',
			days_left: daysLeft,
			inbox_url: inboxUrl(baseUrl),
		} satisfies ExpiringPayload),
		// Kept until the subscription expires: a browser that comes back within that time still hears it.
		ttlSeconds: Math.max(1, daysLeft) * 24 * 3600,
		urgency: 'normal',
		topic: EXPIRY_TOPIC,
		truncated: false,
	};
}
