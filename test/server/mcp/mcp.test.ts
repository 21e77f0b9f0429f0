import { makeApiKey } from '../../../server/src/domain/keys';
import { ADMIN_KEY, TestServer, startTestServer } from '../../helpers/server';
import { eventually } from '../store/store-contract';
import { mcpSuite } from './mcp-suite';

/** `/mcp` on one server (SQLite, or the Redis store in a parity run). */
describe('MCP server at /mcp', () => {
	let server: TestServer;

	beforeAll(async () => {
		server = await startTestServer();
	});

	afterAll(async () => {
		await server?.stop();
	});

	mcpSuite(() => ({
		mcpUrl: server.url,
		answerUrl: server.url,
		otherAccountKey: async () => {
			const now = Date.now();
			const { key, secret } = makeApiKey('usr_other', null, now);
			await server.ctx.store.ensureAccount('usr_other', now);
			await server.ctx.store.insertApiKey(key, 10);
			return secret;
		},
	}));
});

describe('MCP long-poll and the client going away', () => {
	let server: TestServer;

	beforeAll(async () => {
		server = await startTestServer();
	});

	afterAll(async () => {
		await server?.stop();
	});

	test('a check whose client disconnects stops waiting at once (no waiter left behind)', async () => {
		const { connect } = await import('./mcp-suite');
		const { createChannel } = await import('../../helpers/server');
		await createChannel(server.url, 'Agents');
		const client = await connect(server.url);
		const asked = (await client.callTool({
			name: 'ping_request_approval',
			arguments: { title: 'Wait?' },
		})) as unknown as { structuredContent: { approval_id: string } };
		await client.close();
		const waiters = (server.ctx.events as unknown as { waiters: Map<string, Set<unknown>> })
			.waiters;
		const abort = new AbortController();
		const request = fetch(`${server.url}/mcp`, {
			method: 'POST',
			signal: abort.signal,
			headers: {
				authorization: `Bearer ${ADMIN_KEY}`,
				'content-type': 'application/json',
				accept: 'application/json, text/event-stream',
			},
			body: JSON.stringify({
				jsonrpc: '2.0',
				id: 7,
				method: 'tools/call',
				params: {
					name: 'ping_check_approval',
					arguments: { approval_id: asked.structuredContent.approval_id, max_wait_ms: 50_000 },
				},
			}),
		}).catch(() => undefined);
		await eventually(() => expect(waiters.size).toBe(1));
		abort.abort();
		await request;
		await eventually(() => expect(waiters.size).toBe(0), 2_000);
	});
});
