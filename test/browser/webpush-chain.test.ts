/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { FakeReceiver, ReceivedCallback } from '../fakes/callback-receiver';
import { ReceivedPush, TestSubscription } from '../fakes/push-service';
import { describeInChromium } from '../helpers/browser';
import { verifiedIndependently } from '../helpers/callbacks';
import * as inbox from '../helpers/inbox';
import { deliveriesOf, waitFor } from '../helpers/push';
import {
	ADMIN_KEY,
	api,
	createChannel,
	startTestServer,
	TestChannel,
	TestServer,
} from '../helpers/server';
import { startWebPushTestbed, WebPushTestbed } from '../helpers/webpush';

/**
 * The whole Web Push chain with real parts, the two halves of the feature together: the server
 * pushes through `web-push` to the fake push service (VAPID checked, body decrypted with the
 * keys of the subscription the inbox page stored), and the decrypted bytes, unchanged, are
 * handed to the inbox's service worker in Chromium, as a browser hands a push it received.
 * Only the browser's link to a push service is replaced: headless Chromium has none
 * (docs/architecture.md#what-the-inbox-tests-prove-and-what-not).
 */

let bed: WebPushTestbed;
let server: TestServer;
let receiver: FakeReceiver;
let deploys: TestChannel;

const APPROVAL = [
	{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
	{ type: 'button', label: 'Decline', key: 'decline', style: 'destructive' },
];

/** Generous: on a loaded 2-core machine a job, a push and a worker start can each take seconds. */
const WAIT_MS = 30_000;

async function send(body: Record<string, unknown>): Promise<string> {
	const res = await api(server.url, 'POST', `/v1/send/${deploys.token}`, {
		body: { callback_url: receiver.url, actions: APPROVAL, ...body },
	});
	if (res.status !== 200) throw new Error(`send → ${res.status} ${JSON.stringify(res.body)}`);
	return res.body.id;
}

async function callbackFor(id: string): Promise<ReceivedCallback> {
	let found: ReceivedCallback | undefined;
	await waitFor(
		() => (found = receiver.received.find((c) => c.body.message_id === id)) !== undefined,
		`the callback of ${id}`,
		WAIT_MS,
	);
	return found as ReceivedCallback;
}

/** Waits until the fake push service has decrypted `count` pushes for the subscription; returns them. */
async function pushesTo(subscription: TestSubscription, count: number): Promise<ReceivedPush[]> {
	await waitFor(
		() => bed.fake.pushesTo(subscription.id).length >= count,
		`${count} push(es) to ${subscription.id} (refused: ${JSON.stringify(bed.fake.refused)})`,
		WAIT_MS,
	);
	return bed.fake.pushesTo(subscription.id);
}

jest.setTimeout(180_000);

describeInChromium('Web Push end to end: server → push service → service worker (Chromium)', () => {
	let closing: (() => Promise<void>)[] = [];

	beforeAll(async () => {
		bed = await startWebPushTestbed();
		receiver = await new FakeReceiver().start();
		server = await startTestServer({
			env: { ...bed.env, PING_CALLBACK_ALLOW: '127.0.0.1/32' },
			webPushCa: bed.ca,
		});
		deploys = await createChannel(server.url, 'Deploys');
	}, 60_000);

	afterAll(async () => {
		for (const close of closing) await close();
		closing = [];
		await server?.stop();
		await receiver?.stop();
		await bed?.close();
	});

	interface SubscribedPhone extends inbox.Phone {
		id: string;
		name: string;
		/** The subscription the page got from the fake push service through `PushManager.subscribe`. */
		subscription: TestSubscription;
		/** Hands push data to this phone's service worker. */
		deliver(data: string): Promise<void>;
	}

	/**
	 * A phone paired through the pair page, its inbox controlled by the service worker, and
	 * subscribed by pressing "Turn on notifications". `PushManager.subscribe` is replaced in
	 * the page by one that asks the fake push service for a subscription made with the
	 * `applicationServerKey` the page passed (the fake then accepts only pushes signed with it).
	 */
	async function subscribedPhone(name: string): Promise<SubscribedPhone> {
		const phone = await inbox.installablePhone(server.url);
		closing.push(phone.close);
		const made: TestSubscription[] = [];
		await phone.context.exposeFunction('fakePushSubscribe', (applicationServerKey: string) => {
			const subscription = bed.fake.subscribe({ applicationServerKey });
			made.push(subscription);
			return {
				endpoint: subscription.endpoint,
				keys: { p256dh: subscription.p256dh, auth: subscription.auth },
			};
		});
		await phone.context.addInitScript(() => {
			const w = window as unknown as {
				fakePushSubscribe(key: string): Promise<{ endpoint: string; keys: object }>;
			};
			let current: PushSubscription | null = null;
			PushManager.prototype.getSubscription = async () => current;
			PushManager.prototype.subscribe = async function (options?: PushSubscriptionOptionsInit) {
				const key = new Uint8Array(options?.applicationServerKey as ArrayBuffer);
				const base64url = btoa(String.fromCharCode(...key))
					.replace(/\+/g, '-')
					.replace(/\//g, '_')
					.replace(/=+$/, '');
				const json = { ...(await w.fakePushSubscribe(base64url)), expirationTime: null };
				current = {
					endpoint: json.endpoint,
					expirationTime: null,
					options: { applicationServerKey: key.buffer, userVisibleOnly: true },
					toJSON: () => json,
					unsubscribe: async () => {
						current = null;
						return true;
					},
				} as unknown as PushSubscription;
				return current;
			};
		});

		await inbox.pair(phone.page, server.url, [deploys.id], name);
		await inbox.controlledBy(phone.page, server.url);
		const button = phone.page.getByRole('button', { name: 'Turn on notifications' });
		await button.click({ timeout: WAIT_MS });
		await phone.page
			.locator('#live', { hasText: 'Notifications are on for this browser.' })
			.waitFor({ timeout: WAIT_MS });
		// The page subscribed once, with the server's VAPID public key, and the server stored it.
		expect(made).toHaveLength(1);
		expect(made[0].applicationServerKey).toBe(bed.env.PING_WEBPUSH_PUBLIC_KEY);
		const id = await inbox.deviceIdNamed(server.url, name);
		expect(await server.ctx.store.getDevice(id)).toMatchObject({
			subscription: { endpoint: made[0].endpoint, p256dh: made[0].p256dh, auth: made[0].auth },
		});
		// The inbox open at its list, as a person leaves it.
		await phone.page.goto(`${server.url}/app/`);
		const deliver = await inbox.workerPushes(phone, server.url);
		return { ...phone, id, name, subscription: made[0], deliver };
	}

	const card = (phone: inbox.Phone, id: string) => phone.page.locator(`#m-${id}`);

	test('a message reaches two paired phones through the push service and shows with its buttons; Approve on one sends the signed callback as that device; the other’s notification closes and its inbox shows the answer; an answer in a phone’s own list closes its notification; a revoked phone gets no push and is signed out', async () => {
		const one = await subscribedPhone('Phone 1');
		const two = await subscribedPhone('Phone 2');

		// 1. A message with buttons and a callback: one push per phone, VAPID and encryption
		// checked by the fake, the decrypted bytes handed unchanged to each phone's worker.
		const id = await send({
			title: 'Deploy v3 to production?',
			body: '**4 commits** by ana',
			priority: 'high',
		});
		const [pushOne] = await pushesTo(one.subscription, 1);
		const [pushTwo] = await pushesTo(two.subscription, 1);
		for (const push of [pushOne, pushTwo]) {
			expect(push.json).toMatchObject({ type: 'message', message_id: id });
			expect(push.vapidKey).toBe(bed.env.PING_WEBPUSH_PUBLIC_KEY);
			expect(push.urgency).toBe('high');
		}
		expect(bed.fake.refused).toEqual([]);
		await one.deliver(pushOne.text);
		await two.deliver(pushTwo.text);
		const expected = [
			{
				title: 'Deploy v3 to production?',
				body: '4 commits by ana',
				tag: id,
				requireInteraction: true,
				actions: [
					{ action: 'a0', title: 'Approve' },
					{ action: 'a1', title: 'Decline' },
				],
			},
		];
		expect(await inbox.waitForNotifications(one.page, (l) => l.length === 1)).toEqual(expected);
		expect(await inbox.waitForNotifications(two.page, (l) => l.length === 1)).toEqual(expected);

		// 2. Approve on phone 1, from its notification: the callback arrives signed, naming the device.
		await inbox.tapNotification(one, server.url, id, 'a0');
		const callback = await callbackFor(id);
		expect(verifiedIndependently(callback, deploys.secret, Date.now())).toBe(true);
		expect(callback.body).toMatchObject({
			message_id: id,
			triggered_by: 'approve',
			responder: { via: 'device', device_id: one.id, name: 'Phone 1' },
		});
		expect(
			await inbox.waitForNotifications(one.page, (l) => l[0]?.title === 'Approve: sent'),
		).toEqual([
			expect.objectContaining({
				body: 'Your answer to “Deploy v3 to production?” was sent.',
				tag: id,
			}),
		]);

		// 3. Phone 2 gets the "answered" update (phone 1, which answered, does not): its
		// notification closes and its open inbox shows who answered.
		const answered = (await pushesTo(two.subscription, 2))[1];
		expect(answered.json).toEqual({ type: 'answered', message_id: id, answered_by: 'Phone 1' });
		await two.deliver(answered.text);
		await inbox.waitForNotifications(two.page, (l) => l.length === 0);
		expect(await inbox.notificationsShown(two.page, id)).toEqual([]);
		await card(two, id)
			.and(two.page.locator('[data-state="answered"]'))
			.waitFor({ timeout: WAIT_MS });
		expect(await card(two, id).locator('.status').textContent()).toContain(
			'in the Ping inbox of Phone 1',
		);
		// The update went out in the same round for every phone the message reached.
		expect(bed.fake.pushesTo(one.subscription.id)).toHaveLength(1);

		// 4. Phone 2 revoked: the next message goes to phone 1 only, and phone 2's open inbox
		// finds itself signed out.
		expect(
			(await api(server.url, 'DELETE', `/v1/devices/${two.id}`, { key: ADMIN_KEY })).status,
		).toBe(200);
		const next = await send({ title: 'Rotate the keys?' });
		expect((await pushesTo(one.subscription, 2))[1].json).toMatchObject({
			type: 'message',
			message_id: next,
		});
		// The job writes its delivery rows once every push of the round is done.
		await waitFor(
			async () => (await deliveriesOf(server.url, next)).some((d) => d.device_id === one.id),
			`the delivery rows of ${next}`,
			WAIT_MS,
		);
		expect((await deliveriesOf(server.url, next)).map((d) => [d.device_id, d.state])).toEqual([
			[one.id, 'sent'],
		]);
		expect(bed.fake.pushesTo(two.subscription.id)).toHaveLength(2);

		// 5. Phone 1 answers the next message in its inbox rather than from the notification:
		// it gets no "answered" update (it answered), yet its notification closes too.
		await one.deliver((await pushesTo(one.subscription, 2))[1].text);
		await inbox.waitForNotifications(one.page, (l) => l.some((n) => n.tag === next));
		await one.page.goto(`${server.url}/app/`);
		await card(one, next).getByRole('button', { name: 'Decline' }).tap();
		await one.page.waitForURL(`${server.url}/app/?answered=1#m-${next}`);
		expect((await callbackFor(next)).body).toMatchObject({
			triggered_by: 'decline',
			responder: { via: 'device', device_id: one.id },
		});
		await inbox.waitForNotifications(one.page, (l) => !l.some((n) => n.tag === next));
		expect(bed.fake.pushesTo(one.subscription.id)).toHaveLength(2);
		// The inbox's live update finds the key refused and reloads into the signed-out page.
		await two.page
			.locator('h1', { hasText: 'This browser is not paired' })
			.waitFor({ timeout: WAIT_MS });
		expect(await two.page.locator('main').textContent()).toContain(
			'Ask whoever runs your Ping server for a new one',
		);
		expect(await two.context.cookies()).toEqual([]);

		expect(bed.fake.refused).toEqual([]);
		expect(one.errors).toEqual([]);
		expect(two.errors).toEqual([]);
	});
});
