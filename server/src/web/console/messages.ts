import { answerMessage } from '../../app/answer-message';
import { retryCallbackDelivery } from '../../app/retry-callback';
import { isFormAction, triggerKeys } from '../../domain/actions';
import { ApiError } from '../../domain/errors';
import {
	CallbackAttempt,
	Channel,
	DeviceDelivery,
	DeviceKind,
	MessageRecord,
} from '../../domain/types';
import { ownChannel } from '../../http/auth';
import { AppContext } from '../../http/context';
import { decodeCursor, encodeCursor, ownMessage } from '../../http/messages';
import { messageState } from '../../http/present';
import { WrittenReply } from '../../http/route';
import { readAnswerForm } from '../answer-page';
import { esc, relativeTime, timeTag } from '../html';
import { renderMessageBody } from '../markdown';
import { FormState, TRIGGER_NAME, answerControls, answerSummary, how } from '../pages';
import { ConsoleRequest } from './guard';
import {
	button,
	consoleLayout,
	copyField,
	doneNotice,
	page,
	postForm,
	problem,
	redirect,
} from './layout';

/** A channel's messages (history, paged) and each message's page: answer, pushes, callbacks. */

const HISTORY_PAGE = 20;

const DONE: Record<string, string> = {
	sent: 'The test question was sent. Open its answer link on your phone, answer it in the inbox, or answer it below.',
	answered: 'Your answer was recorded and sent on.',
	retried: 'A new attempt was queued; it appears below within seconds (reload to see it).',
};

/** Who answered, as the console records it: an API answer named "console" (docs/api.md#answers). */
const CONSOLE_RESPONDER = { via: 'api' as const, name: 'console' };

function stateText(message: MessageRecord, now: number): string {
	const state = messageState(message, now);
	return `<span class="state-${state}">${state === 'pending' ? 'waiting for an answer' : state}</span>`;
}

function messageRow(message: MessageRecord, now: number): string {
	return (
		`<li><span class="grow"><a href="/console/messages/${esc(message.id)}">${esc(message.title)}</a>` +
		`<span class="sub">${timeTag(message.createdAt)} · ${stateText(message, now)}` +
		(message.callbackState !== 'none' ? ` · callback ${esc(message.callbackState)}` : '') +
		'</span></span></li>'
	);
}

/** How many of the channel's newest messages its page lists. */
const LATEST_SHOWN = 5;

/** The channel page's card: the newest few (of `newest`, newest first), and the way to all of them. */
export function recentMessages(channel: Channel, newest: MessageRecord[], now: number): string {
	const list =
		newest.length === 0
			? '<p>No message yet.</p>'
			: `<ul class="rows">${newest
					.slice(0, LATEST_SHOWN)
					.map((m) => messageRow(m, now))
					.join('')}</ul>` +
				`<p><a href="/console/channels/${esc(channel.id)}/messages">All messages</a></p>`;
	return `<section class="card" aria-labelledby="recent-title"><h2 id="recent-title">Latest messages</h2>${list}</section>`;
}

/** `GET /console/channels/:id/messages?cursor=`: newest first, a page at a time. */
export async function showHistory(ctx: AppContext, req: ConsoleRequest): Promise<WrittenReply> {
	const channel = await ownChannel(ctx, req.signed.accountId, req.params.id);
	const raw = req.query.get('cursor');
	const before = raw === null ? undefined : decodeCursor(raw);
	const found = await ctx.store.listMessages(channel.id, { limit: HISTORY_PAGE + 1, before });
	const shown = found.slice(0, HISTORY_PAGE);
	const now = ctx.clock.now();
	const base = `/console/channels/${esc(channel.id)}`;
	const older =
		found.length > HISTORY_PAGE
			? `<a href="${base}/messages?cursor=${esc(encodeCursor(shown[shown.length - 1]))}">Older messages</a>`
			: '<span></span>';
	const newest = raw !== null ? `<a href="${base}/messages">Newest messages</a>` : '<span></span>';
	return page(
		200,
		consoleLayout(
			`Messages of ${channel.name}`,
			`<p class="crumbs"><a href="/console/channels">Channels</a> › <a href="${base}">${esc(channel.name)}</a> › Messages</p>` +
				`<section class="card"><h1>Messages of ${esc(channel.name)}</h1>` +
				(shown.length === 0
					? '<p>No messages here.</p>'
					: `<ul class="rows">${shown.map((m) => messageRow(m, now)).join('')}</ul>`) +
				`<nav class="pager" aria-label="Pages">${newest}${older}</nav></section>`,
			{ signed: req.signed, section: 'channels' },
		),
	);
}

