import { createHmac, timingSafeEqual } from 'node:crypto';

import { SIGNATURE_HEADER, SIGNATURE_TOLERANCE_SECONDS } from './constants';

/** Ping signs callbacks with `X-Ping-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` (SPEC §5). */
export { SIGNATURE_HEADER, SIGNATURE_TOLERANCE_SECONDS };

export type SignatureResult =
	| { valid: true; timestamp: number }
	| { valid: false; reason: string };

/** The hex HMAC-SHA256 of `<t>.<raw body>`, keyed with the secret's text (not hex-decoded). */
export function computeSignature(secret: string, timestamp: number, rawBody: Buffer | string): string {
	return createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestamp}.`, 'utf8').update(rawBody).digest('hex');
}

/**
 * Checks a callback the way SPEC §5 asks: recompute the HMAC over the exact bytes received,
 * compare in constant time with every `v1=` offered, and refuse stale timestamps.
 */
export function verifySignature(
	header: string | string[] | undefined,
	rawBody: Buffer | string,
	secret: string,
	nowMs: number = Date.now(),
	toleranceSeconds: number = SIGNATURE_TOLERANCE_SECONDS,
): SignatureResult {
	const value = Array.isArray(header) ? header[0] : header;
	if (!value) return { valid: false, reason: 'missing X-Ping-Signature header' };
	if (!secret) return { valid: false, reason: 'the credential has no webhook secret to verify with' };

	let timestamp: number | undefined;
	const offered: string[] = [];
	for (const part of value.split(',')) {
		const eq = part.indexOf('=');
		if (eq < 0) continue;
		const name = part.slice(0, eq).trim();
		const v = part.slice(eq + 1).trim();
		if (name === 't' && /^\d{1,12}$/.test(v)) timestamp = Number(v);
		else if (name === 'v1' && /^[0-9a-fA-F]{64}$/.test(v)) offered.push(v.toLowerCase());
	}
	if (timestamp === undefined || offered.length === 0) return { valid: false, reason: 'malformed X-Ping-Signature header' };

	const expected = Buffer.from(computeSignature(secret, timestamp, rawBody), 'hex');
	let matches = false;
	for (const candidate of offered) {
		// Every candidate is compared (no early exit) so timing says nothing about which matched.
		if (timingSafeEqual(Buffer.from(candidate, 'hex'), expected)) matches = true;
	}
	if (!matches) return { valid: false, reason: 'signature does not match (wrong secret or altered body)' };
	const age = Math.abs(Math.floor(nowMs / 1000) - timestamp);
	if (age > toleranceSeconds) {
		return { valid: false, reason: `signature timestamp is ${age} s away from now (more than ${toleranceSeconds} s)` };
	}
	return { valid: true, timestamp };
}
