import { IncomingMessage, ServerResponse } from 'node:http';
import { Channel, WebPushDevice } from '../domain/types';
import { AppContext } from './context';

/**
 * How a route is authenticated, applied once per request by the dispatcher (`app.ts`):
 * - `none`: open (health, metrics);
 * - `token`: the channel's webhook token in the path (`:token`), which *is* the credential;
 * - `key`: `Authorization: Bearer pk_live_…`, an API key of an account;
 * - `device`: a paired browser's device key, `Authorization: Bearer pd_…` or the inbox's cookie
 *   (`http/device-auth.ts`; a cookie-borne write must come from this site's own pages).
 */
export type Auth = 'none' | 'token' | 'key' | 'device';

/** What each kind of authentication tells the handler about its caller. */
interface Callers {
	none: object;
	token: { channel: Channel };
	key: { accountId: string };
	device: { device: WebPushDevice };
}

export type ApiRequest<A extends Auth = Auth> = {
	/** Path parameters, %-decoded (`:id` → `params.id`). */
	params: Record<string, string>;
	query: URLSearchParams;
	/** The parsed JSON body; undefined when the request has none, or when the route reads its own (`body: 'raw'`). */
	body: unknown;
	raw: IncomingMessage;
} & Callers[A];

/**
 * A JSON answer (`{"ok": true, …}` by convention), text of a given type (metrics, the answer
 * pages' HTML), bytes of a given type (the inbox's icons), or the response handed over to a writer of its own (`handOver`: the MCP SDK's
 * transport writes its answers itself, as an event stream). `headers` are added to a JSON or
 * text answer.
 */
export type Reply =
	| { status: number; json: unknown; headers?: Readonly<Record<string, string>> }
	| {
			status: number;
			text: string;
			contentType: string;
			headers?: Readonly<Record<string, string>>;
	  }
	| {
			status: number;
			/** A file as it is (the inbox's icons). */
			bytes: Buffer;
			contentType: string;
			headers?: Readonly<Record<string, string>>;
	  }
	| { handOver: (res: ServerResponse) => Promise<void> };

/** A reply the dispatcher writes itself (JSON or text), as opposed to a hand-over. */
export type WrittenReply = Exclude<Reply, { handOver: unknown }>;

export const json = (body: unknown, status = 200): WrittenReply => ({ status, json: body });

/**
 * Lets `write` answer on the raw response, after the route's body reader and authentication
 * ran as for any route. Until `write` has sent headers, a failure it throws still becomes the
 * usual error envelope.
 */
export const handOver = (write: (res: ServerResponse) => Promise<void>): Reply => ({
	handOver: write,
});

export type Handler<A extends Auth> = (
	ctx: AppContext,
	req: ApiRequest<A>,
) => Promise<Reply> | Reply;

/**
 * A handler whose module is loaded on its route's first request, not at start: for parts a
 * server may never be asked for (the MCP SDK costs ~200 ms and ~25 MiB to load). The first
 * request waits for the load; later ones call the loaded handler directly.
 */
export function lazyHandler<A extends Auth>(load: () => Promise<Handler<A>>): Handler<A> {
	let loaded: Promise<Handler<A>> | null = null;
	return async (ctx, req) => (await (loaded ??= load()))(ctx, req);
}

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Who reads the request body: `json`, the dispatcher (`readJsonBody`, for every API route);
 * `raw`, the handler itself (the answer page reads a browser form, and answers its own
 * failures with a page rather than JSON).
 */
export type BodyKind = 'json' | 'raw';

export interface Route {
	method: Method;
	/** `/v1/channels/:id`: literal segments and `:name` parameters, one per segment. */
	path: string;
	auth: Auth;
	handler: Handler<Auth>;
	body: BodyKind;
	/**
	 * Pages only: how any failure before or in the handler (a rate limit, storage away) is
	 * shown to a person, instead of the API's JSON envelope.
	 */
	failurePage?: FailurePage;
}

export type FailurePage = (
	ctx: AppContext,
	error: unknown,
	req: IncomingMessage,
	params: Record<string, string>,
) => WrittenReply;

/** One entry of the route table, with the handler's request typed by its authentication. */
export function route<A extends Auth>(
	method: Method,
	path: string,
	auth: A,
	handler: Handler<A>,
	options: { body?: BodyKind; failurePage?: FailurePage } = {},
): Route {
	return {
		method,
		path,
		auth,
		handler: handler as Handler<Auth>,
		body: options.body ?? 'json',
		failurePage: options.failurePage,
	};
}
