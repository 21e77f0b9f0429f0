import {
	ADMIN_KEY,
	api,
	createChannel,
	startTestServer,
	TestChannel,
	TestServer,
} from '../../helpers/server';

/** Bad input gets a clear 4xx in the error envelope, and nothing is stored. */

let server: TestServer;
let channel: TestChannel;

beforeAll(async () => {
	server = await startTestServer({ env: { PING_MAX_BODY_BYTES: '2048' } });
	channel = await createChannel(server.url);
});
afterAll(() => server.stop());

async function storedMessages(): Promise<number> {
	const res = await api(server.url, 'GET', `/v1/channels/${channel.id}/messages`, {
		key: ADMIN_KEY,
	});
	return res.body.messages.length;
}

async function expectNothingStored(
	res: { status: number; body: any },
	status: number,
	error: string,
) {
	expect(res.status).toBe(status);
	expect(res.body).toEqual({
		ok: false,
		error: expect.stringContaining(error),
		code: expect.any(String),
	});
	expect(await storedMessages()).toBe(0);
}

test('malformed JSON is a 400', async () => {
	const res = await api(server.url, 'POST', `/v1/send/${channel.token}`, {
		rawBody: '{"title": "x",',
	});
	await expectNothingStored(res, 400, 'request body is not valid JSON');
});

test('a body that is not JSON is a 415', async () => {
	const res = await api(server.url, 'POST', `/v1/send/${channel.token}`, {
		rawBody: 'title=x',
		contentType: 'application/x-www-form-urlencoded',
	});
	await expectNothingStored(res, 415, 'Content-Type: application/json');
});

test('a JSON body over the size limit is a 413', async () => {
	const res = await api(server.url, 'POST', `/v1/send/${channel.token}`, {
		body: { title: 't', body: 'x'.repeat(4000) },
	});
	await expectNothingStored(res, 413, 'larger than 2048 bytes');
});

test('an unknown webhook token is a 401 on send', async () => {
	const res = await api(
		server.url,
		'POST',
		'/v1/send/unknown-token-unknown-token-unknown-token-1',
		{ body: { title: 't' } },
	);
	await expectNothingStored(res, 401, 'webhook token is not valid');
});

test('an unknown route is a JSON 404 that does not echo the token', async () => {
	const res = await api(server.url, 'GET', `/v1/send/${channel.token}/extra`);
	expect(res.status).toBe(404);
	expect(res.body.ok).toBe(false);
	expect(res.body.error).not.toContain(channel.token);
});

test('account endpoints without a key are 401, with a bad key 401', async () => {
	expect((await api(server.url, 'GET', '/v1/channels')).status).toBe(401);
	const res = await api(server.url, 'GET', '/v1/channels', {
		key: 'pk_live_00000000000000000000000000000000',
	});
	expect(res.status).toBe(401);
	expect(res.body).toEqual({ ok: false, error: 'API key is not valid', code: 'invalid_api_key' });
});

test('errors never leak a stack trace or HTML', async () => {
	const res = await fetch(`${server.url}/v1/send/${channel.token}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: '{"title": ',
	});
	expect(res.headers.get('content-type')).toContain('application/json');
	const text = await res.text();
	expect(text).not.toMatch(/at .*\.(js|ts):\d+|<html/i);
});

test('a malformed %-escape in the path is a JSON 400, not a crash', async () => {
	const res = await api(server.url, 'GET', `/v1/callback/%E0%A4%A/msg_000000000000`);
	expect(res.status).toBe(400);
	expect(res.body.ok).toBe(false);
	expect((await api(server.url, 'GET', '/health')).status).toBe(200);
});
