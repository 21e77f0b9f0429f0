import { callbackBody } from '../domain/answer';
import { AnswerLinks } from '../domain/answer-link';
import { isExpired, iso } from '../domain/message';
import { ApiKey, Channel, Device, MessageRecord } from '../domain/types';

/** JSON views of the records: snake_case, ISO times, never a hash or a token. */

const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function presentKey(key: ApiKey) {
	return {
		id: key.id,
		name: key.name,
		// Keys made before the prefix was stored bare carry a trailing ellipsis.
		prefix: key.prefix.replace(/…$/, ''),
		created_at: iso(key.createdAt),
		last_used_at: isoOrNull(key.lastUsedAt),
	};
}

export function presentChannel(channel: Channel, now: number) {
	return {
		id: channel.id,
		name: channel.name,
		icon: channel.icon,
		color: channel.color,
		muted: channel.mutedUntil !== null && channel.mutedUntil > now,
		muted_until: isoOrNull(channel.mutedUntil),
		created_at: iso(channel.createdAt),
		updated_at: iso(channel.updatedAt),
	};
}

/** Both kinds share id, kind, name and times; each adds what reaches it. */
export function presentDevice(device: Device) {
	const common = {
		id: device.id,
		kind: device.kind,
		name: device.name,
		created_at: iso(device.createdAt),
		registered_at: iso(device.registeredAt),
		last_seen_at: isoOrNull(device.lastSeenAt),
	};
	if (device.kind === 'apns') {
		return {
			...common,
			token: device.token,
			environment: device.environment,
			topic: device.topic,
		};
	}
	return { ...common, channel_ids: device.channelIds, subscribed: device.subscription !== null };
}

/** `answered`, `expired` (unanswered past `expires_in`) or `pending`. */
export type MessageState = 'answered' | 'expired' | 'pending';

export function messageState(message: MessageRecord, now: number): MessageState {
	if (message.answer) return 'answered';
	return isExpired(message, now) ? 'expired' : 'pending';
}

export function presentMessage(message: MessageRecord, now: number, links: AnswerLinks) {
	return {
		id: message.id,
		channel_id: message.channelId,
		title: message.title,
		body: message.body,
		priority: message.priority,
		callback_url: message.callbackUrl,
		actions: message.actions,
		muted: message.muted,
		created_at: iso(message.createdAt),
		expires_at: isoOrNull(message.expiresAt),
		answer_url: links.urlFor(message),
		state: messageState(message, now),
		answer: message.answer ? callbackBody(message, message.answer) : null,
		answer_read: message.readAt !== null,
		callback_state: message.callbackState,
	};
}
