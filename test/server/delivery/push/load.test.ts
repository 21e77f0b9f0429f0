import { ManualClock } from '../../../../server/src/domain/time';
import { newDeviceId } from '../../../../server/src/domain/ids';
import { ADMIN_ACCOUNT_ID } from '../../../../server/src/domain/keys';
import { PushTestbed, deliveriesOf, startPushTestbed, waitFor } from '../../../helpers/push';
import {
	TestServer,
	api,
	createChannel,
	sendMessage,
	startTestServer,
} from '../../../helpers/server';

/** The sender under connection churn and stream limits, through the whole server path. */

async function addDevices(server: TestServer, count: number, createdAt: number): Promise<string[]> {
	const tokens: string[] = [];
	for (let i = 0; i < count; i++) {
		const token = `c${i.toString(16).padStart(63, '0')}`;
		tokens.push(token);
		await server.ctx.store.insertDevice({
			id: newDeviceId(),
			kind: 'apns',
			accountId: ADMIN_ACCOUNT_ID,
			token,
			environment: i % 2 === 0 ? 'production' : 'sandbox',
			topic: null,
			name: null,
			createdAt,
			registeredAt: createdAt,
			lastSeenAt: null,
		});
	}
	return tokens;
}

describe('GOAWAY every few hundred streams', () => {
	let bed: PushTestbed;
	let server: TestServer;
	beforeAll(async () => {
		bed = await startPushTestbed();
		server = await startTestServer({ env: bed.env });
	});
	afterAll(async () => {
		await server.stop();
		await bed.close();
	});

	test('5,000 pushes (5 messages × 1,000 devices): every notification delivered exactly once', async () => {
		bed.fake.goawayEvery = 300;
		bed.fake.recordPayloads = true;
		const channel = await createChannel(server.url);
		const tokens = await addDevices(server, 1000, Date.now() - 1000);
		const ids: string[] = [];
		for (let i = 0; i < 5; i++)
			ids.push(await sendMessage(server.url, channel.token, { title: `wave ${i}` }));
		await waitFor(() => bed.fake.accepted.length >= 5000, '5,000 accepted pushes', 30_000);
		await waitFor(
			async () =>
				(await deliveriesOf(server.url, ids[4])).filter((d) => d.state === 'sent').length === 1000,
			'all rows sent',
			10_000,
		);

		const seen = new Map<string, number>();
		for (const n of bed.fake.accepted) {
			const key = `${n.token}/${JSON.parse(n.payload).message_id}`;
			seen.set(key, (seen.get(key) ?? 0) + 1);
		}
		const expected = ids.flatMap((id) => tokens.map((t) => `${t}/${id}`));
		expect(expected.filter((k) => seen.get(k) !== 1)).toEqual([]); // none lost, none twice
		expect(bed.fake.accepted).toHaveLength(5000);
		expect(bed.fake.goaways).toBeGreaterThanOrEqual(10);
		for (const id of ids)
			expect((await deliveriesOf(server.url, id)).every((d) => d.state === 'sent')).toBe(true);
		const text = (await api(server.url, 'GET', '/metrics')).body.raw as string;
		expect(text).toMatch(/^ping_push_sent_total 5000$/m);
		expect(text).toMatch(/^ping_push_resent_total\{reason="REFUSED_STREAM"\} [1-9]/m);
		expect(text).toMatch(/^ping_push_in_flight 0$/m);
		expect(text).toMatch(/^ping_push_queued 0$/m);
	}, 40_000);
});

describe('the in-flight window', () => {
	test("never more streams in flight than the server's SETTINGS allow", async () => {
		const bed = await startPushTestbed({ maxConcurrentStreams: 5 });
		const server = await startTestServer({ env: bed.env });
		try {
			bed.fake.delayMs = 10;
			const channel = await createChannel(server.url);
			await addDevices(server, 60, Date.now() - 1000);
			await sendMessage(server.url, channel.token, { title: 'crowd' });
			await waitFor(() => bed.fake.accepted.length === 60, '60 pushes', 10_000);
			expect(bed.fake.maxConcurrentSeen).toBeLessThanOrEqual(5);
			expect(bed.fake.maxConcurrentSeen).toBeGreaterThanOrEqual(2);
		} finally {
			await server.stop();
			await bed.close();
		}
	});

	test('nor more than PING_APNS_MAX_IN_FLIGHT', async () => {
		const bed = await startPushTestbed({}, { PING_APNS_MAX_IN_FLIGHT: '3' });
		const server = await startTestServer({ env: bed.env });
		try {
			bed.fake.delayMs = 10;
			const channel = await createChannel(server.url);
			await addDevices(server, 40, Date.now() - 1000);
			await sendMessage(server.url, channel.token, { title: 'trickle' });
			await waitFor(() => bed.fake.accepted.length === 40, '40 pushes', 10_000);
			// Two environments, one connection each, three streams per connection at most.
			expect(bed.fake.maxConcurrentSeen).toBeLessThanOrEqual(3);
		} finally {
			await server.stop();
			await bed.close();
		}
	});
});

describe('timeouts and provider tokens', () => {
	let bed: PushTestbed;
	let server: TestServer;
	const clock = new ManualClock(Date.now());
	beforeAll(async () => {
		bed = await startPushTestbed({}, { PING_APNS_TIMEOUT_MS: '200' });
		server = await startTestServer({ env: bed.env, clock });
	});
	afterAll(async () => {
		await server.stop();
		await bed.close();
	});
	beforeEach(() => bed.fake.reset());

	test('a request with no answer within PING_APNS_TIMEOUT_MS is retried later', async () => {
		bed.fake.delayMs = 1000;
		const channel = await createChannel(server.url);
		await addDevices(server, 1, clock.now() - 1000);
		const id = await sendMessage(server.url, channel.token, { title: 'slow apple' });
		await waitFor(
			async () => (await deliveriesOf(server.url, id))[0]?.state === 'retrying',
			'retrying after timeout',
		);
		expect((await deliveriesOf(server.url, id))[0].reason).toBe('Timeout');
		bed.fake.delayMs = 0;
		clock.advance(5_000);
		await server.jobs.runDue();
		await waitFor(
			async () => (await deliveriesOf(server.url, id))[0].state === 'sent',
			'sent on retry',
		);
	});

	test('403 ExpiredProviderToken: node-apn signs a new token and the push is retried', async () => {
		bed.fake.clockSkewMs = 2 * 3600_000; // every token looks two hours old
		const channel = await createChannel(server.url);
		const id = await sendMessage(server.url, channel.token, { title: 'old token' });
		await waitFor(
			async () => (await deliveriesOf(server.url, id)).some((d) => d.state === 'retrying'),
			'retrying',
		);
		expect(
			(await deliveriesOf(server.url, id)).every((d) => d.reason === 'ExpiredProviderToken'),
		).toBe(true);
		bed.fake.clockSkewMs = 0;
		clock.advance(5_000);
		await server.jobs.runDue();
		await waitFor(
			async () => (await deliveriesOf(server.url, id)).every((d) => d.state === 'sent'),
			'sent with a fresh token',
		);
	});
});
