import { IncomingMessage } from 'node:http';
import { ApiError } from '../../domain/errors';
import { readFormBody } from '../../http/body';
import { AppContext } from '../../http/context';
import { failureFor } from '../../http/errors';
import { ApiRequest, Handler, WrittenReply } from '../../http/route';
import { cameFromOwnSite } from '../../http/same-origin';
import { esc } from '../html';
import { consoleLayout, page, problem, redirect } from './layout';
import { SignedIn, csrfMatches, currentSession } from './session';

/** What a console page handler gets: the session, and for a POST its checked form. */
export interface ConsoleRequest {
	signed: SignedIn;
	/** The POSTed form (empty for GET). */
	form: URLSearchParams;
	params: Record<string, string>;
	query: URLSearchParams;
	raw: IncomingMessage;
}

export type ConsolePage = (ctx: AppContext, req: ConsoleRequest) => Promise<WrittenReply>;

/** A page that says what went wrong, in the console's look, with a way on. */
export function problemPage(
	signed: SignedIn | null,
	status: number,
	title: string,
	text: string,
	back = '/console/channels',
): WrittenReply {
	return page(
		status,
		consoleLayout(
			title,
			`<article class="card"><h1>${esc(title)}</h1>${problem(text)}<p><a href="${esc(back)}">Back to the console</a></p></article>`,
			{ signed },
		),
	);
}

/**
 * Every console page but sign-in goes through this: no session → GET goes to the sign-in page,
 * a POST is refused (401) and changes nothing; a POST must come from a page of this site and
 * carry the session's CSRF token (403 otherwise, nothing changed). Failures become pages.
 */
export function signedIn(handler: ConsolePage): Handler<'none'> {
	return async (ctx: AppContext, req: ApiRequest<'none'>): Promise<WrittenReply> => {
		const raw = req.raw;
		const isPost = raw.method === 'POST';
		let signed: SignedIn | null = null;
		try {
			signed = await currentSession(ctx, raw);
			if (!signed) {
				if (!isPost) return redirect('/console/sign-in');
				raw.resume();
				return problemPage(
					null,
					401,
					'Please sign in again',
					'Your console session has ended (it expired, you signed out, or its API key was revoked). Nothing was changed.',
					'/console/sign-in',
				);
			}
			let form = new URLSearchParams();
			if (isPost) {
				if (!cameFromOwnSite(ctx.publicUrl, raw)) {
					raw.resume();
					ctx.log.warn('console.cross_site_post', { path: raw.url?.split('?')[0] });
					return refused(signed);
				}
				form = await readFormBody(raw, ctx.config.maxBodyBytes);
				if (!csrfMatches(signed, form)) {
					ctx.log.warn('console.bad_csrf_token', { path: raw.url?.split('?')[0] });
					return refused(signed);
				}
			}
			return await handler(ctx, { signed, form, params: req.params, query: req.query, raw });
		} catch (error) {
			return failurePage(ctx, signed, error, raw);
		}
	};
}

function refused(signed: SignedIn): WrittenReply {
	return problemPage(
		signed,
		403,
		'Not accepted',
		'This form did not come from this console page as it is now (it may be out of date, or sent from another site). Nothing was changed; open the page again and retry.',
	);
}

/** A failure in a console page: its status and a short text; the details only in the log. */
export function failurePage(
	ctx: AppContext,
	signed: SignedIn | null,
	error: unknown,
	raw: IncomingMessage,
): WrittenReply {
	if (error instanceof ApiError && error.status === 404)
		return problemPage(signed, 404, 'Not found', `${error.message}. It may have been deleted.`);
	const failure = failureFor(error, ctx.log, { method: raw.method ?? 'GET', route: '/console' });
	if (failure.status < 500) {
		const shown = problemPage(signed, failure.status, 'Not done', failure.message);
		return { ...shown, headers: { ...shown.headers, ...failure.headers } };
	}
	return problemPage(
		signed,
		failure.status,
		'Something went wrong',
		failure.status === 503
			? 'The server could not reach its storage just now. Nothing was changed; try again in a moment.'
			: 'Nothing was changed. Please try again later.',
	);
}
