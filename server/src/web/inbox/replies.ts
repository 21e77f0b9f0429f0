import { IncomingMessage } from 'node:http';
import { AppContext } from '../../http/context';
import { clearedDeviceCookie, deviceKeyFromCookie } from '../../http/device-auth';
import { failureFor } from '../../http/errors';
import { WrittenReply } from '../../http/route';
import { INBOX_PAGE_HEADERS } from './headers';
import { inboxProblemPage, notPairedPage } from './templates';

/** Replies of the inbox's pages: HTML with the inbox's headers, and how failures look. */

export function page(
	status: number,
	html: string,
	extra: Record<string, string> = {},
): WrittenReply {
	return {
		status,
		text: html,
		contentType: 'text/html; charset=utf-8',
		headers: { ...INBOX_PAGE_HEADERS, ...extra },
	};
}

/** Post/Redirect/Get: after a form, the browser loads `location` with a GET. */
export function seeOther(location: string, extra: Record<string, string> = {}): WrittenReply {
	return {
		status: 303,
		text: '',
		contentType: 'text/plain; charset=utf-8',
		headers: { ...INBOX_PAGE_HEADERS, location, ...extra },
	};
}

/**
 * A navigation from another site carries no SameSite=Strict cookie, so a link to the inbox
 * from a chat or a mail would look unpaired. Such a request (the browser says `cross-site` or
 * `same-site`, and it brought no cookie) gets a page that reloads itself once: the reload comes
 * from this site, so the cookie goes along. `?again` keeps it from looping.
 */
function reloadsWithCookie(req: IncomingMessage): boolean {
	const site = req.headers['sec-fetch-site'];
	return (
		req.method === 'GET' &&
		(site === 'cross-site' || site === 'same-site') &&
		deviceKeyFromCookie(req) === null &&
		!(req.url ?? '').includes('again=1')
	);
}

/** Any failure of an inbox page as a page: not paired, refused, too many, storage away, broken. */
export function inboxFailure(ctx: AppContext, error: unknown, req: IncomingMessage): WrittenReply {
	const failure = failureFor(error, ctx.log, { method: req.method ?? 'GET', route: '/app' });
	const back = { href: '/app/', label: 'Open the inbox' };
	if (failure.status === 401) {
		if (reloadsWithCookie(req)) {
			const path = (req.url ?? '/app/').split('#')[0];
			const again = `${path}${path.includes('?') ? '&' : '?'}again=1`;
			return page(
				200,
				inboxProblemPage(
					'Opening the inbox',
					'Opening your Ping inbox…',
					{ href: again, label: 'Open the inbox' },
					`<meta http-equiv="refresh" content="0;url=${again.replace(/"/g, '&quot;')}">`,
				),
			);
		}
		// A key that no longer works (revoked) is forgotten, so the browser stops sending it.
		const extra: Record<string, string> =
			deviceKeyFromCookie(req) === null ? {} : { 'set-cookie': clearedDeviceCookie(ctx) };
		return page(401, notPairedPage(), extra);
	}
	if (failure.status === 403)
		return page(
			403,
			inboxProblemPage(
				'Not accepted',
				'This request did not come from the inbox’s own page, so nothing was recorded. Open the inbox and try there.',
				back,
			),
		);
	if (failure.status === 429)
		return page(
			429,
			inboxProblemPage(
				'Too many requests',
				`This browser sent too many requests. Nothing was recorded; try again in ${failure.headers['retry-after'] ?? 'a few'} seconds.`,
				back,
			),
			failure.headers,
		);
	if (failure.status === 503)
		return page(
			503,
			inboxProblemPage(
				'Please try again',
				'The server could not record or show this just now. Nothing was recorded; try again in a moment.',
				back,
			),
			{ 'retry-after': failure.headers['retry-after'] ?? '1' },
		);
	if (failure.status === 404)
		return page(
			404,
			inboxProblemPage(
				'Message not found',
				'This message is not in this browser’s inbox: it may have been removed, or it belongs to a channel this browser does not see.',
				back,
			),
		);
	if (failure.status === 400 || failure.status === 413 || failure.status === 415)
		return page(
			failure.status,
			inboxProblemPage(
				'This could not be read',
				'Nothing was recorded. Open the inbox and answer from the page.',
				back,
			),
			{ connection: 'close' },
		);
	return page(
		500,
		inboxProblemPage('Something went wrong', 'Nothing was recorded. Please try again later.', back),
	);
}
