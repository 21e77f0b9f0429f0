import { IncomingMessage } from 'node:http';
import { ApiError } from '../domain/errors';
import { invalidTextPath } from '../domain/fields';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

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

/** Names the field that holds the bad bytes when the body still parses, so a person can find them. */
function notUtf8(bytes: Buffer): string {
	try {
		const lenient = bytes.toString('utf8');
		const value: unknown = JSON.parse(lenient);
		const replaced = findReplacement(value, '');
		if (replaced !== null) return `${replaced} is not valid UTF-8`;
	} catch {
		// not JSON either: the general message below
	}
	return 'request body is not valid UTF-8';
}

/** The path of the first string holding U+FFFD, which lenient decoding puts for bad bytes. */
function findReplacement(value: unknown, path: string): string | null {
	if (typeof value === 'string') return value.includes('\uFFFD') ? path || '(body)' : null;
	if (value === null || typeof value !== 'object') return null;
	for (const [key, item] of Object.entries(value)) {
		const at = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
		if (key.includes('\uFFFD')) return at;
		const found = findReplacement(item, at);
		if (found !== null) return found;
	}
	return null;
}

/**
 * The one JSON body reader of the server: undefined when the request has no body; 415 for
 * another content type, charset or encoding; 413 past `maxBytes` (a declared length is refused
 * before reading, a longer chunked body as soon as it passes the limit); 400 when the bytes
 * are not UTF-8 or not JSON, or a string holds half a character (naming the field). Any JSON
 * value is returned; the dispatcher and the handlers check its shape.
 */
export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
	if (!hasBody(req)) return Promise.resolve(undefined);
	try {
		checkHeaders(req, maxBytes);
	} catch (error) {
		req.resume();
		return Promise.reject(error);
	}
	return readBytes(req, maxBytes).then((bytes) => {
		let text: string;
		try {
			text = strictUtf8.decode(bytes);
		} catch {
			throw new ApiError(400, notUtf8(bytes));
		}
		if (text.trim() === '') return undefined;
		let value: unknown;
		try {
			value = JSON.parse(text);
		} catch {
			throw new ApiError(400, 'request body is not valid JSON');
		}
		const broken = invalidTextPath(value);
		if (broken !== null)
			throw new ApiError(400, `${broken} is not valid text (a lone UTF-16 surrogate)`);
		return value;
	});
}

const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * A browser form's body (`application/x-www-form-urlencoded`, what `<form method="post">`
 * sends), with the same limits as the JSON reader: 415 for another type or an encoding,
 * 413 past `maxBytes`, 400 for bytes that are not UTF-8. No body reads as an empty form.
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
	return readBytes(req, maxBytes).then((bytes) => {
		try {
			return new URLSearchParams(strictUtf8.decode(bytes));
		} catch {
			throw new ApiError(400, 'request body is not valid UTF-8');
		}
	});
}

/** The body's bytes, refused (413) as soon as they pass `maxBytes`. */
function readBytes(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
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
			resolve(Buffer.concat(chunks));
		});
		req.on('error', reject);
		// A client that goes away mid-body settles the read (its answer goes nowhere).
		req.on('close', () => {
			if (!req.complete) reject(new ApiError(400, 'request body was cut off'));
		});
	});
}
