import { createECDH } from 'node:crypto';
import { isP256Point } from '../domain/web-push-subscription';
import { ConfigError, Env, readInteger, readText } from './read';

/** Web Push (VAPID, RFC 8292) settings; null in `Config.webPush` means browser pushes are off. */
export interface WebPushConfig {
	/** Uncompressed P-256 public key (65 bytes), base64url: what browsers subscribe with. */
	publicKey: string;
	/** The P-256 private scalar (32 bytes), base64url. Never logged. */
	privateKey: string;
	/** `mailto:` or `https:` contact given to push services in the VAPID JWT's `sub`. */
	subject: string;
	/** A paired browser unseen this long loses its subscription. */
	expiryDays: number;
}

const REQUIRED = [
	'PING_WEBPUSH_PUBLIC_KEY',
	'PING_WEBPUSH_PRIVATE_KEY',
	'PING_WEBPUSH_SUBJECT',
] as const;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The public point (raw, uncompressed) that belongs to this private scalar (base64url). */
function publicKeyOf(privateKey: string): Buffer {
	const ecdh = createECDH('prime256v1');
	ecdh.setPrivateKey(Buffer.from(privateKey, 'base64url'));
	return ecdh.getPublicKey();
}

/**
 * Reads the PING_WEBPUSH_* settings. None of the three set: browser pushes are off (null).
 * Some but not all, or keys that are not a P-256 pair: an error naming the setting.
 */
export function loadWebPushConfig(env: Env): WebPushConfig | null {
	const present = REQUIRED.filter((name) => env[name]?.trim());
	if (present.length === 0) return null;
	const missing = REQUIRED.filter((name) => !present.includes(name));
	if (missing.length > 0) {
		throw new ConfigError(
			`Web Push is partly configured: set ${missing.join(', ')} as well (or unset ${present.join(', ')} to run without browser pushes)`,
		);
	}
	const publicKey = readText(env, 'PING_WEBPUSH_PUBLIC_KEY') as string;
	const point = Buffer.from(publicKey, 'base64url');
	if (!BASE64URL.test(publicKey) || point.length !== 65 || point[0] !== 0x04)
		throw new ConfigError(
			'PING_WEBPUSH_PUBLIC_KEY must be a VAPID public key: 65 bytes (uncompressed P-256 point), base64url; `ping-server webpush-keys` makes a pair',
		);
	if (!isP256Point(point))
		throw new ConfigError('PING_WEBPUSH_PUBLIC_KEY is not a point on the P-256 curve');
	const privateText = readText(env, 'PING_WEBPUSH_PRIVATE_KEY') as string;
	const scalar = Buffer.from(privateText, 'base64url');
	if (!BASE64URL.test(privateText) || scalar.length === 0 || scalar.length > 32)
		throw new ConfigError(
			'PING_WEBPUSH_PRIVATE_KEY must be a VAPID private key: 32 bytes, base64url',
		);
	// A scalar with leading zero bytes may have been written shorter (Node's ECDH drops them);
	// the VAPID signer wants exactly 32 bytes, so it is padded back.
	const privateKey = Buffer.concat([Buffer.alloc(32 - scalar.length), scalar]).toString(
		'base64url',
	);
	let derived: Buffer = Buffer.alloc(0);
	try {
		derived = publicKeyOf(privateKey);
	} catch {
		// not a valid scalar: reported below like a key of another pair
	}
	if (!derived.equals(point)) {
		throw new ConfigError(
			'PING_WEBPUSH_PRIVATE_KEY does not belong to PING_WEBPUSH_PUBLIC_KEY (make both with `ping-server webpush-keys`)',
		);
	}
	const subject = readText(env, 'PING_WEBPUSH_SUBJECT') as string;
	if (!/^mailto:[^@\s]+@[^@\s]+$/.test(subject) && !/^https:\/\/[^/\s]+/.test(subject))
		throw new ConfigError(
			`PING_WEBPUSH_SUBJECT must be a mailto: address or an https: URL, got "${subject}"`,
		);
	return {
		publicKey,
		privateKey,
		subject,
		expiryDays: readInteger(env, 'PING_WEBPUSH_EXPIRY_DAYS'),
	};
}
