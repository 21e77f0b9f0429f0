import { isFormAction, triggerKeys } from '../../domain/actions';
import { Channel, MessageRecord } from '../../domain/types';
import { MessageState } from '../../http/present';
import { FORM_TOKEN_NAME, FormState, PRIORITY_TEXT, answerSummary, field, how } from '../pages';
import { noticeBlock, submitButtons, urlLinks } from '../pages';
import { esc, pageStart, relativeTime, timeTag } from '../html';
import { renderMessageBody } from '../markdown';
import { INBOX_PAGE_STYLE } from './style';

/**
 * The inbox's and the pair page's templates (`/app/…`): plain functions from records to HTML,
 * every dynamic value escaped, in the answer page's look (its style sheet and form controls).
 * The pages work without script; `/app/inbox.js` only adds live updates, push and offline.
 */

export interface InboxEntry {
	message: MessageRecord;
	channel: Channel;
	state: MessageState;
	/** The form token of a pending message's form. */
	formToken: string;
}

/** Where a message's inbox form posts (device-authenticated, CSRF-guarded). */
export const answerPath = (messageId: string) =>
	`/app/messages/${encodeURIComponent(messageId)}/answer`;

interface LayoutOptions {
	/** The inbox itself: manifest, script, and the data its script reads. */
	app?: { webPushKey: string | null; listVersion: string };
}

function layout(title: string, content: string, options: LayoutOptions = {}): string {
	const app = options.app;
	const data = app
		? ` data-list-version="${esc(app.listVersion)}"` +
			(app.webPushKey ? ` data-webpush-key="${esc(app.webPushKey)}"` : '')
		: '';
	return (
		pageStart(`${title} · Ping`) +
		'<meta name="theme-color" content="#1d4ed8">' +
		'<link rel="manifest" href="/app/manifest.webmanifest">' +
		'<link rel="icon" href="/app/icons/icon-192.png" type="image/png">' +
		'<link rel="apple-touch-icon" href="/app/icons/icon-192.png">' +
		'<meta name="apple-mobile-web-app-title" content="Ping">' +
		(app ? '<script src="/app/inbox.js" defer></script>' : '') +
		`<style>${INBOX_PAGE_STYLE}</style></head><body${data}><main>${content}</main></body></html>`
	);
}

const STATE_TEXT: Record<MessageState, string> = {
	pending: 'Waiting for an answer',
	answered: 'Answered',
	expired: 'Expired',
};

function cardHeader(message: MessageRecord, channel: Channel, state: MessageState): string {
	const priority = `<span class="pill${message.priority === 'high' ? ' pill-high' : ''}">${PRIORITY_TEXT[message.priority]}</span>`;
	const stateMark = state === 'pending' ? '' : `<span class="pill">${STATE_TEXT[state]}</span>`;
	return (
		`<p class="meta"><span class="channel">${esc(channel.name)}</span>${priority}${stateMark}</p>` +
		`<h2>${esc(message.title)}</h2>` +
		(message.body ? `<div class="body">${renderMessageBody(message.id, message.body)}</div>` : '')
	);
}

function sentLine(message: MessageRecord, now: number): string {
	const expiry =
		message.expiresAt === null
			? ''
			: ` Answer by ${timeTag(message.expiresAt)} (${esc(relativeTime(message.expiresAt, now))}).`;
	return `<p class="expiry">Sent ${timeTag(message.createdAt)}.${expiry}</p>`;
}

function answerForm(entry: InboxEntry, state: FormState): string {
	const { message } = entry;
	if (triggerKeys(message.actions).length === 0)
		return '<p class="status status-warn">This message asks for no answer.</p>';
	const prefix = `${message.id}-f`;
	const fields = message.actions
		.map((action, i) => (isFormAction(action) ? field(action, i, state, prefix) : ''))
		.join('');
	return (
		noticeBlock(message.actions, state, prefix) +
		`<form method="post" action="${esc(answerPath(message.id))}">` +
		`<input type="hidden" name="${FORM_TOKEN_NAME}" value="${esc(entry.formToken)}">` +
		`${fields}<div class="actions">${submitButtons(message.actions)}</div></form>`
	);
}

/** One message of the list: its form while pending; greyed, with who answered and when, after. */
function messageCard(entry: InboxEntry, now: number, state: FormState = {}): string {
	const { message, channel } = entry;
	const closed = entry.state !== 'pending';
	let outcome = '';
	if (message.answer)
		outcome =
			`<p class="status status-ok">Answered on ${timeTag(message.answer.submittedAt)}, ${esc(how(message.answer))}.</p>` +
			answerSummary(message, message.answer);
	else if (entry.state === 'expired')
		outcome = `<p class="status status-warn">Expired on ${timeTag(message.expiresAt ?? now)} without an answer.</p>`;
	return (
		`<article class="card msg${closed ? ' msg-closed' : ''}" id="m-${esc(message.id)}" data-state="${entry.state}" aria-labelledby="t-${esc(message.id)}">` +
		cardHeader(message, channel, entry.state).replace('<h2>', `<h2 id="t-${esc(message.id)}">`) +
		sentLine(message, now) +
		(closed ? outcome : answerForm(entry, state)) +
		urlLinks(message.actions) +
		'</article>'
	);
}

export interface InboxView {
	deviceName: string | null;
	entries: InboxEntry[];
	/** Link to the next (older) page, if any. */
	olderHref: string | null;
	/** Whether this is a later page (`?before=`): then a link back to the newest. */
	isOlderPage: boolean;
	webPushKey: string | null;
	listVersion: string;
	/** A one-line note at the top (after pairing, after an answer). */
	notice: string | null;
	now: number;
}

