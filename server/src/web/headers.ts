import { createHash } from 'node:crypto';
import { STYLE } from './assets/style';

const styleHash = createHash('sha256').update(STYLE, 'utf8').digest('base64');

/**
 * The policy of every answer page: nothing but its own inline style sheet (allowed by hash),
 * no script at all, forms only to itself, never inside a frame, no base URL rewriting.
 */
export const CONTENT_SECURITY_POLICY = [
	"default-src 'none'",
	`style-src 'sha256-${styleHash}'`,
	// Only the empty favicon (`data:,`): the page loads no image, from here or elsewhere.
	'img-src data:',
	"form-action 'self'",
	"frame-ancestors 'none'",
	"base-uri 'none'",
].join('; ');

/**
 * Headers of every answer page response (the form, the confirmation, the answered, expired
 * and unknown pages, the errors):
 * - `no-store`: the page holds a one-message capability and a form token, so no cache keeps it;
 * - `no-referrer`: the token is in the URL, so links on the page never pass it on;
 * - `noindex`: a link that reached a search engine's crawler stays out of its index;
 * - the CSP above, plus the older frame and sniffing guards.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
	'cache-control': 'no-store',
	'referrer-policy': 'no-referrer',
	'content-security-policy': CONTENT_SECURITY_POLICY,
	'x-frame-options': 'DENY',
	'x-content-type-options': 'nosniff',
	'x-robots-tag': 'noindex, nofollow',
	'cross-origin-opener-policy': 'same-origin',
	'cross-origin-resource-policy': 'same-origin',
};
