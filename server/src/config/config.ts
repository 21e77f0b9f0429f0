import { allowEntriesFromEnv } from '../delivery/callbacks/address-guard';
import { API_KEY_PATTERN } from '../domain/ids';
import { LogLevel } from '../observability/log';
import { ApnsConfig, loadApnsConfig } from './apns';
import { ConfigError, Env, readInteger, readText } from './read';
import { WebPushConfig, loadWebPushConfig } from './webpush';

/** Everything the server reads from the environment, typed and checked once at start-up. */
export interface Config {
	port: number;
	host: string;
	databaseFile: string;
	/** SQLite mode: page cache and memory map sizes (MiB). */
	sqlite: { cacheMiB: number; mmapMiB: number };
	/** Accepted as an admin API key when set (operators and scripts get in without a DB edit). */
	adminKey: string | null;
	responseTtlSeconds: number;
	/** Base URL printed in responses (`webhook_url`, `answer_url`); null means the address the server listens on. */
	publicUrl: string | null;
	/** PING_LINK_SECRET: the key of answer links; null means one generated once and kept by the store. */
	linkSecret: string | null;
	maxBodyBytes: number;
	logLevel: LogLevel;
	/** `sqlite` (embedded default) or `redis` (several instances behind one Redis). */
	store: 'sqlite' | 'redis';
	/** Redis mode: where Redis is (PING_REDIS_URL), how keys are prefixed, how long messages are kept. */
	redis: {
		url: string | null;
		prefix: string;
		retentionMs: number;
		commandTimeoutMs: number;
		/** How long start-up waits for Redis before giving up with a clear error. */
		startupTimeoutMs: number;
	};
	/** Requests per minute per webhook token, API key and client address; 0 is off. */
	rates: { perToken: number; perKey: number; perAddress: number };
	/** Messages older than this are deleted, with everything that belongs to them (both stores). */
	retentionMs: number;
	/** Take the client address from X-Forwarded-For (behind a reverse proxy). */
	trustProxy: boolean;
	/** PING_CALLBACK_ALLOW: hosts and CIDRs callbacks may reach although they are not public. */
	callbackAllow: string[];
	/** Per-attempt limit of one callback POST (connect to last byte of the answer). */
	callbackTimeoutMs: number;
	/** APNs token auth; null when not configured (pushes are off, everything else works). */
	apns: ApnsConfig | null;
	/** Browser pushes to paired devices; null when off (no VAPID keys). */
	webPush: WebPushConfig | null;
	/** How long a console sign-in lasts (PING_CONSOLE_SESSION_HOURS). */
	consoleSessionMs: number;
}

export { ConfigError };

const LOG_LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** Reads and checks every setting once, at start-up; defaults and bounds come from `settings.ts`. */
export function loadConfig(env: Env = process.env): Config {
	const adminKey = readText(env, 'PING_ADMIN_KEY');
	if (adminKey !== null && !API_KEY_PATTERN.test(adminKey)) {
		throw new ConfigError('PING_ADMIN_KEY must be "pk_live_" followed by 32 letters or digits');
	}
	const publicUrl = readText(env, 'PING_PUBLIC_URL')?.replace(/\/+$/, '') || null;
	if (publicUrl !== null && !/^https?:\/\/[^/]/.test(publicUrl)) {
		throw new ConfigError(`PING_PUBLIC_URL must be an http(s) URL, got "${publicUrl}"`);
	}
	const linkSecret = readText(env, 'PING_LINK_SECRET');
	if (linkSecret !== null && linkSecret.length < 32)
		throw new ConfigError(
			'PING_LINK_SECRET must be at least 32 characters (e.g. openssl rand -hex 32)',
		);
	const logLevel = readText(env, 'PING_LOG_LEVEL') as LogLevel;
	if (!LOG_LEVELS.includes(logLevel))
		throw new ConfigError(`PING_LOG_LEVEL must be one of: ${LOG_LEVELS.join(', ')}`);
	const store = readText(env, 'PING_STORE');
	if (store !== 'sqlite' && store !== 'redis')
		throw new ConfigError(`PING_STORE must be "sqlite" or "redis", got "${store}"`);
	const redisUrl = readText(env, 'PING_REDIS_URL');
	if (redisUrl !== null && !/^rediss?:\/\/[^/]/.test(redisUrl)) {
		throw new ConfigError(
			'PING_REDIS_URL must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)',
		);
	}
	if (store === 'redis' && redisUrl === null) {
		throw new ConfigError('PING_STORE=redis needs PING_REDIS_URL (e.g. redis://127.0.0.1:6379)');
	}
	const redisPrefix = readText(env, 'PING_REDIS_PREFIX') as string;
	if (!/^[A-Za-z0-9_.-]{1,64}$/.test(redisPrefix)) {
		throw new ConfigError('PING_REDIS_PREFIX must be 1-64 letters, digits, "_", "." or "-"');
	}
	const trustProxy = readText(env, 'PING_TRUST_PROXY');
	if (trustProxy !== 'true' && trustProxy !== 'false') {
		throw new ConfigError(`PING_TRUST_PROXY must be "true" or "false", got "${trustProxy}"`);
	}
	// PING_REDIS_RETENTION_DAYS is the older name, read only when the new one is unset.
	const retentionDays =
		!env.PING_RETENTION_DAYS?.trim() && env.PING_REDIS_RETENTION_DAYS?.trim()
			? readInteger(env, 'PING_REDIS_RETENTION_DAYS')
			: readInteger(env, 'PING_RETENTION_DAYS');
	const retentionMs = retentionDays * 24 * 3600 * 1000;
	let callbackAllow: string[];
	try {
		callbackAllow = allowEntriesFromEnv(env.PING_CALLBACK_ALLOW);
	} catch (error) {
		throw new ConfigError((error as Error).message);
	}
	return {
		store,
		redis: {
			url: redisUrl,
			prefix: redisPrefix,
			retentionMs,
			commandTimeoutMs: readInteger(env, 'PING_REDIS_TIMEOUT_MS'),
			startupTimeoutMs: 10_000,
		},
		port: readInteger(env, 'PING_PORT'),
		host: readText(env, 'PING_HOST') as string,
		databaseFile: readText(env, 'PING_DATABASE') as string,
		sqlite: {
			cacheMiB: readInteger(env, 'PING_SQLITE_CACHE_MB'),
			mmapMiB: readInteger(env, 'PING_SQLITE_MMAP_MB'),
		},
		adminKey,
		responseTtlSeconds: readInteger(env, 'PING_RESPONSE_TTL_SECONDS'),
		publicUrl,
		linkSecret,
		maxBodyBytes: readInteger(env, 'PING_MAX_BODY_BYTES'),
		logLevel,
		rates: {
			perToken: readInteger(env, 'PING_RATE_PER_TOKEN'),
			perKey: readInteger(env, 'PING_RATE_PER_KEY'),
			perAddress: readInteger(env, 'PING_RATE_PER_ADDRESS'),
		},
		trustProxy: trustProxy === 'true',
		retentionMs,
		callbackAllow,
		callbackTimeoutMs: readInteger(env, 'PING_CALLBACK_TIMEOUT_MS'),
		apns: loadApnsConfig(env),
		webPush: loadWebPushConfig(env),
		consoleSessionMs: readInteger(env, 'PING_CONSOLE_SESSION_HOURS') * 3600_000,
	};
}
