import { ManualClock } from '../../../../server/src/domain/time';
import { Device } from '../../../../server/src/domain/types';
import { createLogger } from '../../../../server/src/observability/log';
import { SqliteStore } from '../../../../server/src/store/sqlite/sqlite-store';
import { Store } from '../../../../server/src/store/store';
import {
	PushTestbed,
	TOPIC,
	deliveriesOf,
	deviceToken,
	registerDevice,
	sleep,
	startPushTestbed,
	waitFor,
} from '../../../helpers/push';
import {
	ADMIN_KEY,
	TestServer,
	api,
	createChannel,
	metricValue,
	sendMessage,
	startTestServer,
} from '../../../helpers/server';

/** Push delivery through the whole server: POST /v1/send → durable job → sender → fake APNs. */

let bed: PushTestbed;
let server: TestServer;
let clock: ManualClock;

beforeAll(async () => {
	bed = await startPushTestbed();
});
afterAll(async () => {
	await bed.close();
});
beforeEach(async () => {
	bed.fake.reset();
	clock = new ManualClock(Date.now());
	server = await startTestServer({ clock, env: bed.env });
});
afterEach(async () => {
	await server.stop();
});

const metric = (line: string) => metricValue(server.url, line);

test('a message reaches every device of the account, with the mapped headers and payload, and GET /v1/messages shows it', async () => {
	const channel = await createChannel(server.url);
	const a = deviceToken();
	const b = deviceToken();
	const devA = await registerDevice(server.url, a, 'production');
	await registerDevice(server.url, b, 'sandbox', { topic: 'com.example.ping' });
	const id = await sendMessage(server.url, channel.token, {
		title: 'Deploy?',
		body: '**Ready** to ship',
		priority: 'low',
		actions: [{ type: 'button', label: 'Yes', key: 'yes' }],
	});
	await waitFor(() => bed.fake.accepted.length === 2, 'two pushes');
	const pushA = bed.fake.acceptedFor(a)[0];
	expect(pushA).toMatchObject({
		environment: 'production',
		topic: TOPIC,
		pushType: 'alert',
		priority: 5,
		collapseId: id,
	});
	expect(bed.fake.acceptedFor(b)[0].environment).toBe('sandbox');
	expect(JSON.parse(pushA.payload)).toEqual({
		aps: {
			alert: { title: 'Deploy?', body: 'Ready to ship' },
			'interruption-level': 'passive',
			'thread-id': channel.id,
			category: 'PING_INTERACTIVE',
			'mutable-content': 1,
		},
		message_id: id,
		channel_id: channel.id,
		// The message's answer link, for an app that opens it (the same as GET /v1/messages/{id} shows).
		answer_url: (await api(server.url, 'GET', `/v1/messages/${id}`, { key: ADMIN_KEY })).body
			.message.answer_url,
	});
	expect(JSON.parse(pushA.payload).answer_url).toMatch(
		/^http:\/\/127\.0\.0\.1:\d+\/a\/[A-Za-z0-9]{12}[A-Za-z0-9_-]{32}$/,
	);
	await waitFor(
		async () => (await deliveriesOf(server.url, id)).every((d) => d.state === 'sent'),
		'deliveries recorded',
	);
	const deliveries = await deliveriesOf(server.url, id);
	expect(deliveries).toHaveLength(2);
	expect(deliveries.find((d) => d.device_id === devA.id)).toMatchObject({
		state: 'sent',
		reason: null,
		apns_id: pushA.apnsId,
		attempts: 1,
	});
	expect(await metric('ping_push_sent_total')).toBe(2);
});

test('the HTTP answer does not wait on Apple', async () => {
	bed.fake.delayMs = 1500;
	const channel = await createChannel(server.url);
	await registerDevice(server.url, deviceToken());
	const started = Date.now();
	await sendMessage(server.url, channel.token, { title: 'fast' });
	expect(Date.now() - started).toBeLessThan(1000);
	await waitFor(() => bed.fake.accepted.length === 1, 'the slow push', 5000);
});

