import { ManualClock } from '../../../../server/src/domain/time';
import { Answer, Message } from '../../../../server/src/domain/types';
import {
	MAX_PAYLOAD_BYTES,
	messageNotification,
	oneTapActions,
	topicFor,
	ttlSecondsFor,
} from '../../../../server/src/delivery/webpush/payload';
import { WebPushDelivery } from '../../../../server/src/delivery/webpush/webpush-delivery';
import { webPushMetrics } from '../../../../server/src/delivery/webpush/webpush-metrics';
import { createLogger, silentLogger } from '../../../../server/src/observability/log';
import { Metrics } from '../../../../server/src/observability/metrics';
import { deliveriesOf } from '../../../helpers/push';
import {
	TestServer,
	api,
	createChannel,
	sendMessage,
	startTestServer,
} from '../../../helpers/server';
import { WebPushTestbed, pairBrowser, startWebPushTestbed } from '../../../helpers/webpush';

const T0 = Date.UTC(2026, 0, 1);
const message = (over: Partial<Message> = {}): Message => ({
	id: 'msg_abcdefghijkl',
	channelId: 'ch_abcdefghijkl',
	title: 'Deploy?',
	body: null,
	priority: 'normal',
	callbackUrl: null,
	actions: [],
	createdAt: T0,
	expiresAt: null,
	muted: false,
	...over,
});

