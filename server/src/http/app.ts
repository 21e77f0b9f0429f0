import { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest } from '../domain/errors';
import { isObject } from '../domain/fields';
import { authenticateApiKey, channelForToken } from './auth';
import { authenticateDevice } from './device-auth';
import { readJsonBody } from './body';
import { AppContext } from './context';
import { failureFor, redactedPath } from './errors';
import { withRedisBudget } from '../store/redis/request-budget';
import { ApiRequest, Auth, Reply, Route, WrittenReply } from './route';
import { Router } from './router';
import { ROUTES } from './routes';

/** No endpoint has a path anywhere near this long; a longer one is refused before routing. */
const MAX_PATH_LENGTH = 2048;

function send(
	res: ServerResponse,
	reply: WrittenReply,
	extraHeaders: Record<string, string> = {},
): void {
	const [payload, contentType]: [string | Buffer, string] =
		'json' in reply
			? [JSON.stringify(reply.json), 'application/json; charset=utf-8']
			: ['bytes' in reply ? reply.bytes : reply.text, reply.contentType];
	res.writeHead(reply.status, {
		...reply.headers,
		...extraHeaders,
		'content-type': contentType,
		'content-length': Buffer.byteLength(payload),
	});
	res.end(payload);
}

/** The route's authentication, once, and the caller's budget for it: what the handler learns, and headers. */
async function authenticate(
	ctx: AppContext,
	auth: Auth,
	req: IncomingMessage,
	params: Record<string, string>,
): Promise<{ caller: object; headers: Record<string, string> }> {
	if (auth === 'token') {
		const channel = await channelForToken(ctx, params.token);
		return { caller: { channel }, headers: await ctx.rateLimits.token.take(channel.id) };
	}
	if (auth === 'key') {
		const { keyId, accountId } = await authenticateApiKey(ctx, req);
		return { caller: { accountId }, headers: await ctx.rateLimits.key.take(keyId) };
	}
	if (auth === 'device') {
		const device = await authenticateDevice(ctx, req);
		return { caller: { device }, headers: await ctx.rateLimits.device.take(device.id) };
	}
	return { caller: {}, headers: {} };
}

/** The client's address: the socket's, or with PING_TRUST_PROXY the first of X-Forwarded-For. */
function clientAddress(ctx: AppContext, req: IncomingMessage): string {
	const forwarded = ctx.config.trustProxy ? req.headers['x-forwarded-for'] : undefined;
	const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
	return first || req.socket.remoteAddress || 'unknown';
}

/**
 * The HTTP API as a node:http request listener: the route table (`routes.ts`) matched by path,
 * then for every route alike the JSON body (`body.ts`), the route's authentication, once, and
 * its handler, whose reply is sent here or, for a hand-over (`/mcp`), written by the handler. Every failure becomes `{"ok": false, "error": …}`: never a stack trace, never
 * HTML. Everything it uses is passed in; it owns no timers or connections.
 */
export function createRequestHandler(
	ctx: AppContext,
): (req: IncomingMessage, res: ServerResponse) => void {
	const router = new Router(ROUTES);
	// Redis mode: each request's Redis calls share one PING_REDIS_TIMEOUT_MS, so a frozen Redis
	// answers 503 within about that long, however many calls the request makes.
	const budgeted: <T>(request: () => Promise<T>) => Promise<T> =
		ctx.config.store === 'redis'
			? (request) => withRedisBudget(ctx.config.redis.commandTimeoutMs, request)
			: (request) => request();

	async function handle(
		req: IncomingMessage,
		route: Route,
		params: Record<string, string>,
		query: string,
	): Promise<{ reply: Reply; headers: Record<string, string> }> {
		// Counted before anything else, so guessing tokens or keys costs budget too.
		const addressHeaders = await ctx.rateLimits.address.take(clientAddress(ctx, req));
		// A `raw` route (the answer page's form) reads its own body.
		const body =
			route.body === 'json' ? await readJsonBody(req, ctx.config.maxBodyBytes) : undefined;
		// Every JSON endpoint takes an object (or nothing): `[]`, `null` or `42` is a mistake, not a default.
		if (body !== undefined && !isObject(body))
			throw badRequest('request body must be a JSON object');
		const { caller, headers } = await authenticate(ctx, route.auth, req, params);
		const request = {
			params,
			query: new URLSearchParams(query),
			body,
			raw: req,
			...caller,
		} as ApiRequest;
		// The rate-limit headers of the caller's own budget, else of its address's.
		return { reply: await route.handler(ctx, request), headers: { ...addressHeaders, ...headers } };
	}

	return (req, res) => {
		const url = req.url ?? '/';
		const queryAt = url.indexOf('?');
		const path = queryAt === -1 ? url : url.slice(0, queryAt);
		const method = req.method ?? 'GET';
		if (path.length > MAX_PATH_LENGTH) {
			send(res, {
				status: 414,
				json: {
					ok: false,
					error: `the path is longer than ${MAX_PATH_LENGTH} characters`,
					code: 'path_too_long',
				},
			});
			return;
		}
		const match = router.match(method, path);
		if (!match.route && match.badEscape) {
			send(res, {
				status: 400,
				json: { ok: false, error: 'the path has a malformed %-escape', code: 'invalid_request' },
			});
			return;
		}
		if (!match.route) {
			send(res, {
				status: 404,
				json: {
					ok: false,
					error: `no such endpoint: ${method} ${redactedPath(path)}`,
					code: 'not_found',
				},
			});
			return;
		}
		const { route, params } = match;
		budgeted(() =>
			handle(req, route, params, queryAt === -1 ? '' : url.slice(queryAt + 1)).then(
				({ reply, headers }) => {
					if (!('handOver' in reply)) return send(res, reply, headers);
					for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
					// Within the budget too: the MCP tools' store calls happen while it writes.
					return reply.handOver(res);
				},
			),
		).catch((error: unknown) => {
			if (res.headersSent || res.destroyed) return;
			// Pages answer their failures as pages (a person reads them), the API as JSON.
			if (route.failurePage) return send(res, route.failurePage(ctx, error, req, params));
			const failure = failureFor(error, ctx.log, { method, route: route.path });
			send(
				res,
				{
					status: failure.status,
					json: { ok: false, error: failure.message, code: failure.code },
				},
				failure.headers,
			);
		});
	};
}
