/// <reference lib="dom" />
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { ManualClock } from '../../server/src/domain/time';
import { FakeReceiver } from '../fakes/callback-receiver';
import {
	describeInChromium,
	launchChromium,
	PHONE,
	PHONE_SCREENSHOT,
	watchErrors,
} from '../helpers/browser';
import { drainJobs, verifiedIndependently } from '../helpers/callbacks';
import { ADMIN_KEY, api, createChannel, startTestServer, TestServer } from '../helpers/server';

/**
 * The console (/console) in a real browser: what an operator does from the first sign-in to a
 * retried callback, without a terminal. The server runs on a manual clock (session expiry and
 * the callback schedule are driven by the test); jobs run when the test says (`drainJobs`).
 */

const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 } };
const SESSION_HOURS = 720;
/** `PING_SCREENSHOTS=1` writes the README's screenshots to docs/images/. */
const SCREENSHOTS = process.env.PING_SCREENSHOTS === '1';
const IMAGES = join(__dirname, '..', '..', 'docs', 'images');

let server: TestServer;
let clock: ManualClock;
let receiver: FakeReceiver;
let browser: Browser;
let elsewhere: Server;
let elsewhereUrl: string;

async function axeViolations(page: Page): Promise<string[]> {
	const results = await new AxeBuilder({ page }).analyze();
	return results.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => `${v.impact}: ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target).join(', ')}`);
}

/** axe in light and dark: no serious or critical violation. */
async function expectAccessible(page: Page): Promise<void> {
	for (const scheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme: scheme });
		expect({ scheme, url: page.url(), violations: await axeViolations(page) }).toEqual({
			scheme,
			url: page.url(),
			violations: [],
		});
	}
	await page.emulateMedia({ colorScheme: 'light' });
}

async function shoot(page: Page, name: string): Promise<void> {
	if (!SCREENSHOTS) return;
	mkdirSync(IMAGES, { recursive: true });
	await page.screenshot({ path: join(IMAGES, name) });
}

jest.setTimeout(120_000);

