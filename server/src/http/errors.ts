import { Duplex } from 'node:stream';
import { ApiError, ErrorCode } from '../domain/errors';
import { LogFields, Logger, errorMessage } from '../observability/log';
import { StorageUnavailableError } from '../store/store';

export interface Failure {
	status: number;
	message: string;
	code: ErrorCode;
	/** Headers of the answer: `Retry-After` of a 503 or a 429, the rate-limit headers. */
	headers: Record<string, string>;
}

/**
 * How any failure of a request is answered: an ApiError as it says, storage away as a 503
 * (nothing was acknowledged, retry later), anything else as a logged 500 without details.
 */
export function failureFor(error: unknown, log: Logger, fields: LogFields = {}): Failure {
	if (error instanceof ApiError) {
		return {
			status: error.status,
			message: error.message,
			code: error.code,
			headers: error.headers,
		};
	}
	if (error instanceof StorageUnavailableError) {
		log.warn('http.storage_unavailable', { ...fields, error: error.message });
		return {
			status: 503,
			message: error.message,
			code: 'storage_unavailable',
			headers: { 'retry-after': '1' },
		};
	}
	log.error('http.unhandled_error', { ...fields, error: errorMessage(error) });
	return { status: 500, message: 'internal server error', code: 'internal_error', headers: {} };
}

/** The path for a 404 message and logs, with a webhook token, answer token or pairing code in it replaced by `…`. */
export function redactedPath(path: string): string {
	return path.replace(/^(\/v1\/(?:send|callback)\/|\/a\/|\/app\/pair\/)[^/]+/, '$1…');
}

/**
 * Requests node:http refuses before they reach a handler (headers over its size limit, a
 * request line it cannot parse) still get the JSON error envelope, not a bare status line.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
	if (error.code === 'ECONNRESET' || !socket.writable) {
		socket.destroy();
		return;
	}
	const [status, reason, message, code] =
		error.code === 'HPE_HEADER_OVERFLOW'
			? [
					431,
					'Request Header Fields Too Large',
					'the request line or headers are too large',
					'headers_too_large',
				]
			: [400, 'Bad Request', 'the request is not valid HTTP', 'invalid_request'];
	const body = JSON.stringify({ ok: false, error: message, code });
	socket.end(
		`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
			`Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
	);
}
