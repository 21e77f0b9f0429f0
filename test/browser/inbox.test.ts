/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import AxeBuilder from '@axe-core/playwright';
import { createECDH } from 'node:crypto';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { FakeReceiver } from '../fakes/callback-receiver';
import {
	describeInChromium,
	launchChromium,
	PHONE,
	screenshotPath,
	watchErrors,
} from '../helpers/browser';
import { verifiedIndependently } from '../helpers/callbacks';
import * as inbox from '../helpers/inbox';
import {
	ADMIN_KEY,
	api,
	createChannel,
	startTestServer,
	TestChannel,
	TestServer,
} from '../helpers/server';

/**
 * The inbox for paired browsers in a real Chromium (headless, phone viewport): pairing from
 * the link, the installable app (manifest, icons, service worker), listing and answering with
 * and without script, live updates across two paired browsers, offline, and the service
 * worker's push and notification handling (docs/architecture.md#tests says what headless
 * Chromium can and cannot prove here).
 */

let server: TestServer;
let deploys: TestChannel;
let billing: TestChannel;
let receiver: FakeReceiver;
let browser: Browser;
let vapidPublicKey: string;

const APPROVAL = [
	{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
	{ type: 'button', label: 'Decline', key: 'decline', style: 'destructive' },
];

async function send(channel: TestChannel, body: Record<string, unknown>): Promise<string> {
	const res = await api(server.url, 'POST', `/v1/send/${channel.token}`, {
		body: { callback_url: receiver.url, actions: APPROVAL, ...body },
	});
	if (res.status !== 200) throw new Error(`send → ${res.status} ${JSON.stringify(res.body)}`);
	return res.body.id;
}

async function stored(id: string) {
	return (await api(server.url, 'GET', `/v1/messages/${id}`, { key: ADMIN_KEY })).body.message;
}

async function waitForCallback(id: string) {
	const deadline = Date.now() + 5000;
	for (;;) {
		const found = receiver.received.find((c) => c.body.message_id === id);
		if (found) return found;
		if (Date.now() > deadline) throw new Error(`no callback for ${id}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

const pairingLink = (channelIds: string[] | null, name?: string) =>
	inbox.pairingLink(server.url, channelIds, name);
const pair = (page: Page, channelIds: string[] | null, name: string) =>
	inbox.pair(page, server.url, channelIds, name);
const controlledBy = (page: Page) => inbox.controlledBy(page, server.url);

async function axeViolations(page: Page): Promise<string[]> {
	const results = await new AxeBuilder({ page }).analyze();
	return results.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => `${v.impact}: ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target).join(', ')}`);
}

/** Width and height of a PNG, from its IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
	expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
	return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

const card = (page: Page, id: string) => page.locator(`#m-${id}`);

jest.setTimeout(90_000);

describeInChromium('the inbox in Chromium (phone viewport)', () => {
	/** What each test opened, closed after it. */
	let opened: (() => Promise<void>)[] = [];

	beforeAll(async () => {
		receiver = await new FakeReceiver().start();
		const ecdh = createECDH('prime256v1');
		ecdh.generateKeys();
		vapidPublicKey = ecdh.getPublicKey().toString('base64url');
		server = await startTestServer({
			env: {
				PING_CALLBACK_ALLOW: '127.0.0.1/32',
				PING_WEBPUSH_PUBLIC_KEY: vapidPublicKey,
				PING_WEBPUSH_PRIVATE_KEY: ecdh.getPrivateKey().toString('base64url'),
				PING_WEBPUSH_SUBJECT: 'mailto:ops@example.com',
			},
		});
		deploys = await createChannel(server.url, 'Deploys');
		billing = await createChannel(server.url, 'Billing');
		browser = await launchChromium();
	}, 60_000);

	afterAll(async () => {
		await browser?.close();
		await server?.stop();
		await receiver?.stop();
	});

	afterEach(async () => {
		for (const close of opened) await close();
		opened = [];
	});

	/** A fresh phone-sized browser context (an incognito-like profile) whose errors are collected. */
	async function phone(options: BrowserContextOptions = {}) {
		const context = await browser.newContext({ ...PHONE, ...options });
		opened.push(() => context.close());
		const errors = watchErrors(context);
		return { context, page: await context.newPage(), errors };
	}

	/** A phone with a profile on disk (see `inbox.installablePhone`), closed after the test. */
	async function installablePhone() {
		const phone = await inbox.installablePhone(server.url);
		opened.push(phone.close);
		return phone;
	}

	test('pairing from the link: the page shows what is paired, one press pairs, the key stays in an HttpOnly cookie; a used link is refused', async () => {
		const link = await pairingLink([deploys.id], 'Ops phone');
		const { context, page, errors } = await phone();
		expect((await page.goto(link))?.status()).toBe(200);
		expect(await page.locator('h1').textContent()).toBe('Pair this browser with Ping');
		expect(await page.locator('.channels li').allTextContents()).toEqual(['Deploys']);
		expect(await page.getByLabel('Name of this device').inputValue()).toBe('Ops phone');
		expect(await axeViolations(page)).toEqual([]);
		await page.reload(); // looking twice pairs nothing
		await page.getByLabel('Name of this device').fill('Ana’s phone');
		await page.getByRole('button', { name: 'Pair this browser' }).click();
		await page.waitForURL(`${server.url}/app/?paired=1`);
		expect(await page.getByRole('status').first().textContent()).toContain(
			'This browser is now paired',
		);
		expect(await page.locator('.inbox-head .hint').first().textContent()).toContain(
			'paired as Ana’s phone',
		);
		// The key: in a cookie no script can read, never in the URL or in storage.
		const [cookie] = await context.cookies();
		expect(cookie).toMatchObject({ name: 'ping_device', httpOnly: true, sameSite: 'Strict' });
		expect(cookie.value).toMatch(/^pd_[A-Za-z0-9]{40}$/);
		expect(await page.evaluate(() => document.cookie)).toBe('');
		expect(page.url()).not.toContain(cookie.value);
		expect(
			await page.evaluate(
				() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
			),
		).not.toContain('pd_');
		expect(await axeViolations(page)).toEqual([]);

		// Another browser opening the same link gets the "ask for a new link" page.
		const other = await phone();
		expect((await other.page.goto(link))?.status()).toBe(404);
		expect(await other.page.locator('h1').textContent()).toBe('This pairing link does not work');
		expect(await other.context.cookies()).toEqual([]);
		expect(await axeViolations(other.page)).toEqual([]);
		expect(errors).toEqual([]);
	});

	test('installable: manifest linked and valid, icons of the declared sizes, service worker controlling, no installability error from Chromium', async () => {
		const { page, context, errors } = await installablePhone();
		await pair(page, null, 'Installable');
		await controlledBy(page);
		const cdp = await context.newCDPSession(page);
		const manifest = (await cdp.send('Page.getAppManifest')) as {
			url: string;
			errors: unknown[];
			data?: string;
		};
		expect(manifest.url).toBe(`${server.url}/app/manifest.webmanifest`);
		expect(manifest.errors).toEqual([]);
		const data = JSON.parse(manifest.data ?? '{}');
		expect(data).toMatchObject({ start_url: '/app/', scope: '/app/', display: 'standalone' });
		for (const icon of data.icons as { src: string; sizes: string; type: string }[]) {
			const res = await page.request.get(`${server.url}${icon.src}`);
			expect(res.headers()['content-type']).toBe(icon.type);
			const { width, height } = pngSize(await res.body());
			expect(`${width}x${height}`).toBe(icon.sizes);
		}
		// Chromium's own verdict (what the install prompt is based on), asked until the
		// service worker's check has settled.
		let installability: { installabilityErrors: { errorId: string }[] } = {
			installabilityErrors: [{ errorId: 'not asked yet' }],
		};
		for (let i = 0; i < 20 && installability.installabilityErrors.length > 0; i++) {
			installability = (await cdp.send('Page.getInstallabilityErrors')) as typeof installability;
			if (installability.installabilityErrors.length > 0)
				await new Promise((resolve) => setTimeout(resolve, 250));
		}
		expect(installability.installabilityErrors).toEqual([]);
		expect(errors).toEqual([]);
	});

	test('lists its channels’ messages newest first and answers in place: the callback arrives signed with responder via device; answered ones are greyed with who and when', async () => {
		const { page, errors } = await phone();
		await pair(page, [deploys.id], 'Ana');
		const older = await send(deploys, { title: 'Restart the workers?' });
		const newer = await send(deploys, {
			title: 'Deploy v2.5 to production?',
			body: '**4 commits** by ana',
			priority: 'high',
			expires_in: 3600,
			actions: [...APPROVAL, { type: 'text', label: 'Note', key: 'note', max_length: 50 }],
		});
		await send(billing, { title: 'Not for this browser' });
		await page.goto(`${server.url}/app/`);
		expect(await page.locator('.inbox-list h2').allTextContents()).toEqual([
			'Deploy v2.5 to production?',
			'Restart the workers?',
		]);
		expect(await card(page, newer).locator('.body strong').textContent()).toBe('4 commits');
		expect(await card(page, newer).locator('.pill-high').textContent()).toBe('High priority');
		expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
			320,
		);
		expect(await axeViolations(page)).toEqual([]);
		await page.screenshot({ path: screenshotPath('inbox.png'), fullPage: true });

		await card(page, newer).getByLabel('Note').fill('after the standup');
		await card(page, newer).getByRole('button', { name: 'Approve' }).tap();
		await page.waitForURL(`${server.url}/app/?answered=1#m-${newer}`);
		const callback = await waitForCallback(newer);
		expect(verifiedIndependently(callback, deploys.secret, Date.now())).toBe(true);
		const device = (
			await api(server.url, 'GET', '/v1/devices', { key: ADMIN_KEY })
		).body.devices.find((d: { name: string }) => d.name === 'Ana');
		expect(callback.body).toMatchObject({
			message_id: newer,
			triggered_by: 'approve',
			responses: { note: 'after the standup' },
			responder: { via: 'device', device_id: device.id, name: 'Ana' },
		});
		// Greyed with who and when; the other one still has its form.
		const answered = card(page, newer);
		expect(await answered.getAttribute('data-state')).toBe('answered');
		expect(await answered.locator('.status').textContent()).toMatch(
			/^Answered on .* UTC, in the Ping inbox of Ana\.$/,
		);
		expect(await answered.locator('form').count()).toBe(0);
		expect(await card(page, older).locator('form').count()).toBe(1);
		expect(await answered.evaluate((e) => getComputedStyle(e).borderStyle)).toBe('dashed');
		expect(await axeViolations(page)).toEqual([]);
		await page.emulateMedia({ colorScheme: 'dark' });
		expect(await axeViolations(page)).toEqual([]);
		expect(errors).toEqual([]);
	});

	test('without JavaScript the inbox still pairs, lists and answers', async () => {
		const { page, errors } = await phone({ javaScriptEnabled: false });
		await pair(page, [billing.id], 'No script');
		const id = await send(billing, { title: 'Pay the invoice?' });
		await page.goto(`${server.url}/app/`);
		expect(await page.locator('.inbox-list h2').first().textContent()).toBe('Pay the invoice?');
		await card(page, id).getByRole('button', { name: 'Decline' }).click();
		await page.waitForURL(`${server.url}/app/?answered=1#m-${id}`);
		expect(await card(page, id).getAttribute('data-state')).toBe('answered');
		const callback = await waitForCallback(id);
		expect(callback.body).toMatchObject({
			triggered_by: 'decline',
			responder: { via: 'device', name: 'No script' },
		});
		expect(errors).toEqual([]);
	});

	test('live: a message sent while the inbox is open appears, and an answer in one paired browser shows as answered in the other', async () => {
		const first = await phone();
		const second = await phone();
		await pair(first.page, [deploys.id], 'First');
		await pair(second.page, [deploys.id], 'Second');
		const id = await send(deploys, { title: `Live ${Date.now()}` });
		// The first browser loaded before the message existed: it arrives by itself.
		await first.page.goto(`${server.url}/app/`);
		const late = await send(deploys, { title: 'Arrived while open' });
		await card(first.page, late).waitFor({ timeout: 20_000 });
		expect(await first.page.locator('#live').textContent()).toBe('New messages arrived.');
		await second.page.goto(`${server.url}/app/`);
		await card(first.page, id).getByRole('button', { name: 'Approve' }).tap();
		await first.page.waitForURL(/answered=1/);
		await card(second.page, id)
			.and(second.page.locator('[data-state="answered"]'))
			.waitFor({ timeout: 20_000 });
		expect(await card(second.page, id).locator('.status').textContent()).toContain(
			'in the Ping inbox of First',
		);
		expect(first.errors).toEqual([]);
		expect(second.errors).toEqual([]);
	});

	test('offline: the inbox opens with the last list it saw and says it is offline', async () => {
		const { context, page, errors } = await phone();
		await pair(page, [deploys.id], 'Offline');
		const id = await send(deploys, { title: 'Seen before going offline' });
		await page.goto(`${server.url}/app/`);
		await controlledBy(page);
		await page.goto(`${server.url}/app/`); // this list is what the worker keeps
		expect(await page.locator('#offline-note').isHidden()).toBe(true);
		await context.setOffline(true);
		await page.goto(`${server.url}/app/`);
		expect(await page.locator('#offline-note').isVisible()).toBe(true);
		expect(await card(page, id).locator('h2').textContent()).toBe('Seen before going offline');
		expect(await axeViolations(page)).toEqual([]);
		await context.setOffline(false);
		await page.goto(`${server.url}/app/`);
		expect(await page.locator('#offline-note').isHidden()).toBe(true);
		// A live update that fell while offline fails its fetch (Chromium logs that); nothing else may.
		expect(errors.filter((e) => e !== 'console: Failed to load resource: net::ERR_FAILED')).toEqual(
			[],
		);
	});

	test('the service worker’s push contract: a message push shows its notification; a button answers in the background and confirms; "answered" closes it; "expiring" asks to open the inbox', async () => {
		const phone = await installablePhone();
		const { page, errors } = phone;
		await pair(page, [deploys.id], 'Pushed');
		await controlledBy(page);
		const deliver = await inbox.workerPushes(phone, server.url);
		const push = (data: unknown) => deliver(JSON.stringify(data));
		const waitForShown = (check: (list: inbox.ShownNotification[]) => boolean) =>
			inbox.waitForNotifications(page, check);
		const messagePush = (id: string, title: string) => ({
			type: 'message',
			message_id: id,
			channel_id: deploys.id,
			title,
			body: '4 commits by ana',
			priority: 'high',
			answer_url: 'unused',
			inbox_url: `${server.url}/app/#m-${id}`,
			require_interaction: true,
			actions: [
				{ action: 'a0', title: 'Approve', response: { triggered_by: 'approve' } },
				{ action: 'a1', title: 'Decline', response: { triggered_by: 'decline' } },
			],
		});

		// 1. A message push: the notification, exactly as the payload asks.
		const id = await send(deploys, { title: 'Deploy v3?' });
		await push(messagePush(id, 'Deploy v3?'));
		expect(await waitForShown((l) => l.length === 1)).toEqual([
			{
				title: 'Deploy v3?',
				body: '4 commits by ana',
				tag: id,
				requireInteraction: true,
				actions: [
					{ action: 'a0', title: 'Approve' },
					{ action: 'a1', title: 'Decline' },
				],
			},
		]);

		// 2. The Approve button: no DevTools command clicks a notification, so the worker's own
		// click handler is called in the worker with the shown notification and the action.
		await inbox.tapNotification(phone, server.url, id, 'a0');
		const callback = await waitForCallback(id);
		expect(callback.body).toMatchObject({
			triggered_by: 'approve',
			responder: { via: 'device', name: 'Pushed' },
		});
		expect(await waitForShown((l) => l.length === 1 && l[0].title !== 'Deploy v3?')).toEqual([
			expect.objectContaining({
				title: 'Approve: sent',
				body: 'Your answer to “Deploy v3?” was sent.',
				tag: id,
			}),
		]);

		// 3. The same button again: the server's refusal is what the confirmation says. From here
		// no inbox is open: an open one closes the notification of a message it lists as answered
		// as soon as a push makes it refresh, which raced the tap below. A page of the worker's
		// scope without the inbox's script (a pairing link's page, which only shows) keeps the
		// notifications in reach.
		await page.goto(await inbox.pairingLink(server.url, [deploys.id]));
		await push(messagePush(id, 'Deploy v3?'));
		await waitForShown((l) => l.some((n) => n.title === 'Deploy v3?'));
		await inbox.tapNotification(phone, server.url, id, 'a1');
		expect(await waitForShown((l) => l[0]?.title === 'Not answered')).toEqual([
			expect.objectContaining({
				body: 'message was already answered; the first answer stands',
			}),
		]);
		expect((await stored(id)).answer.triggered_by).toBe('approve');

		// 4. Answered elsewhere: the "answered" push closes the message's notification only.
		const other = await send(deploys, { title: 'Rotate keys?' });
		await push(messagePush(other, 'Rotate keys?'));
		await waitForShown((l) => l.some((n) => n.tag === other));
		await push({ type: 'answered', message_id: other, answered_by: 'link' });
		expect((await waitForShown((l) => !l.some((n) => n.tag === other))).map((n) => n.tag)).toEqual([
			id,
		]);

		// 5. A subscription about to expire: a notification that asks to open the inbox.
		await push({ type: 'expiring', days_left: 5, inbox_url: `${server.url}/app/` });
		expect(
			(await waitForShown((l) => l.some((n) => n.tag === 'ping-expiring'))).find(
				(n) => n.tag === 'ping-expiring',
			),
		).toMatchObject({
			title: 'Open your Ping inbox',
			body: 'Notifications to this browser stop in 5 days unless you open the inbox.',
		});
		expect(errors).toEqual([]);
	});

	test('"Turn on notifications" subscribes with the server’s VAPID key and stores the subscription (the push service itself replaced: headless Chromium has none)', async () => {
		const { context, page, errors } = await installablePhone();
		const keys = createECDH('prime256v1');
		keys.generateKeys();
		const fake = {
			endpoint: 'https://push.example.net/send/abc',
			keys: {
				p256dh: keys.getPublicKey().toString('base64url'),
				auth: Buffer.alloc(16, 3).toString('base64url'),
			},
		};
		// Records the key the page subscribes with, and answers as a push service would.
		await context.addInitScript((subscription) => {
			const w = window as unknown as { subscribedWith?: string };
			PushManager.prototype.getSubscription = async () => null;
			PushManager.prototype.subscribe = async function (options?: PushSubscriptionOptionsInit) {
				const key = new Uint8Array(options?.applicationServerKey as ArrayBuffer);
				w.subscribedWith = btoa(String.fromCharCode(...key))
					.replace(/\+/g, '-')
					.replace(/\//g, '_')
					.replace(/=+$/, '');
				return { toJSON: () => subscription } as unknown as PushSubscription;
			};
		}, fake);
		await pair(page, null, 'Subscriber');
		const button = page.getByRole('button', { name: 'Turn on notifications' });
		await button.waitFor();
		await button.click();
		await page.locator('#live', { hasText: 'Notifications are on for this browser.' }).waitFor();
		expect(await button.isHidden()).toBe(true);
		expect(await page.evaluate(() => (window as { subscribedWith?: string }).subscribedWith)).toBe(
			vapidPublicKey,
		);
		const device = (
			await api(server.url, 'GET', '/v1/devices', { key: ADMIN_KEY })
		).body.devices.find((d: { name: string }) => d.name === 'Subscriber');
		expect(device.subscribed).toBe(true);
		expect(await server.ctx.store.getDevice(device.id)).toMatchObject({
			subscription: { endpoint: fake.endpoint, p256dh: fake.keys.p256dh, auth: fake.keys.auth },
		});
		expect(errors).toEqual([]);
	});
});
