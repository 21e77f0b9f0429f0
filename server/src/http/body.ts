import { IncomingMessage } from 'node:http';
import { ApiError } from '../domain/errors';

const NOT_JSON = 'request body must be JSON (Content-Type: application/json)';

/** A request declares a body by a length above zero or by chunked transfer. */
function hasBody(req: IncomingMessage): boolean {
	return (
		req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0
	);
}

/** Refuses what can be refused from the headers alone, before a byte of the body is read. */
function checkHeaders(req: IncomingMessage, maxBytes: number): void {
	const [type, ...params] = (req.headers['content-type'] ?? '')
		.split(';')
		.map((part) => part.trim().toLowerCase());
	if (type !== 'application/json' && !type.endsWith('+json')) throw new ApiError(415, NOT_JSON);
	const charset = params
		.find((p) => p.startsWith('charset='))
		?.slice('charset='.length)
		.replace(/"/g, '');
	if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
		throw new ApiError(415, 'request body must be UTF-8 JSON');
	const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
	if (encoding !== 'identity')
		throw new ApiError(415, 'request body must not be compressed (Content-Encoding)');
	if (Number(req.headers['content-length'] ?? 0) > maxBytes)
		throw new ApiError(413, `request body is larger than ${maxBytes} bytes`);
}

/**
 * The one JSON body reader of the server: undefined when the request has no body; 415 for
 * another content type, charset or encoding; 413 past `maxBytes` (a declared length is refused
 * before reading, a longer chunked body as soon as it passes the limit); 400 when the bytes
 * are not JSON. Any JSON value is returned; handlers check its shape.
 */
export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
	if (!hasBody(req)) return Promise.resolve(undefined);
	try {
		checkHeaders(req, maxBytes);
	} catch (error) {
		req.resume();
		return Promise.reject(error);
	}
	return readText(req, maxBytes).then((text) => {
		if (text.trim() === '') return undefined;
		try {
			return JSON.parse(text) as unknown;
		} catch {
			throw new ApiError(400, 'request body is not valid JSON');
		}
	});
}

const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * A browser form's body (`application/x-www-form-urlencoded`, what `<form method="post">`
 * sends), with the same limits as the JSON reader: 415 for another type or an encoding,
 * 413 past `maxBytes`. No body reads as an empty form.
 */
export function readFormBody(req: IncomingMessage, maxBytes: number): Promise<URLSearchParams> {
	if (!hasBody(req)) return Promise.resolve(new URLSearchParams());
	const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
	const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
	let refusal: ApiError | null = null;
	if (type !== FORM_TYPE) refusal = new ApiError(415, `request body must be ${FORM_TYPE}`);
	else if (encoding !== 'identity')
		refusal = new ApiError(415, 'request body must not be compressed (Content-Encoding)');
	else if (Number(req.headers['content-length'] ?? 0) > maxBytes)
		refusal = new ApiError(413, `request body is larger than ${maxBytes} bytes`);
	if (refusal) {
		req.resume();
		return Promise.reject(refusal);
	}
	return readText(req, maxBytes).then((text) => new URLSearchParams(text));
}

/** The body as UTF-8 text, refused (413) as soon as it passes `maxBytes`. */
function readText(req: IncomingMessage, maxBytes: number): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		const onData = (chunk: Buffer) => {
			size += chunk.length;
			if (size > maxBytes) {
				req.off('data', onData);
				req.resume();
				reject(new ApiError(413, `request body is larger than ${maxBytes} bytes`));
				return;
			}
			chunks.push(chunk);
		};
		req.on('data', onData);
		req.on('end', () => {
			if (size > maxBytes) return;
			resolve(Buffer.concat(chunks).toString('utf8'));
		});
		req.on('error', reject);
		// A client that goes away mid-body settles the read (its answer goes nowhere).
		req.on('close', () => {
			if (!req.complete) reject(new ApiError(400, 'request body was cut off'));
		});
	});
}
