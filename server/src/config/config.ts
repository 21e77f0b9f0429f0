import { allowEntriesFromEnv } from '../delivery/callbacks/address-guard';
import { API_KEY_PATTERN } from '../domain/ids';
import { LogLevel } from '../observability/log';
import { ApnsConfig, loadApnsConfig } from '../delivery/push/apns-config';

/** Everything the server reads from the environment, typed and checked once at start-up. */
export interface Config {
	port: number;
	host: string;
	databaseFile: string;
	/** Accepted as an admin API key when set (operators and scripts get in without a DB edit). */
	adminKey: string | null;
	responseTtlSeconds: number;
	/** Base URL printed in responses (`webhook_url`); null means the address the server listens on. */
	publicUrl: string | null;
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
	/** PING_CALLBACK_ALLOW: hosts and CIDRs callbacks may reach although they are not public. */
	callbackAllow: string[];
	/** Per-attempt limit of one callback POST (connect to last byte of the answer). */
	callbackTimeoutMs: number;
	/** APNs token auth; null when not configured (pushes are off, everything else works). */
	apns: ApnsConfig | null;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
	const raw = env[name];
	if (raw === undefined || raw === '') return fallback;
	if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
	const value = Number(raw.trim());
	if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
	return value;
}

const LOG_LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export function loadConfig(env: Env = process.env): Config {
	const port = integer(env, 'PING_PORT', 8080, 0, 65535);
	const host = env.PING_HOST?.trim() || '127.0.0.1';
	const adminKey = env.PING_ADMIN_KEY?.trim() || null;
	if (adminKey !== null && !API_KEY_PATTERN.test(adminKey)) {
		throw new ConfigError('PING_ADMIN_KEY must be "pk_live_" followed by 32 letters or digits');
	}
	const publicUrl = env.PING_PUBLIC_URL?.trim().replace(/\/+$/, '') || null;
	if (publicUrl !== null && !/^https?:\/\/[^/]/.test(publicUrl)) {
		throw new ConfigError(`PING_PUBLIC_URL must be an http(s) URL, got "${publicUrl}"`);
	}
	const logLevel = (env.PING_LOG_LEVEL?.trim() || 'info') as LogLevel;
	if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`PING_LOG_LEVEL must be one of: ${LOG_LEVELS.join(', ')}`);
	const store = env.PING_STORE?.trim() || 'sqlite';
	if (store !== 'sqlite' && store !== 'redis') throw new ConfigError(`PING_STORE must be "sqlite" or "redis", got "${store}"`);
	const redisUrl = env.PING_REDIS_URL?.trim() || null;
	if (redisUrl !== null && !/^rediss?:\/\/[^/]/.test(redisUrl)) {
		throw new ConfigError('PING_REDIS_URL must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)');
	}
	if (store === 'redis' && redisUrl === null) {
		throw new ConfigError('PING_STORE=redis needs PING_REDIS_URL (e.g. redis://127.0.0.1:6379)');
	}
	const redisPrefix = env.PING_REDIS_PREFIX?.trim() || 'ping';
	if (!/^[A-Za-z0-9_.-]{1,64}$/.test(redisPrefix)) {
		throw new ConfigError('PING_REDIS_PREFIX must be 1-64 letters, digits, "_", "." or "-"');
	}
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
			retentionMs: integer(env, 'PING_REDIS_RETENTION_DAYS', 30, 1, 3650) * 24 * 3600 * 1000,
			commandTimeoutMs: integer(env, 'PING_REDIS_TIMEOUT_MS', 2000, 100, 60_000),
			startupTimeoutMs: 10_000,
		},
		port,
		host,
		databaseFile: env.PING_DATABASE?.trim() || './data/ping.db',
		adminKey,
		responseTtlSeconds: integer(env, 'PING_RESPONSE_TTL_SECONDS', 600, 1, 30 * 24 * 3600),
		publicUrl,
		maxBodyBytes: integer(env, 'PING_MAX_BODY_BYTES', 100 * 1024, 1024, 10 * 1024 * 1024),
		logLevel,
		callbackAllow,
		callbackTimeoutMs: integer(env, 'PING_CALLBACK_TIMEOUT_MS', 10_000, 50, 120_000),
		apns: loadApnsConfig(env, (message) => new ConfigError(message)),
	};
}