describeInChromium('the console in Chromium', () => {
	let contexts: BrowserContext[] = [];

	beforeAll(async () => {
		receiver = await new FakeReceiver().start();
		elsewhere = createServer((_req, res) => {
			// Another site whose page posts a form to the console as soon as it loads.
			res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
			res.end(
				`<!doctype html><title>Elsewhere</title><form id="f" method="post" action="${server.url}/console/channels"><input name="name" value="Planted"><input name="csrf" value="guess"></form><script>document.getElementById('f').submit()</script>`,
			);
		});
		await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
		elsewhereUrl = `http://localhost:${(elsewhere.address() as AddressInfo).port}`;
		clock = new ManualClock(Date.now());
		server = await startTestServer({
			clock,
			env: {
				PING_CALLBACK_ALLOW: '127.0.0.1/32',
				PING_CONSOLE_SESSION_HOURS: String(SESSION_HOURS),
			},
		});
		// Jobs run when the test says, on the manual clock (the callback schedule spans hours).
		await server.jobs.stop();
		browser = await launchChromium();
	}, 60_000);

	afterAll(async () => {
		await browser?.close();
		await server?.stop();
		await receiver?.stop();
		await new Promise<void>((resolve) =>
			elsewhere ? elsewhere.close(() => resolve()) : resolve(),
		);
	});

	afterEach(async () => {
		for (const context of contexts) await context.close();
		contexts = [];
	});

	async function open(options: BrowserContextOptions = DESKTOP) {
		const context = await browser.newContext({ ...options });
		contexts.push(context);
		const errors = watchErrors(context);
		const page = await context.newPage();
		return { context, page, errors };
	}

	async function signIn(page: Page, key = ADMIN_KEY): Promise<void> {
		await page.goto(`${server.url}/console`);
		await page.getByLabel('API key').fill(key);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.waitForURL(/\/console\/channels$/);
	}

	async function channelCount(): Promise<number> {
		const res = await api(server.url, 'GET', '/v1/channels', { key: ADMIN_KEY });
		return res.body.channels.length;
	}

	test('sign in: a wrong key gets a clear 401 page and no cookie; the admin key opens a session whose HttpOnly, SameSite=Strict cookie holds no key', async () => {
		const { context, page, errors } = await open(PHONE);
		const first = await page.goto(`${server.url}/console`);
		expect(page.url()).toBe(`${server.url}/console/sign-in`);
		expect(first?.status()).toBe(200);
		expect(first?.headers()['cache-control']).toBe('no-store');
		expect(first?.headers()['referrer-policy']).toBe('no-referrer');
		expect(first?.headers()['content-security-policy']).toMatch(
			/default-src 'none'.*script-src 'sha256-/,
		);
		await expectAccessible(page);
		await shoot(page, 'console-sign-in.png');

		await page.getByLabel('API key').fill('pk_live_WrongWrongWrongWrongWrongWrong12');
		const [refused] = await Promise.all([
			page.waitForResponse(
				(r) => r.url().endsWith('/console/sign-in') && r.request().method() === 'POST',
			),
			page.getByRole('button', { name: 'Sign in' }).click(),
		]);
		expect(refused.status()).toBe(401);
		await expect(page.getByRole('alert').textContent()).resolves.toMatch(
			/That API key is not valid/,
		);
		expect(await context.cookies()).toEqual([]);

		await page.getByLabel('API key').fill(ADMIN_KEY);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.waitForURL(/\/console\/channels$/);
		const [cookie] = await context.cookies();
		expect(cookie).toMatchObject({
			name: 'ping_console',
			httpOnly: true,
			sameSite: 'Strict',
			path: '/console',
		});
		expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(cookie.value).not.toContain(ADMIN_KEY);
		// A session cookie with an expiry: about PING_CONSOLE_SESSION_HOURS from now.
		expect(cookie.expires * 1000 - Date.now()).toBeGreaterThan((SESSION_HOURS - 1) * 3600_000);
		const stored = await page.evaluate(() =>
			JSON.stringify({ ...localStorage, ...sessionStorage }),
		);
		expect(stored).not.toContain('pk_live_');
		expect(await page.content()).not.toContain(ADMIN_KEY);
		expect(errors).toEqual([]);
	});

	test('create a channel and copy the three values of the Ping API credential: they work as n8n would use them', async () => {
		const { context, page, errors } = await open(DESKTOP);
		await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
		await signIn(page);
		await expectAccessible(page);
		await page.getByLabel('Name', { exact: true }).fill('Deploys');
		await page.getByLabel('Icon (optional)').fill('🚀');
		await page.getByRole('button', { name: 'Create channel' }).click();
		await expect(page.getByRole('status').first().textContent()).resolves.toMatch(
			/Channel “Deploys” was made/,
		);

		const copied: Record<string, string> = {};
		for (const label of ['Server URL', 'Webhook Token']) {
			await page.getByRole('button', { name: `Copy ${label}` }).click();
			copied[label] = await page.evaluate(() => navigator.clipboard.readText());
		}
		expect(copied['Server URL']).toBe(server.url);
		await expectAccessible(page);
		await shoot(page, 'console-connect-n8n.png');

		// The secret is revealed on request, then copied too.
		await page.getByRole('link', { name: 'Reveal the webhook secret' }).click();
		await page.getByRole('button', { name: 'Copy Webhook Secret' }).click();
		copied['Webhook Secret'] = await page.evaluate(() => navigator.clipboard.readText());

		const channelId = /\/console\/channels\/(ch_\w+)/.exec(page.url())![1];
		const secret = await api(server.url, 'GET', `/v1/channels/${channelId}/secret`, {
			key: ADMIN_KEY,
		});
		expect(copied['Webhook Secret']).toBe(secret.body.webhook_secret);
		const sent = await api(copied['Server URL'], 'POST', `/v1/send/${copied['Webhook Token']}`, {
			body: { title: 'Sent with the copied token' },
		});
		expect(sent.status).toBe(200);

		// Regenerating shows a new token once; the copied one stops working at once.
		await page.getByRole('button', { name: 'Regenerate the token' }).click();
		const fresh = await page.getByLabel('Webhook Token', { exact: true }).inputValue();
		expect(fresh).not.toBe(copied['Webhook Token']);
		expect(
			(
				await api(server.url, 'POST', `/v1/send/${copied['Webhook Token']}`, {
					body: { title: 'x' },
				})
			).status,
		).toBe(401);
		expect(
			(await api(server.url, 'POST', `/v1/send/${fresh}`, { body: { title: 'x' } })).status,
		).toBe(200);
		// Opened again, the page no longer shows a token: it was shown once.
		await page.goto(`${server.url}/console/channels/${channelId}`);
		expect(await page.getByLabel('Webhook Token', { exact: true }).count()).toBe(0);
		expect(errors).toEqual([]);
	});

	test('channel settings: rename, icon and colour, mute, rotate the secret, delete after a confirmation naming it', async () => {
		const { page, errors } = await open(PHONE);
		await signIn(page);
		await page.getByLabel('Name', { exact: true }).fill('Scratch');
		await page.getByRole('button', { name: 'Create channel' }).click();
		const channelId = (await page.locator('code.id').first().textContent()) ?? '';
		await page.goto(`${server.url}/console/channels/${channelId}`);

		await page.getByLabel('Name', { exact: true }).fill('Scratch pad');
		await page.getByLabel('Icon (optional)').fill('📝');
		await page.locator('#edit-color').fill('#aa3300');
		await page.getByLabel(/^Mute/).selectOption('8h');
		await page.getByRole('button', { name: 'Save' }).click();
		await expect(page.getByRole('status').first().textContent()).resolves.toBe('Saved.');
		const after = (await api(server.url, 'GET', `/v1/channels/${channelId}`, { key: ADMIN_KEY }))
			.body.channel;
		expect(after).toMatchObject({ name: 'Scratch pad', icon: '📝', color: '#aa3300', muted: true });
		expect(Date.parse(after.muted_until) - clock.now()).toBe(8 * 3600_000);

		// A bad value is named and nothing is saved.
		await page.getByLabel('Name', { exact: true }).fill('x'.repeat(50) + 'y');
		await page.getByLabel('Name', { exact: true }).evaluate((e) => e.removeAttribute('maxlength'));
		await page.getByLabel('Name', { exact: true }).fill('x'.repeat(51));
		await page.getByRole('button', { name: 'Save' }).click();
		await expect(page.getByRole('alert').textContent()).resolves.toMatch(/name must be at most 50/);

		const before = (
			await api(server.url, 'GET', `/v1/channels/${channelId}/secret`, { key: ADMIN_KEY })
		).body.webhook_secret;
		await page.goto(`${server.url}/console/channels/${channelId}`);
		await page.getByRole('button', { name: 'Rotate the secret' }).click();
		const rotated = await page.getByLabel('Webhook Secret', { exact: true }).inputValue();
		expect(rotated).not.toBe(before);
		expect(
			(await api(server.url, 'GET', `/v1/channels/${channelId}/secret`, { key: ADMIN_KEY })).body
				.webhook_secret,
		).toBe(rotated);

		await page.getByRole('link', { name: 'Delete this channel…' }).click();
		await expect(page.locator('h1').textContent()).resolves.toBe(
			'Delete the channel “Scratch pad”?',
		);
		await expectAccessible(page);
		await page.getByRole('button', { name: 'Delete “Scratch pad”' }).click();
		await expect(page.getByRole('status').first().textContent()).resolves.toBe('Channel deleted.');
		expect(
			(await api(server.url, 'GET', `/v1/channels/${channelId}`, { key: ADMIN_KEY })).status,
		).toBe(404);
		expect(errors).toEqual([]);
	});

	test('a test question answered in the console; a webhook that fails shows its attempt timeline; "Retry now" delivers it with the same idempotency key', async () => {
		const { page, errors } = await open(DESKTOP);
		await signIn(page);
		await page.getByRole('link', { name: /Deploys/ }).click();
		const channelUrl = page.url();
		const channelId = /\/console\/channels\/(ch_\w+)/.exec(channelUrl)![1];
		const secret = (
			await api(server.url, 'GET', `/v1/channels/${channelId}/secret`, { key: ADMIN_KEY })
		).body.webhook_secret;

		await page.getByLabel('URL', { exact: true }).fill(receiver.url);
		await page.getByLabel('Description (optional)').fill('n8n trigger');
		await page.getByRole('button', { name: 'Add webhook' }).click();
		await expect(page.getByRole('status').first().textContent()).resolves.toBe('Webhook added.');
		receiver.reply = () => ({ status: 500 });

		// Later than the message an earlier test sent here: the history is newest first.
		clock.advance(1000);
		await page.getByRole('button', { name: 'Send a test question' }).click();
		await page.waitForURL(/\/console\/messages\/msg_\w+/);
		const messageId = /msg_\w+/.exec(page.url())![0];
		await expect(page.locator('h1').textContent()).resolves.toBe(
			'Test question from the Ping console',
		);
		expect(await page.getByRole('textbox', { name: /Answer link/ }).inputValue()).toMatch(
			new RegExp(`^${server.url}/a/`),
		);
		await expectAccessible(page);
		await shoot(page, 'console-test-question.png');

		await page.getByRole('button', { name: 'Approve' }).click();
		await page.waitForURL(/done=answered/);
		const stored = (await api(server.url, 'GET', `/v1/messages/${messageId}`, { key: ADMIN_KEY }))
			.body.message;
		expect(stored.answer).toMatchObject({
			triggered_by: 'approve',
			responder: { via: 'api', name: 'console' },
		});

		await drainJobs(server, clock);
		expect(receiver.received.length).toBe(14);
		await page.goto(`${server.url}/console/messages/${messageId}`);
		const timeline = page.locator('ol.timeline li');
		expect(await timeline.count()).toBe(14);
		await expect(timeline.first().textContent()).resolves.toMatch(
			/Attempt 1 · .* · HTTP 500 · \d+ ms · retrying, next attempt/,
		);
		await expect(timeline.last().textContent()).resolves.toMatch(/Attempt 14 .* failed$/);
		await expectAccessible(page);

		receiver.reply = () => ({ status: 200 });
		await page.getByRole('button', { name: 'Retry now' }).click();
		await page.waitForURL(/done=retried/);
		await drainJobs(server, clock);
		await page.reload();
		await expect(timeline.last().textContent()).resolves.toMatch(
			/Attempt 15 .* HTTP 200 .* delivered$/,
		);
		expect(await page.getByRole('button', { name: 'Retry now' }).count()).toBe(0);
		await shoot(page, 'console-attempts.png');
		const last = receiver.received.at(-1)!;
		expect(last.headers['x-ping-idempotency-key']).toBe(
			receiver.received[0].headers['x-ping-idempotency-key'],
		);
		expect(last.raw).toBe(receiver.received[0].raw);
		expect(verifiedIndependently(last, secret, clock.now())).toBe(true);

		// The channel page lists the webhook with its last delivery, and removes it.
		await page.goto(channelUrl);
		await expect(page.locator('#webhooks-title + p + ul').textContent()).resolves.toMatch(
			/Test question from the Ping console: delivered, HTTP 200/,
		);
		await page.getByRole('button', { name: `Remove` }).click();
		await expect(page.getByText('Webhook removed.').count()).resolves.toBe(1);
		expect(
			(await api(server.url, 'GET', `/v1/channels/${channelId}/webhooks`, { key: ADMIN_KEY })).body
				.webhooks,
		).toEqual([]);

		// The history lists it, paged.
		await page.getByRole('link', { name: 'All messages' }).click();
		await expect(page.locator('.rows li').first().textContent()).resolves.toMatch(
			/Test question from the Ping console/,
		);
		await expectAccessible(page);
		expect(errors).toEqual([]);
	});

	test('phones: pair a browser with a QR code and its link; devices of both kinds listed with last seen, renamed and revoked', async () => {
		await api(server.url, 'POST', '/v1/devices', {
			key: ADMIN_KEY,
			body: { token: 'ab'.repeat(32), name: 'Ana’s iPhone' },
		});
		const { page, errors } = await open(PHONE_SCREENSHOT);
		await signIn(page);
		await page.getByRole('link', { name: 'Phones' }).click();
		await page.getByLabel('Name of the device (optional)').fill('Second browser');
		await page.getByRole('button', { name: 'Make a pairing link' }).click();
		const url = await page.getByLabel('Pairing link', { exact: true }).inputValue();
		expect(url).toMatch(new RegExp(`^${server.url}/app/pair/[A-Za-z0-9_-]{43}$`));
		expect(await page.locator('.qr svg').count()).toBe(1);
		await expectAccessible(page);
		await shoot(page, 'console-pair.png');

		// A second browser (a phone) opens the link, pairs, and answers a question in its inbox.
		const second = await open(PHONE);
		await second.page.goto(url);
		await expect(second.page.getByLabel('Name of this device').inputValue()).resolves.toBe(
			'Second browser',
		);
		await second.page.getByRole('button', { name: 'Pair this browser' }).click();
		await second.page.waitForURL(`${server.url}/app/?paired=1`);
		const channel = await createChannel(server.url, 'Paired questions');
		const sent = await api(server.url, 'POST', `/v1/send/${channel.token}`, {
			body: {
				title: 'Restart the workers?',
				actions: [{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' }],
			},
		});
		const id: string = sent.body.id;
		await second.page.goto(`${server.url}/app/`);
		await second.page.locator(`#m-${id}`).getByRole('button', { name: 'Approve' }).click();
		await second.page.waitForURL(new RegExp(`/app/\\?answered=1#m-${id}$`));
		// The console shows who answered: the paired browser, by its name.
		await page.goto(`${server.url}/console/messages/${id}`);
		await expect(page.locator('main').textContent()).resolves.toMatch(/Second browser/);
		expect(second.errors).toEqual([]);

		await page.goto(`${server.url}/console/phones`);
		const rows = page.locator('.rows > li');
		expect(await rows.count()).toBe(2);
		await expect(rows.filter({ hasText: 'Ana’s iPhone' }).textContent()).resolves.toMatch(
			/Ana’s iPhone.*iPhone app \(production\).*never seen/,
		);
		await expect(rows.filter({ hasText: 'Second browser' }).textContent()).resolves.toMatch(
			/Second browser.*Paired browser.*all channels.*last seen less than a minute ago/,
		);

		await page.getByLabel('Name of Second browser').fill('Ops laptop');
		await page.getByRole('button', { name: 'Rename Second browser' }).click();
		await expect(page.getByRole('status').first().textContent()).resolves.toBe('Renamed.');
		const paired = (await api(server.url, 'GET', '/v1/devices', { key: ADMIN_KEY })).body
			.devices as Array<{ id: string; name: string }>;
		await page.getByRole('button', { name: 'Revoke Ops laptop' }).click();
		const devices = (await api(server.url, 'GET', '/v1/devices', { key: ADMIN_KEY })).body.devices;
		expect(devices.map((d: { name: string }) => d.name)).toEqual(['Ana’s iPhone']);
		await expectAccessible(page);

		// The message's push card says each row's kind, a revoked browser's too (shown by its id).
		// Pushes are off on this server: the rows are stored as the two jobs store theirs.
		const phoneId = paired.find((d) => d.name === 'Ana’s iPhone')!.id;
		const laptopId = paired.find((d) => d.name === 'Ops laptop')!.id;
		const row = { messageId: id, apnsId: null, nextAttemptAt: null, updatedAt: clock.now() };
		await server.ctx.store.saveDeliveries([
			{ ...row, deviceId: phoneId, kind: 'apns', state: 'sent', reason: null, attempts: 1 },
			{
				...row,
				deviceId: laptopId,
				kind: 'webpush',
				state: 'failed',
				reason: 'DeviceRemoved',
				attempts: 0,
			},
		]);
		await page.goto(`${server.url}/console/messages/${id}`);
		const pushes = page.locator('section[aria-labelledby="pushes-title"] li');
		await expect(pushes.filter({ hasText: 'Ana’s iPhone' }).textContent()).resolves.toMatch(
			/Ana’s iPhone\s*APNs · sent · 1 attempt/,
		);
		await expect(pushes.filter({ hasText: laptopId }).textContent()).resolves.toMatch(
			/Web Push · failed · 0 attempts · .* · DeviceRemoved/,
		);
		expect(errors).toEqual([]);
	});

	test('API keys: made (shown once), used to sign in elsewhere, revoked: its session ends at once', async () => {
		const admin = await open(DESKTOP);
		await signIn(admin.page);
		await admin.page.getByRole('link', { name: 'API keys' }).click();
		await admin.page.getByLabel('Name (what it is for)').fill('Teammate');
		await admin.page.getByRole('button', { name: 'Create key' }).click();
		const key = await admin.page.getByLabel('API key Teammate', { exact: true }).inputValue();
		expect(key).toMatch(/^pk_live_\w{32}$/);
		await expectAccessible(admin.page);

		const mate = await open(PHONE);
		await signIn(mate.page, key);
		await mate.page.goto(`${server.url}/console/keys`);
		await expect(mate.page.getByText('you signed in with this key').count()).resolves.toBe(1);

		await admin.page.goto(`${server.url}/console/keys`);
		await admin.page.getByRole('button', { name: 'Revoke Teammate' }).click();
		await expect(admin.page.getByRole('status').first().textContent()).resolves.toMatch(/revoked/);
		await mate.page.goto(`${server.url}/console/channels`);
		expect(mate.page.url()).toBe(`${server.url}/console/sign-in`);
		expect(admin.errors).toEqual([]);
		expect(mate.errors).toEqual([]);
	});

	test('CSRF: a POST without the session token, with a wrong one, or from another site is refused (403) and changes nothing', async () => {
		const { context, page } = await open(DESKTOP);
		await signIn(page);
		const csrf = await page.locator('input[name=csrf]').first().inputValue();
		const count = await channelCount();

		const missing = await context.request.post(`${server.url}/console/channels`, {
			form: { name: 'No token' },
			headers: { origin: server.url },
		});
		expect(missing.status()).toBe(403);
		expect(await missing.text()).toMatch(/Nothing was changed/);
		const wrong = await context.request.post(`${server.url}/console/channels`, {
			form: { name: 'Wrong token', csrf: csrf.slice(1) + 'x' },
			headers: { origin: server.url },
		});
		expect(wrong.status()).toBe(403);
		const crossSite = await context.request.post(`${server.url}/console/channels`, {
			form: { name: 'Cross site', csrf },
			headers: { origin: elsewhereUrl, 'sec-fetch-site': 'cross-site' },
		});
		expect(crossSite.status()).toBe(403);

		// A real page of another site submitting a form at the console (the browser sends what it sends).
		const attack = await context.newPage();
		const [posted] = await Promise.all([
			attack.waitForResponse(
				(r) => r.url() === `${server.url}/console/channels` && r.request().method() === 'POST',
			),
			attack.goto(elsewhereUrl),
		]);
		expect([401, 403]).toContain(posted.status());
		expect(await channelCount()).toBe(count);
	});

	test('sessions end: sign out at once (the old cookie no longer works), and after PING_CONSOLE_SESSION_HOURS; an expired POST changes nothing', async () => {
		const { context, page, errors } = await open(PHONE);
		await signIn(page);
		const [cookie] = await context.cookies();
		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.waitForURL(/sign-in\?done=signed-out/);
		await expect(page.getByRole('status').textContent()).resolves.toBe('You are signed out.');
		expect(await context.cookies()).toEqual([]);
		await context.addCookies([cookie]);
		await page.goto(`${server.url}/console/channels`);
		expect(page.url()).toBe(`${server.url}/console/sign-in`);

		await signIn(page);
		const csrf = await page.locator('input[name=csrf]').first().inputValue();
		const count = await channelCount();
		clock.advance(SESSION_HOURS * 3600_000);
		const late = await context.request.post(`${server.url}/console/channels`, {
			form: { name: 'Too late', csrf },
			headers: { origin: server.url },
		});
		expect(late.status()).toBe(401);
		expect(await late.text()).toMatch(/Your console session has ended/);
		expect(await channelCount()).toBe(count);
		await page.goto(`${server.url}/console/channels`);
		expect(page.url()).toBe(`${server.url}/console/sign-in`);
		expect(errors).toEqual([]);
	});

	test('without JavaScript: sign in, make a channel, and the credential values are there to select (no Copy buttons)', async () => {
		const { page, errors } = await open({ ...PHONE, javaScriptEnabled: false });
		await signIn(page);
		await page.getByLabel('Name', { exact: true }).fill('No script');
		await page.getByRole('button', { name: 'Create channel' }).click();
		expect(await page.getByLabel('Webhook Token', { exact: true }).inputValue()).toMatch(
			/^[A-Za-z0-9_-]{43}$/,
		);
		expect(await page.getByLabel('Server URL', { exact: true }).inputValue()).toBe(server.url);
		expect(await page.locator('button[data-copy]:visible').count()).toBe(0);
		const width = await page.evaluate(() => document.documentElement.scrollWidth);
		expect(width).toBeLessThanOrEqual(320);
		expect(errors).toEqual([]);
	});
});
