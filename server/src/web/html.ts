/** Small helpers for the server-rendered pages: every dynamic value goes through `esc`. */

const ESCAPES: Record<string, string> = {
	'&': '&amp;',
	'<': '&lt;',
	'>': '&gt;',
	'"': '&quot;',
	"'": '&#39;',
};

/** Text or an attribute value, safe in HTML text and in a double- or single-quoted attribute. */
export function esc(value: string | number): string {
	return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A time as a person reads it, in UTC (the server cannot know the reader's zone without
 * script): `12 Jan 2026, 20:48 UTC`. Deterministic, no locale data needed.
 */
export function formatTime(ms: number): string {
	const d = new Date(ms);
	return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/** `in 5 minutes`, `in 2 hours`, `in 3 days`; `5 minutes ago` for the past. */
export function relativeTime(ms: number, now: number): string {
	const diff = ms - now;
	const abs = Math.abs(diff);
	const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
	let text: string;
	if (abs < 60_000) text = 'less than a minute';
	else if (abs < 3600_000) text = unit(Math.round(abs / 60_000), 'minute');
	else if (abs < 48 * 3600_000) text = unit(Math.round(abs / 3600_000), 'hour');
	else text = unit(Math.round(abs / (24 * 3600_000)), 'day');
	return diff >= 0 ? `in ${text}` : `${text} ago`;
}

/** A `<time>` element: machine-readable instant, human text. */
export function timeTag(ms: number): string {
	return `<time datetime="${new Date(ms).toISOString()}">${esc(formatTime(ms))}</time>`;
}

/**
 * How every page begins (answer page, inbox, console): the document, a phone viewport, light and
 * dark, no referrer, not indexed, and its title; the caller adds the rest of the head.
 */
export function pageStart(title: string): string {
	return (
		'<!doctype html><html lang="en"><head><meta charset="utf-8">' +
		'<meta name="viewport" content="width=device-width, initial-scale=1">' +
		'<meta name="color-scheme" content="light dark">' +
		'<meta name="referrer" content="no-referrer">' +
		'<meta name="robots" content="noindex, nofollow">' +
		`<title>${esc(title)}</title>`
	);
}
