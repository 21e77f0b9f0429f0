import {
	MAX_ATTEMPTS,
	MAX_SCHEDULE_SPAN_MS,
} from '../../../../server/src/delivery/callbacks/schedule';
import { ManualClock } from '../../../../server/src/domain/time';
import { FakeReceiver, freePort } from '../../../fakes/callback-receiver';
import {
	drainJobs,
	messageDetail,
	runNextRetry,
	signatureTime,
	verifiedIndependently,
} from '../../../helpers/callbacks';
import {
	ADMIN_KEY,
	TestChannel,
	TestServer,
	api,
	createChannel,
	respond,
	sendMessage,
	startTestServer,
} from '../../../helpers/server';

const START = Date.UTC(2026, 0, 1, 9, 0, 0);
const APPROVE = [{ type: 'button', label: 'Approve', key: 'approve' }];

describe('signed callback delivery', () => {
	let clock: ManualClock;
	let server: TestServer;
	let channel: TestChannel;
	let receiver: FakeReceiver;
	const extra: { stop(): Promise<unknown> }[] = [];

	async function start(env: Record<string, string> = {}, dir?: string, liveRunner = false) {
		server = await startTestServer({
			clock,
			dir,
			env: { PING_CALLBACK_ALLOW: '127.0.0.1/32', ...env },
		});
		// Most tests drive the queue by hand (runDue on the manual clock), so nothing races them.
		if (!liveRunner) await server.jobs.stop();
		return server;
	}

	async function answered(url: string, body: Record<string, unknown> = {}): Promise<string> {
		const id = await sendMessage(server.url, channel.token, {
			title: 'Deploy?',
			callback_url: url,
			actions: APPROVE,
			...body,
		});
		const res = await respond(server.url, id, { triggered_by: 'approve' });
		expect(res.status).toBe(200);
		return id;
	}

	beforeEach(async () => {
		clock = new ManualClock(START);
		receiver = await new FakeReceiver().start();
	});

	afterEach(async () => {
		await server?.stop();
		await receiver.stop();
		for (const s of extra.splice(0)) await s.stop();
	});

	test('an answer is POSTed at once (the write wakes the runner), signed, with the documented body and headers', async () => {
		await start({}, undefined, true);
		channel = await createChannel(server.url);
		const id = await answered(receiver.url);
		await receiver.waitFor(1);
		const [callback] = receiver.received;
		expect(callback.method).toBe('POST');
		expect(callback.path).toBe('/hook');
		expect(callback.headers['content-type']).toBe('application/json');
		expect(callback.headers['user-agent']).toBe('Ping-Callback/1');
		expect(callback.headers['x-ping-idempotency-key']).toMatch(/^dlv_[A-Za-z0-9]{20}$/);
		expect(verifiedIndependently(callback, channel.secret, clock.now())).toBe(true);
		expect(signatureTime(callback)).toBe(START / 1000);
		expect(callback.body).toMatchObject({
			message_id: id,
			channel_id: channel.id,
			triggered_by: 'approve',
			responses: {},
		});
		expect(typeof callback.body.timestamp).toBe('string');

		for (
			let i = 0;
			i < 50 && (await messageDetail(server, id)).callback_state !== 'delivered';
			i++
		) {
			await new Promise((r) => setTimeout(r, 20));
		}
		const detail = await messageDetail(server, id);
		expect(detail.callback_state).toBe('delivered');
		expect(detail.callback_attempts).toEqual([
			expect.objectContaining({
				target: 'callback_url',
				webhook_id: null,
				attempt: 1,
				status_code: 200,
				error: null,
				outcome: 'delivered',
				next_attempt_at: null,
				attempted_at: new Date(START).toISOString(),
				delivery_id: callback.headers['x-ping-idempotency-key'],
			}),
		]);
		expect(detail.callback_attempts[0].latency_ms).toBeGreaterThanOrEqual(0);
	});

	test('receiver down, then up: delivered exactly once, the failures are in the attempt log', async () => {
		await start();
		channel = await createChannel(server.url);
		const port = await freePort();
		const id = await answered(`http://127.0.0.1:${port}/hook`);

		expect(await server.jobs.runDue()).toBe(1);
		expect(await runNextRetry(server, clock)).toBe(1);
		const down = await messageDetail(server, id);
		expect(down.callback_state).toBe('pending');
		expect(
			down.callback_attempts.map((a) => [a.attempt, a.status_code, a.error, a.outcome]),
		).toEqual([
			[1, null, 'connection refused', 'retrying'],
			[2, null, 'connection refused', 'retrying'],
		]);
		const [first, second] = down.callback_attempts;
		// A refused connection is "not listening yet": early retries after 250 ms, then 1 s.
		expect(Date.parse(String(first.next_attempt_at)) - Date.parse(first.attempted_at)).toBe(250);
		expect(second.attempted_at).toBe(first.next_attempt_at);
		expect(Date.parse(String(second.next_attempt_at)) - Date.parse(second.attempted_at)).toBe(
			1_000,
		);

		await receiver.stop();
		await receiver.start(port);
		await drainJobs(server, clock);
		expect(receiver.received).toHaveLength(1);
		const detail = await messageDetail(server, id);
		expect(detail.callback_state).toBe('delivered');
		expect(detail.callback_attempts.map((a) => a.outcome)).toEqual([
			'retrying',
			'retrying',
			'delivered',
		]);
		expect(new Set(detail.callback_attempts.map((a) => a.delivery_id)).size).toBe(1);
		expect(receiver.received[0].headers['x-ping-idempotency-key']).toBe(first.delivery_id);
		expect(await server.jobs.nextDueAt()).toBeNull();
	});

	test('receiver answering 500 forever: failed after the whole schedule, the answer readable once by polling', async () => {
		await start();
		channel = await createChannel(server.url);
		receiver.reply = () => ({ status: 500 });
		const id = await answered(receiver.url);

		await drainJobs(server, clock);
		expect(receiver.received).toHaveLength(MAX_ATTEMPTS);
		const detail = await messageDetail(server, id);
		expect(detail.callback_state).toBe('failed');
		const attempts = detail.callback_attempts;
		expect(attempts).toHaveLength(MAX_ATTEMPTS);
		expect(attempts.every((a) => a.status_code === 500 && a.error === 'HTTP 500')).toBe(true);
		expect(attempts.slice(0, -1).every((a) => a.outcome === 'retrying')).toBe(true);
		expect(attempts[MAX_ATTEMPTS - 1]).toMatchObject({ outcome: 'failed', next_attempt_at: null });
		const span =
			Date.parse(attempts[MAX_ATTEMPTS - 1].attempted_at) - Date.parse(attempts[0].attempted_at);
		expect(span).toBeGreaterThan(3 * 3600_000);
		expect(span).toBeLessThanOrEqual(MAX_SCHEDULE_SPAN_MS);

		// Every retry is the same delivery (one idempotency key) with a fresh signature time.
		expect(new Set(receiver.received.map((c) => c.headers['x-ping-idempotency-key'])).size).toBe(1);
		expect(new Set(receiver.received.map(signatureTime)).size).toBe(MAX_ATTEMPTS);
		for (const callback of receiver.received) expect(callback.raw).toBe(receiver.received[0].raw);

		const first = await api(server.url, 'GET', `/v1/callback/${channel.token}/${id}`);
		expect(first.body).toMatchObject({
			status: 'failed',
			result: { message_id: id, triggered_by: 'approve' },
		});
		const second = await api(server.url, 'GET', `/v1/callback/${channel.token}/${id}`);
		expect(second.body).toEqual({ status: 'already_read' });
	});

	test('retry now: a failed delivery gets one more attempt with the same idempotency key and bytes; refused while retrying, once delivered, for unknown ids', async () => {
		await start();
		channel = await createChannel(server.url);
		receiver.reply = () => ({ status: 500 });
		const id = await answered(receiver.url);
		const retry = (deliveryId: string) =>
			api(server.url, 'POST', `/v1/messages/${id}/callbacks/${deliveryId}/retry`, {
				key: ADMIN_KEY,
			});

		await runNextRetry(server, clock);
		const first = (await messageDetail(server, id)).callback_attempts[0];
		const early = await retry(first.delivery_id);
		expect(early.status).toBe(409);
		expect(early.body.error).toMatch(/still being retried/);

		await drainJobs(server, clock);
		expect((await messageDetail(server, id)).callback_state).toBe('failed');
		expect((await retry('dlv_unknown0000000000000')).status).toBe(404);

		// Still failing: exactly one more attempt, numbered after the last, and failed again.
		const queued = await retry(first.delivery_id);
		expect(queued.status).toBe(200);
		expect(queued.body).toEqual({ ok: true, delivery_id: first.delivery_id, queued: true });
		await drainJobs(server, clock);
		let detail = await messageDetail(server, id);
		expect(detail.callback_attempts).toHaveLength(MAX_ATTEMPTS + 1);
		expect(detail.callback_attempts[MAX_ATTEMPTS]).toMatchObject({
			attempt: MAX_ATTEMPTS + 1,
			outcome: 'failed',
			next_attempt_at: null,
		});
		expect(detail.callback_state).toBe('failed');

		// The receiver is fixed: the retry is delivered, same key, same bytes, fresh signature.
		receiver.reply = () => ({ status: 200 });
		expect((await retry(first.delivery_id)).status).toBe(200);
		await drainJobs(server, clock);
		detail = await messageDetail(server, id);
		expect(detail.callback_state).toBe('delivered');
		expect(detail.callback_attempts.at(-1)).toMatchObject({
			attempt: MAX_ATTEMPTS + 2,
			outcome: 'delivered',
		});
		const last = receiver.received.at(-1)!;
		expect(last.headers['x-ping-idempotency-key']).toBe(first.delivery_id);
		expect(last.raw).toBe(receiver.received[0].raw);
		expect(verifiedIndependently(last, channel.secret, clock.now())).toBe(true);
		const done = await retry(first.delivery_id);
		expect(done.status).toBe(409);
		expect(done.body.error).toMatch(/was delivered/);
	});

	test('past the response TTL the answer is kept until the callback fails for good, then polled once as failed', async () => {
		await start({ PING_RESPONSE_TTL_SECONDS: '1' });
		channel = await createChannel(server.url);
		receiver.reply = () => ({ status: 500 });
		const id = await answered(receiver.url);
		for (let i = 0; i < MAX_ATTEMPTS - 1; i++) await runNextRetry(server, clock);
		expect((await messageDetail(server, id)).callback_state).toBe('pending');
		// Past the TTL and before the last attempt, polls say expired and consume nothing.
		expect((await api(server.url, 'GET', `/v1/callback/${channel.token}/${id}`)).body).toEqual({
			status: 'expired',
		});
		expect(await runNextRetry(server, clock)).toBe(1);
		expect(await server.jobs.nextDueAt()).toBeNull();
		const polled = await api(server.url, 'GET', `/v1/callback/${channel.token}/${id}`);
		expect(polled.body).toMatchObject({
			status: 'failed',
			result: { message_id: id, triggered_by: 'approve' },
		});
		expect((await api(server.url, 'GET', `/v1/callback/${channel.token}/${id}`)).body).toEqual({
			status: 'already_read',
		});
	});

	test('Retry-After from the receiver sets the next attempt, as seconds or as an HTTP date', async () => {
		await start();
		channel = await createChannel(server.url);
		const replies = [
			{ status: 503, headers: { 'retry-after': '120' } },
			{
				status: 429,
				headers: { 'retry-after': new Date(START + 120_000 + 3600_000).toUTCString() },
			},
			{ status: 204 },
		];
		receiver.reply = () => replies[receiver.received.length - 1];
		const id = await answered(receiver.url);
		await drainJobs(server, clock);
		const attempts = (await messageDetail(server, id)).callback_attempts;
		expect(attempts.map((a) => [a.status_code, a.outcome])).toEqual([
			[503, 'retrying'],
			[429, 'retrying'],
			[204, 'delivered'],
		]);
		expect(
			Date.parse(String(attempts[0].next_attempt_at)) - Date.parse(attempts[0].attempted_at),
		).toBe(120_000);
		expect(attempts[1].next_attempt_at).toBe(new Date(START + 120_000 + 3600_000).toISOString());
	});

	test('a receiver not ready yet (409 as n8n answers before it stored the waiting execution) is retried after 250 ms, then 1 s, then the jittered schedule', async () => {
		await start();
		channel = await createChannel(server.url);
		const replies = [{ status: 409 }, { status: 503 }, { status: 409 }, { status: 200 }];
		receiver.reply = () => replies[receiver.received.length - 1];
		const id = await answered(receiver.url);
		await drainJobs(server, clock);
		const attempts = (await messageDetail(server, id)).callback_attempts;
		expect(attempts.map((a) => [a.status_code, a.outcome])).toEqual([
			[409, 'retrying'],
			[503, 'retrying'],
			[409, 'retrying'],
			[200, 'delivered'],
		]);
		const waits = attempts
			.slice(0, 3)
			.map((a) => Date.parse(String(a.next_attempt_at)) - Date.parse(a.attempted_at));
		expect(waits.slice(0, 2)).toEqual([250, 1_000]);
		// The third retry is the documented one: jittered between 1 s and its 80 s ceiling.
		expect(waits[2]).toBeGreaterThanOrEqual(1_000);
		expect(waits[2]).toBeLessThanOrEqual(80_000);
		expect(new Set(receiver.received.map((r) => r.headers['x-ping-idempotency-key'])).size).toBe(1);
	});

	test('a retry pending across a server restart is delivered after the start', async () => {
		const first = await start();
		channel = await createChannel(server.url);
		receiver.reply = () => ({ status: receiver.received.length === 1 ? 502 : 200 });
		const id = await answered(receiver.url);
		expect(await first.jobs.runDue()).toBe(1);
		const retryAt = Date.parse(
			(await messageDetail(first, id)).callback_attempts[0].next_attempt_at ?? '',
		);
		await first.stop({ keepFiles: true });

		clock.set(retryAt);
		await start({}, first.dir, true);
		await receiver.waitFor(2);
		expect(receiver.received[1].headers['x-ping-idempotency-key']).toBe(
			receiver.received[0].headers['x-ping-idempotency-key'],
		);
		expect(verifiedIndependently(receiver.received[1], channel.secret, clock.now())).toBe(true);
		for (
			let i = 0;
			i < 50 && (await messageDetail(server, id)).callback_state !== 'delivered';
			i++
		) {
			await new Promise((r) => setTimeout(r, 20));
		}
		const detail = await messageDetail(server, id);
		expect(detail.callback_state).toBe('delivered');
		expect(detail.callback_attempts.map((a) => [a.attempt, a.status_code])).toEqual([
			[1, 502],
			[2, 200],
		]);
	});

	test('a retry after the secret was rotated is signed with the new secret', async () => {
		await start();
		channel = await createChannel(server.url);
		receiver.reply = () => ({ status: receiver.received.length === 1 ? 500 : 200 });
		await answered(receiver.url);
		expect(await server.jobs.runDue()).toBe(1);
		const rotated = await api(server.url, 'POST', `/v1/channels/${channel.id}/secret/rotate`, {
			key: ADMIN_KEY,
		});
		const newSecret = rotated.body.webhook_secret as string;
		await drainJobs(server, clock);
		expect(receiver.received).toHaveLength(2);
		expect(verifiedIndependently(receiver.received[0], channel.secret, START)).toBe(true);
		expect(verifiedIndependently(receiver.received[1], newSecret, clock.now())).toBe(true);
		expect(verifiedIndependently(receiver.received[1], channel.secret, clock.now())).toBe(false);
	});

	test('a pending retry of a deleted channel is dropped without another POST', async () => {
		await start();
		channel = await createChannel(server.url);
		receiver.reply = () => ({ status: 503 });
		await answered(receiver.url);
		expect(await server.jobs.runDue()).toBe(1);
		await api(server.url, 'DELETE', `/v1/channels/${channel.id}`, { key: ADMIN_KEY });
		await drainJobs(server, clock);
		expect(receiver.received).toHaveLength(1);
		expect(await server.jobs.nextDueAt()).toBeNull();
	});

	test('a receiver slower than the timeout counts as a failure and is retried; the duplicate carries the same idempotency key', async () => {
		await start({ PING_CALLBACK_TIMEOUT_MS: '200' });
		channel = await createChannel(server.url);
		receiver.reply = () =>
			receiver.received.length === 1 ? { status: 200, delayMs: 1_000 } : { status: 200 };
		const id = await answered(receiver.url);
		await drainJobs(server, clock);
		const attempts = (await messageDetail(server, id)).callback_attempts;
		expect(attempts).toHaveLength(2);
		expect(attempts[0]).toMatchObject({
			status_code: null,
			error: 'no response within 200 ms',
			outcome: 'retrying',
		});
		expect(attempts[0].latency_ms).toBeGreaterThanOrEqual(190);
		expect(attempts[0].latency_ms).toBeLessThan(1_000);
		expect(attempts[1]).toMatchObject({ status_code: 200, outcome: 'delivered' });
		// The receiver saw the request twice (the first answer came too late): one delivery, one key.
		expect(receiver.received).toHaveLength(2);
		const [a, b] = receiver.received;
		expect(a.headers['x-ping-idempotency-key']).toBe(b.headers['x-ping-idempotency-key']);
		expect(a.raw).toBe(b.raw);
		expect(signatureTime(b)).toBeGreaterThan(signatureTime(a));
	});

	test('a redirect is not followed, even towards an internal address that is allow-listed', async () => {
		await start();
		channel = await createChannel(server.url);
		const internal = await new FakeReceiver().start();
		extra.push(internal);
		receiver.reply = () => ({ status: 302, headers: { location: `${internal.url}?leak=1` } });
		const id = await answered(receiver.url);
		expect(await server.jobs.runDue()).toBe(1);
		const [attempt] = (await messageDetail(server, id)).callback_attempts;
		expect(attempt).toMatchObject({ status_code: 302, outcome: 'retrying' });
		expect(attempt.error).toMatch(/redirects are not followed/);
		await new Promise((r) => setTimeout(r, 100));
		expect(internal.received).toHaveLength(0);
		expect(receiver.received).toHaveLength(1);
	});

	test('DNS rebinding: a name that was public at send time and points at loopback at delivery is not connected to', async () => {
		let answers = ['93.184.216.34'];
		server = await startTestServer({
			clock,
			callbackResolver: async () => answers.map((address) => ({ address, family: 4 })),
		});
		await server.jobs.stop();
		channel = await createChannel(server.url);
		const id = await answered(`http://rebind.example:${receiver.port}/hook`);
		// The attacker's DNS now answers with the receiver's loopback address.
		answers = ['127.0.0.1'];
		expect(await server.jobs.runDue()).toBe(1);
		await new Promise((r) => setTimeout(r, 50));
		expect(receiver.received).toHaveLength(0);
		const [attempt] = (await messageDetail(server, id)).callback_attempts;
		expect(attempt.status_code).toBeNull();
		expect(attempt.error).toMatch(
			/^refused: rebind\.example \(127\.0\.0\.1\) is a loopback address.*PING_CALLBACK_ALLOW/,
		);
	});

	test('the address is checked again at delivery: allowed when sent, refused after the allow-list changed', async () => {
		const first = await start({ PING_CALLBACK_ALLOW: 'localhost,127.0.0.1/32' });
		channel = await createChannel(server.url);
		const byName = await answered(`http://localhost:${receiver.port}/hook`);
		const byAddress = await answered(receiver.url);
		await first.stop({ keepFiles: true });

		// The restarted runner may take the due jobs itself before it is stopped; either way they run once.
		await start({ PING_CALLBACK_ALLOW: '' }, first.dir);
		await server.jobs.runDue();
		expect(receiver.received).toHaveLength(0);
		const [named] = (await messageDetail(server, byName)).callback_attempts;
		expect(named.status_code).toBeNull();
		expect(named.error).toMatch(
			/^refused: localhost \((127\.0\.0\.1|::1)\) is a loopback address.*PING_CALLBACK_ALLOW/,
		);
		const [literal] = (await messageDetail(server, byAddress)).callback_attempts;
		expect(literal.error).toMatch(
			/^refused: 127\.0\.0\.1 is a loopback address.*PING_CALLBACK_ALLOW=127\.0\.0\.1\/32/,
		);
		expect(literal.outcome).toBe('retrying');
	});
});

