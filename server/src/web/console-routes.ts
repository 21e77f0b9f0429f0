import type { ConsolePageName } from './console/index';
import { AppContext } from '../http/context';
import { failureFor } from '../http/errors';
import { FailurePage, Handler, Method, Route, route } from '../http/route';
import { IncomingMessage } from 'node:http';
import { PAGE_HEADERS } from './headers';
import { problemPage } from './pages';

/**
 * The console's entries in the route table. The pages themselves (`web/console/`) are imported
 * on the first console request, not at start-up: most servers run without anyone opening the
 * console, and those that do pay once.
 */

type ConsolePages = (typeof import('./console/index'))['CONSOLE_PAGES'];
let loading: Promise<ConsolePages> | null = null;

function lazy(name: ConsolePageName): Handler<'none'> {
	return async (ctx, req) => {
		loading ??= import('./console/index').then((m) => m.CONSOLE_PAGES);
		return (await loading)[name](ctx, req);
	};
}

/**
 * A failure before a console page ran (a rate limit, a body refused unread), shown as a short
 * page in the answer page's look, since the console's own templates may not be loaded yet.
 */
const consoleFailure: FailurePage = (ctx: AppContext, error: unknown, req: IncomingMessage) => {
	const failure = failureFor(error, ctx.log, { method: req.method ?? 'GET', route: '/console' });
	const text =
		failure.status === 429
			? `Too many requests. Try again in ${failure.headers['retry-after'] ?? 'a few'} seconds.`
			: 'The request could not be handled. Nothing was changed.';
	return {
		status: failure.status,
		text: problemPage('Ping console', text, undefined),
		contentType: 'text/html; charset=utf-8',
		headers: { ...PAGE_HEADERS, ...failure.headers },
	};
};

/** One console route: open to the dispatcher (the page checks its session), reading its own form. */
export function consoleRoute(method: Method, path: string, name: ConsolePageName): Route {
	return route(method, path, 'none', lazy(name), { body: 'raw', failurePage: consoleFailure });
}