/** `GET /app/`: the paired browser's messages, newest first. */
export function inboxPage(view: InboxView): string {
	const name = view.deviceName ? ` as ${esc(view.deviceName)}` : '';
	const list =
		view.entries.length === 0
			? '<p class="empty">No messages yet. New questions for this browser will show up here.</p>'
			: `<ol class="inbox-list">${view.entries
					.map(
						(entry) =>
							`<li data-id="${esc(entry.message.id)}" data-state="${entry.state}">${messageCard(entry, view.now)}</li>`,
					)
					.join('')}</ol>`;
	const paging =
		(view.isOlderPage ? '<a class="btn btn-secondary" href="/app/">Newest messages</a>' : '') +
		(view.olderHref
			? `<a class="btn btn-secondary" href="${esc(view.olderHref)}">Older messages</a>`
			: '');
	return layout(
		'Inbox',
		'<header class="inbox-head">' +
			`<h1>Inbox</h1><p class="hint">This browser is paired${name}. Updated ${timeTag(view.now)}.</p>` +
			'<p class="status status-warn" id="offline-note" data-offline-note hidden>You are offline. This is the list as this browser last saw it; answers need a connection.</p>' +
			(view.notice ? `<p class="status status-ok" role="status">${esc(view.notice)}</p>` : '') +
			'<p class="live" id="live" role="status" aria-live="polite"></p>' +
			'<button type="button" class="btn btn-secondary" id="notify" hidden>Turn on notifications</button>' +
			'<p class="hint" id="ios-hint" hidden>On iPhone and iPad: tap Share, then “Add to Home Screen”, and open Ping from the home screen to turn on notifications.</p>' +
			'</header>' +
			`<div id="inbox">${list}</div>` +
			(paging ? `<nav class="paging" aria-label="More messages">${paging}</nav>` : ''),
		{ app: { webPushKey: view.webPushKey, listVersion: view.listVersion } },
	);
}

/** One message alone, with a note: a form to fix, or what became of it (409, 410). */
export function singleMessagePage(
	entry: InboxEntry,
	now: number,
	note: { text: string; kind: 'ok' | 'warn' } | null,
	state: FormState = {},
): string {
	const lead = note
		? `<p class="status status-${note.kind}" role="status">${esc(note.text)}</p>`
		: '';
	return layout(
		entry.message.title,
		`<h1>Inbox</h1>${lead}${messageCard(entry, now, state)}` +
			'<p class="back"><a href="/app/">Back to the inbox</a></p>',
	);
}

/** A short page for anything that keeps the inbox or the pair page from being shown. */
export function inboxProblemPage(
	title: string,
	text: string,
	back: { href: string; label: string } | null = null,
	head = '',
): string {
	const link = back ? `<p class="back"><a href="${esc(back.href)}">${esc(back.label)}</a></p>` : '';
	const page = layout(
		title,
		`<article class="card"><h1>${esc(title)}</h1><p>${esc(text)}</p>${link}</article>`,
	);
	return head ? page.replace('</head>', `${head}</head>`) : page;
}

/** The browser has no working device key: how to get one. */
export function notPairedPage(): string {
	return inboxProblemPage(
		'This browser is not paired',
		'To see and answer questions here, open a pairing link (or scan its QR code) in this browser. Ask whoever runs your Ping server for a new one; each link works once, for 10 minutes.',
	);
}

export interface PairView {
	code: string;
	name: string | null;
	/** Names of the channels it will see; null: every channel of the account. */
	channelNames: string[] | null;
	expiresAt: number;
	now: number;
	/** Shown again after a refusal (a name too long). */
	error?: string;
}

/** `GET /app/pair/<code>`: what will be paired, and the button that does it. */
export function pairPage(view: PairView): string {
	const scope =
		view.channelNames === null
			? '<p>It will get the questions of <strong>every channel</strong> of the account, and can answer them.</p>'
			: `<p>It will get the questions of ${view.channelNames.length === 1 ? 'this channel' : 'these channels'}, and can answer them:</p>` +
				`<ul class="channels">${view.channelNames.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`;
	const error = view.error
		? `<div class="notice" role="alert"><p><a href="#device-name">${esc(view.error)}</a></p></div>`
		: '';
	return layout(
		'Pair this browser',
		'<article class="card"><h1>Pair this browser with Ping</h1>' +
			'<p>This browser becomes a device of your Ping server: an inbox for questions from your workflows, with notifications where the browser allows them.</p>' +
			scope +
			`<p class="expiry">This link works once, until ${timeTag(view.expiresAt)} (${esc(relativeTime(view.expiresAt, view.now))}).</p>` +
			error +
			`<form method="post" action="/app/pair/${esc(view.code)}">` +
			'<div class="field"><label for="device-name">Name of this device</label>' +
			'<span class="hint" id="device-name-hint">Optional. Shown with your answers, e.g. “Ana’s phone”.</span>' +
			`<input type="text" id="device-name" name="name" maxlength="100" autocomplete="off" value="${esc(view.name ?? '')}" aria-describedby="device-name-hint"${view.error ? ' aria-invalid="true"' : ''}></div>` +
			'<div class="actions"><button type="submit" class="btn btn-primary">Pair this browser</button></div>' +
			'</form></article>',
	);
}

/** A pairing link that cannot be used: unknown, used or expired (these look the same). */
export function deadPairingPage(): string {
	return inboxProblemPage(
		'This pairing link does not work',
		'It was already used, it expired (a pairing link works for 10 minutes), or it was not copied whole. Ask for a new pairing link.',
		{ href: '/app/', label: 'Open the inbox' },
	);
}