function targetText(attempt: CallbackAttempt, message: MessageRecord): string {
	if (attempt.target === 'webhook')
		return `Channel webhook <code class="id">${esc(attempt.webhookId ?? '')}</code>`;
	let shown = message.callbackUrl ?? '';
	try {
		const url = new URL(shown);
		shown = `${url.origin}${url.pathname}`; // the query may hold a signature or a key
	} catch {
		// shown as stored
	}
	return `Callback URL <code>${esc(shown)}</code>`;
}

function attemptLine(a: CallbackAttempt, now: number): string {
	const result = a.statusCode !== null ? `HTTP ${a.statusCode}` : 'no response';
	const next =
		a.outcome === 'retrying' && a.nextAttemptAt !== null
			? `, next attempt ${timeTag(a.nextAttemptAt)} (${esc(relativeTime(a.nextAttemptAt, now))})`
			: '';
	return (
		`<li><strong>Attempt ${a.attempt}</strong> · ${timeTag(a.attemptedAt)} · ${esc(result)} · ${a.latencyMs} ms` +
		(a.error && a.error !== result ? ` · ${esc(a.error)}` : '') +
		` · <span class="outcome-${a.outcome}">${a.outcome}</span>${next}</li>`
	);
}

/** Callback attempts as one timeline per delivery, each with "Retry now" once it failed for good. */
function callbacksCard(
	req: ConsoleRequest,
	message: MessageRecord,
	attempts: CallbackAttempt[],
	now: number,
): string {
	const byDelivery = new Map<string, CallbackAttempt[]>();
	for (const a of attempts)
		byDelivery.set(a.deliveryId, [...(byDelivery.get(a.deliveryId) ?? []), a]);
	let content = '';
	if (byDelivery.size === 0)
		content =
			message.callbackUrl === null
				? '<p>This message has no callback URL; its answer waits to be polled. Channel webhooks get a delivery once it is answered.</p>'
				: message.answer
					? '<p>The callback is queued; its first attempt appears here in a moment.</p>'
					: '<p>The callback is sent once the message is answered.</p>';
	for (const [deliveryId, list] of byDelivery) {
		const last = list[list.length - 1];
		const retry =
			last.outcome === 'failed' && message.answer
				? postForm(
						`/console/messages/${esc(message.id)}/retry`,
						req.signed,
						`<input type="hidden" name="delivery_id" value="${esc(deliveryId)}">${button('Retry now', 'primary', 'btn-small')}`,
						{ label: `Retry delivery ${deliveryId}` },
					)
				: '';
		content +=
			`<h3>${targetText(last, message)}</h3><p class="hint">Idempotency key <code class="id">${esc(deliveryId)}</code></p>` +
			`<ol class="timeline">${list.map((a) => attemptLine(a, now)).join('')}</ol>${retry}`;
	}
	return `<section class="card" aria-labelledby="callbacks-title"><h2 id="callbacks-title">Callbacks</h2>${content}</section>`;
}

/** How the push went out, beside the device's name (the id alone once it was removed). */
const KIND_LABELS: Record<DeviceKind, string> = { apns: 'APNs', webpush: 'Web Push' };

function pushesCard(deliveries: DeviceDelivery[], names: Map<string, string>, now: number): string {
	const rows = deliveries
		.map(
			(d) =>
				`<li><span class="grow">${esc(names.get(d.deviceId) ?? d.deviceId)}<span class="sub">` +
				`${KIND_LABELS[d.kind]} · <span class="outcome-${d.state}">${d.state}</span> · ${d.attempts} attempt${d.attempts === 1 ? '' : 's'} · updated ${timeTag(d.updatedAt)}` +
				(d.reason ? ` · ${esc(d.reason)}` : '') +
				(d.state === 'retrying' && d.nextAttemptAt !== null
					? ` · next ${esc(relativeTime(d.nextAttemptAt, now))}`
					: '') +
				'</span></span></li>',
		)
		.join('');
	return (
		'<section class="card" aria-labelledby="pushes-title"><h2 id="pushes-title">Push deliveries</h2>' +
		(rows
			? `<ul class="rows">${rows}</ul>`
			: '<p>No push was sent for this message (no phone was paired, the channel was muted, or pushes are off).</p>') +
		'</section>'
	);
}

function answerCard(
	ctx: AppContext,
	req: ConsoleRequest,
	message: MessageRecord,
	now: number,
	state?: FormState,
): string {
	const title = '<h2 id="answer-title">Answer</h2>';
	if (message.answer) {
		return (
			`<section class="card" aria-labelledby="answer-title">${title}` +
			`<p class="status status-ok">Answered ${timeTag(message.answer.submittedAt)}, ${esc(how(message.answer))}.</p>` +
			`${answerSummary(message, message.answer)}</section>`
		);
	}
	if (messageState(message, now) === 'expired')
		return `<section class="card" aria-labelledby="answer-title">${title}<p class="status status-warn">This message expired unanswered.</p></section>`;
	if (triggerKeys(message.actions).length === 0)
		return `<section class="card" aria-labelledby="answer-title">${title}<p>This message asks for no answer.</p></section>`;
	const link = ctx.links.urlFor(message);
	return (
		`<section class="card" aria-labelledby="answer-title">${title}` +
		(link ? copyField('answer-link', 'Answer link (anyone who has it can answer)', link) : '') +
		'<p>Or answer it here:</p>' +
		postForm(
			`/console/messages/${esc(message.id)}/answer`,
			req.signed,
			answerControls(message, state),
			{
				label: 'Answer from the console',
			},
		) +
		'</section>'
	);
}