test('a muted channel pushes nothing (the message is still stored)', async () => {
	const channel = await createChannel(server.url);
	await registerDevice(server.url, deviceToken());
	await api(server.url, 'PATCH', `/v1/channels/${channel.id}`, {
		key: ADMIN_KEY,
		body: { muted_until: new Date(clock.now() + 3_600_000).toISOString() },
	});
	const res = await api(server.url, 'POST', `/v1/send/${channel.token}`, {
		body: { title: 'quiet' },
	});
	expect(res.body.muted).toBe(true);
	await server.jobs.runDue();
	await sleep(100);
	expect(bed.fake.answers).toHaveLength(0);
	expect(await deliveriesOf(server.url, res.body.id)).toEqual([]);
});

test('429 with retry-after: retried after the indicated delay, not at once', async () => {
	const channel = await createChannel(server.url);
	const token = deviceToken();
	await registerDevice(server.url, token);
	bed.fake.program(token, { status: 429, reason: 'TooManyRequests', retryAfter: 30 });
	const id = await sendMessage(server.url, channel.token, { title: 'busy' });
	await waitFor(
		async () => (await deliveriesOf(server.url, id))[0]?.state === 'retrying',
		'retrying state',
	);
	const [d] = await deliveriesOf(server.url, id);
	expect(d).toMatchObject({ reason: 'TooManyRequests', attempts: 1 });
	expect(Date.parse(d.next_attempt_at as string)).toBe(clock.now() + 30_000);

	clock.advance(29_000);
	await server.jobs.runDue();
	await sleep(200); // the runner's own loop is awake too; it must also hold back
	expect(bed.fake.answersFor(token)).toHaveLength(1);

	clock.advance(1_000);
	await server.jobs.runDue();
	await waitFor(() => bed.fake.acceptedFor(token).length === 1, 'the retry');
	await waitFor(async () => (await deliveriesOf(server.url, id))[0].state === 'sent', 'sent');
	expect((await deliveriesOf(server.url, id))[0].attempts).toBe(2);
	expect(await metric('ping_push_retried_total{reason="TooManyRequests"}')).toBe(1);
});

test.each([
	[500, 'InternalServerError'],
	[503, 'ServiceUnavailable'],
])('%i %s backs off, then delivers', async (status, reason) => {
	const channel = await createChannel(server.url);
	const token = deviceToken();
	await registerDevice(server.url, token);
	bed.fake.program(token, { status, reason, times: 2 });
	const id = await sendMessage(server.url, channel.token, { title: 'flaky' });
	await waitFor(
		async () => (await deliveriesOf(server.url, id))[0]?.state === 'retrying',
		'first backoff',
	);
	const first =
		Date.parse((await deliveriesOf(server.url, id))[0].next_attempt_at as string) - clock.now();
	expect(first).toBeGreaterThanOrEqual(800);
	expect(first).toBeLessThanOrEqual(1200);
	clock.advance(first);
	await server.jobs.runDue();
	await waitFor(
		async () => (await deliveriesOf(server.url, id))[0].attempts === 2,
		'second attempt',
	);
	const second =
		Date.parse((await deliveriesOf(server.url, id))[0].next_attempt_at as string) - clock.now();
	expect(second).toBeGreaterThanOrEqual(1600); // doubled
	clock.advance(second);
	await server.jobs.runDue();
	await waitFor(
		async () => (await deliveriesOf(server.url, id))[0].state === 'sent',
		'sent after backoff',
	);
	expect(bed.fake.answersFor(token).map((a) => a.status)).toEqual([status, status, 200]);
});

