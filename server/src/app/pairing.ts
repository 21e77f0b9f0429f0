import { makePairedDevice, makePairing, PAIRING_CODE_PATTERN, pairingUrl } from '../domain/pairing';
import { sha256Hex } from '../domain/ids';
import { WebPushDevice } from '../domain/types';
import { AppContext } from '../http/context';

/** What the person pairing a browser is shown (API and console alike). */
export interface NewPairing {
	pairUrl: string;
	expiresAt: number;
	/** The pair URL as a QR code, an SVG document. */
	qrSvg: string;
}

/**
 * Creates a single-use pairing link for `accountId`, scoped to `channelIds` (null: every
 * channel). The code exists only in the link; the store keeps its hash.
 */
export async function createPairing(
	ctx: AppContext,
	accountId: string,
	channelIds: string[] | null,
	name: string | null,
): Promise<NewPairing> {
	const now = ctx.clock.now();
	const { pairing, code } = makePairing(accountId, channelIds, name, now);
	await ctx.store.ensureAccount(accountId, now);
	await ctx.store.insertPairing(pairing);
	const pairUrl = pairingUrl(ctx.publicUrl, code);
	// Loaded on the first pairing: most servers never make one after the first days.
	const QRCode = await import('qrcode');
	const qrSvg = await QRCode.toString(pairUrl, {
		type: 'svg',
		errorCorrectionLevel: 'M',
		margin: 2,
	});
	return { pairUrl, expiresAt: pairing.expiresAt, qrSvg };
}

/**
 * Uses up a pairing code: the browser that presents it first becomes a `webpush` device and gets
 * its device key (once: only its hash is kept). Null for an unknown, used or expired code.
 */
export async function claimPairing(
	ctx: AppContext,
	code: string,
	name: string | null,
): Promise<{ device: WebPushDevice; key: string } | null> {
	if (!PAIRING_CODE_PATTERN.test(code)) return null;
	const now = ctx.clock.now();
	let key = '';
	const device = await ctx.store.claimPairing(sha256Hex(code), now, (pairing) => {
		const made = makePairedDevice(pairing, name, now);
		key = made.key;
		return made.device;
	});
	if (!device) return null;
	ctx.log.info('device.paired', { device_id: device.id, account_id: device.accountId });
	return { device, key };
}
