import { ManualClock } from '../../../server/src/domain/time';
import {
	PushTestbed,
	deliveriesOf,
	deviceToken,
	registerDevice,
	startPushTestbed,
	waitFor,
} from '../../helpers/push';
import { describeOnBothStores } from '../../helpers/redis';
import {
	ADMIN_KEY,
	TestServer,
	api,
	createChannel,
	metricValue,
	sendMessage,
	startTestServer,
} from '../../helpers/server';
import { WebPushTestbed, pairBrowser, startWebPushTestbed } from '../../helpers/webpush';

/**
 * APNs and Web Push on one server: their delivery rows share the store's table, each with its
 * device's kind, and each job lists and settles only the rows of its own kind, a removed
 * device's too (counted in its own metrics). The same suite runs on both stores.
 */
function bothKindsSuite(storeEnv: () => Record<string, string>) {
	let apns: PushTestbed;
	let webPush: WebPushTestbed;
	let server: TestServer;
	let clock: ManualClock;

	beforeAll(async () => {
		apns = await startPushTestbed();
		webPush = await startWebPushTestbed();
	});
	afterAll(async () => {
		await apns.close();
		await webPush.close();
	});
	beforeEach(async () => {
		apns.fake.reset();
		webPush.fake.reset();
		clock = new ManualClock(Date.now());
		server = await startTestServer({
			clock,
			env: { ...apns.env, ...webPush.env, ...storeEnv() },
			webPushCa: webPush.ca,
		});
	});
	afterEach(async () => {
		await server.stop();
	});

	const metric = (line: string) => metricValue(server.url, line);

	test("a removed device's row is settled by the job of its own kind, and counted in its metrics", async () => {
		const channel = await createChannel(server.url);
		const token = deviceToken();
		const phone = await registerDevice(server.url, token);
		apns.fake.program(token, {
			status: 503,
			reason: 'ServiceUnavailable',
			times: Infinity,
		});
		const sub = webPush.fake.subscribe();
		const browser = await pairBrowser(server.ctx.store, clock.now(), { subscription: sub });
		webPush.fake.program(sub.id, { status: 503 });
		const id = await sendMessage(server.url, channel.token, { title: 'to both' });
		await waitFor(
			async () =>
				(await deliveriesOf(server.url, id)).filter((d) => d.state === 'retrying').length === 2,
			'both rows retrying',
		);
		const kinds = async () =>
			Object.fromEntries((await deliveriesOf(server.url, id)).map((d) => [d.device_id, d]));
		expect(await kinds()).toEqual({
			[phone.id]: expect.objectContaining({ device_kind: 'apns', attempts: 1 }),
			[browser.id]: expect.objectContaining({ device_kind: 'webpush', attempts: 1 }),
		});

		for (const device of [phone.id, browser.id]) {
			const res = await api(server.url, 'DELETE', `/v1/devices/${device}`, { key: ADMIN_KEY });
			expect(res.status).toBe(200);
		}
		// Both retries are due: whichever job runs first settles only its own device's row.
		clock.advance(10 * 60_000);
		await server.jobs.runDue();
		await waitFor(
			async () =>
				(await deliveriesOf(server.url, id)).filter((d) => d.state === 'failed').length === 2,
			'both rows settled',
		);
		const removed = { state: 'failed', reason: 'DeviceRemoved', attempts: 1 };
		expect(await kinds()).toEqual({
			[phone.id]: expect.objectContaining({ ...removed, device_kind: 'apns' }),
			[browser.id]: expect.objectContaining({ ...removed, device_kind: 'webpush' }),
		});
		expect(await metric('ping_push_failed_total{reason="DeviceRemoved"}')).toBe(1);
		expect(await metric('ping_webpush_failed_total{reason="DeviceRemoved"}')).toBe(1);
		expect(apns.fake.answersFor(token)).toHaveLength(1);
		expect(webPush.fake.requests).toBe(1); // the first 503 only
	});
}

describeOnBothStores('APNs and Web Push', bothKindsSuite);
