import { createECDH } from 'node:crypto';
import { ADMIN_ACCOUNT_ID } from '../../server/src/domain/keys';
import { makePairedDevice } from '../../server/src/domain/pairing';
import { WebPushDevice } from '../../server/src/domain/types';
import { Store } from '../../server/src/store/store';
import { FakePushService, TestSubscription } from '../fakes/push-service';

export const VAPID_SUBJECT = 'mailto:ops@example.com';

export interface WebPushTestbed {
	fake: FakePushService;
	/** PING_WEBPUSH_* for a server that pushes, and PING_CALLBACK_ALLOW letting it reach the fake on loopback. */
	env: Record<string, string>;
	/** The fake's certificate, for `startServer`'s `webPushCa`. */
	ca: string;
	close(): Promise<void>;
}

/** A VAPID key pair made the way `ping-server webpush-keys` makes one (P-256, base64url). */
export function vapidKeys(): { publicKey: string; privateKey: string } {
	const ecdh = createECDH('prime256v1');
	ecdh.generateKeys();
	return {
		publicKey: ecdh.getPublicKey().toString('base64url'),
		privateKey: ecdh.getPrivateKey().toString('base64url'),
	};
}

/** A fake push service that knows the server's VAPID key, and the settings that point a server at it. */
export async function startWebPushTestbed(): Promise<WebPushTestbed> {
	let keys = vapidKeys();
	// A private scalar with a leading zero byte encodes shorter: take another (the config wants 32 bytes).
	while (Buffer.from(keys.privateKey, 'base64url').length !== 32) keys = vapidKeys();
	const fake = await FakePushService.start({ vapidPublicKey: keys.publicKey });
	return {
		fake,
		ca: fake.caPem,
		env: {
			PING_WEBPUSH_PUBLIC_KEY: keys.publicKey,
			PING_WEBPUSH_PRIVATE_KEY: keys.privateKey,
			PING_WEBPUSH_SUBJECT: VAPID_SUBJECT,
			PING_CALLBACK_ALLOW: '127.0.0.1/32',
		},
		close: () => fake.close(),
	};
}

/**
 * A paired browser of the admin key's account, subscribed with `subscription` (as the pairing page
 * and `PUT /v1/device/subscription` leave it), stored directly.
 */
export async function pairBrowser(
	store: Store,
	now: number,
	options: {
		subscription?: TestSubscription | null;
		channelIds?: string[] | null;
		lastSeenAt?: number;
		name?: string;
	} = {},
): Promise<WebPushDevice> {
	const accountId = ADMIN_ACCOUNT_ID;
	const { device } = makePairedDevice(
		{
			codeHash: 'x',
			accountId,
			channelIds: options.channelIds ?? null,
			name: options.name ?? 'Browser',
			createdAt: now,
			expiresAt: now,
		},
		null,
		now,
	);
	const s = options.subscription;
	const browser: WebPushDevice = {
		...device,
		lastSeenAt: options.lastSeenAt ?? now,
		subscription: s ? { endpoint: s.endpoint, p256dh: s.p256dh, auth: s.auth } : null,
	};
	await store.insertDevice(browser);
	return browser;
}
