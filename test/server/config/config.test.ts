import { execFile } from 'node:child_process';
import { createECDH, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError, loadConfig } from '../../../server/src/config/config';
import { SETTINGS, settingsHelp, settingsTable } from '../../../server/src/config/settings';
import { silentLogger } from '../../../server/src/observability/log';
import { startServer } from '../../../server/src/app/server';
import { api } from '../../helpers/server';
import { SERVER_CLI } from '../../helpers/server-cli';

const run = promisify(execFile);

describe('configuration from the environment', () => {
	test('defaults', () => {
		expect(loadConfig({})).toMatchObject({
			port: 8080,
			host: '127.0.0.1',
			databaseFile: './data/ping.db',
			adminKey: null,
			responseTtlSeconds: 600,
			publicUrl: null,
		});
	});

	test.each([
		['PING_PORT', 'eighty', 'PING_PORT must be a whole number'],
		['PING_PORT', '70000', 'PING_PORT must be between 0 and 65535'],
		['PING_RESPONSE_TTL_SECONDS', '0', 'PING_RESPONSE_TTL_SECONDS must be between'],
		['PING_ADMIN_KEY', 'secret', 'PING_ADMIN_KEY must be "pk_live_"'],
		['PING_PUBLIC_URL', 'ftp://x', 'PING_PUBLIC_URL must be an http(s) URL'],
		['PING_LOG_LEVEL', 'loud', 'PING_LOG_LEVEL must be one of'],
	])('%s=%s stops start-up naming the variable', (name, value, message) => {
		expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
		expect(() => loadConfig({ [name]: value })).toThrow(message);
	});
});

test('PING_RETENTION_DAYS applies to both stores; the older PING_REDIS_RETENTION_DAYS is read only without it', () => {
	const day = 24 * 3600_000;
	expect(loadConfig({}).retentionMs).toBe(30 * day);
	expect(loadConfig({ PING_REDIS_RETENTION_DAYS: '7' }).retentionMs).toBe(7 * day);
	const both = loadConfig({ PING_RETENTION_DAYS: '5', PING_REDIS_RETENTION_DAYS: '7' });
	expect([both.retentionMs, both.redis.retentionMs]).toEqual([5 * day, 5 * day]);
	expect(() => loadConfig({ PING_RETENTION_DAYS: '0' })).toThrow(
		'PING_RETENTION_DAYS must be between 1 and 3650',
	);
});

