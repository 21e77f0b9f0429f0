import { WrittenReply } from '../../http/route';
import { PAGE_HEADERS } from '../headers';
import { esc, pageStart } from '../html';
import { CONSOLE_CSP, CONSOLE_STYLE, COPY_SCRIPT } from './assets';
import { CSRF_FIELD, SignedIn } from './session';

/**
 * The console's page shell and the small pieces every console page is made of. Like the answer
 * page: server-rendered, every dynamic value escaped, no request to anywhere else; the one
 * script only adds "Copy" buttons.
 */

/** The answer page's headers (no-store, no-referrer, noindex, no frames), with the console's policy. */
const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
	...PAGE_HEADERS,
	'content-security-policy': CONSOLE_CSP,
};

export type Section = 'channels' | 'phones' | 'keys';

const SECTIONS: [Section, string, string][] = [
	['channels', 'Channels', '/console/channels'],
	['phones', 'Phones', '/console/phones'],
	['keys', 'API keys', '/console/keys'],
];

function topbar(signed: SignedIn | null, section: Section | undefined): string {
	if (!signed) return '<header class="topbar"><span class="brand">Ping console</span></header>';
	const links = SECTIONS.map(
		([id, label, href]) =>
			`<li><a href="${href}"${id === section ? ' aria-current="page"' : ''}>${label}</a></li>`,
	).join('');
	return (
		'<header class="topbar"><a class="brand" href="/console/channels">Ping console</a>' +
		`<nav aria-label="Console"><ul>${links}</ul></nav>` +
		postForm('/console/sign-out', signed, button('Sign out', 'secondary', 'btn-small')) +
		'</header>'
	);
}

export function consoleLayout(
	title: string,
	content: string,
	options: { signed?: SignedIn | null; section?: Section } = {},
): string {
	return (
		pageStart(`${title} · Ping console`) +
		'<link rel="icon" href="data:,">' +
		`<style>${CONSOLE_STYLE}</style></head><body><main class="console">` +
		topbar(options.signed ?? null, options.section) +
		content +
		`</main><script>${COPY_SCRIPT}</script></body></html>`
	);
}

export function page(
	status: number,
	html: string,
	headers: Record<string, string> = {},
): WrittenReply {
	return {
		status,
		text: html,
		contentType: 'text/html; charset=utf-8',
		headers: { ...CONSOLE_HEADERS, ...headers },
	};
}

/** After a form: 303 to the page that shows the result (a reload then repeats nothing). */
export function redirect(location: string, headers: Record<string, string> = {}): WrittenReply {
	return {
		status: 303,
		text: '',
		contentType: 'text/html; charset=utf-8',
		headers: { ...CONSOLE_HEADERS, location, ...headers },
	};
}

/** A POST form carrying the session's CSRF token. */
export function postForm(
	action: string,
	signed: SignedIn,
	inner: string,
	attrs: { className?: string; label?: string } = {},
): string {
	return (
		`<form method="post" action="${esc(action)}"` +
		(attrs.className ? ` class="${attrs.className}"` : '') +
		(attrs.label ? ` aria-label="${esc(attrs.label)}"` : '') +
		`><input type="hidden" name="${CSRF_FIELD}" value="${esc(signed.csrf)}">${inner}</form>`
	);
}

export function button(
	label: string,
	style: 'primary' | 'secondary' | 'destructive' = 'secondary',
	extraClass = '',
	attrs = '',
): string {
	return `<button type="submit" class="btn btn-${style}${extraClass ? ` ${extraClass}` : ''}"${attrs}>${esc(label)}</button>`;
}

/** A labelled text input. */
export function textField(
	id: string,
	name: string,
	label: string,
	value = '',
	attrs = '',
	hint?: string,
): string {
	const hintHtml = hint ? `<span class="hint" id="${id}-hint">${esc(hint)}</span>` : '';
	const described = hint ? ` aria-describedby="${id}-hint"` : '';
	return (
		`<div class="field"><label for="${id}">${esc(label)}</label>${hintHtml}` +
		`<input type="text" id="${id}" name="${name}" value="${esc(value)}"${described}${attrs}></div>`
	);
}

/**
 * A value to copy: a read-only field (selectable without JavaScript) and a "Copy" button that
 * the script shows.
 */
export function copyField(id: string, label: string, value: string): string {
	return (
		`<div class="field"><label for="${id}">${esc(label)}</label><div class="value">` +
		`<input type="text" id="${id}" value="${esc(value)}" readonly autocomplete="off" spellcheck="false">` +
		`<button type="button" class="btn btn-secondary" data-copy="${id}" aria-label="Copy ${esc(label)}" hidden>Copy</button>` +
		'</div></div>'
	);
}

export function status(text: string, kind: 'ok' | 'warn' = 'ok'): string {
	return `<p class="status status-${kind}" role="status">${esc(text)}</p>`;
}

export function problem(text: string): string {
	return `<div class="notice" role="alert"><p>${esc(text)}</p></div>`;
}

/** Confirmations after a redirect, by a fixed code in the query (no text from the URL is shown). */
export function doneNotice(query: URLSearchParams, texts: Record<string, string>): string {
	const text = texts[query.get('done') ?? ''];
	return text ? status(text) : '';
}
