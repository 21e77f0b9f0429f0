import { badRequest } from './errors';
import { isObject, optionalString } from './fields';
import { iso } from './message';
import { parseIsoInstant } from './time';
import { Answer, Message, Responder, ResponseValue } from './types';

/** The callback body (docs/api.md#callbacks), also the `result` of a poll. Field order is stable. */
export interface CallbackBody {
	message_id: string;
	channel_id: string;
	timestamp: string;
	triggered_by: string;
	responses: Record<string, ResponseValue>;
	submitted_at: string;
	/** Extension: how the answer came in (`{"via":"link"}`, `{"via":"api","name":"ana"}`). */
	responder: Responder;
}

/**
 * Who answered, also for answers stored before answer links existed: every one of those came
 * through `POST …/respond`, with an optional name as a plain string.
 */
export function responderOf(answer: Answer): Responder {
	const r = answer.responder;
	if (r === null || r === undefined) return { via: 'api' };
	if (typeof r === 'string') return { via: 'api', name: r };
	return {
		via: r.via,
		...(r.device_id === undefined ? {} : { device_id: r.device_id }),
		...(r.name === undefined ? {} : { name: r.name }),
	};
}

export function callbackBody(
	message: Pick<Message, 'id' | 'channelId'>,
	answer: Answer,
): CallbackBody {
	const body: CallbackBody = {
		message_id: message.id,
		channel_id: message.channelId,
		timestamp: answer.timestamp,
		triggered_by: answer.triggeredBy,
		responses: answer.responses,
		submitted_at: iso(answer.submittedAt),
		responder: responderOf(answer),
	};
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

/** What a paired browser's answer records: the device, and its name when it has one. */
export function deviceResponder(device: { id: string; name: string | null }): Responder {
	return device.name === null
		? { via: 'device', device_id: device.id }
		: { via: 'device', device_id: device.id, name: device.name };
}

/** Longest `responder` name an API client may give. */
export const RESPONDER_NAME_MAX = 100;

/**
 * `responder` of `POST …/respond`: absent, a string (the name, as before answer links), or an
 * object `{"name"?: string}`. `via` is the server's to set: an API answer is always `api`.
 */
export function parseApiResponder(raw: unknown): Responder {
	if (raw === undefined || raw === null) return { via: 'api' };
	const holder = typeof raw === 'string' ? { name: raw } : raw;
	if (!isObject(holder))
		throw badRequest('responder must be a string or an object like {"name": "ana"}');
	if (holder.via !== undefined && holder.via !== 'api')
		throw badRequest('responder.via is set by the server: an answer through the API is "api"');
	const field = typeof raw === 'string' ? 'responder' : 'responder.name';
	const name = optionalString(holder, 'name', field, RESPONDER_NAME_MAX);
	return name === undefined || name === '' ? { via: 'api' } : { via: 'api', name };
}