describe('Web Push payload rules', () => {
	test('one-tap actions only for one or two buttons and no form field', () => {
		const approve = { type: 'button', label: 'Approve', key: 'approve', style: 'primary' } as const;
		const reject = {
			type: 'button',
			label: 'Reject',
			key: 'reject',
			style: 'destructive',
		} as const;
		expect(oneTapActions(message({ actions: [approve, reject] }))).toEqual([
			{ action: 'a0', title: 'Approve', response: { triggered_by: 'approve' } },
			{ action: 'a1', title: 'Reject', response: { triggered_by: 'reject' } },
		]);
		// A link beside a button: the button's key is its position among all actions.
		expect(
			oneTapActions(
				message({
					actions: [
						{ type: 'url', label: 'Logs', value: 'https://example.com' },
						{ type: 'button', label: 'Ok', style: 'secondary' },
					],
				}),
			),
		).toEqual([{ action: 'a0', title: 'Ok', response: { triggered_by: 'button_1' } }]);
		expect(
			oneTapActions(message({ actions: [approve, reject, { ...approve, key: 'x' }] })),
		).toEqual([]);
		expect(
			oneTapActions(message({ actions: [approve, { type: 'toggle', label: 'Now', key: 'now' }] })),
		).toEqual([]);
		expect(oneTapActions(message({ actions: [] }))).toEqual([]);
	});

	test('TTL: seconds to the expiry (never 0), a day without expiry, capped at four weeks, none once expired', () => {
		expect(ttlSecondsFor({ expiresAt: null }, T0)).toBe(86_400);
		expect(ttlSecondsFor({ expiresAt: T0 + 90_500 }, T0)).toBe(91);
		expect(ttlSecondsFor({ expiresAt: T0 + 1 }, T0)).toBe(1);
		expect(ttlSecondsFor({ expiresAt: T0 }, T0)).toBeNull();
		expect(ttlSecondsFor({ expiresAt: T0 + 90 * 86_400_000 }, T0)).toBe(28 * 86_400);
		expect(
			messageNotification(message({ expiresAt: T0 - 1 }), { answerUrl: null, baseUrl: 'x' }, T0),
		).toBeNull();
	});

	test('Topic is the message id, or a 32-character digest of an id of another shape', () => {
		expect(topicFor('msg_abcdefghijkl')).toBe('msg_abcdefghijkl');
		const long = topicFor('a.message.id.with.dots.and.far.more.than.32.characters');
		expect(long).toMatch(/^[A-Za-z0-9_-]{32}$/);
		expect(topicFor('a.message.id.with.dots.and.far.more.than.32.characters')).toBe(long);
	});

	test('a body of any length fits the payload budget, cut on a character boundary', () => {
		for (const body of ['x'.repeat(10_000), '👩‍👩‍👧‍👦'.repeat(2_000), 'é'.repeat(9_999)]) {
			const n = messageNotification(
				message({ body }),
				{ answerUrl: 'https://ping.example/a/' + 'x'.repeat(32), baseUrl: 'https://ping.example' },
				T0,
			)!;
			expect(Buffer.byteLength(n.payload)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
			expect(n.truncated).toBe(true);
			const cut = JSON.parse(n.payload).body as string;
			expect(cut.endsWith('…')).toBe(true);
			expect(body.startsWith(cut.slice(0, -1))).toBe(true);
		}
	});
});

describe('Web Push answered jobs', () => {
	test('the browser that answered is left out: it closes its own notification', async () => {
		const metrics = webPushMetrics(new Metrics());
		const delivery = new WebPushDelivery({
			store: {} as never,
			clock: new ManualClock(T0),
			log: silentLogger,
			metrics,
			sender: {} as never, // configured; jobsForAnswer makes jobs without sending
			baseUrl: () => 'https://ping.example',
		});
		const answer = (responder: unknown): Answer => ({
			triggeredBy: 'approve',
			responses: {},
			timestamp: '2026-01-01T00:00:00Z',
			submittedAt: T0 + 5,
			responder: responder as Answer['responder'],
		});
		const record = { ...message(), answer: null, readAt: null, callbackState: 'none' as const };
		expect(
			await delivery.jobsForAnswer(
				record,
				answer({ via: 'device', device_id: 'dev_abc', name: 'Kitchen' }),
			),
		).toEqual([
			{
				kind: 'webpush.answered',
				payload: { message_id: record.id, answered_by: 'Kitchen', except_device_id: 'dev_abc' },
				runAt: T0 + 5,
			},
		]);
		expect((await delivery.jobsForAnswer(record, answer({ via: 'link' })))[0].payload).toEqual({
			message_id: record.id,
			answered_by: 'link',
			except_device_id: null,
		});
	});
});

describe('Web Push at the edges of configuration', () => {
	let bed: WebPushTestbed;
	let server: TestServer | null = null;
	beforeAll(async () => {
		bed = await startWebPushTestbed();
	});
	afterAll(async () => {
		await bed.close();
	});
	afterEach(async () => {
		await server?.stop();
		server = null;
	});

	test('an endpoint the address guard refuses (not allowed loopback, a private address, http) fails with the reason and no request is made', async () => {
		// No PING_CALLBACK_ALLOW: loopback is refused like any private address.
		const { PING_CALLBACK_ALLOW: _allowed, ...env } = bed.env;
		server = await startTestServer({ env, webPushCa: bed.ca });
		const channel = await createChannel(server.url);
		const loopback = bed.fake.subscribe();
		const a = await pairBrowser(server.ctx.store, Date.now() - 1, { subscription: loopback });
		const b = await pairBrowser(server.ctx.store, Date.now() - 1, {
			subscription: { ...bed.fake.subscribe(), endpoint: 'https://10.1.2.3/push/x' },
		});
		const c = await pairBrowser(server.ctx.store, Date.now() - 1, {
			subscription: { ...bed.fake.subscribe(), endpoint: `http://example.com/push/x` },
		});
		bed.fake.reset();
		const id = await sendMessage(server.url, channel.token, { title: 'guarded' });
		await server.jobs.runDue();
		const rows = await deliveriesOf(server.url, id);
		const reasonOf = (deviceId: string) => rows.find((r) => r.device_id === deviceId)?.reason;
		expect(reasonOf(a.id)).toMatch(/^127\.0\.0\.1 is .*PING_CALLBACK_ALLOW/);
		expect(reasonOf(b.id)).toMatch(/^10\.1\.2\.3 is .*private/);
		expect(reasonOf(c.id)).toBe('push endpoints must be https, got http:');
		expect(rows.every((r) => r.state === 'failed')).toBe(true);
		expect(bed.fake.requests).toBe(0);
		// The subscription stays: only the push service's 404/410 removes one.
		expect(await server.ctx.store.getDevice(a.id)).toMatchObject({
			subscription: { endpoint: loopback.endpoint },
		});
	});

	test('without the PING_WEBPUSH_* settings: off, said once at start-up, no jobs, no requests', async () => {
		const lines: string[] = [];
		server = await startTestServer({
			env: { PING_CALLBACK_ALLOW: '127.0.0.1/32' },
			log: createLogger('info', (l) => lines.push(l)),
		});
		const logged = lines.map((l) => JSON.parse(l));
		const disabled = logged.filter((l) => l.event === 'webpush.disabled');
		expect(disabled).toHaveLength(1);
		expect(disabled[0]).toMatchObject({ level: 'warn' });
		expect(disabled[0].message).toMatch(/ping-server webpush-keys/);
		expect(server.webPush.expiry).toBeNull();
		const channel = await createChannel(server.url);
		await pairBrowser(server.ctx.store, Date.now() - 1, { subscription: bed.fake.subscribe() });
		bed.fake.reset();
		const id = await sendMessage(server.url, channel.token, { title: 'no push' });
		expect(await server.jobs.nextDueAt()).toBeNull();
		expect(await deliveriesOf(server.url, id)).toEqual([]);
		expect(bed.fake.requests).toBe(0);
		const text = (await api(server.url, 'GET', '/metrics')).body.raw as string;
		expect(text).toMatch(/^ping_webpush_enabled 0$/m);
	});
});
