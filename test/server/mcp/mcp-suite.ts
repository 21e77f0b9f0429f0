import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ADMIN_KEY, TestChannel, api, createChannel, respond } from '../../helpers/server';

/**
 * Where the suite talks to: `mcpUrl` takes the tool calls, `answerUrl` the phone's answers
 * (another instance in Redis mode, so answers and wake-ups must cross instances).
 */
export interface McpTarget {
	mcpUrl: string;
	answerUrl: string;
	/** A key of a second account, when the target can make one. */
	otherAccountKey?: () => Promise<string>;
}

type Result = { structuredContent?: Record<string, any>; isError?: boolean; content: unknown };

export async function connect(baseUrl: string, key = ADMIN_KEY): Promise<Client> {
	const client = new Client({ name: 'ping-test-agent', version: '1.0.0' });
	const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
		requestInit: { headers: { authorization: `Bearer ${key}` } },
	});
	await client.connect(transport);
	return client;
}

const textOf = (result: Result) =>
	(result.content as { type: string; text: string }[]).map((c) => c.text).join('\n');

/**
 * The MCP server, through the SDK's own client over real HTTP: the tools' names, schemas and
 * results, the approval life cycle (approved, rejected, expired, cancelled), the long-poll's
 * wake-up, authentication, and bad arguments as tool errors.
 */
