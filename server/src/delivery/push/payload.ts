import { createHash } from 'node:crypto';
import { Message, Priority } from '../../domain/types';
import { stripMarkdown } from './markdown';

/** Apple's limit for a regular remote notification's JSON payload, in bytes. */
export const APNS_MAX_PAYLOAD_BYTES = 4096;
/** Category the app registers for messages with actions; it fetches the actions by message id. */
export const INTERACTIVE_CATEGORY = 'PING_INTERACTIVE';
const ELLIPSIS = '…';

/** What APNs needs for one message, the same for every device it goes to. */
export interface PushNotification {
	/** The JSON body, at most APNS_MAX_PAYLOAD_BYTES bytes of UTF-8. */
	payload: string;
	/** `apns-priority`: 10 delivers at once, 5 when convenient for the device's power. */
	priority: 10 | 5;
	/** `apns-expiration` in epoch seconds (the message's `expires_in`); null omits the header so APNs keeps it for an offline phone. */
	expiration: number | null;
	/** `apns-collapse-id`: a resent push replaces the earlier one on the phone instead of doubling it. */
	collapseId: string;
	/** True when the body was cut to fit. */
	truncated: boolean;
}

interface PriorityStyle {
	apnsPriority: 10 | 5;
	interruptionLevel: 'time-sensitive' | 'active' | 'passive';
	sound: boolean;
}

const STYLES: Record<Priority, PriorityStyle> = {
	high: { apnsPriority: 10, interruptionLevel: 'time-sensitive', sound: true },
	normal: { apnsPriority: 10, interruptionLevel: 'active', sound: false },
	low: { apnsPriority: 5, interruptionLevel: 'passive', sound: false },
};

function payloadJson(
	message: Message,
	title: string,
	body: string,
	answerUrl: string | null,
): string {
	const style = STYLES[message.priority];
	const interactive = message.actions.length > 0;
	const aps: Record<string, unknown> = {
		alert: body === '' ? { title } : { title, body },
		'interruption-level': style.interruptionLevel,
		'thread-id': message.channelId,
	};
	if (style.sound) aps.sound = 'default';
	if (interactive) {
		aps.category = INTERACTIVE_CATEGORY;
		// Lets the app's notification service extension fetch the actions before display.
		aps['mutable-content'] = 1;
	}
	const payload: Record<string, unknown> = {
		aps,
		message_id: message.id,
		channel_id: message.channelId,
	};
	if (answerUrl !== null) payload.answer_url = answerUrl;
	return JSON.stringify(payload);
}

const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

/** Whole user-perceived characters, so a cut never splits a surrogate pair, an emoji or an accent. */
function graphemes(text: string): string[] {
	return Array.from(
		new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text),
		(s) => s.segment,
	);
}

/** The longest prefix (in graphemes) + ellipsis for which `fits` holds; '' when none does. */
export function longestFitting(text: string, fits: (candidate: string) => boolean): string {
	const parts = graphemes(text);
	let lo = 0;
	let hi = parts.length - 1; // the whole text did not fit, so at least one grapheme goes
	while (lo < hi) {
		const mid = Math.ceil((lo + hi) / 2);
		if (fits(parts.slice(0, mid).join('').trimEnd() + ELLIPSIS)) lo = mid;
		else hi = mid - 1;
	}
	const best = parts.slice(0, lo).join('').trimEnd() + ELLIPSIS;
	return lo > 0 && fits(best) ? best : '';
}

/**
 * Maps a message to its APNs notification (server/README.md, APNs). Pure: same message, same bytes.
 * `answerUrl`, the message's answer link, goes in as `answer_url` for apps that open it.
 * Markdown is stripped from the body; when the payload would pass 4096 bytes the body is cut
 * (by bytes, on character boundaries, with an ellipsis), and if even the bare title does not
 * fit the title is cut too. The result never exceeds the limit.
 */
export function buildNotification(
	message: Message,
	answerUrl: string | null = null,
): PushNotification {
	const style = STYLES[message.priority];
	let title = message.title;
	let body = message.body === null ? '' : stripMarkdown(message.body);
	let payload = payloadJson(message, title, body, answerUrl);
	const fits = (t: string, b: string) =>
		byteLength(payloadJson(message, t, b, answerUrl)) <= APNS_MAX_PAYLOAD_BYTES;
	const truncated = byteLength(payload) > APNS_MAX_PAYLOAD_BYTES;
	if (truncated) {
		body = longestFitting(body, (candidate) => fits(title, candidate));
		if (body === '' && !fits(title, ''))
			title = longestFitting(title, (candidate) => fits(candidate, ''));
		payload = payloadJson(message, title, body, answerUrl);
		if (byteLength(payload) > APNS_MAX_PAYLOAD_BYTES)
			throw new Error(`message ${message.id} cannot fit an APNs payload`);
	}
	return {
		payload,
		priority: style.apnsPriority,
		expiration: message.expiresAt === null ? null : Math.ceil(message.expiresAt / 1000),
		collapseId: message.id,
		truncated,
	};
}

/**
 * The `apns-id` of one message to one device: a UUID derived from both ids, so every resend of
 * the same notification carries the same id (Apple's logs and our fake can spot duplicates).
 */
export function notificationId(messageId: string, deviceId: string): string {
	const h = createHash('sha256').update(`${messageId}\u0000${deviceId}`).digest();
	h[6] = (h[6] & 0x0f) | 0x80; // version 8: custom, name-based
	h[8] = (h[8] & 0x3f) | 0x80; // RFC 4122 variant
	const hex = h.subarray(0, 16).toString('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
