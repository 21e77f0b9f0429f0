import { ManualClock } from '../../../../server/src/domain/time';
import { WebPushDevice } from '../../../../server/src/domain/types';
import { TestSubscription } from '../../../fakes/push-service';
import { deliveriesOf, waitFor } from '../../../helpers/push';
import { describeOnBothStores } from '../../../helpers/redis';
import {
	ADMIN_KEY,
	TestServer,
	api,
	createChannel,
	metricValue,
	respond,
	sendMessage,
	startTestServer,
} from '../../../helpers/server';
import {
	VAPID_SUBJECT,
	WebPushTestbed,
	pairBrowser,
	startWebPushTestbed,
} from '../../../helpers/webpush';

/**
 * Web Push through the whole server: POST /v1/send → durable job → web-push (VAPID, aes128gcm)
 * → the fake push service, which checks the JWT and decrypts with the keys the test made. The
 * same suite runs on the SQLite and on the Redis store.
 */

const DAY = 24 * 3600 * 1000;

function webPushSuite(storeEnv: () => Record<string, string>) {
	let bed: WebPushTestbed;
	let server: TestServer;
	let clock: ManualClock;

	beforeAll(async () => {
		bed = await startWebPushTestbed();
	});
	afterAll(async () => {
		await bed.close();
	});
	beforeEach(async () => {
		bed.fake.reset();
		clock = new ManualClock(Date.now());
		server = await startTestServer({
			clock,
			env: { ...bed.env, ...storeEnv() },
			webPushCa: bed.ca,
		});
	});
	afterEach(async () => {
		await server.stop();
	});

	const store = () => server.ctx.store;
	const metric = (line: string) => metricValue(server.url, line);
	const browser = (sub: TestSubscription | null, over: Parameters<typeof pairBrowser>[2] = {}) =>
		pairBrowser(store(), clock.now(), { subscription: sub, ...over });
	const settled = (id: string, count: number) =>
		waitFor(
			async () =>
				(await deliveriesOf(server.url, id)).filter((d) => ['sent', 'failed'].includes(d.state))
					.length === count,
			`${count} settled deliveries of ${id}`,
		);

	test('a button message reaches a subscribed browser: exact decrypted payload, VAPID checked, TTL/Urgency/Topic headers, a delivery row of kind webpush', async () => {
		const channel = await createChannel(server.url);
		const sub = bed.fake.subscribe();
		const device = await browser(sub);
		const id = await sendMessage(server.url, channel.token, {
			title: 'Deploy?',
			body: '**Ready** to ship [v2](https://example.com)',
			priority: 'high',
			expires_in: 600,
			actions: [
				{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
				{ type: 'button', label: 'Decline', style: 'destructive' },
			],
		});
		await waitFor(() => bed.fake.pushesTo(sub.id).length === 1, 'the push');
		const push = bed.fake.pushesTo(sub.id)[0];
		const detail = (await api(server.url, 'GET', `/v1/messages/${id}`, { key: ADMIN_KEY })).body
			.message;
		expect(push.json).toEqual({
			type: 'message',
			message_id: id,
			channel_id: channel.id,
			title: 'Deploy?',
			body: 'Ready to ship v2',
			priority: 'high',
			answer_url: detail.answer_url,
			inbox_url: `${server.url}/app/#m-${id}`,
			require_interaction: true,
			actions: [
				{ action: 'a0', title: 'Approve', response: { triggered_by: 'approve' } },
				{ action: 'a1', title: 'Decline', response: { triggered_by: 'button_1' } },
			],
		});
		expect(detail.answer_url).toMatch(/\/a\/[A-Za-z0-9]{12}[A-Za-z0-9_-]{32}$/);
		// The fake accepted the JWT only if it verified with the configured key, for its origin.
		expect(push.vapidKey).toBe(bed.env.PING_WEBPUSH_PUBLIC_KEY);
		expect(push.claims).toMatchObject({ aud: bed.fake.origin, sub: VAPID_SUBJECT });
		expect(push.claims.exp * 1000).toBeGreaterThan(Date.now());
		expect(push).toMatchObject({ ttl: 600, urgency: 'high', topic: id });
		await settled(id, 1);
		expect(await deliveriesOf(server.url, id)).toEqual([
			expect.objectContaining({
				device_id: device.id,
				device_kind: 'webpush',
				state: 'sent',
				attempts: 1,
			}),
		]);
		expect(await metric('ping_webpush_sent_total{type="message"}')).toBe(1);
		expect(await metric('ping_webpush_enabled')).toBe(1);
		expect(await metric('ping_webpush_requests_total')).toBe(1);
	});

	test('a form message has no one-tap actions; a low message without expiry is Urgency low with a day of TTL', async () => {
		const channel = await createChannel(server.url);
		const sub = bed.fake.subscribe();
		await browser(sub);
		const id = await sendMessage(server.url, channel.token, {
			title: 'Which region?',
			body: '# Pick one\n- eu\n- us',
			priority: 'low',
			actions: [
				{ type: 'select', label: 'Region', key: 'region', options: [{ label: 'EU', value: 'eu' }] },
				{ type: 'button', label: 'Send', key: 'send' },
			],
		});
		await waitFor(() => bed.fake.pushesTo(sub.id).length === 1, 'the push');
		const push = bed.fake.pushesTo(sub.id)[0];
		expect(push.json).toEqual({
			type: 'message',
			message_id: id,
			channel_id: channel.id,
			title: 'Which region?',
			body: 'Pick one\n• eu\n• us',
			priority: 'low',
			answer_url: expect.stringMatching(/\/a\//),
			inbox_url: `${server.url}/app/#m-${id}`,
			require_interaction: false,
			actions: [],
		});
		expect(push).toMatchObject({ ttl: 86_400, urgency: 'low', topic: id });
	});

	test('404 and 410 remove the subscription and keep the device; its row says why', async () => {
		const channel = await createChannel(server.url);
		const gone = bed.fake.subscribe();
		const missing = bed.fake.subscribe();
		bed.fake.program(gone.id, { status: 410 });
		bed.fake.program(missing.id, { status: 404 });
		const a = await browser(gone);
		const b = await browser(missing);
		const id = await sendMessage(server.url, channel.token, { title: 'hello' });
		await settled(id, 2);
		const rows = await deliveriesOf(server.url, id);
		expect(rows.find((r) => r.device_id === a.id)).toMatchObject({
			state: 'failed',
			reason: 'HTTP 410',
		});
		expect(rows.find((r) => r.device_id === b.id)).toMatchObject({
			state: 'failed',
			reason: 'HTTP 404',
		});
		for (const d of [a, b])
			expect(await store().getDevice(d.id)).toMatchObject({ id: d.id, subscription: null });
		expect(await metric('ping_webpush_subscriptions_removed_total{why="gone"}')).toBe(2);
		// The next message has no subscription to go to: no row, no request.
		bed.fake.reset();
		const next = await sendMessage(server.url, channel.token, { title: 'again' });
		await server.jobs.runDue();
		expect(await deliveriesOf(server.url, next)).toEqual([]);
		expect(bed.fake.requests).toBe(0);
	});

	test('429 is retried exactly after its Retry-After, 500 after a backoff, and another 4xx fails with the reason', async () => {
		const channel = await createChannel(server.url);
		const limited = bed.fake.subscribe();
		const broken = bed.fake.subscribe();
		const refused = bed.fake.subscribe();
		bed.fake.program(limited.id, { status: 429, retryAfter: '120' });
		bed.fake.program(broken.id, { status: 500 });
		bed.fake.program(refused.id, { status: 400, body: 'UnsupportedTopic' });
		const [l, b, r] = [await browser(limited), await browser(broken), await browser(refused)];
		const id = await sendMessage(server.url, channel.token, { title: 'retry me' });
		await settled(id, 1);
		const rows = await deliveriesOf(server.url, id);
		const sentAt = clock.now();
		expect(rows.find((x) => x.device_id === r.id)).toMatchObject({
			state: 'failed',
			reason: 'HTTP 400: UnsupportedTopic',
		});
		expect(rows.find((x) => x.device_id === l.id)).toMatchObject({
			state: 'retrying',
			reason: 'HTTP 429',
			next_attempt_at: new Date(sentAt + 120_000).toISOString(),
		});
		const backoff = rows.find((x) => x.device_id === b.id);
		expect(backoff).toMatchObject({ state: 'retrying', reason: 'HTTP 500' });
		const backoffAt = Date.parse(backoff!.next_attempt_at!);
		expect(backoffAt - sentAt).toBeGreaterThanOrEqual(800);
		expect(backoffAt - sentAt).toBeLessThanOrEqual(1200);

		clock.advance(1_200);
		await server.jobs.runDue();
		expect(bed.fake.pushesTo(broken.id)).toHaveLength(1);
		expect(bed.fake.pushesTo(limited.id)).toHaveLength(0);
		clock.advance(120_000);
		await server.jobs.runDue();
		expect(bed.fake.pushesTo(limited.id)).toHaveLength(1);
		const after = await deliveriesOf(server.url, id);
		expect(after.find((x) => x.device_id === l.id)).toMatchObject({ state: 'sent', attempts: 2 });
		expect(after.find((x) => x.device_id === b.id)).toMatchObject({ state: 'sent', attempts: 2 });
		expect(await metric('ping_webpush_retried_total{reason="HTTP 429"}')).toBe(1);
		expect(await metric('ping_webpush_failed_total{reason="HTTP 400"}')).toBe(1);
		// Only 404/410 touch the subscription.
		expect((await store().getDevice(r.id)) as WebPushDevice).toMatchObject({
			subscription: { endpoint: refused.endpoint },
		});
	});

	test('a long body is cut so that the encrypted push stays within 4096 bytes', async () => {
		const channel = await createChannel(server.url);
		const sub = bed.fake.subscribe();
		await browser(sub);
		const body = 'Ünïcødé 🚀 '.repeat(900).slice(0, 10_000);
		await sendMessage(server.url, channel.token, { title: 'Long', body });
		await waitFor(() => bed.fake.pushesTo(sub.id).length === 1, 'the push');
		const push = bed.fake.pushesTo(sub.id)[0];
		expect(push.bytes).toBeLessThanOrEqual(4096);
		expect(push.bytes).toBeGreaterThan(3900);
		expect(push.json.body.endsWith('…')).toBe(true);
		expect(body.startsWith(push.json.body.slice(0, -1).trimEnd())).toBe(true);
	});

	test('a browser revoked after the send gets nothing: the queued job checks it still exists', async () => {
		const channel = await createChannel(server.url);
		const sub = bed.fake.subscribe();
		const device = await browser(sub);
		bed.fake.program(sub.id, { status: 503 });
		const id = await sendMessage(server.url, channel.token, { title: 'revoke me' });
		await waitFor(
			async () => (await deliveriesOf(server.url, id))[0]?.state === 'retrying',
			'a retry scheduled',
		);
		expect(
			(await api(server.url, 'DELETE', `/v1/devices/${device.id}`, { key: ADMIN_KEY })).status,
		).toBe(200);
		clock.advance(10 * 60_000);
		bed.fake.reset();
		await server.jobs.runDue();
		expect(bed.fake.requests).toBe(0);
		expect((await deliveriesOf(server.url, id))[0]).toMatchObject({
			state: 'failed',
			reason: 'DeviceRemoved',
			device_kind: 'webpush',
		});
	});

	test('scope: a browser scoped to channel A gets nothing from channel B, nor from before it was paired', async () => {
		const a = await createChannel(server.url, 'A');
		const b = await createChannel(server.url, 'B');
		const early = await sendMessage(server.url, a.token, { title: 'before pairing' });
		await server.jobs.runDue();
		clock.advance(1);
		const scoped = bed.fake.subscribe();
		const all = bed.fake.subscribe();
		await browser(scoped, { channelIds: [a.id] });
		await browser(all, { channelIds: null });
		await browser(null); // paired, not subscribed: the inbox only
		const fromB = await sendMessage(server.url, b.token, { title: 'from B' });
		const fromA = await sendMessage(server.url, a.token, { title: 'from A' });
		await settled(fromA, 2);
		await settled(fromB, 1);
		expect(bed.fake.pushesTo(scoped.id).map((p) => p.json.message_id)).toEqual([fromA]);
		expect(
			bed.fake
				.pushesTo(all.id)
				.map((p) => p.json.message_id)
				.sort(),
		).toEqual([fromA, fromB].sort());
		expect(await deliveriesOf(server.url, early)).toEqual([]);
	});

	test('the first answer sends "answered" (same Topic, Urgency normal, short TTL) to the browsers the message reached', async () => {
		const channel = await createChannel(server.url);
		const one = bed.fake.subscribe();
		const two = bed.fake.subscribe();
		await browser(one);
		await browser(two);
		const id = await sendMessage(server.url, channel.token, {
			title: 'Approve?',
			actions: [{ type: 'button', label: 'Yes', key: 'yes' }],
		});
		await settled(id, 2);
		expect((await respond(server.url, id, { triggered_by: 'yes', responder: 'ana' })).status).toBe(
			200,
		);
		await waitFor(
			() => bed.fake.pushesTo(one.id).length === 2 && bed.fake.pushesTo(two.id).length === 2,
			'the answered pushes',
		);
		for (const sub of [one, two]) {
			const push = bed.fake.pushesTo(sub.id)[1];
			expect(push.json).toEqual({ type: 'answered', message_id: id, answered_by: 'ana' });
			expect(push).toMatchObject({ topic: id, urgency: 'normal', ttl: 43_200 });
		}
		expect(await metric('ping_webpush_sent_total{type="answered"}')).toBe(2);
	});

	test('unused subscriptions: one "expiring" push at 55 days, the subscription removed at 60', async () => {
		const sub = bed.fake.subscribe();
		const fresh = bed.fake.subscribe();
		const seenAt = clock.now();
		const device = await browser(sub, { lastSeenAt: seenAt });
		const sweep = () => server.webPush.expiry!.sweep();
		clock.set(seenAt + 54 * DAY);
		await browser(fresh, { lastSeenAt: clock.now() });
		expect(await sweep()).toEqual({ warned: 0, expired: 0 });
		clock.set(seenAt + 55 * DAY);
		expect(await sweep()).toEqual({ warned: 1, expired: 0 });
		expect(bed.fake.pushesTo(sub.id).map((p) => p.json)).toEqual([
			{ type: 'expiring', days_left: 5, inbox_url: `${server.url}/app/` },
		]);
		expect(bed.fake.pushesTo(sub.id)[0]).toMatchObject({ urgency: 'normal', ttl: 5 * 86_400 });
		clock.set(seenAt + 57 * DAY);
		expect(await sweep()).toEqual({ warned: 0, expired: 0 });
		expect(bed.fake.pushesTo(sub.id)).toHaveLength(1);
		clock.set(seenAt + 60 * DAY - 1);
		expect(await sweep()).toEqual({ warned: 0, expired: 0 });
		clock.set(seenAt + 60 * DAY);
		expect(await sweep()).toEqual({ warned: 0, expired: 1 });
		expect(await store().getDevice(device.id)).toMatchObject({ id: device.id, subscription: null });
		expect(((await store().getDevice(device.id)) as WebPushDevice).subscription).toBeNull();
		expect(bed.fake.pushesTo(fresh.id)).toHaveLength(0);
		expect(await metric('ping_webpush_subscriptions_removed_total{why="unused"}')).toBe(1);
		expect(await metric('ping_webpush_sent_total{type="expiring"}')).toBe(1);
	});

	test('an expiry warning the push service could not take (503) is sent again by the next sweep', async () => {
		const sub = bed.fake.subscribe();
		const seenAt = clock.now();
		await browser(sub, { lastSeenAt: seenAt });
		bed.fake.program(sub.id, { status: 503 });
		clock.set(seenAt + 55 * DAY);
		expect(await server.webPush.expiry!.sweep()).toEqual({ warned: 0, expired: 0 });
		clock.set(seenAt + 55 * DAY + 3600_000);
		expect(await server.webPush.expiry!.sweep()).toEqual({ warned: 1, expired: 0 });
		expect(bed.fake.pushesTo(sub.id).map((p) => p.json.type)).toEqual(['expiring']);
	});
}

describeOnBothStores('Web Push delivery', webPushSuite);
