import { connect } from 'node:net';
import { ManualClock } from '../../../server/src/domain/time';
import {
	ADMIN_KEY,
	api,
	createChannel,
	respond,
	sendMessage,
	startTestServer,
	TestChannel,
	TestServer,
} from '../../helpers/server';

/**
 * Requests that once were mishandled: each gets a bounded, clear JSON 4xx naming the problem,
 * and nothing is stored.
 */

let server: TestServer;
let channel: TestChannel;

beforeAll(async () => {
	server = await startTestServer({ env: { PING_MAX_BODY_BYTES: '2048' } });
	channel = await createChannel(server.url);
});
afterAll(() => server.stop());

/** Sends raw bytes and resolves with the whole answer (status line, headers, body) as text. */
function rawRequest(text: string | Buffer, timeoutMs = 3_000): Promise<string> {
	const { hostname, port } = new URL(server.url);
	return new Promise((resolve, reject) => {
		const socket = connect(Number(port), hostname);
		let answer = '';
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new Error(`no answer within ${timeoutMs} ms; got so far: ${answer}`));
		}, timeoutMs);
		socket.on('data', (chunk) => {
			answer += chunk.toString('utf8');
			// Headers and a complete JSON body are in: done, even if the socket stays open.
			const [head, body] = answer.split('\r\n\r\n');
			const length = /content-length: (\d+)/i.exec(head ?? '')?.[1];
			if (body !== undefined && length !== undefined && Buffer.byteLength(body) >= Number(length)) {
				clearTimeout(timer);
				socket.destroy();
				resolve(answer);
			}
		});
		socket.on('end', () => {
			clearTimeout(timer);
			resolve(answer);
		});
		socket.on('error', reject);
		socket.write(text);
	});
}

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
const bodyOf = (answer: string) => JSON.parse(answer.split('\r\n\r\n')[1]);

