import { createHmac, randomBytes } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import { constantTimeEqual, sha256Hex } from '../../domain/ids';
import { ConsoleSession } from '../../domain/types';
import { PresentedKey } from '../../http/auth';
import { AppContext } from '../../http/context';
import { cookieValue } from '../../http/cookies';

/**
 * Console sessions: after a sign-in with an API key, the browser holds only a random session
 * id in an HttpOnly, SameSite=Strict cookie (Secure over HTTPS); the store keeps its SHA-256,
 * the key it belongs to (by the key's hash) and its expiry. The key itself never reaches the
 * browser again. Every request checks the session and that its key is still valid, so signing
 * out, revoking the key or changing PING_ADMIN_KEY ends it at once, on every instance.
 */

const SESSION_COOKIE = 'ping_console';
/** 32 random bytes, base64url: what a session id looks like (anything else is no session). */
const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const CSRF_LABEL = 'ping/console-csrf/v1';
export const CSRF_FIELD = 'csrf';

/** A signed-in request: whose account, with which key, and the forms' CSRF token. */
export interface SignedIn {
	accountId: string;
	keyId: string;
	idHash: string;
	/** Bound to the session id: a page of another site can neither read nor make it. */
	csrf: string;
}

const csrfFor = (sessionId: string) =>
	createHmac('sha256', sessionId).update(CSRF_LABEL).digest('base64url');

/** Did the request come over HTTPS (directly, by the public URL, or through a trusted proxy)? */
function overHttps(ctx: AppContext, req: IncomingMessage): boolean {
	if ((req.socket as TLSSocket).encrypted) return true;
	if (ctx.publicUrl.startsWith('https:')) return true;
	return ctx.config.trustProxy && req.headers['x-forwarded-proto'] === 'https';
}

function cookieHeader(ctx: AppContext, req: IncomingMessage, value: string, maxAgeS: number) {
	return (
		`${SESSION_COOKIE}=${value}; Path=/console; Max-Age=${maxAgeS}; HttpOnly; SameSite=Strict` +
		(overHttps(ctx, req) ? '; Secure' : '')
	);
}

/** Is the key the session was opened with still a valid key of its account? */
async function keyStillValid(ctx: AppContext, session: ConsoleSession): Promise<boolean> {
	if (session.keyId === 'admin') {
		const admin = ctx.config.adminKey;
		return admin !== null && constantTimeEqual(sha256Hex(admin), session.keyHash);
	}
	const key = await ctx.store.findApiKeyByHash(session.keyHash);
	return key !== null && key.id === session.keyId && key.accountId === session.accountId;
}

/** The request's session, or null (no cookie, unknown, expired, or its key was revoked). */
export async function currentSession(
	ctx: AppContext,
	req: IncomingMessage,
): Promise<SignedIn | null> {
	const id = cookieValue(req, [SESSION_COOKIE]);
	if (id === null || !SESSION_ID_PATTERN.test(id)) return null;
	const idHash = sha256Hex(id);
	const session = await ctx.store.findConsoleSession(idHash, ctx.clock.now());
	if (!session || !constantTimeEqual(session.idHash, idHash)) return null;
	if (!(await keyStillValid(ctx, session))) {
		await ctx.store.deleteConsoleSession(idHash);
		return null;
	}
	return { accountId: session.accountId, keyId: session.keyId, idHash, csrf: csrfFor(id) };
}

/** Opens a session for a key that just signed in; the `Set-Cookie` header that carries it. */
export async function openSession(
	ctx: AppContext,
	req: IncomingMessage,
	key: PresentedKey,
	keyText: string,
): Promise<string> {
	const id = randomBytes(32).toString('base64url');
	const now = ctx.clock.now();
	await ctx.store.insertConsoleSession({
		idHash: sha256Hex(id),
		accountId: key.accountId,
		keyId: key.keyId,
		keyHash: sha256Hex(keyText),
		createdAt: now,
		expiresAt: now + ctx.config.consoleSessionMs,
	});
	return cookieHeader(ctx, req, id, Math.floor(ctx.config.consoleSessionMs / 1000));
}

/** Ends the session in the store (at once, everywhere); the header that clears the cookie. */
export async function closeSession(
	ctx: AppContext,
	req: IncomingMessage,
	signed: SignedIn | null,
): Promise<string> {
	if (signed) await ctx.store.deleteConsoleSession(signed.idHash);
	return cookieHeader(ctx, req, '', 0);
}

export function csrfMatches(signed: SignedIn, form: URLSearchParams): boolean {
	return constantTimeEqual(form.get(CSRF_FIELD) ?? '', signed.csrf);
}
