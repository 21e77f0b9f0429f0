import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `X-Ping-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` as `docs/api.md#signatures`
 * documents it: the key is the channel's webhook secret as UTF-8 text (its 64 hex characters,
 * not the decoded bytes) and the signed string is `<t>.<raw body bytes>`.
 */
export const SIGNATURE_HEADER = 'X-Ping-Signature';
export const IDEMPOTENCY_HEADER = 'X-Ping-Idempotency-Key';
export const CALLBACK_USER_AGENT = 'Ping-Callback/1';
/** Receivers reject a signature whose `t` is further than this from their clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** The hex HMAC of `<t>.<body>`. */
export function signatureV1(secret: string, t: number, body: string | Buffer): string {
	return createHmac('sha256', Buffer.from(secret, 'utf8'))
		.update(`${t}.`, 'utf8')
		.update(body)
		.digest('hex');
}

/** The header value for one attempt, signed at `nowMs` (a fresh `t` per attempt). */
export function signatureHeader(secret: string, body: string | Buffer, nowMs: number): string {
	const t = Math.floor(nowMs / 1000);
	return `t=${t},v1=${signatureV1(secret, t, body)}`;
}

export interface ParsedSignature {
	t: number;
	/** Every `v1=` value: a receiver accepts if any matches (room for secret rotation). */
	v1: string[];
}

/** Parses `t=…,v1=…[,v1=…]`; unknown schemes are ignored, a missing `t` or `v1` is null. */
export function parseSignatureHeader(header: string): ParsedSignature | null {
	let t: number | null = null;
	const v1: string[] = [];
	for (const part of header.split(',')) {
		const eq = part.indexOf('=');
		if (eq < 0) continue;
		const name = part.slice(0, eq).trim();
		const value = part.slice(eq + 1).trim();
		if (name === 't' && /^\d{1,12}$/.test(value)) t = Number(value);
		else if (name === 'v1' && /^[0-9a-fA-F]{64}$/.test(value)) v1.push(value.toLowerCase());
	}
	return t === null || v1.length === 0 ? null : { t, v1 };
}

/**
 * Why a callback was refused. The nodes' `nodes/shared/signature.ts` is this file's twin (the
 * nodes may not import the server): same names, same arguments, same results, kept identical
 * by the shared corpus in `test/twins/signature-corpus.ts`.
 */
export type SignatureFailure = 'missing' | 'no_secret' | 'malformed' | 'mismatch' | 'stale';

export type SignatureCheck =
	| { ok: true; t: number; ageSeconds: number }
	| { ok: false; reason: SignatureFailure; message: string; t?: number; ageSeconds?: number };

/**
 * What a receiver does: recompute the HMAC over the raw body, compare in constant time with
 * every `v1=` offered, and refuse a `t` outside the tolerance window (a replayed old callback).
 * An empty secret verifies nothing (anyone can sign with an empty key), so it is refused too.
 */
export function verifySignature(
	header: string | string[] | undefined,
	secret: string,
	rawBody: string | Buffer,
	nowMs: number,
	toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): SignatureCheck {
	const value = Array.isArray(header) ? header[0] : header;
	if (value === undefined || value === '') {
		return { ok: false, reason: 'missing', message: `no ${SIGNATURE_HEADER} header` };
	}
	if (secret === '')
		return {
			ok: false,
			reason: 'no_secret',
			message: 'no webhook secret to verify the signature with',
		};
	const parsed = parseSignatureHeader(value);
	if (!parsed) {
		return {
			ok: false,
			reason: 'malformed',
			message: `${SIGNATURE_HEADER} is not "t=<unix seconds>,v1=<64 hex>"`,
		};
	}
	const expected = Buffer.from(signatureV1(secret, parsed.t, rawBody), 'hex');
	let matches = false;
	for (const candidate of parsed.v1) {
		// Every candidate is compared (no early exit), so timing says nothing about which matched.
		if (timingSafeEqual(Buffer.from(candidate, 'hex'), expected)) matches = true;
	}
	const t = parsed.t;
	const ageSeconds = Math.floor(nowMs / 1000) - t;
	if (!matches) {
		return {
			ok: false,
			reason: 'mismatch',
			message: 'HMAC does not match (wrong secret, or the body was changed)',
			t,
			ageSeconds,
		};
	}
	if (Math.abs(ageSeconds) > toleranceSeconds) {
		return {
			ok: false,
			reason: 'stale',
			message: `timestamp t=${t} is ${ageSeconds} s from now (more than ${toleranceSeconds} s; a replay?)`,
			t,
			ageSeconds,
		};
	}
	return { ok: true, t, ageSeconds };
}
