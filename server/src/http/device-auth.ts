import { IncomingMessage } from 'node:http';
import { ApiError } from '../domain/errors';
import { constantTimeEqual, sha256Hex } from '../domain/ids';
import { DEVICE_KEY_PATTERN } from '../domain/pairing';
import { WebPushDevice } from '../domain/types';
import { AppContext } from './context';
import { cookieValue } from './cookies';
import { cameFromOwnSite } from './same-origin';

/**
 * How a paired browser proves who it is: its device key (`pd_…`), as a bearer token (scripts,
 * other clients) or in the inbox's cookie (the server-rendered inbox, its forms, and the service
 * worker's same-origin fetches). The key never appears in a URL, a log or script-readable storage.
 *
 * The cookie is HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it),
 * Path=/ (the inbox under /app/ and the device API under /v1/device use it), Secure and
 * `__Host-` prefixed when the public URL is https. Against cross-site request forgery a write
 * that rides on the cookie must also come from this site (`cameFromOwnSite`); the inbox's
 * forms carry a form token besides.
 */

const COOKIE = 'ping_device';
/** With https the `__Host-` prefix makes the browser refuse any Domain or a non-Secure copy. */
const SECURE_COOKIE = `__Host-${COOKIE}`;
/** Chromium keeps a cookie at most 400 days; the inbox renews it on every visit. */
const DEVICE_COOKIE_MAX_AGE_S = 400 * 24 * 3600;
/** `last_seen_at` is written at most this often per device, to keep reads read-only. */
const TOUCH_INTERVAL_MS = 60_000;

const isHttps = (ctx: AppContext) => ctx.publicUrl.startsWith('https:');

/** `Set-Cookie` that hands a browser its device key. */
export function deviceCookie(ctx: AppContext, key: string): string {
	const attributes = `Path=/; Max-Age=${DEVICE_COOKIE_MAX_AGE_S}; HttpOnly; SameSite=Strict`;
	return isHttps(ctx)
		? `${SECURE_COOKIE}=${key}; ${attributes}; Secure`
		: `${COOKIE}=${key}; ${attributes}`;
}

/** `Set-Cookie` that makes the browser forget a key that no longer works. */
export function clearedDeviceCookie(ctx: AppContext): string {
	return isHttps(ctx)
		? `${SECURE_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure`
		: `${COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`;
}

/** The device key in the request's cookie, if any (either name: the public URL may have changed). */
export function deviceKeyFromCookie(req: IncomingMessage): string | null {
	return cookieValue(req, [COOKIE, SECURE_COOKIE]);
}

type DeviceCredential = 'bearer' | 'cookie';

/** The key a request presents, and how; the bearer wins over a cookie. */
function presentedKey(req: IncomingMessage): { key: string; credential: DeviceCredential } | null {
	const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
	if (bearer) return { key: bearer[1], credential: 'bearer' };
	const cookie = deviceKeyFromCookie(req);
	return cookie === null ? null : { key: cookie, credential: 'cookie' };
}

export const notPaired = (message: string) => new ApiError(401, message, 'invalid_device_key');

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * The paired browser a request comes from, or 401 (no key, an unknown key, a revoked device:
 * revoking deletes the device, so its key stops at once). A write authenticated by the cookie
 * must come from this site (403 otherwise). Marks the device seen, at most once a minute.
 */
export async function authenticateDevice(
	ctx: AppContext,
	req: IncomingMessage,
): Promise<WebPushDevice> {
	const presented = presentedKey(req);
	if (!presented)
		throw notPaired(
			'missing device key: send Authorization: Bearer pd_… (or open the inbox in a paired browser)',
		);
	if (!DEVICE_KEY_PATTERN.test(presented.key))
		throw notPaired('device key is not valid: this browser is not paired (any more)');
	// Found by its SHA-256, like API keys: the stored hash is the only copy.
	const hash = sha256Hex(presented.key);
	const device = await ctx.store.findDeviceByKeyHash(hash);
	if (!device || !constantTimeEqual(device.keyHash, hash))
		throw notPaired('device key is not valid: this browser is not paired (any more)');
	if (
		presented.credential === 'cookie' &&
		!SAFE_METHODS.has(req.method ?? 'GET') &&
		!cameFromOwnSite(ctx.publicUrl, req)
	)
		throw new ApiError(403, 'a request carrying the inbox cookie must come from this site');
	const now = ctx.clock.now();
	if (device.lastSeenAt === null || now - device.lastSeenAt >= TOUCH_INTERVAL_MS) {
		await ctx.store.updateDevice(device.id, { lastSeenAt: now });
		device.lastSeenAt = now;
	}
	return device;
}
