import { request } from 'node:http';
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
 * at most PING_REDIS_TIMEOUT_MS plus a small margin of time spent on Redis, on every route,
 * however many Redis calls it makes: a 503 (an HTML page on the answer page), never a hang.
 * Time the request spends not on Redis (waiting for its client's body, a long-poll waiting
 * for an answer) is not part of that bound, and is taken out of the measured duration.
 */
const TIMEOUT_MS = 800;
const MARGIN_MS = 400;
/** A Redis that stalls this long (under the timeout) before it freezes for good. */
const STALL_MS = 600;

interface RawAnswer {
	status: number;
	contentType: string;
	text: string;
}

/**
 * One request whose body the client holds back for `holdMs` after the headers (a slow phone
 * upload): `onHeadersSent` runs at once, the body goes out after it.
 */
function slowBodyRequest(
	url: string,
	method: string,
	path: string,
	headers: Record<string, string>,
	body: string,
	holdMs: number,
): Promise<RawAnswer & { bodySentAt: number }> {
	return new Promise((resolve, reject) => {
		let bodySentAt = 0;
		const req = request(
			`${url}${path}`,
			{ method, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
			(res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (chunk) => (text += chunk));
				res.on('end', () =>
					resolve({
						status: res.statusCode ?? 0,
						contentType: String(res.headers['content-type'] ?? ''),
						text,
						bodySentAt: bodySentAt || Date.now(),
					}),
				);
			},
		);
		req.on('error', reject);
		req.flushHeaders();
		setTimeout(() => {
			bodySentAt = Date.now();
			req.end(body);
		}, holdMs);
	});
}

/** Runs `fn` after `ms` (a step of a Redis outage's timeline). */
const at = (ms: number, fn: () => void) => setTimeout(fn, ms);

describeWithRedis('a frozen Redis', () => {
	let redis: TestRedis;
	let server: TestServer;
	let channel: TestChannel;
	let messageId: string;
	let storedKey: string;
	/** The answer link's token of a message with an answer page. */
	let answerToken: string;

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
		const linked = await api(server.url, 'POST', `/v1/send/${channel.token}`, {
			body: { title: 'Ship it?', actions: [{ type: 'button', label: 'Yes', key: 'yes' }] },
		});
		answerToken = new URL(linked.body.answer_url).pathname.split('/').pop() as string;
	}, 30_000);

	/** Redis answers again and the server with it (its connections recover). */
	async function recovered(): Promise<void> {
		redis.resume();
		await new Promise((r) => setTimeout(r, 200));
		expect((await api(server.url, 'GET', '/v1/channels', { key: ADMIN_KEY })).status).toBe(200);
	}

	/** A fresh form token from the answer page, as a browser would have it. */
	async function formToken(): Promise<string> {
		const page = await (await fetch(`${server.url}/a/${answerToken}`)).text();
		return /name="form_token" value="([^"]+)"/.exec(page)?.[1] as string;
	}
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
		const target = path
			.replace('TOKEN', channel.token)
			.replace('MESSAGE', messageId)
			.replace('CHANNEL', channel.id);
		redis.pause();
		try {
			const started = Date.now();
			const res = await api(server.url, method, target, { key: storedKey, body });
			const took = Date.now() - started;
			expect([res.status, res.body.code]).toEqual([503, 'storage_unavailable']);
			expect(took).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
		} finally {
			await recovered();
		}
	});

	test.each(['GET', 'POST'])(
		'%s /a/:token (the answer page) answers a 503 page, not JSON, within the timeout',
		async (method) => {
			redis.pause();
			try {
				const started = Date.now();
				const res = await fetch(`${server.url}/a/${answerToken}`, {
					method,
					headers: {
						'content-type': 'application/x-www-form-urlencoded',
						'sec-fetch-site': 'same-origin',
					},
					body: method === 'POST' ? 'triggered_by=yes' : undefined,
				});
				const page = await res.text();
				const took = Date.now() - started;
				expect([res.status, res.headers.get('content-type')]).toEqual([
					503,
					'text/html; charset=utf-8',
				]);
				expect(page).toContain('Please try again');
				expect(took).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
			} finally {
				await recovered();
			}
		},
	);

	/**
	 * Redis stalls for STALL_MS (the request's first calls get their answers late, but within
	 * the timeout), then freezes while the request waits for something else. The later calls
	 * get what is left of one PING_REDIS_TIMEOUT_MS, not a timeout each.
	 */
	test('a long-poll whose wait ends on a frozen Redis answers 503 within the timeout of Redis time', async () => {
		const waitMs = 1_000;
		redis.pause();
		at(STALL_MS, () => redis.resume());
		// During the wait: the first poll found the message pending long before.
		at(STALL_MS + waitMs / 2, () => redis.pause());
		try {
			const started = Date.now();
			const res = await api(
				server.url,
				'GET',
				`/v1/callback/${channel.token}/${messageId}?wait=${waitMs / 1000}`,
			);
			const onRedis = Date.now() - started - waitMs;
			expect([res.status, res.body.code]).toEqual([503, 'storage_unavailable']);
			expect(onRedis).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
		} finally {
			await recovered();
		}
	});

	test.each([
		['POST', '/v1/send/TOKEN', 'application/json', () => JSON.stringify({ title: 'slow upload' })],
		[
			'POST',
			'/v1/messages/MESSAGE/respond',
			'application/json',
			() => JSON.stringify({ triggered_by: 'yes' }),
		],
		[
			'POST',
			'/a/ANSWER',
			'application/x-www-form-urlencoded',
			async () => `form_token=${encodeURIComponent(await formToken())}&triggered_by=yes`,
		],
	])(
		'%s %s, Redis freezing while the client sends its body, answers 503 within the timeout of Redis time',
		async (method, path, contentType, makeBody) => {
			const body = await makeBody();
			const target = path
				.replace('TOKEN', channel.token)
				.replace('MESSAGE', messageId)
				.replace('ANSWER', answerToken);
			const holdMs = STALL_MS + 400;
			let resumedAt = 0;
			redis.pause();
			// The first calls (the address's rate-limit count) wait out the stall…
			at(STALL_MS, () => {
				resumedAt = Date.now();
				redis.resume();
			});
			// …then Redis freezes while the request waits for its body; the calls after it hang.
			at(STALL_MS + 200, () => redis.pause());
			try {
				const started = Date.now();
				const res = await slowBodyRequest(
					server.url,
					method,
					target,
					{
						authorization: `Bearer ${storedKey}`,
						'content-type': contentType,
						'sec-fetch-site': 'same-origin',
					},
					body,
					holdMs,
				);
				const onRedis = Date.now() - started - (res.bodySentAt - resumedAt);
				expect(res.status).toBe(503);
				if (path.startsWith('/a/')) {
					expect(res.contentType).toBe('text/html; charset=utf-8');
					expect(res.text).toContain('Please try again');
				} else {
					expect(JSON.parse(res.text).code).toBe('storage_unavailable');
				}
				expect(onRedis).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
			} finally {
				await recovered();
			}
		},
	);
});
