import { IncomingMessage } from 'node:http';

/**
 * Did a request come from a page of this site? The check behind every browser write that a
 * cross-site page must not be able to make: the answer page's form, the pair page, the inbox's
 * forms and its cookie-authenticated API calls.
 */

/** Our own origins: the public URL's, and the Host the request came to (http or https). */
function ownOrigins(publicUrl: string, req: IncomingMessage): Set<string> {
	const origins = new Set<string>();
	try {
		origins.add(new URL(publicUrl).origin);
	} catch {
		// no public URL: the Host header alone
	}
	const host = req.headers.host;
	if (host) origins.add(`http://${host}`).add(`https://${host}`);
	return origins;
}

function originOf(url: string): string | null {
	try {
		return new URL(url).origin;
	} catch {
		return null;
	}
}

/**
 * The browser's own word first (`Sec-Fetch-Site`, which no page can forge), then `Origin`,
 * then `Referer`. Under the pages' `no-referrer` policy a browser sends `Origin: null` and no
 * `Referer`; an older browser that also lacks `Sec-Fetch-Site` says nothing, and then the
 * caller's other guard decides (a form token a cross-site page cannot read, a SameSite=Strict
 * cookie it cannot send).
 */
export function cameFromOwnSite(publicUrl: string, req: IncomingMessage): boolean {
	const site = req.headers['sec-fetch-site'];
	if (typeof site === 'string') return site === 'same-origin';
	const origin = req.headers.origin;
	if (origin && origin !== 'null') return ownOrigins(publicUrl, req).has(origin);
	const referer = req.headers.referer;
	if (referer) {
		const from = originOf(referer);
		return from !== null && ownOrigins(publicUrl, req).has(from);
	}
	return true;
}
