import { parseActions } from './actions';
import {
	badRequest,
	httpUrl,
	optionalBoolean,
	optionalEnum,
	optionalInteger,
	optionalString,
	requiredString,
} from './fields';
import type { JsonObject } from './fields';
import type { SendRequest } from './types';
import { PRIORITIES } from './types';

/**
 * The message-level limits of `POST /v1/send/{token}` (`docs/api.md`). Twin of the server's
 * `domain/message.ts` (`parseSendRequest`): same names, same checks, same messages.
 */
export const TITLE_MAX = 100;
export const BODY_MAX = 10_000;
export const CALLBACK_URL_MAX = 2048;
/** `expires_in` may be at most 30 days. */
export const EXPIRES_IN_MAX_SECONDS = 30 * 24 * 3600;

/**
 * Validates a send body as the server will, and returns it as it is sent: only the fields
 * that were given, with `priority` defaulted to `normal`.
 */
export function parseSendRequest(body: JsonObject): SendRequest {
	const title = requiredString(body, 'title', 'title', TITLE_MAX);
	const text = optionalString(body, 'body', 'body', BODY_MAX);
	const priority = optionalEnum(body, 'priority', 'priority', PRIORITIES) ?? 'normal';
	const rawUrl = optionalString(body, 'callback_url', 'callback_url', CALLBACK_URL_MAX);
	const callbackUrl =
		rawUrl === undefined || rawUrl === '' ? undefined : httpUrl(rawUrl, 'callback_url');
	const actions = parseActions(body.actions);
	const expiresIn = optionalInteger(body, 'expires_in', 'expires_in', 1, EXPIRES_IN_MAX_SECONDS);
	const expiryCallback = optionalBoolean(body, 'expiry_callback', 'expiry_callback') ?? false;
	if (expiryCallback && (callbackUrl === undefined || expiresIn === undefined))
		throw badRequest('expiry_callback', 'needs a callback_url and expires_in');

	const request: SendRequest = { title, priority };
	if (text !== undefined) request.body = text;
	if (actions.length > 0) request.actions = actions;
	if (callbackUrl !== undefined) request.callback_url = callbackUrl;
	if (expiresIn !== undefined) request.expires_in = expiresIn;
	if (expiryCallback) request.expiry_callback = true;
	return request;
}

/** A message as the nodes' parameters give it. */
export interface MessageParameters {
	title: unknown;
	body?: unknown;
	priority?: unknown;
	actions?: unknown;
	callbackUrl?: unknown;
	expiresIn?: unknown;
	/** Ask Ping for a signed `expired` event at the expiry (needs a callback URL and an expiry). */
	expiryCallback?: boolean;
}

/** n8n gives an unset text parameter as `''` and an unset number as `0`: both mean "not given". */
function given(value: unknown, blank: unknown = ''): unknown {
	return value === undefined || value === null || value === blank ? undefined : value;
}

/** The send body for these parameters, before validation: n8n's blanks left out, the URL trimmed. */
export function sendBodyFromParameters(message: MessageParameters): JsonObject {
	const callbackUrl = given(message.callbackUrl);
	return {
		title: given(message.title),
		body: given(message.body),
		priority: given(message.priority),
		actions: message.actions,
		callback_url: typeof callbackUrl === 'string' ? given(callbackUrl.trim()) : callbackUrl,
		expires_in: given(given(message.expiresIn), 0),
		expiry_callback: message.expiryCallback === true ? true : undefined,
	};
}
