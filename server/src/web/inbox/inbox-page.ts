import { answerMessage } from '../../app/answer-message';
import {
	DeviceMessage,
	deviceMessage,
	listDeviceMessages,
	pageVersion,
} from '../../app/device-inbox';
import { isFormAction, triggerKeys } from '../../domain/actions';
import { deviceResponder } from '../../domain/answer';
import { ApiError } from '../../domain/errors';
import { readFormBody } from '../../http/body';
import { AppContext } from '../../http/context';
import { deviceCookie, deviceKeyFromCookie } from '../../http/device-auth';
import { decodeCursor, encodeCursor } from '../../http/messages';
import { messageState } from '../../http/present';
import { ApiRequest, WrittenReply } from '../../http/route';
import { readAnswerForm } from '../answer-page';
import { FORM_TOKEN_NAME, FormState, TRIGGER_NAME } from '../pages';
import { page, seeOther } from './replies';
import { InboxEntry, inboxPage, singleMessagePage } from './templates';

/**
 * The inbox, `/app/` (docs/api.md#paired-browsers): a paired browser's messages, server-rendered
 * from its device key (the cookie), so it lists and answers without script. Each pending message
 * carries the answer page's form, posting to `/app/messages/<id>/answer`: the one answer path,
 * with the device as responder, then back to the list (Post/Redirect/Get).
 *
 * Cross-site request forgery: the cookie is SameSite=Strict, a cookie-borne POST must come from
 * this site (checked with the device key, `http/device-auth.ts`), and each form carries a form
 * token made for its message by this server (`AnswerLinks.formToken`), as on the answer page.
 */

type DeviceRequest = ApiRequest<'device'>;

/** Messages per page of the inbox. */
const PAGE_SIZE = 50;

function entry(ctx: AppContext, found: DeviceMessage, now: number): InboxEntry {
	return {
		...found,
		state: messageState(found.message, now),
		formToken: ctx.links.formToken(found.message.id, now),
	};
}

/** Renews the cookie's lifetime on each visit (a browser keeps a cookie at most 400 days). */
function renewedCookie(ctx: AppContext, req: DeviceRequest): Record<string, string> {
	const key = deviceKeyFromCookie(req.raw);
	return key === null ? {} : { 'set-cookie': deviceCookie(ctx, key) };
}

const NOTICES: Record<string, string> = {
	paired: 'This browser is now paired. New questions for it will show up here.',
	answered: 'Your answer was sent.',
};

/** `GET /app/` (and `?before=` for older messages). Answers 304 when the list did not change. */
export async function showInbox(ctx: AppContext, req: DeviceRequest): Promise<WrittenReply> {
	const rawCursor = req.query.get('before');
	const before = rawCursor === null ? undefined : decodeCursor(rawCursor);
	const listed = await listDeviceMessages(ctx, req.device, { limit: PAGE_SIZE, before });
	const now = ctx.clock.now();
	const version = pageVersion(listed, now);
	const etag = `"${version}"`;
	// The live update asks with the version it shows: nothing new costs no rendering.
	if (req.raw.headers['if-none-match'] === etag) return page(304, '', { etag });
	const last = listed.messages[listed.messages.length - 1];
	const notice = Object.keys(NOTICES).find((name) => req.query.has(name));
	const html = inboxPage({
		deviceName: req.device.name,
		entries: listed.messages.map((found) => entry(ctx, found, now)),
		olderHref:
			listed.more && last ? `/app/?before=${encodeURIComponent(encodeCursor(last.message))}` : null,
		isOlderPage: before !== undefined,
		webPushKey: ctx.config.webPush?.publicKey ?? null,
		listVersion: version,
		notice: notice ? NOTICES[notice] : null,
		now,
	});
	return page(200, html, { etag, vary: 'cookie', ...renewedCookie(ctx, req) });
}

/** `GET /app` (no slash): the inbox's scope is `/app/`, so go there. */
export function inboxWithSlash(): WrittenReply {
	return {
		status: 308,
		text: '',
		contentType: 'text/plain; charset=utf-8',
		headers: { location: '/app/', 'cache-control': 'no-store' },
	};
}

/** The message shown alone with a note (409 answered, 410 expired, 400 a field to fix). */
function single(
	ctx: AppContext,
	found: DeviceMessage,
	status: number,
	note: { text: string; kind: 'ok' | 'warn' } | null,
	state?: FormState,
): WrittenReply {
	const now = ctx.clock.now();
	return page(status, singleMessagePage(entry(ctx, found, now), now, note, state));
}

/** What an answered or expired message shows when someone tries to answer it. */
function closed(ctx: AppContext, found: DeviceMessage): WrittenReply | null {
	const state = messageState(found.message, ctx.clock.now());
	if (state === 'answered')
		return single(ctx, found, 409, {
			text: 'This question was already answered; the first answer stands.',
			kind: 'warn',
		});
	if (state === 'expired')
		return single(ctx, found, 410, {
			text: 'This question expired and can no longer be answered.',
			kind: 'warn',
		});
	return null;
}

/** `POST /app/messages/<id>/answer`: answer from the inbox, then back to the list. */
export async function answerFromInbox(ctx: AppContext, req: DeviceRequest): Promise<WrittenReply> {
	const found = await deviceMessage(ctx, req.device, req.params.id);
	const before = closed(ctx, found);
	if (before) {
		req.raw.resume();
		return before;
	}
	const form = await readFormBody(req.raw, ctx.config.maxBodyBytes);
	const { message, channel } = found;
	const check = ctx.links.checkFormToken(message.id, form.get(FORM_TOKEN_NAME), ctx.clock.now());
	if (check === 'missing' || check === 'invalid') {
		ctx.log.warn('inbox.bad_form_token', { message_id: message.id, check });
		throw new ApiError(403, 'the answer did not come with the inbox’s form');
	}
	const { values, responses, errors } = readAnswerForm(message.actions.filter(isFormAction), form);
	if (check === 'stale')
		return single(ctx, found, 400, null, {
			values,
			notice: 'This page was open for a long time. Check your answer and send it again.',
		});
	if (Object.keys(errors).length > 0)
		return single(ctx, found, 400, null, { values, fieldErrors: errors });
	try {
		await answerMessage(ctx, message, channel, {
			triggeredBy: form.get(TRIGGER_NAME),
			responses,
			responder: deviceResponder(req.device),
		});
	} catch (error) {
		if (!(error instanceof ApiError)) throw error;
		if (error.code === 'already_answered' || error.code === 'message_expired') {
			// Another tap, another device or the clock got there first.
			const now = await deviceMessage(ctx, req.device, message.id);
			return closed(ctx, now) ?? single(ctx, now, 409, null);
		}
		if (error.status === 400)
			// Only a tampered or stale form gets here (the page offers only valid choices).
			return single(
				ctx,
				found,
				400,
				null,
				triggerKeys(message.actions).length === 0
					? {}
					: { values, notice: 'Please choose one of the buttons below to answer.' },
			);
		throw error;
	}
	return seeOther(`/app/?answered=1#m-${message.id}`);
}
