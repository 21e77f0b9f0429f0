import { parseActions } from './actions';
import { badRequest } from './errors';
import {
	JsonObject,
	httpUrl,
	optionalBoolean,
	optionalEnum,
	optionalInteger,
	optionalString,
	requiredString,
} from './fields';
import { newMessageId } from './ids';
import { Action, Message, PRIORITIES, Priority } from './types';

export const TITLE_MAX = 100;
export const BODY_MAX = 10_000;
export const CALLBACK_URL_MAX = 2048;
/** `expires_in` (an extension of Ping's API) may be at most 30 days. */
export const EXPIRES_IN_MAX_SECONDS = 30 * 24 * 3600;

export interface SendRequest {
	title: string;
	body: string | null;
	priority: Priority;
	callbackUrl: string | null;
	actions: Action[];
	expiresInSeconds: number | null;
	/** Extension: POST a signed `expired` event to `callback_url` if nobody answers in time. */
	expiryCallback: boolean;
}

/**
 * Validates a `POST /v1/send` body (docs/api.md#sending); unknown fields are ignored. Twin of the
 * nodes' `parseSendRequest` in `nodes/shared/message.ts` (same checks, same messages).
 */
export function parseSendRequest(body: JsonObject): SendRequest {
	const title = requiredString(body, 'title', 'title', TITLE_MAX);
	const text = optionalString(body, 'body', 'body', BODY_MAX) ?? null;
	const priority = optionalEnum(body, 'priority', 'priority', PRIORITIES) ?? 'normal';
	const rawUrl = optionalString(body, 'callback_url', 'callback_url', CALLBACK_URL_MAX);
	const callbackUrl =
		rawUrl === undefined || rawUrl === '' ? null : httpUrl(rawUrl, 'callback_url');
	const actions = parseActions(body.actions);
	const expiresIn =
		optionalInteger(body, 'expires_in', 'expires_in', 1, EXPIRES_IN_MAX_SECONDS) ?? null;
	const expiryCallback = optionalBoolean(body, 'expiry_callback', 'expiry_callback') ?? false;
	if (expiryCallback && (callbackUrl === null || expiresIn === null))
		throw badRequest('expiry_callback needs a callback_url and expires_in');
	return {
		title,
		body: text,
		priority,
		callbackUrl,
		actions,
		expiresInSeconds: expiresIn,
		expiryCallback,
	};
}

export function newMessage(
	request: SendRequest,
	channelId: string,
	muted: boolean,
	now: number,
): Message {
	return {
		id: newMessageId(now),
		channelId,
		title: request.title,
		body: request.body,
		priority: request.priority,
		callbackUrl: request.callbackUrl,
		actions: request.actions,
		createdAt: now,
		expiresAt: request.expiresInSeconds === null ? null : now + request.expiresInSeconds * 1000,
		muted,
	};
}

export const isExpired = (message: Pick<Message, 'expiresAt'>, now: number) =>
	message.expiresAt !== null && now >= message.expiresAt;

export const iso = (ms: number) => new Date(ms).toISOString();
