import { IncomingMessage, ServerResponse } from 'node:http';
import { accountForApiKey, channelForToken } from './auth';
import { readJsonBody } from './body';
import { AppContext } from './context';
import { failureFor, redactedPath } from './errors';
import { ApiRequest, Auth, Reply, Route } from './route';
import { Router } from './router';
import { ROUTES } from './routes';

type Answer = Exclude<Reply, { handOver: unknown }>;

function send(res: ServerResponse, reply: Answer, extraHeaders: Record<string, string> = {}): void {
	const [payload, contentType] =
		'json' in reply
			? [JSON.stringify(reply.json), 'application/json; charset=utf-8']
			: [reply.text, reply.contentType];
	res.writeHead(reply.status, {
		...reply.headers,
		...extraHeaders,
		'content-type': contentType,
		'content-length': Buffer.byteLength(payload),
	});
	res.end(payload);
}

async function callerOf(
	ctx: AppContext,
	auth: Auth,
	req: IncomingMessage,
	params: Record<string, string>,
): Promise<object> {
	if (auth === 'token') return { channel: await channelForToken(ctx, params.token) };
	if (auth === 'key') return { accountId: await accountForApiKey(ctx, req) };
	return {};
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

	async function handle(
		req: IncomingMessage,
		route: Route,
		params: Record<string, string>,
		query: string,
	): Promise<Reply> {
		const body = await readJsonBody(req, ctx.config.maxBodyBytes);
		const caller = await callerOf(ctx, route.auth, req, params);
		const request = {
			params,
			query: new URLSearchParams(query),
			body,
			raw: req,
			...caller,
		} as ApiRequest;
		return route.handler(ctx, request);
	}

	return (req, res) => {
		const url = req.url ?? '/';
		const queryAt = url.indexOf('?');
		const path = queryAt === -1 ? url : url.slice(0, queryAt);
		const method = req.method ?? 'GET';
		const match = router.match(method, path);
		if (!match.route) {
			// A path that cannot be decoded names no resource either.
			send(res, {
				status: 404,
				json: { ok: false, error: `no such endpoint: ${method} ${redactedPath(path)}` },
			});
			return;
		}
		const { route, params } = match;
		handle(req, route, params, queryAt === -1 ? '' : url.slice(queryAt + 1))
			.then((reply) => ('handOver' in reply ? reply.handOver(res) : send(res, reply)))
			.catch((error: unknown) => {
				if (res.headersSent || res.destroyed) return;
				const failure = failureFor(error, ctx.log, { method, route: route.path });
				send(
					res,
					{ status: failure.status, json: { ok: false, error: failure.message } },
					failure.retryAfter ? { 'retry-after': failure.retryAfter } : {},
				);
			});
	};
}
