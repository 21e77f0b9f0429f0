import { randomBytes } from 'node:crypto';
import { newDeviceId, randomAlphanumeric, sha256Hex } from './ids';
import { Pairing, WebPushDevice } from './types';

/**
 * Pairing: an API-key holder makes a single-use link; the browser that opens it and confirms
 * becomes a `webpush` device with its own device key (docs/api.md#pairing). Pure, like the
 * rest of domain/.
 */

/** A pairing link is valid this long, and only once. */
export const PAIRING_TTL_MS = 10 * 60 * 1000;
/** What a pairing code looks like (32 random bytes, base64url); anything else is unknown without a lookup. */
export const PAIRING_CODE_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** A device key: `pd_` and 40 random alphanumerics (~238 bits). Only its SHA-256 is stored. */
export const DEVICE_KEY_PATTERN = /^pd_[A-Za-z0-9]{40}$/;

/** A new pairing: the record to store (hash only) and the code for the link, shown once. */
export function makePairing(
	accountId: string,
	channelIds: string[] | null,
	name: string | null,
	now: number,
): { pairing: Pairing; code: string } {
	const code = randomBytes(32).toString('base64url');
	return {
		code,
		pairing: {
			codeHash: sha256Hex(code),
			accountId,
			channelIds,
			name,
			createdAt: now,
			expiresAt: now + PAIRING_TTL_MS,
		},
	};
}

/** The pairing link a browser opens (`<public URL>/app/pair/<code>`). */
export const pairingUrl = (baseUrl: string, code: string) => `${baseUrl}/app/pair/${code}`;

/**
 * The device a claimed pairing becomes, and its key (given to the browser once, never stored).
 * `name` is what the browser asked to be called, else the pairing's name.
 */
export function makePairedDevice(
	pairing: Pairing,
	name: string | null,
	now: number,
): { device: WebPushDevice; key: string } {
	const key = `pd_${randomAlphanumeric(40)}`;
	return {
		key,
		device: {
			id: newDeviceId(),
			kind: 'webpush',
			accountId: pairing.accountId,
			name: name ?? pairing.name,
			keyHash: sha256Hex(key),
			channelIds: pairing.channelIds,
			subscription: null,
			createdAt: now,
			registeredAt: now,
			lastSeenAt: now,
		},
	};
}

/** Whether a paired browser may see and answer messages of this channel. */
export const deviceSeesChannel = (device: WebPushDevice, channelId: string) =>
	device.channelIds === null || device.channelIds.includes(channelId);
