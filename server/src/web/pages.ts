import { buttonKey, isFormAction, SUBMIT_KEY, triggerKeys } from '../domain/actions';
import { responderOf } from '../domain/answer';
import { Action, Answer, Channel, FormAction, MessageRecord, Priority } from '../domain/types';
import { STYLE } from './assets/style';
import { esc, pageStart, relativeTime, timeTag } from './html';
import { LINK_REL, renderMessageBody } from './markdown';

/**
 * The answer page's templates: plain functions from records to HTML strings, every dynamic
 * value escaped (`esc`) or rendered by the safe Markdown renderer. No script anywhere.
 */

/** The form as the person filled it in (kept when the page is shown again with an error). */
export type FormValues = Record<string, string | boolean>;

export interface FormState {
	/** Values to show instead of the message's defaults. */
	values?: FormValues;
	/** Errors by form field key. */
	fieldErrors?: Record<string, string>;
	/** An error about the whole answer (shown above the form). */
	notice?: string;
}

/** The name of a form field's control in the POSTed form. */
export const fieldName = (key: string) => `r.${key}`;
export const TRIGGER_NAME = 'triggered_by';
export const FORM_TOKEN_NAME = 'form_token';

function layout(title: string, content: string): string {
	return (
		pageStart(`${title} · Ping`) +
		// No favicon request (it would be a 404 on this server, and a request for nothing).
		'<link rel="icon" href="data:,">' +
		`<style>${STYLE}</style></head><body><main>${content}` +
		'<p class="foot">Answered through Ping. No account or app needed.</p>' +
		'</main></body></html>'
	);
}

export const PRIORITY_TEXT: Record<Priority, string> = {
	high: 'High priority',
	normal: 'Normal priority',
	low: 'Low priority',
};

function header(message: MessageRecord, channel: Channel): string {
	const pill = `<span class="pill${message.priority === 'high' ? ' pill-high' : ''}">${PRIORITY_TEXT[message.priority]}</span>`;
	return (
		`<p class="meta"><span class="channel">${esc(channel.name)}</span>${pill}</p>` +
		`<h1>${esc(message.title)}</h1>` +
		(message.body ? `<div class="body">${renderMessageBody(message.id, message.body)}</div>` : '')
	);
}

function expiryLine(message: MessageRecord, now: number): string {
	if (message.expiresAt === null) return '<p class="expiry">This question does not expire.</p>';
	return `<p class="expiry">Answer by ${timeTag(message.expiresAt)} (${relativeTime(message.expiresAt, now)}).</p>`;
}

function errorAttrs(id: string, error: string | undefined, hintId?: string): string {
	const describedBy = [hintId, error ? `${id}-error` : undefined].filter(Boolean).join(' ');
	return (
		(error ? ' aria-invalid="true"' : '') +
		(describedBy ? ` aria-describedby="${describedBy}"` : '')
	);
}

function errorText(id: string, error: string | undefined): string {
	return error ? `<span class="field-error" id="${id}-error">${esc(error)}</span>` : '';
}

function numberHint(action: Extract<FormAction, { type: 'number' }>): string | null {
	const parts: string[] = [];
	if (action.min !== undefined && action.max !== undefined)
		parts.push(`From ${action.min} to ${action.max}`);
	else if (action.min !== undefined) parts.push(`At least ${action.min}`);
	else if (action.max !== undefined) parts.push(`At most ${action.max}`);
	if (action.step !== undefined) parts.push(`in steps of ${action.step}`);
	return parts.length > 0 ? parts.join(', ') + '.' : null;
}

/**
 * One form field's control with its label and error. `idPrefix` keeps ids unique when a page
 * holds several forms (the inbox).
 */
