import { TestRedis, describeWithRedis, startRedis } from '../../helpers/redis';
import { ServerProcess, startServerProcess } from '../../helpers/server-process';
import { ADMIN_KEY, api, createChannel, startTestServer, TestServer } from '../../helpers/server';

/**
 * Request budgets per webhook token, per API key and per client address: 429 with
 * `Retry-After` and `RateLimit-*` headers beyond them, nothing stored; shared by every
 * instance in Redis mode.
 */

const send = (url: string, token: string, title = 'hello', headers: Record<string, string> = {}) =>
	api(url, 'POST', `/v1/send/${token}`, { body: { title }, headers });

describe('rate limits (SQLite)', () => {
	let server: TestServer;
	afterEach(() => server?.stop());

	test('a webhook token over its budget gets a 429 with the headers, and nothing is stored', async () => {
		server = await startTestServer({ env: { PING_RATE_PER_TOKEN: '5' } });
		const channel = await createChannel(server.url);
		const other = await createChannel(server.url, 'Other');
		const remaining: string[] = [];
		for (let i = 0; i < 5; i++) {
			const res = await send(server.url, channel.token, `m${i}`);
			expect(res.status).toBe(200);
			expect(res.headers.get('ratelimit-limit')).toBe('5');
			expect(res.headers.get('ratelimit-policy')).toBe('5;w=60');
			remaining.push(res.headers.get('ratelimit-remaining') ?? '');
		}
		expect(remaining).toEqual(['4', '3', '2', '1', '0']);

		const refused = await send(server.url, channel.token, 'one too many');
		expect(refused.status).toBe(429);
		expect(refused.body).toEqual({
			ok: false,
			error: expect.stringMatching(/^too many requests for this webhook token: at most 5 a minute/),
			code: 'rate_limited',
		});
		const retryAfter = Number(refused.headers.get('retry-after'));
		expect(retryAfter).toBeGreaterThanOrEqual(1);
		expect(retryAfter).toBeLessThanOrEqual(60);
		expect(refused.headers.get('ratelimit-remaining')).toBe('0');
		const history = await api(server.url, 'GET', `/v1/channels/${channel.id}/messages`, {
			key: ADMIN_KEY,
		});
		expect(history.body.messages.map((m: { title: string }) => m.title)).not.toContain(
			'one too many',
		);
		// Another channel's token has its own budget.
		expect((await send(server.url, other.token)).status).toBe(200);
	});

	test('an API key over its budget gets a 429', async () => {
		server = await startTestServer({ env: { PING_RATE_PER_KEY: '3' } });
		for (let i = 0; i < 3; i++)
			expect((await api(server.url, 'GET', '/v1/channels', { key: ADMIN_KEY })).status).toBe(200);
		const refused = await api(server.url, 'GET', '/v1/channels', { key: ADMIN_KEY });
		expect([refused.status, refused.body.code]).toEqual([429, 'rate_limited']);
		expect(refused.body.error).toContain('API key');
	});

	test('guessing tokens costs the address budget: after it, even a right token waits', async () => {
		server = await startTestServer({ env: { PING_RATE_PER_ADDRESS: '4' } });
		// The set-up request counts as well: 1 + 3 guesses use the budget of 4.
		const channel = await createChannel(server.url);
		for (let i = 0; i < 3; i++) expect((await send(server.url, `guess${i}`)).status).toBe(401);
		const refused = await send(server.url, channel.token);
		expect([refused.status, refused.body.code]).toEqual([429, 'rate_limited']);
		expect(refused.body.error).toContain('client address');
	});

	test('behind a proxy (PING_TRUST_PROXY=true) each X-Forwarded-For address has its own budget', async () => {
		server = await startTestServer({
			env: { PING_RATE_PER_ADDRESS: '2', PING_TRUST_PROXY: 'true' },
		});
		const health = (from: string) =>
			api(server.url, 'GET', '/health', { headers: { 'x-forwarded-for': `${from}, 10.0.0.1` } });
		expect((await health('203.0.113.1')).status).toBe(200);
		expect((await health('203.0.113.1')).status).toBe(200);
		expect((await health('203.0.113.1')).status).toBe(429);
		expect((await health('203.0.113.2')).status).toBe(200);
	});
});

describeWithRedis('rate limits (Redis): two instances share one budget', () => {
	let redis: TestRedis;
	let a: ServerProcess;
	let b: ServerProcess;

	beforeAll(async () => {
		redis = await startRedis();
		const env = {
			PING_STORE: 'redis',
			PING_REDIS_URL: redis.url,
			PING_RATE_PER_TOKEN: '4',
		};
		[a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
	}, 60_000);
	afterAll(async () => {
		await Promise.all([a?.stop(), b?.stop()]);
		await redis?.destroy();
	});

	test('two sends on each instance use the whole budget; the fifth is refused on either', async () => {
		const channel = await createChannel(a.url);
		for (const url of [a.url, b.url, a.url, b.url])
			expect((await send(url, channel.token)).status).toBe(200);
		expect((await send(a.url, channel.token)).status).toBe(429);
		expect((await send(b.url, channel.token)).status).toBe(429);
	});
});
