import { badRequest } from './errors';
import { iso } from './message';
import { parseIsoInstant } from './time';
import { Answer, Message, ResponseValue } from './types';

/** The callback body (docs/api.md#callbacks), also the `result` of a poll. Field order is stable. */
export interface CallbackBody {
	message_id: string;
	channel_id: string;
	timestamp: string;
	triggered_by: string;
	responses: Record<string, ResponseValue>;
	submitted_at: string;
	responder?: string;
}

export function callbackBody(message: Message, answer: Answer): CallbackBody {
	const body: CallbackBody = {
		message_id: message.id,
		channel_id: message.channelId,
		timestamp: answer.timestamp,
		triggered_by: answer.triggeredBy,
		responses: answer.responses,
		submitted_at: iso(answer.submittedAt),
	};
	if (answer.responder) body.responder = answer.responder;
	return body;
}

/**
 * The tap time of an answer: the phone's `timestamp` when it sent one, which must then be an
 * ISO 8601 date-time (a 400 otherwise: a wrong time is refused, never replaced by a guess);
 * the server's clock when it sent none.
 */
export function tapTimestamp(raw: unknown, now: number): string {
	if (raw === undefined || raw === null) return new Date(now).toISOString().replace('.000Z', 'Z');
	const ms = typeof raw === 'string' ? parseIsoInstant(raw) : null;
	if (ms === null) {
		throw badRequest(
			'timestamp must be an ISO 8601 date-time with a time zone, e.g. 2026-01-12T20:18:13Z',
		);
	}
	return new Date(ms).toISOString().replace('.000Z', 'Z');
}
