import { createHash } from 'node:crypto';
import { PAGE_HEADERS } from '../headers';
import { INBOX_PAGE_STYLE } from './style';

const styleHash = createHash('sha256').update(INBOX_PAGE_STYLE, 'utf8').digest('base64');

/**
 * The inbox's and the pair page's policy: the answer page's, plus this site's own script
 * (`/app/inbox.js`, no inline script), its service worker, its manifest and icons, and fetches
 * to this site only (live updates, the push subscription).
 */
const INBOX_CONTENT_SECURITY_POLICY = [
	"default-src 'none'",
	`style-src 'sha256-${styleHash}'`,
	"script-src 'self'",
	"connect-src 'self'",
	"img-src 'self' data:",
	"manifest-src 'self'",
	"worker-src 'self'",
	"form-action 'self'",
	"frame-ancestors 'none'",
	"base-uri 'none'",
].join('; ');

/** Every inbox page: the answer page's headers (`no-store`, `no-referrer`, …) with this policy. */
export const INBOX_PAGE_HEADERS: Readonly<Record<string, string>> = {
	...PAGE_HEADERS,
	'content-security-policy': INBOX_CONTENT_SECURITY_POLICY,
};

/**
 * The inbox's files (script, service worker, manifest, icons): revalidated on every use, so a
 * new server version reaches browsers at once; never sniffed, never embedded elsewhere.
 */
export const ASSET_HEADERS: Readonly<Record<string, string>> = {
	'cache-control': 'no-cache',
	'x-content-type-options': 'nosniff',
	'cross-origin-resource-policy': 'same-origin',
	'referrer-policy': 'no-referrer',
};