export function field(action: FormAction, index: number, state: FormState, idPrefix = 'f'): string {
	const id = `${idPrefix}${index}`;
	const name = esc(fieldName(action.key));
	const kept = state.values?.[action.key];
	const error = state.fieldErrors?.[action.key];
	switch (action.type) {
		case 'select': {
			const selected = kept !== undefined ? String(kept) : (action.value ?? '');
			const blank =
				action.value === undefined
					? `<option value=""${selected === '' ? ' selected' : ''}>Choose…</option>`
					: '';
			const options = action.options
				.map(
					(o) =>
						`<option value="${esc(o.value)}"${o.value === selected ? ' selected' : ''}>${esc(o.label)}</option>`,
				)
				.join('');
			return `<div class="field"><label for="${id}">${esc(action.label)}</label><select id="${id}" name="${name}"${errorAttrs(id, error)}>${blank}${options}</select>${errorText(id, error)}</div>`;
		}
		case 'text': {
			const value = kept !== undefined ? String(kept) : (action.value ?? '');
			const common =
				`id="${id}" name="${name}" maxlength="${action.max_length}"` +
				(action.placeholder ? ` placeholder="${esc(action.placeholder)}"` : '') +
				errorAttrs(id, error);
			const control = action.multiline
				? `<textarea ${common} rows="4">${esc(value)}</textarea>`
				: `<input type="text" ${common} value="${esc(value)}" autocomplete="off">`;
			return `<div class="field"><label for="${id}">${esc(action.label)}</label>${control}${errorText(id, error)}</div>`;
		}
		case 'number': {
			const value = kept !== undefined ? String(kept) : (action.value ?? '');
			const hint = numberHint(action);
			const hintId = hint ? `${id}-hint` : undefined;
			const bounds =
				(action.min !== undefined ? ` min="${action.min}"` : '') +
				(action.max !== undefined ? ` max="${action.max}"` : '') +
				` step="${action.step ?? 'any'}"`;
			// The hint is outside the label (its name stays the label alone) and described-by.
			return (
				`<div class="field"><label for="${id}">${esc(action.label)}</label>` +
				(hint ? `<span class="hint" id="${hintId}">${esc(hint)}</span>` : '') +
				`<input type="number" inputmode="decimal" id="${id}" name="${name}"${bounds} value="${esc(value)}"${errorAttrs(id, error, hintId)}>` +
				`${errorText(id, error)}</div>`
			);
		}
		case 'toggle': {
			const on = kept !== undefined ? kept === true : action.value === true;
			return `<div class="field"><label class="toggle" for="${id}"><input type="checkbox" role="switch" id="${id}" name="${name}" value="on"${on ? ' checked' : ''}${errorAttrs(id, error)}>${esc(action.label)}</label>${errorText(id, error)}</div>`;
		}
	}
}

export function submitButtons(actions: Action[]): string {
	const buttons = actions
		.map((action, i) => {
			const key = buttonKey(action, i);
			if (key === null || action.type !== 'button') return '';
			return `<button type="submit" class="btn btn-${action.style}" name="${TRIGGER_NAME}" value="${esc(key)}">${esc(action.label)}</button>`;
		})
		.join('');
	if (buttons !== '') return buttons;
	return `<button type="submit" class="btn btn-primary" name="${TRIGGER_NAME}" value="${SUBMIT_KEY}">Send answer</button>`;
}

export function urlLinks(actions: Action[]): string {
	const links = actions
		.filter((a) => a.type === 'url')
		.map(
			(a) =>
				`<li><a class="btn btn-link" href="${esc(a.value)}" rel="${LINK_REL}">${esc(a.label)}</a></li>`,
		)
		.join('');
	return links ? `<ul class="links" aria-label="Links">${links}</ul>` : '';
}

export function noticeBlock(actions: Action[], state: FormState, idPrefix = 'f'): string {
	const errors = Object.entries(state.fieldErrors ?? {});
	if (!state.notice && errors.length === 0) return '';
	const ids = new Map(
		actions.filter(isFormAction).map((a) => [a.key, `${idPrefix}${actions.indexOf(a)}`] as const),
	);
	const list =
		errors.length > 0
			? `<ul>${errors.map(([key, text]) => `<li><a href="#${ids.get(key)}">${esc(text)}</a></li>`).join('')}</ul>`
			: '';
	const lead = state.notice ?? 'Please check your answer:';
	return `<div class="notice" role="alert"><p>${esc(lead)}</p>${list}</div>`;
}

/** The message's form fields and its buttons, inside a form of the caller's (also the console's). */
export function answerControls(message: MessageRecord, state: FormState = {}): string {
	const fields = message.actions
		.map((action, i) => (isFormAction(action) ? field(action, i, state) : ''))
		.join('');
	return `${fields}<div class="actions">${submitButtons(message.actions)}</div>`;
}

