/**
 * Stable, machine-readable names for what went wrong, sent beside the human message as
 * `code` (docs/api.md#errors): clients branch on the code, people read the message.
 */
export type ErrorCode =
	| 'invalid_request'
	| 'missing_api_key'
	| 'invalid_api_key'
	| 'invalid_token'
	| 'invalid_device_key'
	| 'forbidden'
	| 'not_found'
	| 'already_answered'
	| 'message_expired'
	| 'conflict'
	| 'body_too_large'
	| 'path_too_long'
	| 'unsupported_media_type'
	| 'rate_limited'
	| 'storage_unavailable'
	| 'internal_error';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
	400: 'invalid_request',
	401: 'invalid_api_key',
	403: 'forbidden',
	404: 'not_found',
	409: 'conflict',
	413: 'body_too_large',
	414: 'path_too_long',
	415: 'unsupported_media_type',
	429: 'rate_limited',
	503: 'storage_unavailable',
};

/**
 * An error the API turns into `{"ok": false, "error": message, "code": code}` with `status`.
 * Domain code throws it for anything the caller did wrong; everything else is a 500.
 */
export class ApiError extends Error {
	readonly code: ErrorCode;

	constructor(
		readonly status: number,
		message: string,
		code?: ErrorCode,
		/** Headers the answer carries (`Retry-After` and the rate-limit headers of a 429). */
		readonly headers: Record<string, string> = {},
	) {
		super(message);
		this.name = 'ApiError';
		this.code = code ?? CODE_BY_STATUS[status] ?? 'invalid_request';
	}
}

export const badRequest = (message: string) => new ApiError(400, message);
export const notFound = (message: string) => new ApiError(404, message);
export const conflict = (message: string) => new ApiError(409, message);
export const alreadyAnswered = () =>
	new ApiError(409, 'message was already answered; the first answer stands', 'already_answered');
export const messageExpired = () =>
	new ApiError(409, 'message has expired and can no longer be answered', 'message_expired');
