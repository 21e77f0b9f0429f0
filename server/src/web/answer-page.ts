import { IncomingMessage } from 'node:http';
import { answerMessage } from '../app/answer-message';
import { isFormAction, parseResponseValue, triggerKeys } from '../domain/actions';
import { isTokenOf, readAnswerToken } from '../domain/answer-link';
import { ApiError } from '../domain/errors';
import { isExpired } from '../domain/message';
import { Channel, FormAction, MessageRecord, ResponseValue } from '../domain/types';
import { readFormBody } from '../http/body';
import { AppContext } from '../http/context';
import { failureFor } from '../http/errors';
import { cameFromOwnSite } from '../http/same-origin';
import { ApiRequest, WrittenReply } from '../http/route';
import { PAGE_HEADERS } from './headers';
import {
	FORM_TOKEN_NAME,
	FormState,
	FormValues,
	TRIGGER_NAME,
	answerFormPage,
	answeredPage,
	confirmationPage,
	expiredPage,
	fieldName,
	problemPage,
	unknownLinkPage,
} from './pages';

/**
 * The answer page, `/a/<answer token>` (docs/api.md#answer-links):
 *
 * - `GET` (and `HEAD`) only reads: the question and its form, or what became of it (answered,
 *   expired, unknown link). A link preview, a mail scanner or a crawler that fetches the link
 *   changes nothing, by construction.
 * - `POST` answers, through the same path as `POST /v1/messages/{id}/respond`
 *   (`answerMessage`), with `responder: {"via": "link"}`. It must come from the page: a form
 *   token made for this message by this server (`AnswerLinks.formToken`) and, where the
 *   browser says where the POST came from, this site.
 *
 * Everything a person sees is a page, with the right status code, never JSON or a stack trace.
 */

type PageRequest = ApiRequest<'none'>;

/** What became of one request to an answer page, for `ping_answer_page_requests_total`. */
type Outcome =
	| 'form'
	| 'answered'
	| 'already_answered'
	| 'expired'
	| 'unknown_link'
	| 'field_error'
	| 'stale_form'
	| 'refused_cross_site'
	| 'refused_form_token'
	| 'unreadable'
	| 'failed';

function count(ctx: AppContext, method: string, outcome: Outcome): void {
	ctx.answerMetrics.pageRequests.inc({ method, outcome });
}

const OUTCOME_OF_STATUS: Record<number, Outcome> = {
	200: 'form',
	404: 'unknown_link',
	409: 'already_answered',
	410: 'expired',
};

/** Pages are written by the dispatcher, never handed over. */
type PageReply = WrittenReply;

function page(status: number, html: string, extra: Record<string, string> = {}): PageReply {
	return {
		status,
		text: html,
		contentType: 'text/html; charset=utf-8',
		headers: { ...PAGE_HEADERS, ...extra },
	};
}

interface Linked {
	message: MessageRecord;
	channel: Channel;
}

/** The message and channel a token names, or null for any link that does not work. */
async function findLinked(ctx: AppContext, token: string): Promise<Linked | null> {
	const read = readAnswerToken(token);
	if (!read) return null;
	const message = read.messageId
		? await ctx.store.getMessage(read.messageId)
		: await ctx.store.findMessageByLegacyAnswerTokenHash(read.tokenHash);
	if (!message || !isTokenOf(message, read.tokenHash)) return null;
	const channel = await ctx.store.getChannel(message.channelId);
	return channel ? { message, channel } : null;
}

/** What the link shows once it can no longer be answered, or null while it can. */
function closedPage(ctx: AppContext, linked: Linked, answeredStatus: number): PageReply | null {
	const { message, channel } = linked;
	const now = ctx.clock.now();
	if (message.answer) return page(answeredStatus, answeredPage(message, channel, message.answer));
	if (isExpired(message, now)) return page(410, expiredPage(message, channel, now));
	return null;
}

function formPage(ctx: AppContext, linked: Linked, status: number, state?: FormState): PageReply {
	const now = ctx.clock.now();
	const token = ctx.links.formToken(linked.message.id, now);
	return page(status, answerFormPage(linked.message, linked.channel, token, now, state));
}

/** Any failure as a page: the status of `failureFor`, a short text, the details only in the log. */
function failurePage(ctx: AppContext, error: unknown, token: string, method: string): PageReply {
	const failure = failureFor(error, ctx.log, { method, route: '/a/:token' });
	const back = `/a/${token}`;
	if (failure.status === 503)
		return page(
			503,
			problemPage(
				'Please try again',
				'The server could not record or show this just now. Nothing was recorded; try again in a moment.',
				back,
			),
			{ 'retry-after': failure.headers['retry-after'] ?? '1' },
		);
	if (failure.status === 429)
		return page(
			429,
			problemPage(
				'Too many requests',
				`This device sent too many requests. Nothing was recorded; try again in ${failure.headers['retry-after'] ?? 'a few'} seconds.`,
				back,
			),
			failure.headers,
		);
	if (failure.status === 413 || failure.status === 415 || failure.status === 400)
		return page(
			failure.status,
			problemPage(
				'This answer could not be read',
				'Nothing was recorded. Open the question again and answer from the page.',
				back,
			),
			// A body refused unread is not drained: the connection ends with this answer.
			{ connection: 'close' },
		);
	return page(
		500,
		problemPage('Something went wrong', 'Nothing was recorded. Please try again later.', back),
	);
}

/** The route table's `failurePage` for the answer pages: a failure before the handler ran. */
export function answerPageFailure(
	ctx: AppContext,
	error: unknown,
	req: IncomingMessage,
	params: Record<string, string>,
): PageReply {
	return failurePage(ctx, error, params.token ?? '', req.method ?? 'GET');
}