/** The question with its form: what `GET /a/<token>` shows while the message is open. */
export function answerFormPage(
	message: MessageRecord,
	channel: Channel,
	formToken: string,
	now: number,
	state: FormState = {},
): string {
	const answerable = triggerKeys(message.actions).length > 0;
	const form = answerable
		? `<form method="post">` +
			`<input type="hidden" name="${FORM_TOKEN_NAME}" value="${esc(formToken)}">` +
			`${answerControls(message, state)}</form>`
		: '<p class="status status-warn">This message asks for no answer.</p>';
	return layout(
		message.title,
		`<article class="card">${header(message, channel)}${expiryLine(message, now)}` +
			`${noticeBlock(message.actions, state)}${form}${urlLinks(message.actions)}</article>`,
	);
}

function buttonLabel(message: MessageRecord, key: string): string {
	if (key === SUBMIT_KEY && !message.actions.some((a) => a.type === 'button')) return 'Sent';
	const index = message.actions.findIndex((a, i) => buttonKey(a, i) === key);
	return index === -1 ? key : message.actions[index].label;
}

function valueText(action: FormAction, value: string | number | boolean): string {
	if (action.type === 'select')
		return action.options.find((o) => o.value === value)?.label ?? String(value);
	if (action.type === 'toggle') return value === true ? 'Yes' : 'No';
	return String(value) === '' ? '(empty)' : String(value);
}

/** How an answer came in, as a phrase: `through its answer link`, `in the Ping inbox of Ana`… */
export function how(answer: Answer): string {
	const responder = responderOf(answer);
	if (responder.via === 'link') return 'through its answer link';
	if (responder.via === 'device')
		return responder.name ? `in the Ping inbox of ${responder.name}` : 'in a paired browser';
	return responder.name ? `through the app or API, by ${responder.name}` : 'through the app or API';
}

export function answerSummary(message: MessageRecord, answer: Answer): string {
	const rows = [`<dt>Answer</dt><dd>${esc(buttonLabel(message, answer.triggeredBy))}</dd>`];
	for (const action of message.actions.filter(isFormAction)) {
		if (!(action.key in answer.responses)) continue;
		rows.push(
			`<dt>${esc(action.label)}</dt><dd>${esc(valueText(action, answer.responses[action.key]))}</dd>`,
		);
	}
	return `<dl class="answer">${rows.join('')}</dl>`;
}

/** After a successful POST: the answer was recorded. */
export function confirmationPage(message: MessageRecord, channel: Channel, answer: Answer): string {
	return layout(
		`Answer sent: ${message.title}`,
		`<article class="card"><p class="status status-ok" role="status">✓ Your answer was sent. You can close this page.</p>` +
			`${header(message, channel)}${answerSummary(message, answer)}</article>`,
	);
}

/** Opening the link (or POSTing to it) after the message was answered. */
export function answeredPage(message: MessageRecord, channel: Channel, answer: Answer): string {
	return layout(
		`Answered: ${message.title}`,
		`<article class="card"><p class="status status-ok" role="status">This question was answered on ${timeTag(answer.submittedAt)}, ${esc(how(answer))}.</p>` +
			`${header(message, channel)}${answerSummary(message, answer)}</article>`,
	);
}

/** Opening the link after the message expired unanswered (410). */
export function expiredPage(message: MessageRecord, channel: Channel, now: number): string {
	const when = message.expiresAt === null ? '' : ` on ${timeTag(message.expiresAt)}`;
	const ago = message.expiresAt === null ? '' : ` (${esc(relativeTime(message.expiresAt, now))})`;
	return layout(
		`Expired: ${message.title}`,
		`<article class="card"><p class="status status-warn" role="status">This question expired${when}${ago} and can no longer be answered.</p>` +
			`${header(message, channel)}</article>`,
	);
}

/** A link that names no message (404): mistyped, cut off, or its message was deleted. */
export function unknownLinkPage(): string {
	return layout(
		'Link not found',
		'<article class="card"><h1>This answer link does not work</h1>' +
			'<p>No question belongs to it. Check that the whole link was copied; it may also have been removed.</p></article>',
	);
}

/** Anything else that keeps a page from being shown: a short text, never details. */
export function problemPage(title: string, text: string, backHref?: string): string {
	const back = backHref ? `<p><a href="${esc(backHref)}">Open the question again</a></p>` : '';
	return layout(
		title,
		`<article class="card"><h1>${esc(title)}</h1><p>${esc(text)}</p>${back}</article>`,
	);
}
