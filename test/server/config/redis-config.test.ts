import { ConfigError, loadConfig } from '../../../server/src/config/config';
import { startServer } from '../../../server/src/app/server';
import { silentLogger } from '../../../server/src/observability/log';

describe('Redis mode configuration', () => {
	test('SQLite is the default; PING_STORE=redis with PING_REDIS_URL selects Redis with its defaults', () => {
		expect(loadConfig({}).store).toBe('sqlite');
		expect(
			loadConfig({ PING_STORE: 'redis', PING_REDIS_URL: 'redis://10.0.0.5:6379/2' }),
		).toMatchObject({
			store: 'redis',
			redis: {
				url: 'redis://10.0.0.5:6379/2',
				prefix: 'ping',
				retentionMs: 30 * 24 * 3600_000,
				commandTimeoutMs: 2000,
			},
		});
		expect(
			loadConfig({
				PING_REDIS_PREFIX: 'team-a',
				PING_REDIS_RETENTION_DAYS: '7',
				PING_REDIS_TIMEOUT_MS: '500',
			}).redis,
		).toMatchObject({
			prefix: 'team-a',
			retentionMs: 7 * 24 * 3600_000,
			commandTimeoutMs: 500,
		});
	});

	test.each([
		[{ PING_STORE: 'postgres' }, 'PING_STORE must be "sqlite" or "redis"'],
		[{ PING_STORE: 'redis' }, 'PING_STORE=redis needs PING_REDIS_URL'],
		[
			{ PING_STORE: 'redis', PING_REDIS_URL: 'http://x' },
			'PING_REDIS_URL must be a redis:// or rediss:// URL',
		],
		[{ PING_REDIS_PREFIX: 'a b' }, 'PING_REDIS_PREFIX must be'],
		[{ PING_REDIS_RETENTION_DAYS: '0' }, 'PING_REDIS_RETENTION_DAYS must be between'],
		[{ PING_REDIS_TIMEOUT_MS: 'soon' }, 'PING_REDIS_TIMEOUT_MS must be a whole number'],
	])('%j stops start-up naming the variable', (env, message) => {
		expect(() => loadConfig(env)).toThrow(ConfigError);
		expect(() => loadConfig(env)).toThrow(message);
	});

	test('a Redis that cannot be reached at start-up is a clear error naming PING_REDIS_URL, without the password', async () => {
		const loaded = loadConfig({
			PING_PORT: '0',
			PING_STORE: 'redis',
			PING_REDIS_URL: 'redis://:hunter2@127.0.0.1:1',
			PING_LOG_LEVEL: 'silent',
		});
		const config = { ...loaded, redis: { ...loaded.redis, startupTimeoutMs: 500 } };
		const failed = await startServer(config, {
			log: silentLogger,
			announce: () => undefined,
		}).catch((e: Error) => e);
		expect(failed).toBeInstanceOf(Error);
		expect((failed as Error).message).toMatch(
			/cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1.*PING_REDIS_URL/,
		);
		expect((failed as Error).message).not.toContain('hunter2');
	});
});