describe('410 Unregistered', () => {
	test('removes the device when the 410 is newer than its registration', async () => {
		const channel = await createChannel(server.url);
		const token = deviceToken();
		const device = await registerDevice(server.url, token);
		bed.fake.unregister(token, clock.now() + 1000);
		const id = await sendMessage(server.url, channel.token, { title: 'gone?' });
		await waitFor(
			async () => (await deliveriesOf(server.url, id))[0]?.state === 'failed',
			'failed delivery',
		);
		expect((await deliveriesOf(server.url, id))[0].reason).toBe('Unregistered');
		expect(
			(await api(server.url, 'GET', '/v1/devices', { key: ADMIN_KEY })).body.devices.map(
				(d: Device) => d.id,
			),
		).not.toContain(device.id);
		expect(await metric('ping_push_devices_removed_total')).toBe(1);
	});

	test('keeps the device when it registered again after the 410 timestamp', async () => {
		const channel = await createChannel(server.url);
		const token = deviceToken();
		bed.fake.unregister(token, clock.now() - 60_000);
		const device = await registerDevice(server.url, token); // registered after Apple's timestamp
		const id = await sendMessage(server.url, channel.token, { title: 'still here' });
		await waitFor(
			async () => (await deliveriesOf(server.url, id))[0]?.state === 'failed',
			'failed delivery',
		);
		expect(
			(await api(server.url, 'GET', '/v1/devices', { key: ADMIN_KEY })).body.devices.map(
				(d: Device) => d.id,
			),
		).toContain(device.id);
		expect(await metric('ping_push_devices_removed_total')).toBe(0);
	});
});

describe('400 BadDeviceToken is not a blind delete', () => {
	test('a token of the other environment is delivered there and the device is corrected', async () => {
		const channel = await createChannel(server.url);
		const token = deviceToken();
		const device = await registerDevice(server.url, token, 'production');
		bed.fake.onlyOn(token, 'sandbox');
		const id = await sendMessage(server.url, channel.token, { title: 'debug build' });
		await waitFor(() => bed.fake.acceptedFor(token).length === 1, 'delivery on sandbox');
		expect(bed.fake.acceptedFor(token)[0].environment).toBe('sandbox');
		await waitFor(async () => (await deliveriesOf(server.url, id))[0]?.state === 'sent', 'sent');
		const devices = (await api(server.url, 'GET', '/v1/devices', { key: ADMIN_KEY })).body.devices;
		expect(devices.find((d: { id: string }) => d.id === device.id).environment).toBe('sandbox');
		expect(await metric('ping_push_environment_switched_total')).toBe(1);
	});

	test('a token bad on both environments fails with BadDeviceToken and the device is kept', async () => {
		const channel = await createChannel(server.url);
		const token = deviceToken();
		const device = await registerDevice(server.url, token, 'production');
		bed.fake.program(token, { status: 400, reason: 'BadDeviceToken', times: 2 });
		const id = await sendMessage(server.url, channel.token, { title: 'broken' });
		await waitFor(
			async () => (await deliveriesOf(server.url, id))[0]?.state === 'failed',
			'failed',
		);
		expect((await deliveriesOf(server.url, id))[0].reason).toBe('BadDeviceToken');
		expect(bed.fake.answersFor(token).map((a) => a.environment)).toEqual(['production', 'sandbox']);
		expect(
			(await api(server.url, 'GET', '/v1/devices', { key: ADMIN_KEY })).body.devices.map(
				(d: Device) => d.id,
			),
		).toContain(device.id);
		expect(await metric('ping_push_failed_total{reason="BadDeviceToken"}')).toBe(1);
	});
});

test('an oversized body is truncated to a payload of at most 4096 bytes', async () => {
	const channel = await createChannel(server.url);
	const token = deviceToken();
	await registerDevice(server.url, token);
	await sendMessage(server.url, channel.token, {
		title: 'Long',
		body: 'Ünïcödé 🚀 '.repeat(900),
		priority: 'high',
	});
	await waitFor(() => bed.fake.acceptedFor(token).length === 1, 'the push');
	const [push] = bed.fake.acceptedFor(token);
	expect(push.bytes).toBeLessThanOrEqual(4096);
	expect(push.bytes).toBeGreaterThan(4000);
	expect(JSON.parse(push.payload).aps.alert.body.endsWith('…')).toBe(true);
});

test('other 4xx reasons fail at once and are counted by reason', async () => {
	const channel = await createChannel(server.url);
	const token = deviceToken();
	await registerDevice(server.url, token, 'production', { topic: 'com.not.ours' });
	const id = await sendMessage(server.url, channel.token, { title: 'wrong app' });
	await waitFor(async () => (await deliveriesOf(server.url, id))[0]?.state === 'failed', 'failed');
	expect((await deliveriesOf(server.url, id))[0]).toMatchObject({
		reason: 'TopicDisallowed',
		attempts: 1,
	});
	expect(await metric('ping_push_failed_total{reason="TopicDisallowed"}')).toBe(1);
});

