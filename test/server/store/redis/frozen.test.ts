import { TestRedis, describeWithRedis, startRedis } from '../../../helpers/redis';
import {
	ADMIN_KEY,
	api,
	createChannel,
	sendMessage,
	startTestServer,
	TestChannel,
	TestServer,
} from '../../../helpers/server';

/**
 * A frozen Redis (the process stopped, connections open: no error, no answer) costs a request
 * at most PING_REDIS_TIMEOUT_MS plus a small margin, on every route: a 503, never a hang.
 */
const TIMEOUT_MS = 800;
const MARGIN_MS = 400;

describeWithRedis('a frozen Redis', () => {
	let redis: TestRedis;
	let server: TestServer;
	let channel: TestChannel;
	let messageId: string;
	let storedKey: string;

	beforeAll(async () => {
		redis = await startRedis();
		server = await startTestServer({
			env: {
				PING_STORE: 'redis',
				PING_REDIS_URL: redis.url,
				PING_REDIS_PREFIX: 'frozen',
				PING_REDIS_TIMEOUT_MS: String(TIMEOUT_MS),
				// The production budgets: their counters live in Redis too.
				PING_RATE_PER_TOKEN: '600',
				PING_RATE_PER_KEY: '600',
				PING_RATE_PER_ADDRESS: '1200',
			},
		});
		channel = await createChannel(server.url);
		storedKey = (await api(server.url, 'POST', '/v1/keys', { key: ADMIN_KEY, body: { name: 'k' } }))
			.body.key;
		messageId = await sendMessage(server.url, channel.token, {
			title: 'Deploy?',
			actions: [{ type: 'button', label: 'Yes', key: 'yes' }],
		});
	}, 30_000);
	afterAll(async () => {
		redis?.resume();
		await server?.stop();
		await redis?.destroy();
	});

	test.each([
		['POST', '/v1/send/TOKEN', { title: 'while frozen' }],
		['GET', '/v1/callback/TOKEN/MESSAGE', undefined],
		['POST', '/v1/messages/MESSAGE/respond', { triggered_by: 'yes' }],
		['GET', '/v1/channels', undefined],
		['GET', '/v1/channels/CHANNEL/messages', undefined],
		['GET', '/v1/messages/MESSAGE', undefined],
	])('%s %s answers 503 within the timeout', async (method, path, body) => {
		const at = path
			.replace('TOKEN', channel.token)
			.replace('MESSAGE', messageId)
			.replace('CHANNEL', channel.id);
		redis.pause();
		try {
			const started = Date.now();
			const res = await api(server.url, method, at, { key: storedKey, body });
			const took = Date.now() - started;
			expect([res.status, res.body.code]).toEqual([503, 'storage_unavailable']);
			expect(took).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
		} finally {
			redis.resume();
		}
		// Back to normal once Redis is: the connection recovers.
		await new Promise((r) => setTimeout(r, 200));
		expect((await api(server.url, 'GET', '/v1/channels', { key: ADMIN_KEY })).status).toBe(200);
	});
});