async function messagePage(
	ctx: AppContext,
	req: ConsoleRequest,
	message: MessageRecord,
	channel: Channel,
	options: { httpStatus?: number; state?: FormState; problem?: string } = {},
): Promise<WrittenReply> {
	const { state } = options;
	const now = ctx.clock.now();
	const [deliveries, attempts, devices] = await Promise.all([
		ctx.store.listDeliveries(message.id),
		ctx.store.listCallbackAttempts(message.id),
		ctx.store.listDevices(req.signed.accountId),
	]);
	const names = new Map(devices.map((d) => [d.id, d.name ?? d.id]));
	const base = `/console/channels/${esc(channel.id)}`;
	const expiry =
		message.expiresAt === null ? 'does not expire' : `expires ${timeTag(message.expiresAt)}`;
	return page(
		options.httpStatus ?? 200,
		consoleLayout(
			message.title,
			`<p class="crumbs"><a href="/console/channels">Channels</a> › <a href="${base}">${esc(channel.name)}</a> › <a href="${base}/messages">Messages</a></p>` +
				doneNotice(req.query, DONE) +
				(options.problem ? problem(options.problem) : '') +
				`<article class="card"><p class="meta"><code class="id">${esc(message.id)}</code> · ${stateText(message, now)} · ${esc(message.priority)} priority</p>` +
				`<h1>${esc(message.title)}</h1>` +
				(message.body
					? `<div class="body">${renderMessageBody(message.id, message.body)}</div>`
					: '') +
				`<p class="expiry">Sent ${timeTag(message.createdAt)}, ${expiry}${message.muted ? ', while the channel was muted' : ''}. <a href="/console/messages/${esc(message.id)}">Refresh</a></p></article>` +
				answerCard(ctx, req, message, now, state) +
				pushesCard(deliveries, names, now) +
				callbacksCard(req, message, attempts, now),
			{ signed: req.signed, section: 'channels' },
		),
	);
}

/** `GET /console/messages/:id`. */
export async function showMessage(ctx: AppContext, req: ConsoleRequest): Promise<WrittenReply> {
	const { message, channel } = await ownMessage(ctx, req.signed.accountId, req.params.id);
	return messagePage(ctx, req, message, channel);
}

/** `POST /console/messages/:id/answer`: the one answer path, recorded as an API answer by "console". */
export async function answerFromConsole(
	ctx: AppContext,
	req: ConsoleRequest,
): Promise<WrittenReply> {
	const { message, channel } = await ownMessage(ctx, req.signed.accountId, req.params.id);
	const { values, responses, errors } = readAnswerForm(
		message.actions.filter(isFormAction),
		req.form,
	);
	if (Object.keys(errors).length > 0)
		return messagePage(ctx, req, message, channel, {
			httpStatus: 400,
			state: { values, fieldErrors: errors },
			problem: 'Please check the answer.',
		});
	try {
		await answerMessage(ctx, message, channel, {
			triggeredBy: req.form.get(TRIGGER_NAME),
			responses,
			responder: CONSOLE_RESPONDER,
		});
	} catch (error) {
		if (!(error instanceof ApiError) || (error.status !== 400 && error.status !== 409)) throw error;
		const now = (await ctx.store.getMessage(message.id)) ?? message;
		return messagePage(ctx, req, now, channel, {
			httpStatus: error.status,
			state: { values },
			problem: error.message,
		});
	}
	return redirect(`/console/messages/${message.id}?done=answered`);
}

/** `POST /console/messages/:id/retry` (`delivery_id`): "Retry now" (`app/retry-callback.ts`). */
export async function retryDelivery(ctx: AppContext, req: ConsoleRequest): Promise<WrittenReply> {
	const { message, channel } = await ownMessage(ctx, req.signed.accountId, req.params.id);
	try {
		await retryCallbackDelivery(ctx, message, req.form.get('delivery_id') ?? '');
	} catch (error) {
		if (!(error instanceof ApiError) || error.status >= 500) throw error;
		return messagePage(ctx, req, message, channel, {
			httpStatus: error.status,
			problem: error.message,
		});
	}
	return redirect(`/console/messages/${message.id}?done=retried`);
}
