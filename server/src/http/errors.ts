import { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { ApiError } from '../domain/errors';
import { Logger, errorMessage } from '../log';
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

/** Turns every failure into the error envelope; never a stack trace, never HTML. */
export function errorHandler(log: Logger, maxBodyBytes: number): ErrorRequestHandler {
	return (error: unknown, req, res, _next) => {
		if (res.headersSent) return;
		if (error instanceof ApiError) return sendError(res, error.status, error.message);
		if (error instanceof StorageUnavailableError) {
			// Nothing was acknowledged: the client may retry once storage is back.
			log.warn('http.storage_unavailable', { method: req.method, route: req.route?.path, error: error.message });
			res.setHeader('Retry-After', '1');
			return sendError(res, 503, error.message);
		}
		const type = (error as { type?: string }).type;
		if (type === 'entity.parse.failed') return sendError(res, 400, 'request body is not valid JSON');
		if (type === 'entity.too.large') return sendError(res, 413, `request body is larger than ${maxBodyBytes} bytes`);
		if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
			return sendError(res, 415, 'request body must be UTF-8 JSON');
		}
		if (type === 'request.aborted') return;
		log.error('http.unhandled_error', { method: req.method, route: req.route?.path, error: errorMessage(error) });
		sendError(res, 500, 'internal server error');
	};
}