describe('first start', () => {
	test('with an empty store and no PING_ADMIN_KEY, an admin key is printed once and works', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'ping-first-'));
		const printed: string[] = [];
		const config = {
			...loadConfig({ PING_PORT: '0', PING_DATABASE: join(dir, 'ping.db') }),
			logLevel: 'silent' as const,
		};
		const options = { log: silentLogger, announce: (text: string) => printed.push(text) };
		try {
			const server = await startServer(config, options);
			const key = /pk_live_[A-Za-z0-9]{32}/.exec(printed.join('\n'))?.[0];
			expect(key).toBeDefined();
			expect((await api(server.url, 'GET', '/v1/channels', { key })).status).toBe(200);
			await server.close();

			const again = await startServer(config, options);
			await again.close();
			expect(printed).toHaveLength(1);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe('the ping-server command', () => {
	test('--help lists the settings', async () => {
		const { stdout } = await run(process.execPath, [...SERVER_CLI, '--help']);
		expect(stdout).toContain('PING_DATABASE');
		expect(stdout).toContain('PING_ADMIN_KEY');
	});

	test('a bad setting exits 1 with a message naming it', async () => {
		const failed = await run(process.execPath, [...SERVER_CLI], {
			env: { ...process.env, PING_PORT: 'x' },
		}).catch((e) => e);
		expect(failed.code).toBe(1);
		expect(failed.stderr).toContain('configuration error: PING_PORT must be a whole number');
	});
});

/** A Markdown table's rows as trimmed cells, without the separator row. */
function tableCells(markdown: string): string[][] {
	return markdown
		.split('\n')
		.filter((line) => line.trim().startsWith('|') && !/^\|[\s|:-]+\|$/.test(line.trim()))
		.map((line) =>
			line
				.trim()
				.slice(1, -1)
				.split('|')
				.map((cell) => cell.trim()),
		);
}

describe('the settings table', () => {
	test('server/README.md shows exactly the settings table the server reads', () => {
		const readme = readFileSync(join(__dirname, '../../../server/README.md'), 'utf8');
		const shown = /<!-- settings:start -->([\s\S]*?)<!-- settings:end -->/.exec(readme)?.[1] ?? '';
		// Compared cell by cell: Prettier pads the README's columns.
		expect(tableCells(shown)).toEqual(tableCells(settingsTable()));
	});

	test('every variable loadConfig reads is in the table, and every one in the table is read', () => {
		const sources = ['config/config.ts', 'config/apns.ts', 'config/webpush.ts'].map((f) =>
			readFileSync(join(__dirname, '../../../server/src', f), 'utf8'),
		);
		const read = new Set(
			sources.flatMap((text) =>
				[...text.matchAll(/'(PING_[A-Z0-9_]+)'|env\.(PING_[A-Z0-9_]+)/g)].map((m) => m[1] ?? m[2]),
			),
		);
		expect([...read].sort()).toEqual(SETTINGS.map((s) => s.name).sort());
	});

	test('--help names every setting with its default', () => {
		const help = settingsHelp();
		for (const setting of SETTINGS)
			expect(help).toMatch(
				new RegExp(
					`${setting.name} .*${setting.default === null ? '' : `\\[${setting.default}\\]`}`,
				),
			);
	});
});

describe('Web Push settings', () => {
	/** A VAPID pair as `ping-server webpush-keys` prints it: raw point and scalar, base64url. */
	function vapidPair() {
		const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
			format: 'jwk',
		});
		const point = Buffer.concat([
			Buffer.from([4]),
			Buffer.from(jwk.x as string, 'base64url'),
			Buffer.from(jwk.y as string, 'base64url'),
		]);
		return { publicKey: point.toString('base64url'), privateKey: jwk.d as string };
	}
	function fullEnv(over: Record<string, string> = {}): Record<string, string> {
		const pair = vapidPair();
		return {
			PING_WEBPUSH_PUBLIC_KEY: pair.publicKey,
			PING_WEBPUSH_PRIVATE_KEY: pair.privateKey,
			PING_WEBPUSH_SUBJECT: 'https://ops.example.com',
			...over,
		};
	}

	test('off without keys, on with a matching pair and a subject', () => {
		expect(loadConfig({}).webPush).toBeNull();
		const env = fullEnv({ PING_WEBPUSH_SUBJECT: 'mailto:ops@example.com' });
		expect(loadConfig(env).webPush).toEqual({
			publicKey: env.PING_WEBPUSH_PUBLIC_KEY,
			privateKey: env.PING_WEBPUSH_PRIVATE_KEY,
			subject: 'mailto:ops@example.com',
			expiryDays: 60,
		});
	});

	test('a private key written without its leading zero bytes is padded back to 32 bytes', () => {
		const env = fullEnv();
		// Find a pair whose scalar starts with a zero byte, as Node's ECDH sometimes makes.
		for (;;) {
			const ecdh = createECDH('prime256v1');
			ecdh.generateKeys();
			const scalar = ecdh.getPrivateKey();
			const padded = Buffer.concat([Buffer.alloc(32 - scalar.length), scalar]);
			if (padded[0] !== 0) continue;
			env.PING_WEBPUSH_PUBLIC_KEY = ecdh.getPublicKey().toString('base64url');
			env.PING_WEBPUSH_PRIVATE_KEY = padded.subarray(1).toString('base64url');
			expect(loadConfig(env).webPush?.privateKey).toBe(padded.toString('base64url'));
			return;
		}
	});

	test('half a configuration names what is missing', () => {
		expect(() => loadConfig({ PING_WEBPUSH_PUBLIC_KEY: 'x' })).toThrow(
			'Web Push is partly configured: set PING_WEBPUSH_PRIVATE_KEY, PING_WEBPUSH_SUBJECT as well',
		);
	});

	test.each([
		[{ PING_WEBPUSH_PUBLIC_KEY: 'abc' }, 'PING_WEBPUSH_PUBLIC_KEY must be a VAPID public key'],
		[
			{ PING_WEBPUSH_PRIVATE_KEY: 'a'.repeat(50) },
			'PING_WEBPUSH_PRIVATE_KEY must be a VAPID private key',
		],
		[
			{ PING_WEBPUSH_PRIVATE_KEY: vapidPair().privateKey },
			'PING_WEBPUSH_PRIVATE_KEY does not belong to PING_WEBPUSH_PUBLIC_KEY',
		],
		[
			{ PING_WEBPUSH_SUBJECT: 'ops@example.com' },
			'PING_WEBPUSH_SUBJECT must be a mailto: address or an https: URL',
		],
		[{ PING_WEBPUSH_EXPIRY_DAYS: '0' }, 'PING_WEBPUSH_EXPIRY_DAYS must be between'],
	])('refused with a message naming the setting: %j', (over, message) => {
		expect(() => loadConfig(fullEnv(over))).toThrow(message);
	});
});
