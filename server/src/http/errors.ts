import { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { ApiError } from '../domain/errors';
import { LogFields, Logger, errorMessage } from '../observability/log';
import { StorageUnavailableError } from '../store/store';

export function sendError(res: Response, status: number, message: string): void {
	res.status(status).json({ ok: false, error: message });
}

/** Bodies must be JSON: any other declared content type is a 415 before parsing. */
export const requireJsonContentType: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
	const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
	if (!hasBody || req.is('application/json') || req.is('+json')) return next();
	sendError(res, 415, 'request body must be JSON (Content-Type: application/json)');
};

export const notFoundRoute: RequestHandler = (req, res) => {
	sendError(res, 404, `no such endpoint: ${req.method} ${req.path.replace(/^(\/v1\/(?:send|callback)\/)[^/]+/, '$1…')}`);
};

export interface Failure {
	status: number;
	message: string;
	/** Seconds after which retrying makes sense (503 while storage is away). */
	retryAfter?: string;
}

/**
 * How any failure of a request is answered, on Express and on the lean public routes alike:
 * an ApiError as it says, storage away as a 503 (nothing was acknowledged, retry later),
 * anything else as a logged 500 without details.
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

/** Turns every failure into the error envelope; never a stack trace, never HTML. */
export function errorHandler(log: Logger, maxBodyBytes: number): ErrorRequestHandler {
	return (error: unknown, req, res, _next) => {
		if (res.headersSent) return;
		const type = (error as { type?: string }).type;
		if (type === 'entity.parse.failed') return sendError(res, 400, 'request body is not valid JSON');
		if (type === 'entity.too.large') return sendError(res, 413, `request body is larger than ${maxBodyBytes} bytes`);
		if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
			return sendError(res, 415, 'request body must be UTF-8 JSON');
		}
		if (type === 'request.aborted') return;
		const failure = failureFor(error, log, { method: req.method, route: req.route?.path });
		if (failure.retryAfter) res.setHeader('Retry-After', failure.retryAfter);
		sendError(res, failure.status, failure.message);
	};
}