test('a device registered after the message does not get it', async () => {
	const channel = await createChannel(server.url);
	const early = deviceToken();
	await registerDevice(server.url, early);
	bed.fake.delayMs = 50;
	const id = await sendMessage(server.url, channel.token, { title: 'before' });
	clock.advance(1000);
	await registerDevice(server.url, deviceToken());
	await waitFor(
		async () => (await deliveriesOf(server.url, id)).some((d) => d.state === 'sent'),
		'sent',
	);
	expect(await deliveriesOf(server.url, id)).toHaveLength(1);
});

test('/metrics exposes every push series in Prometheus text', async () => {
	const res = await api(server.url, 'GET', '/metrics');
	expect(res.status).toBe(200);
	expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
	const text = res.body.raw as string;
	for (const name of [
		'ping_push_enabled',
		'ping_push_sent_total',
		'ping_push_failed_total',
		'ping_push_retried_total',
		'ping_push_resent_total',
		'ping_push_in_flight',
		'ping_push_queued',
		'ping_push_devices_removed_total',
	]) {
		expect(text).toContain(`# TYPE ${name} `);
	}
	expect(text).toMatch(/^ping_push_enabled 1$/m);
});

test('the push is attempted even if the server stops right after answering', async () => {
	await server.stop();
	// First life: answers the send, then dies before any job runs (its store never hands out
	// jobs: no claim finds one, and its writes do not hand theirs to the queue).
	const dir = (await import('node:fs')).mkdtempSync(
		(await import('node:path')).join((await import('node:os')).tmpdir(), 'ping-push-'),
	);
	const real = new SqliteStore(`${dir}/ping.db`);
	const frozen: Store = new Proxy(real, {
		get: (target, prop, receiver) =>
			prop === 'claimDueJobs' ? async () => [] : Reflect.get(target, prop, receiver),
		set: (target, prop, value) => prop === 'jobStarter' || Reflect.set(target, prop, value),
	}) as Store;
	const first = await startTestServer({ clock, env: bed.env, dir, store: frozen });
	const channel = await createChannel(first.url);
	const token = deviceToken();
	await registerDevice(first.url, token);
	const id = await sendMessage(first.url, channel.token, { title: 'survives' });
	await first.stop({ keepFiles: true });
	expect(bed.fake.answers).toHaveLength(0);

	// Second life on the same database: the queued push goes out.
	server = await startTestServer({ clock, env: bed.env, dir });
	await waitFor(() => bed.fake.acceptedFor(token).length === 1, 'the push after restart');
	expect(JSON.parse(bed.fake.acceptedFor(token)[0].payload).message_id).toBe(id);
});

test('without APNs settings the server runs, says pushes are off, and messages still work', async () => {
	await server.stop();
	const lines: string[] = [];
	server = await startTestServer({ clock, log: createLogger('info', (l) => lines.push(l)) });
	const disabled = lines.map((l) => JSON.parse(l)).find((l) => l.event === 'push.disabled');
	expect(disabled).toMatchObject({ level: 'warn' });
	expect(disabled.message).toMatch(/pushes are OFF/);
	const channel = await createChannel(server.url);
	await registerDevice(server.url, deviceToken());
	const id = await sendMessage(server.url, channel.token, {
		title: 'no push',
		actions: [{ type: 'button', label: 'Ok', key: 'ok' }],
	});
	expect((await api(server.url, 'GET', `/v1/callback/${channel.token}/${id}`)).body.status).toBe(
		'pending',
	);
	expect(
		(
			await api(server.url, 'POST', `/v1/messages/${id}/respond`, {
				key: ADMIN_KEY,
				body: { triggered_by: 'ok' },
			})
		).status,
	).toBe(200);
	expect((await api(server.url, 'GET', `/v1/callback/${channel.token}/${id}`)).body.status).toBe(
		'submitted',
	);
	expect(await deliveriesOf(server.url, id)).toEqual([]);
	expect(await metric('ping_push_enabled')).toBe(0);
	expect(bed.fake.answers).toHaveLength(0);
});
