import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Clock } from '../../server/src/domain/time';
import { Config, loadConfig } from '../../server/src/config/config';
import { silentLogger } from '../../server/src/observability/log';
import { RunningServer, StartOptions, startServer } from '../../server/src/app/server';

/** Turns every request budget off (tests that are not about rate limits make bursts of setup calls). */
export const NO_RATE_LIMITS = {
	PING_RATE_PER_TOKEN: '0',
	PING_RATE_PER_KEY: '0',
	PING_RATE_PER_ADDRESS: '0',
};

export const ADMIN_KEY = 'pk_live_TestAdminKey0123456789abcdefghij';

export interface TestServer extends RunningServer {
	/** Folder of the SQLite file; removed by `stop()` unless `keepFiles`. */
	dir: string;
	config: Config;
	stop(options?: { keepFiles?: boolean }): Promise<void>;
}

/**
 * A real server on 127.0.0.1 and a free port, on a fresh SQLite file in a temp folder,
 * with PING_ADMIN_KEY = ADMIN_KEY. Pass `dir` to reopen an existing database (restart tests).
 */
export async function startTestServer(
	options: {
		config?: Partial<Config>;
		env?: Record<string, string>;
		dir?: string;
		clock?: Clock;
	} & Omit<StartOptions, 'clock'> = {},
): Promise<TestServer> {
	const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'ping-test-'));
	const config: Config = {
		...loadConfig({
			PING_PORT: '0',
			PING_HOST: '127.0.0.1',
			PING_DATABASE: join(dir, 'ping.db'),
			PING_ADMIN_KEY: ADMIN_KEY,
			PING_LOG_LEVEL: 'silent',
			// Rate limits are off unless a test is about them (test/server/http/rate-limits.test.ts).
			...NO_RATE_LIMITS,
			// Parity runs: PING_TEST_REDIS_URL=redis://… runs the HTTP suites on the Redis store.
			...(process.env.PING_TEST_REDIS_URL
				? {
						PING_STORE: 'redis',
						PING_REDIS_URL: process.env.PING_TEST_REDIS_URL,
						PING_REDIS_PREFIX: `test-${basename(dir)}`,
					}
				: {}),
			...options.env,
		}),
		...options.config,
	};
	const running = await startServer(config, {
		log: silentLogger,
		announce: () => undefined,
		...options,
	});
	return {
		...running,
		dir,
		config,
		async stop({ keepFiles = false } = {}) {
			await running.close();
			if (!keepFiles) rmSync(dir, { recursive: true, force: true });
		},
	};
}

export interface ApiResponse<T = Record<string, unknown>> {
	status: number;
	body: T;
	headers: Headers;
}

/** One real HTTP request with a JSON body (or raw text with `rawBody`). */
export async function api<T = any>(
	baseUrl: string,
	method: string,
	path: string,
	options: {
		body?: unknown;
		key?: string;
		rawBody?: string;
		contentType?: string;
		headers?: Record<string, string>;
	} = {},
): Promise<ApiResponse<T>> {
	const headers: Record<string, string> = { ...options.headers };
	if (options.key) headers.authorization = `Bearer ${options.key}`;
	let body: string | undefined;
	if (options.rawBody !== undefined) body = options.rawBody;
	else if (options.body !== undefined) body = JSON.stringify(options.body);
	if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
	const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
	const text = await res.text();
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		parsed = { raw: text };
	}
	return { status: res.status, body: parsed as T, headers: res.headers };
}

/** The value of one series of `GET /metrics` (`name{labels}` exactly as printed); 0 when absent. */
export async function metricValue(baseUrl: string, series: string): Promise<number> {
	const text = (await api(baseUrl, 'GET', '/metrics')).body.raw as string;
	const found = text.split('\n').find((l) => l.startsWith(`${series} `));
	return found === undefined ? 0 : Number(found.split(' ').pop());
}

export interface TestChannel {
	id: string;
	token: string;
	secret: string;
}

/** Creates a channel with the admin key. */
export async function createChannel(
	baseUrl: string,
	name = 'Test channel',
	key = ADMIN_KEY,
): Promise<TestChannel> {
	const res = await api(baseUrl, 'POST', '/v1/channels', { key, body: { name } });
	if (res.status !== 201)
		throw new Error(`channel creation failed: ${res.status} ${JSON.stringify(res.body)}`);
	return {
		id: res.body.channel.id,
		token: res.body.webhook_token,
		secret: res.body.webhook_secret,
	};
}

/** Sends a message on the channel and returns its id. */
export async function sendMessage(
	baseUrl: string,
	token: string,
	body: Record<string, unknown>,
): Promise<string> {
	const res = await api(baseUrl, 'POST', `/v1/send/${token}`, { body });
	if (res.status !== 200) throw new Error(`send failed: ${res.status} ${JSON.stringify(res.body)}`);
	return res.body.id;
}

/** Answers a message the way the phone app does. */
export function respond(
	baseUrl: string,
	messageId: string,
	body: Record<string, unknown>,
	key = ADMIN_KEY,
) {
	return api(baseUrl, 'POST', `/v1/messages/${messageId}/respond`, { key, body });
}
