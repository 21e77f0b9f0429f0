import { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../domain/errors';
import { AppContext } from './context';
import { failureFor } from './errors';
import { pollMessage, parseWait } from './poll';
import { sendMessage } from './send';

/**
 * The two token-authenticated endpoints every client hits in a loop, send and poll, served
 * on plain node:http in front of Express. Express's own per-request cost is about 4× a bare
 * server's on this hardware (bench/server-throughput.js), which alone would cap poll far
 * below the throughput goal; everything else (the account API) stays on Express.
 *
 * Returns false when the request is not one of these routes, so Express takes it.
 */
const SEND = /^\/v1\/send\/([^/?]+)\/?$/;
const POLL = /^\/v1\/callback\/([^/?]+)\/([^/?]+)\/?$/;

/** A path segment, or null when its %-escapes are malformed (then the route is a 404). */
function segment(raw: string): string | null {
	try {
		return decodeURIComponent(raw);
	} catch {
		return null;
	}
}

export function publicRoutes(ctx: AppContext) {
	const maxBody = ctx.config.maxBodyBytes;

	function reply(res: ServerResponse, status: number, body: unknown): void {
		const json = JSON.stringify(body);
		res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
		res.end(json);
	}

	function fail(res: ServerResponse, error: unknown): void {
		const failure = failureFor(error, ctx.log);
		if (failure.retryAfter) res.setHeader('Retry-After', failure.retryAfter);
		reply(res, failure.status, { ok: false, error: failure.message });
	}

	/** Reads a JSON body: 415 for another content type, 413 past the limit, 400 when malformed. */
	function readJson(req: IncomingMessage): Promise<unknown> {
		return new Promise((resolve, reject) => {
			const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
			if (type !== 'application/json' && !type.endsWith('+json')) {
				req.resume();
				return reject(new ApiError(415, 'request body must be JSON (Content-Type: application/json)'));
			}
			const tooLarge = () => new ApiError(413, `request body is larger than ${maxBody} bytes`);
			if (Number(req.headers['content-length'] ?? 0) > maxBody) {
				req.resume();
				return reject(tooLarge());
			}
			const chunks: Buffer[] = [];
			let size = 0;
			req.on('data', (chunk: Buffer) => {
				size += chunk.length;
				if (size > maxBody) {
					req.removeAllListeners('data');
					req.resume();
					reject(tooLarge());
					return;
				}
				chunks.push(chunk);
			});
			req.on('end', () => {
				if (size > maxBody) return;
				const text = Buffer.concat(chunks).toString('utf8');
				try {
					resolve(text.trim() === '' ? undefined : JSON.parse(text));
				} catch {
					reject(new ApiError(400, 'request body is not valid JSON'));
				}
			});
			req.on('error', reject);
		});
	}

	return function handle(req: IncomingMessage, res: ServerResponse): boolean {
		const url = req.url ?? '/';
		const queryAt = url.indexOf('?');
		const path = queryAt === -1 ? url : url.slice(0, queryAt);
		let match: RegExpExecArray | null;
		if (req.method === 'POST' && (match = SEND.exec(path))) {
			const token = segment(match[1]);
			if (token === null) return false;
			readJson(req)
				.then((body) => sendMessage(ctx, token, body))
				.then((body) => reply(res, 200, body), (error) => fail(res, error));
			return true;
		}
		if (req.method === 'GET' && (match = POLL.exec(path))) {
			const [token, messageId] = [segment(match[1]), segment(match[2])];
			if (token === null || messageId === null) return false;
			const wait = queryAt === -1 ? null : new URLSearchParams(url.slice(queryAt + 1)).get('wait');
			// A long-poll stops waiting once its client has gone.
			const clientGone = () => req.socket.destroyed;
			Promise.resolve()
				.then(() => pollMessage(ctx, token, messageId, parseWait(wait), clientGone))
				.then((body) => reply(res, 200, body), (error) => fail(res, error));
			return true;
		}
		return false;
	};
}
