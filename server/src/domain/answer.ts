import { iso } from './message';
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

/** Accepts the phone's tap time if it is a valid ISO-8601 instant, else uses the server's clock. */
export function tapTimestamp(raw: unknown, now: number): string {
	if (typeof raw === 'string') {
		const ms = Date.parse(raw);
		if (Number.isFinite(ms) && /^\d{4}-\d{2}-\d{2}T/.test(raw))
			return new Date(ms).toISOString().replace('.000Z', 'Z');
	}
	return new Date(now).toISOString().replace('.000Z', 'Z');
}
