import { findPresentedKey } from '../../http/auth';
import { readFormBody } from '../../http/body';
import { AppContext } from '../../http/context';
import { ApiRequest, WrittenReply } from '../../http/route';
import { cameFromOwnSite } from '../../http/same-origin';
import { esc } from '../html';
import { failurePage, problemPage } from './guard';
import { consoleLayout, page, problem, redirect, status } from './layout';
import { closeSession, csrfMatches, currentSession, openSession } from './session';

/**
 * Signing in and out. The sign-in form carries a form token made by this server (the answer
 * page's kind, for a fixed purpose), so another site cannot sign a browser in with its own
 * key; the key is checked like a Bearer key and never stored in the browser.
 */

const FORM_PURPOSE = 'console:sign-in';

function signInPage(ctx: AppContext, httpStatus: number, note = ''): WrittenReply {
	const token = ctx.links.formToken(FORM_PURPOSE, ctx.clock.now());
	return page(
		httpStatus,
		consoleLayout(
			'Sign in',
			'<article class="card"><h1>Sign in to the Ping console</h1>' +
				note +
				'<p>Use an API key: the admin key the server printed at its first start, <code>PING_ADMIN_KEY</code>, or a key made on the API keys page. The key is checked and forgotten; your browser keeps only a session cookie.</p>' +
				'<form method="post" action="/console/sign-in">' +
				`<input type="hidden" name="form_token" value="${esc(token)}">` +
				'<div class="field"><label for="api-key">API key</label>' +
				'<input type="password" id="api-key" name="api_key" autocomplete="current-password" spellcheck="false" required placeholder="pk_live_…"></div>' +
				'<div class="actions"><button type="submit" class="btn btn-primary">Sign in</button></div></form></article>',
		),
	);
}

/** `GET /console`: the channels, or the sign-in page. */
export async function consoleHome(ctx: AppContext, req: ApiRequest<'none'>): Promise<WrittenReply> {
	const signed = await currentSession(ctx, req.raw);
	return redirect(signed ? '/console/channels' : '/console/sign-in');
}

/** `GET /console/sign-in`. */
export async function showSignIn(ctx: AppContext, req: ApiRequest<'none'>): Promise<WrittenReply> {
	try {
		if (await currentSession(ctx, req.raw)) return redirect('/console/channels');
		const note = req.query.get('done') === 'signed-out' ? status('You are signed out.') : '';
		return signInPage(ctx, 200, note);
	} catch (error) {
		return failurePage(ctx, null, error, req.raw);
	}
}

/** `POST /console/sign-in`: a valid key opens a session; anything else shows the form again. */
export async function signIn(ctx: AppContext, req: ApiRequest<'none'>): Promise<WrittenReply> {
	const raw = req.raw;
	try {
		if (!cameFromOwnSite(ctx.publicUrl, raw)) {
			raw.resume();
			return problemPage(
				null,
				403,
				'Not accepted',
				'This sign-in did not come from the console’s own page. Open the sign-in page and try again.',
				'/console/sign-in',
			);
		}
		const form = await readFormBody(raw, ctx.config.maxBodyBytes);
		const check = ctx.links.checkFormToken(FORM_PURPOSE, form.get('form_token'), ctx.clock.now());
		if (check !== 'ok')
			return signInPage(
				ctx,
				403,
				problem('The sign-in page was out of date. Nothing was done; please sign in again.'),
			);
		const keyText = (form.get('api_key') ?? '').trim();
		const key = keyText === '' ? null : await findPresentedKey(ctx, keyText);
		if (!key) {
			// Never the key itself in the log: only that a sign-in was refused.
			ctx.log.warn('console.sign_in_refused', {});
			return signInPage(
				ctx,
				401,
				problem(
					keyText === ''
						? 'Enter an API key to sign in.'
						: 'That API key is not valid. Check that you copied all of it (it starts with pk_live_), or that it was not revoked.',
				),
			);
		}
		const cookie = await openSession(ctx, raw, key, keyText);
		ctx.log.info('console.signed_in', { key_id: key.keyId });
		return redirect('/console/channels', { 'set-cookie': cookie });
	} catch (error) {
		return failurePage(ctx, null, error, raw);
	}
}

/** `POST /console/sign-out`: the session ends in the store at once, and the cookie is cleared. */
export async function signOut(ctx: AppContext, req: ApiRequest<'none'>): Promise<WrittenReply> {
	const raw = req.raw;
	try {
		const signed = await currentSession(ctx, raw);
		const form = await readFormBody(raw, ctx.config.maxBodyBytes);
		if (signed && (!cameFromOwnSite(ctx.publicUrl, raw) || !csrfMatches(signed, form)))
			return problemPage(
				signed,
				403,
				'Not accepted',
				'This sign-out did not come from a console page. You are still signed in.',
			);
		const cookie = await closeSession(ctx, raw, signed);
		if (signed) ctx.log.info('console.signed_out', { key_id: signed.keyId });
		return redirect('/console/sign-in?done=signed-out', { 'set-cookie': cookie });
	} catch (error) {
		return failurePage(ctx, null, error, raw);
	}
}