describe('every request gets an answer in bounded time', () => {
	test.each([
		['POST', '/v1/channels'],
		['POST', `/v1/keys`],
		['POST', '/v1/devices'],
		['POST', '/v1/messages/msg_000000000000/respond'],
		['PATCH', '/v1/channels/ch_000000000000'],
		['POST', '/v1/send/TOKEN'],
	])(
		'%s %s declaring a body over the limit but sending none: 413 at once',
		async (method, path) => {
			for (const length of ['10000000000', '200000']) {
				const started = Date.now();
				const answer = await rawRequest(
					`${method} ${path.replace('TOKEN', channel.token)} HTTP/1.1\r\nHost: x\r\n` +
						`Authorization: Bearer ${ADMIN_KEY}\r\nContent-Type: application/json\r\n` +
						`Content-Length: ${length}\r\n\r\n`,
				);
				expect(statusOf(answer)).toBe(413);
				expect(bodyOf(answer)).toEqual({
					ok: false,
					error: 'request body is larger than 2048 bytes',
					code: 'body_too_large',
				});
				expect(Date.now() - started).toBeLessThan(1_000);
			}
		},
	);

	test('a 20,000-character path is a JSON 431; a 3,000-character one a JSON 414', async () => {
		const huge = await rawRequest(`GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
		expect(statusOf(huge)).toBe(431);
		expect(bodyOf(huge)).toEqual({
			ok: false,
			error: expect.stringContaining('too large'),
			code: 'headers_too_large',
		});
		const long = await api(server.url, 'GET', `/v1/messages/${'m'.repeat(3_000)}`, {
			key: ADMIN_KEY,
		});
		expect(long.status).toBe(414);
		expect(long.body.error).toContain('path is longer than');
	});

	test.each([
		['GET', '/v1/messages/%E0%A4%A', 400],
		['GET', '/v1/channels/%ZZ', 400],
		['DELETE', '/v1/keys/%E0%A4%A', 400],
		['PATCH', '/v1/devices/%', 400],
		['GET', '/v1/callback/TOKEN/%E0%A4%A', 400],
		['POST', '/v1/messages/%E0%A4%A/respond', 400],
		// No route has this shape at all: the path names nothing.
		['GET', '/v1/channels/ch_x/messages%', 404],
	])('%s %s with a broken %%-escape is a JSON %i', async (method, path, status) => {
		const res = await api(
			server.url,
			method as string,
			(path as string).replace('TOKEN', channel.token),
			{
				key: ADMIN_KEY,
			},
		);
		expect(res.status).toBe(status);
		expect(res.body.ok).toBe(false);
	});
});

describe('validation refuses instead of guessing', () => {
	test.each(['[]', 'null', '42', '"x"', 'true'])(
		'POST /v1/keys with %s is a 400 and creates no key',
		async (body) => {
			const before = (await api(server.url, 'GET', '/v1/keys', { key: ADMIN_KEY })).body.keys
				.length;
			const res = await fetch(`${server.url}/v1/keys`, {
				method: 'POST',
				headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
				body,
			});
			expect(res.status).toBe(400);
			expect(await res.json()).toEqual({
				ok: false,
				error: 'request body must be a JSON object',
				code: 'invalid_request',
			});
			expect((await api(server.url, 'GET', '/v1/keys', { key: ADMIN_KEY })).body.keys).toHaveLength(
				before,
			);
		},
	);

	test.each([12345, true, ['2026-01-12T20:18:13Z'], 'yesterday', '2026-13-45T99:99:99Z'])(
		'a respond timestamp of %p is a 400 naming timestamp, and the message stays unanswered',
		async (timestamp) => {
			const id = await sendMessage(server.url, channel.token, {
				title: 'Deploy?',
				actions: [{ type: 'button', label: 'Yes', key: 'yes' }],
			});
			const res = await respond(server.url, id, { triggered_by: 'yes', timestamp });
			expect(res.status).toBe(400);
			expect(res.body.error).toMatch(/^timestamp must be an ISO 8601 date-time/);
			const poll = await api(server.url, 'GET', `/v1/callback/${channel.token}/${id}`);
			expect(poll.body.status).toBe('pending');
		},
	);

	test('a lone surrogate is a 400 naming the field', async () => {
		const res = await fetch(`${server.url}/v1/send/${channel.token}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: '{"title":"ok","actions":[{"type":"button","label":"a\\ud800b"}]}',
		});
		expect(res.status).toBe(400);
		expect(((await res.json()) as { error: string }).error).toBe(
			'actions[0].label is not valid text (a lone UTF-16 surrogate)',
		);
	});

	test('invalid UTF-8 bytes are a 400 naming the field', async () => {
		const body = Buffer.concat([
			Buffer.from('{"title":"Deploy '),
			Buffer.from([0xc3, 0x28]),
			Buffer.from('?"}'),
		]);
		const res = await fetch(`${server.url}/v1/send/${channel.token}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body,
		});
		expect(res.status).toBe(400);
		expect(((await res.json()) as { error: string }).error).toBe('title is not valid UTF-8');
	});

	test('a form field keyed __proto__ is refused at send, so no answer can vanish', async () => {
		const res = await api(server.url, 'POST', `/v1/send/${channel.token}`, {
			body: JSON.parse('{"title":"t","actions":[{"type":"text","label":"T","key":"__proto__"}]}'),
		});
		expect(res.status).toBe(400);
		expect(res.body.error).toBe('actions[0].key "__proto__" is reserved');
	});
});

describe('stable error codes for what clients branch on', () => {
	test('invalid_token, missing_api_key, already_answered and message_expired', async () => {
		const clock = new ManualClock(Date.UTC(2026, 3, 1));
		const own = await startTestServer({ clock });
		try {
			const ch = await createChannel(own.url);
			const actions = [{ type: 'button', label: 'Yes', key: 'yes' }];
			expect(
				(await api(own.url, 'POST', '/v1/send/nope', { body: { title: 't' } })).body.code,
			).toBe('invalid_token');
			expect((await api(own.url, 'GET', '/v1/channels')).body.code).toBe('missing_api_key');

			const answered = await sendMessage(own.url, ch.token, { title: 'a', actions });
			expect((await respond(own.url, answered, { triggered_by: 'yes' })).status).toBe(200);
			const again = await respond(own.url, answered, { triggered_by: 'yes' });
			expect([again.status, again.body.code]).toEqual([409, 'already_answered']);

			const expiring = await sendMessage(own.url, ch.token, {
				title: 'b',
				actions,
				expires_in: 60,
			});
			clock.advance(61_000);
			const late = await respond(own.url, expiring, { triggered_by: 'yes' });
			expect([late.status, late.body.code]).toEqual([409, 'message_expired']);
		} finally {
			await own.stop();
		}
	});
});