/** `GET /a/<token>` and `HEAD`: the page, and nothing else. */
export async function showAnswerPage(ctx: AppContext, req: PageRequest): Promise<PageReply> {
	const token = req.params.token;
	const method = req.raw.method ?? 'GET';
	try {
		const linked = await findLinked(ctx, token);
		const reply = linked
			? (closedPage(ctx, linked, 200) ?? formPage(ctx, linked, 200))
			: page(404, unknownLinkPage());
		count(
			ctx,
			method,
			linked?.message.answer ? 'already_answered' : OUTCOME_OF_STATUS[reply.status],
		);
		return reply;
	} catch (error) {
		const reply = failurePage(ctx, error, token, method);
		count(ctx, method, reply.status >= 500 ? 'failed' : 'unreadable');
		return reply;
	}
}

/** The form's values for the page (kept on error) and, checked, for the answer (the inbox's forms too). */
export function readAnswerForm(
	actions: FormAction[],
	form: URLSearchParams,
): {
	values: FormValues;
	responses: Record<string, ResponseValue>;
	errors: Record<string, string>;
} {
	const values: FormValues = {};
	const responses: Record<string, ResponseValue> = {};
	const errors: Record<string, string> = {};
	for (const action of actions) {
		const raw = form.get(fieldName(action.key));
		let value: unknown;
		switch (action.type) {
			case 'toggle':
				values[action.key] = raw !== null;
				value = raw !== null;
				break;
			case 'text':
				values[action.key] = raw ?? '';
				value = raw ?? '';
				break;
			case 'select':
				values[action.key] = raw ?? '';
				if (raw === null || raw === '') continue; // not chosen: no value
				value = raw;
				break;
			case 'number': {
				values[action.key] = raw ?? '';
				const text = (raw ?? '').trim();
				if (text === '') continue; // left empty: no value
				value = Number(text);
				if (!Number.isFinite(value as number)) {
					errors[action.key] = `${action.label} must be a number`;
					continue;
				}
				break;
			}
		}
		try {
			responses[action.key] = parseResponseValue(action, value, action.label);
		} catch (error) {
			if (!(error instanceof ApiError)) throw error;
			errors[action.key] = error.message;
		}
	}
	return { values, responses, errors };
}

/** `POST /a/<token>`: answer from the page, or show the page again saying what to fix. */
export async function submitAnswerPage(ctx: AppContext, req: PageRequest): Promise<PageReply> {
	const [outcome, reply] = await postOutcome(ctx, req);
	count(ctx, 'POST', outcome);
	return reply;
}

async function postOutcome(ctx: AppContext, req: PageRequest): Promise<[Outcome, PageReply]> {
	const token = req.params.token;
	try {
		const linked = await findLinked(ctx, token);
		if (!linked) {
			req.raw.resume();
			return ['unknown_link', page(404, unknownLinkPage())];
		}
		const closed = closedPage(ctx, linked, 409);
		if (closed) {
			req.raw.resume();
			return [OUTCOME_OF_STATUS[closed.status], closed];
		}
		if (!cameFromOwnSite(ctx.publicUrl, req.raw)) {
			req.raw.resume();
			ctx.log.warn('answer_page.cross_site_post', { message_id: linked.message.id });
			return [
				'refused_cross_site',
				page(
					403,
					problemPage(
						'Answer not accepted',
						'This answer was not sent from the question’s own page, so nothing was recorded. Open the question and answer there.',
						`/a/${token}`,
					),
				),
			];
		}
		const form = await readFormBody(req.raw, ctx.config.maxBodyBytes);
		const { message, channel } = linked;
		const fields = message.actions.filter(isFormAction);
		const { values, responses, errors } = readAnswerForm(fields, form);
		const check = ctx.links.checkFormToken(message.id, form.get(FORM_TOKEN_NAME), ctx.clock.now());
		if (check === 'missing' || check === 'invalid') {
			ctx.log.warn('answer_page.bad_form_token', { message_id: message.id, check });
			return [
				'refused_form_token',
				page(
					403,
					problemPage(
						'Answer not accepted',
						'This answer did not come with the question’s page, so nothing was recorded. Open the question and answer there.',
						`/a/${token}`,
					),
				),
			];
		}
		if (check === 'stale')
			return [
				'stale_form',
				formPage(ctx, linked, 400, {
					values,
					notice: 'This page was open for a long time. Check your answer and send it again.',
				}),
			];
		if (Object.keys(errors).length > 0)
			return ['field_error', formPage(ctx, linked, 400, { values, fieldErrors: errors })];
		try {
			const { answer } = await answerMessage(ctx, message, channel, {
				triggeredBy: form.get(TRIGGER_NAME),
				responses,
				responder: { via: 'link' },
			});
			return ['answered', page(200, confirmationPage(message, channel, answer))];
		} catch (error) {
			if (!(error instanceof ApiError)) throw error;
			if (error.code === 'already_answered' || error.code === 'message_expired') {
				// Another tap (or another person) got there first, or time ran out meanwhile.
				const now = await findLinked(ctx, token);
				const shown = (now && closedPage(ctx, now, 409)) ?? page(404, unknownLinkPage());
				return [OUTCOME_OF_STATUS[shown.status], shown];
			}
			if (error.status === 400)
				// Only a tampered or stale form gets here (the page offers only valid choices).
				return [
					'field_error',
					formPage(
						ctx,
						linked,
						400,
						triggerKeys(message.actions).length === 0
							? {}
							: { values, notice: 'Please choose one of the buttons below to answer.' },
					),
				];
			if (error.status === 404) return ['unknown_link', page(404, unknownLinkPage())];
			throw error;
		}
	} catch (error) {
		const reply = failurePage(ctx, error, token, 'POST');
		return [reply.status >= 500 ? 'failed' : 'unreadable', reply];
	}
}