export function mcpSuite(target: () => McpTarget): void {
	let client: Client;
	let first: TestChannel;
	let second: TestChannel;
	const call = async (name: string, args: Record<string, unknown> = {}) =>
		(await client.callTool({ name, arguments: args })) as Result;
	const ok = async (name: string, args: Record<string, unknown> = {}) => {
		const result = await call(name, args);
		if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
		expect(JSON.parse(textOf(result))).toEqual(result.structuredContent);
		return result.structuredContent as Record<string, any>;
	};
	const message = async (id: string) =>
		(await api(target().answerUrl, 'GET', `/v1/messages/${id}`, { key: ADMIN_KEY })).body.message;

	beforeAll(async () => {
		const { mcpUrl } = target();
		// The oldest channel of the account is the default one.
		const listed = await api(mcpUrl, 'GET', '/v1/channels', { key: ADMIN_KEY });
		first = listed.body.channels.length
			? { id: listed.body.channels[0].id, token: '', secret: '' }
			: await createChannel(mcpUrl, 'Agents');
		second = await createChannel(mcpUrl, `Deploys ${Date.now()}`);
		client = await connect(mcpUrl);
	});

	afterAll(async () => {
		await client?.close();
	});

	test('lists the five tools with their input schemas', async () => {
		const { tools } = await client.listTools();
		const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
		expect(Object.keys(byName).sort()).toEqual([
			'ping_cancel_approval',
			'ping_check_approval',
			'ping_list_channels',
			'ping_request_approval',
			'ping_send',
		]);
		const props = (name: string) => Object.keys(byName[name].inputSchema.properties ?? {}).sort();
		expect(props('ping_list_channels')).toEqual([]);
		expect(props('ping_send')).toEqual(['body', 'channel', 'priority', 'title']);
		expect(byName.ping_send.inputSchema.required).toEqual(['title']);
		expect(props('ping_request_approval')).toEqual(['body', 'channel', 'title', 'ttl_ms']);
		expect(byName.ping_request_approval.inputSchema.required).toEqual(['title']);
		expect(props('ping_check_approval')).toEqual(['approval_id', 'max_wait_ms']);
		expect(byName.ping_check_approval.inputSchema.required).toEqual(['approval_id']);
		expect(byName.ping_check_approval.inputSchema.properties?.max_wait_ms).toMatchObject({
			type: 'integer',
			maximum: 50_000,
		});
		expect(props('ping_cancel_approval')).toEqual(['approval_id']);
		// The descriptions tell the agent to phrase the decision where the person reads it.
		expect(byName.ping_request_approval.description).toMatch(/title and body/);
		for (const tool of tools) expect(tool.outputSchema).toBeDefined();
	});

	test('ping_list_channels: every channel of the account, id and name', async () => {
		const { channels } = await ok('ping_list_channels');
		expect(channels).toEqual(
			expect.arrayContaining([
				{ id: first.id, name: expect.any(String) },
				{ id: second.id, name: expect.stringMatching(/^Deploys /) },
			]),
		);
		for (const c of channels) expect(Object.keys(c).sort()).toEqual(['id', 'name']);
	});

	test('ping_send: stores and queues the message on the oldest channel, or the one named', async () => {
		const sent = await ok('ping_send', { title: 'Build green', body: '**main** passed' });
		expect(sent.message_id).toMatch(/^msg_/);
		expect(await message(sent.message_id)).toMatchObject({
			channel_id: first.id,
			title: 'Build green',
			body: '**main** passed',
			priority: 'normal',
			actions: [],
		});
		const channelName = (await ok('ping_list_channels')).channels.find(
			(c: { id: string }) => c.id === second.id,
		).name;
		const byName = await ok('ping_send', { channel: channelName, title: 'x', priority: 'high' });
		expect(await message(byName.message_id)).toMatchObject({
			channel_id: second.id,
			priority: 'high',
		});
		const byId = await ok('ping_send', { channel: second.id, title: 'y', priority: 'low' });
		expect((await message(byId.message_id)).channel_id).toBe(second.id);
	});

	test('ping_request_approval: Approve and Reject buttons, time-sensitive, expiring in an hour by default', async () => {
		const before = Date.now();
		const asked = await ok('ping_request_approval', {
			title: 'Deploy api v2.3 to production?',
			body: 'Adds the orders index.',
		});
		expect(asked.approval_id).toMatch(/^msg_/);
		const expires = Date.parse(asked.expires_at);
		expect(expires).toBeGreaterThanOrEqual(before + 3_600_000);
		expect(expires).toBeLessThanOrEqual(Date.now() + 3_600_000);
		expect(await message(asked.approval_id)).toMatchObject({
			channel_id: first.id,
			title: 'Deploy api v2.3 to production?',
			priority: 'high',
			state: 'pending',
			actions: [
				{ type: 'button', label: 'Approve', key: 'approve' },
				{ type: 'button', label: 'Reject', key: 'reject' },
			],
		});
		const short = await ok('ping_request_approval', { title: 'Quick?', ttl_ms: 90_000 });
		expect(Date.parse(short.expires_at) - Date.now()).toBeLessThanOrEqual(90_000);
	});

	test('approved: pending until the tap, then approved, and the same again on every check', async () => {
		const { approval_id } = await ok('ping_request_approval', { title: 'Merge #42?' });
		expect(await ok('ping_check_approval', { approval_id, max_wait_ms: 0 })).toMatchObject({
			status: 'pending',
		});
		expect(
			(await respond(target().answerUrl, approval_id, { triggered_by: 'approve' })).status,
		).toBe(200);
		const decided = await ok('ping_check_approval', { approval_id, max_wait_ms: 0 });
		expect(decided).toEqual({
			status: 'approved',
			value: 'approve',
			answered_at: expect.any(String),
		});
		// Idempotent: unlike the single-read poll, checking again gives the same result.
		expect(await ok('ping_check_approval', { approval_id })).toEqual(decided);
		expect(await ok('ping_cancel_approval', { approval_id })).toEqual({
			status: 'already_resolved',
		});
	});

	test('rejected', async () => {
		const { approval_id } = await ok('ping_request_approval', { title: 'Drop the old table?' });
		await respond(target().answerUrl, approval_id, { triggered_by: 'reject' });
		expect(await ok('ping_check_approval', { approval_id })).toMatchObject({
			status: 'rejected',
			value: 'reject',
		});
	});

	test('a waiting check returns within 100 ms of the answer', async () => {
		const { approval_id } = await ok('ping_request_approval', { title: 'Ship it?' });
		let returnedAt = 0;
		const waiting = call('ping_check_approval', { approval_id, max_wait_ms: 20_000 }).then((r) => {
			returnedAt = Date.now();
			return r;
		});
		await new Promise((r) => setTimeout(r, 500));
		const answeredAt = Date.now();
		expect(
			(await respond(target().answerUrl, approval_id, { triggered_by: 'approve' })).status,
		).toBe(200);
		const result = await waiting;
		expect(result.structuredContent).toMatchObject({ status: 'approved' });
		expect(returnedAt - answeredAt).toBeLessThan(100);
	});

	test('expired: no answer by ttl_ms is "expired" (a denial), the wait ends at the expiry, a late tap is refused', async () => {
		const { approval_id } = await ok('ping_request_approval', {
			title: 'Rotate keys?',
			ttl_ms: 1_000,
		});
		const started = Date.now();
		const result = await ok('ping_check_approval', { approval_id, max_wait_ms: 10_000 });
		expect(result).toEqual({ status: 'expired' });
		expect(Date.now() - started).toBeLessThan(5_000);
		expect(
			(await respond(target().answerUrl, approval_id, { triggered_by: 'approve' })).status,
		).toBe(409);
		expect(await ok('ping_check_approval', { approval_id, max_wait_ms: 0 })).toEqual({
			status: 'expired',
		});
	});

	test('cancelled: a waiting check ends as expired at once, a late tap is refused, a second cancel is already_resolved', async () => {
		const { approval_id } = await ok('ping_request_approval', { title: 'Restart the cluster?' });
		const waiting = call('ping_check_approval', { approval_id, max_wait_ms: 20_000 });
		await new Promise((r) => setTimeout(r, 300));
		const cancelledAt = Date.now();
		expect(await ok('ping_cancel_approval', { approval_id })).toEqual({ status: 'cancelled' });
		expect((await waiting).structuredContent).toEqual({ status: 'expired' });
		expect(Date.now() - cancelledAt).toBeLessThan(1_000);
		const late = await respond(target().answerUrl, approval_id, { triggered_by: 'approve' });
		expect(late.status).toBe(409);
		expect(late.body.error).toMatch(/expired/);
		expect((await message(approval_id)).state).toBe('expired');
		expect(await ok('ping_cancel_approval', { approval_id })).toEqual({
			status: 'already_resolved',
		});
	});

	test('a wrong or missing key is 401, and the SDK client cannot connect', async () => {
		const { mcpUrl } = target();
		const initialize = {
			jsonrpc: '2.0',
			id: 1,
			method: 'initialize',
			params: {
				protocolVersion: '2025-06-18',
				capabilities: {},
				clientInfo: { name: 'x', version: '1' },
			},
		};
		const headers = { accept: 'application/json, text/event-stream' };
		const wrong = await api(mcpUrl, 'POST', '/mcp', {
			key: 'pk_live_WrongKey0123456789abcdefghijklm',
			body: initialize,
			headers,
		});
		expect(wrong.status).toBe(401);
		expect(wrong.body).toEqual({
			ok: false,
			error: 'API key is not valid',
			code: 'invalid_api_key',
		});
		expect((await api(mcpUrl, 'POST', '/mcp', { body: initialize, headers })).status).toBe(401);
		await expect(connect(mcpUrl, 'pk_live_WrongKey0123456789abcdefghijklm')).rejects.toThrow();
		const get = await api(mcpUrl, 'GET', '/mcp', { key: ADMIN_KEY, headers });
		expect(get.status).toBe(405);
		expect(get.headers.get('allow')).toBe('POST');
	});

	test.each([
		['ping_send', {}, /title is required/],
		['ping_send', { title: '' }, /title must not be empty/],
		['ping_send', { title: 'x'.repeat(101) }, /title must be at most 100 characters/],
		['ping_send', { title: '   ' }, /title/],
		['ping_send', { title: 'x', priority: 'urgent' }, /priority must be one of: low, normal, high/],
		['ping_send', { title: 'x', channel: 'nope' }, /channel "nope" is not a channel/],
		['ping_request_approval', { title: 'x', ttl_ms: 'soon' }, /ttl_ms must be a number/],
		['ping_request_approval', { title: 'x', ttl_ms: 10 }, /ttl_ms must be at least 1000/],
		['ping_check_approval', {}, /approval_id is required/],
		[
			'ping_check_approval',
			{ approval_id: 'msg_x', max_wait_ms: 60_000 },
			/max_wait_ms must be at most 50000/,
		],
		[
			'ping_check_approval',
			{ approval_id: 'msg_000000000000' },
			/approval_id "msg_000000000000" is not an approval/,
		],
		['ping_cancel_approval', { approval_id: 42 }, /approval_id must be a string/],
	])('%s with %j is a tool error naming the argument', async (name, args, message) => {
		const result = await call(name, args);
		expect(result.isError).toBe(true);
		expect(textOf(result)).toMatch(message);
	});

	test("a plain message is not an approval, and another account's approval looks missing", async () => {
		const { message_id } = await ok('ping_send', { title: 'Just news' });
		const check = await call('ping_check_approval', { approval_id: message_id });
		expect(check.isError).toBe(true);
		expect(textOf(check)).toMatch(/is not an approval of this account/);
		const other = target().otherAccountKey;
		if (!other) return;
		const { approval_id } = await ok('ping_request_approval', { title: 'Mine' });
		const stranger = await connect(target().mcpUrl, await other());
		try {
			for (const name of ['ping_check_approval', 'ping_cancel_approval']) {
				const result = (await stranger.callTool({ name, arguments: { approval_id } })) as Result;
				expect(result.isError).toBe(true);
				expect(textOf(result)).toMatch(/is not an approval of this account/);
			}
			expect((await message(approval_id)).state).toBe('pending');
		} finally {
			await stranger.close();
		}
	});
}