describe('callback_url at send time', () => {
	const REFUSED_URLS = [
		'http://127.0.0.1:3001/hook',
		'http://localhost:3001/hook',
		'http://[::1]/hook',
		'http://[::ffff:127.0.0.1]/hook',
		'http://[::ffff:a9fe:a9fe]/latest/meta-data/',
		'http://169.254.169.254/latest/meta-data/',
		'http://10.0.0.1/hook',
		'http://172.16.5.4/hook',
		'http://192.168.0.1/hook',
		'http://100.64.0.1/hook',
		'http://0.0.0.0/hook',
		'http://224.0.0.1/hook',
		'http://240.0.0.1/hook',
		'http://[fe80::1]/hook',
		'http://[fc00::1]/hook',
		'http://[ff02::1]/hook',
		'http://[::]/hook',
		'http://[64:ff9b::a00:1]/hook',
		'http://2130706433/hook',
		'https://0x7f.1/hook',
	];
	let server: TestServer;
	afterEach(async () => server?.stop());

	test('every non-public class is a 400 naming callback_url and PING_CALLBACK_ALLOW, and nothing is stored', async () => {
		server = await startTestServer();
		const channel = await createChannel(server.url);
		for (const url of REFUSED_URLS) {
			const res = await api(server.url, 'POST', `/v1/send/${channel.token}`, {
				body: { title: 'x', callback_url: url },
			});
			expect([url, res.status]).toEqual([url, 400]);
			expect(res.body.ok).toBe(false);
			expect(res.body.error).toMatch(/^callback_url is not allowed: /);
			expect(res.body.error).toMatch(/PING_CALLBACK_ALLOW/);
		}
		const list = await api(server.url, 'GET', `/v1/channels/${channel.id}/messages`, {
			key: ADMIN_KEY,
		});
		expect(list.body.messages).toEqual([]);
	});

	test('the same URLs are accepted when the operator allow-lists their hosts', async () => {
		const hosts = REFUSED_URLS.map((u) => new URL(u).hostname.replace(/^\[|\]$/g, ''));
		server = await startTestServer({ env: { PING_CALLBACK_ALLOW: [...new Set(hosts)].join(',') } });
		const channel = await createChannel(server.url);
		for (const url of REFUSED_URLS) {
			const res = await api(server.url, 'POST', `/v1/send/${channel.token}`, {
				body: { title: 'x', callback_url: url },
			});
			expect([url, res.status]).toEqual([url, 200]);
		}
	});

	test('public addresses need no allow-list', async () => {
		server = await startTestServer();
		const channel = await createChannel(server.url);
		for (const url of [
			'https://8.8.8.8/hook',
			'https://[2606:4700::1111]/x',
			'http://93.184.216.34:5678/webhook/abc',
		]) {
			const res = await api(server.url, 'POST', `/v1/send/${channel.token}`, {
				body: { title: 'x', callback_url: url },
			});
			expect([url, res.status]).toEqual([url, 200]);
		}
	});
});
