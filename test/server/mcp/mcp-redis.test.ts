import { TestRedis, describeWithRedis, startRedis } from '../../helpers/redis';
import { ServerProcess, startServerProcess } from '../../helpers/server-process';
import { mcpSuite } from './mcp-suite';

/**
 * The same MCP suite in Redis mode across two real server processes: every tool call goes to
 * instance A, every answer to instance B, so a waiting `ping_check_approval` on A must be woken
 * by an answer (or a cancel) stored through B.
 */
describeWithRedis('MCP server at /mcp, Redis mode, two instances', () => {
	let redis: TestRedis;
	let a: ServerProcess;
	let b: ServerProcess;

	beforeAll(async () => {
		redis = await startRedis();
		const env = { PING_STORE: 'redis', PING_REDIS_URL: redis.url };
		[a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
	}, 60_000);

	afterAll(async () => {
		await Promise.all([a?.stop(), b?.stop()]);
		await redis?.destroy();
	});

	mcpSuite(() => ({ mcpUrl: a.url, answerUrl: b.url }));
});
