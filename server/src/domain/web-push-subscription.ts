import { createPublicKey } from 'node:crypto';
import { badRequest } from './errors';
import { isObject } from './fields';
import { WebPushSubscription } from './types';

/**
 * A browser's push subscription as `PUT /v1/device/subscription` takes it: the shape of
 * `PushSubscription.toJSON()`, `{endpoint, keys: {p256dh, auth}}`. Checked here once, so the
 * sender can trust it: what RFC 8291 encryption needs (a P-256 point and a 16-byte secret) and
 * an endpoint a push service would give (https). Pure (node:crypto only), like the rest of domain/.
 */

/** Longer than any push service's endpoint (FCM's and Mozilla's are under 500 characters). */
const ENDPOINT_MAX_LENGTH = 2000;

/** base64url without padding, as browsers write it; padding is tolerated and dropped. */
function base64urlBytes(value: unknown, field: string, what: string): Buffer {
	if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+={0,2}$/.test(value))
		throw badRequest(`${field} must be ${what}, base64url`);
	const text = value.replace(/=+$/, '');
	const bytes = Buffer.from(text, 'base64url');
	// Rejects strings whose length cannot come from whole bytes (a cut-off value).
	if (bytes.toString('base64url') !== text) throw badRequest(`${field} must be ${what}, base64url`);
	return bytes;
}

/** An uncompressed P-256 public key (65 bytes, 0x04, x, y) that is on the curve. */
export function isP256Point(point: Buffer): boolean {
	if (point.length !== 65 || point[0] !== 0x04) return false;
	try {
		createPublicKey({
			format: 'jwk',
			key: {
				kty: 'EC',
				crv: 'P-256',
				x: point.subarray(1, 33).toString('base64url'),
				y: point.subarray(33).toString('base64url'),
			},
		});
		return true;
	} catch {
		return false;
	}
}

export function parseWebPushSubscription(body: unknown): WebPushSubscription {
	if (!isObject(body)) throw badRequest('request body must be a JSON object');
	const endpoint = body.endpoint;
	if (typeof endpoint !== 'string' || endpoint === '')
		throw badRequest('endpoint is required: the push subscription URL (PushSubscription.endpoint)');
	if (endpoint.length > ENDPOINT_MAX_LENGTH)
		throw badRequest(`endpoint must be at most ${ENDPOINT_MAX_LENGTH} characters`);
	let url: URL;
	try {
		url = new URL(endpoint);
	} catch {
		throw badRequest('endpoint must be an https URL');
	}
	if (url.protocol !== 'https:' || url.username || url.password)
		throw badRequest('endpoint must be an https URL (without user or password)');
	if (!isObject(body.keys))
		throw badRequest('keys is required: an object {"p256dh", "auth"} (PushSubscription.toJSON())');
	const p256dh = base64urlBytes(
		body.keys.p256dh,
		'keys.p256dh',
		'a 65-byte uncompressed P-256 public key',
	);
	if (!isP256Point(p256dh))
		throw badRequest('keys.p256dh must be a 65-byte uncompressed P-256 public key, base64url');
	const auth = base64urlBytes(body.keys.auth, 'keys.auth', 'a 16-byte secret');
	if (auth.length !== 16) throw badRequest('keys.auth must be a 16-byte secret, base64url');
	return {
		endpoint: url.href,
		p256dh: p256dh.toString('base64url'),
		auth: auth.toString('base64url'),
	};
}
