import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, Env, readInteger, readText } from './read';

/** APNs token-auth settings; null in `Config.apns` means pushes are off. */
export interface ApnsConfig {
	/** The `.p8` signing key, PEM text (read from the file when a path was given). */
	key: string;
	keyId: string;
	teamId: string;
	/** Default topic (bundle id) for devices that registered without one. */
	topic: string;
	/** Address override (tests, proxies): both environments go there; null means Apple's hosts. */
	host: string | null;
	port: number;
	/** Extra trusted CA (PEM text), for a fake APNs with its own certificate. */
	ca: string | null;
	/** Most requests in flight per connection; the server's SETTINGS may lower it further. */
	maxInFlight: number;
	requestTimeoutMs: number;
}

const REQUIRED = [
	'PING_APNS_KEY',
	'PING_APNS_KEY_ID',
	'PING_APNS_TEAM_ID',
	'PING_APNS_TOPIC',
] as const;
const APPLE_ID = /^[A-Z0-9]{10}$/;
const TOPIC = /^[A-Za-z0-9][A-Za-z0-9.\-_]*$/;
const HOST = /^[A-Za-z0-9.\-:[\]]+$/;

function readPem(value: string, name: string): string {
	// Inline PEM in an env var often arrives with literal "\n" (Docker, .env files).
	if (value.includes('-----BEGIN')) return value.replace(/\\n/g, '\n');
	try {
		return readFileSync(value, 'utf8');
	} catch (error) {
		throw new ConfigError(
			`${name} is neither PEM text nor a readable file: ${(error as NodeJS.ErrnoException).code ?? error}`,
		);
	}
}

/**
 * Reads the PING_APNS_* settings. None of the four credentials set: pushes are off (null).
 * Some but not all: an error naming the missing ones, since a half-configured push is a mistake.
 */
export function loadApnsConfig(env: Env): ApnsConfig | null {
	const present = REQUIRED.filter((name) => env[name]?.trim());
	if (present.length === 0) return null;
	const missing = REQUIRED.filter((name) => !present.includes(name));
	if (missing.length > 0) {
		throw new ConfigError(
			`APNs is partly configured: set ${missing.join(', ')} as well (or unset ${present.join(', ')} to run without pushes)`,
		);
	}
	const key = readPem(env.PING_APNS_KEY!.trim(), 'PING_APNS_KEY');
	try {
		const parsed = createPrivateKey(key);
		if (
			parsed.asymmetricKeyType !== 'ec' ||
			parsed.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
		)
			throw new Error();
	} catch {
		throw new ConfigError(
			'PING_APNS_KEY must be an APNs auth key (.p8): an EC P-256 private key in PEM',
		);
	}
	const keyId = env.PING_APNS_KEY_ID!.trim();
	if (!APPLE_ID.test(keyId))
		throw new ConfigError(
			`PING_APNS_KEY_ID must be the 10-character key id from Apple, got "${keyId}"`,
		);
	const teamId = env.PING_APNS_TEAM_ID!.trim();
	if (!APPLE_ID.test(teamId))
		throw new ConfigError(
			`PING_APNS_TEAM_ID must be the 10-character team id from Apple, got "${teamId}"`,
		);
	const topic = env.PING_APNS_TOPIC!.trim();
	if (!TOPIC.test(topic) || topic.length > 200)
		throw new ConfigError(`PING_APNS_TOPIC must be the app's bundle id, got "${topic}"`);
	const host = readText(env, 'PING_APNS_HOST');
	if (host !== null && !HOST.test(host))
		throw new ConfigError(`PING_APNS_HOST must be a host name or address, got "${host}"`);
	const caPath = readText(env, 'PING_APNS_CA');
	const ca = caPath === null ? null : readPem(caPath, 'PING_APNS_CA');
	if (ca !== null && !ca.includes('-----BEGIN CERTIFICATE-----'))
		throw new ConfigError('PING_APNS_CA must be a PEM certificate (file or text)');
	return {
		key,
		keyId,
		teamId,
		topic,
		host,
		port: readInteger(env, 'PING_APNS_PORT'),
		ca,
		maxInFlight: readInteger(env, 'PING_APNS_MAX_IN_FLIGHT'),
		requestTimeoutMs: readInteger(env, 'PING_APNS_TIMEOUT_MS'),
	};
}
