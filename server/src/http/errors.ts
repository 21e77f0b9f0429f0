import { ApiError } from '../domain/errors';
import { LogFields, Logger, errorMessage } from '../observability/log';
import { StorageUnavailableError } from '../store/store';

export interface Failure {
	status: number;
	message: string;
	/** Seconds after which retrying makes sense (503 while storage is away). */
	retryAfter?: string;
}

/**
 * How any failure of a request is answered: an ApiError as it says, storage away as a 503
 * (nothing was acknowledged, retry later), anything else as a logged 500 without details.
 */
export function failureFor(error: unknown, log: Logger, fields: LogFields = {}): Failure {
	if (error instanceof ApiError) return { status: error.status, message: error.message };
	if (error instanceof StorageUnavailableError) {
		log.warn('http.storage_unavailable', { ...fields, error: error.message });
		return { status: 503, message: error.message, retryAfter: '1' };
	}
	log.error('http.unhandled_error', { ...fields, error: errorMessage(error) });
	return { status: 500, message: 'internal server error' };
}

/** The path for a 404 message and logs, with a webhook or answer token in it replaced by `…`. */
export function redactedPath(path: string): string {
	return path.replace(/^(\/v1\/(?:send|callback)\/|\/a\/)[^/]+/, '$1…');
}
