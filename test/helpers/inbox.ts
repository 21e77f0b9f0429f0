/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/// <reference lib="webworker" />
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { CHROMIUM_PATH, PHONE, watchErrors } from './browser';
import { ADMIN_KEY, api } from './server';

/**
 * The inbox (/app/) in Chromium, as the browser tests drive it: pairing through the pair page,
 * a phone Chromium judges installable, its service worker, and the worker's pushes and
 * notifications reached through the DevTools protocol (docs/architecture.md says what that
 * proves and what not).
 */

export interface Phone {
	context: BrowserContext;
	page: Page;
	/** What its pages reported as errors (see `watchErrors`). */
	errors: string[];
}

/** A single-use pairing link made with the admin key (`POST /v1/devices/pairings`). */
export async function pairingLink(
	serverUrl: string,
	channelIds: string[] | null,
	name?: string,
): Promise<string> {
	const res = await api(serverUrl, 'POST', '/v1/devices/pairings', {
		key: ADMIN_KEY,
		body: { channel_ids: channelIds, name },
	});
	if (res.status !== 201 && res.status !== 200)
		throw new Error(`pairing → ${res.status} ${JSON.stringify(res.body)}`);
	return res.body.pair_url;
}

/** Opens a pairing link in the page and presses the button, as a person does. */
export async function pair(
	page: Page,
	serverUrl: string,
	channelIds: string[] | null,
	name: string,
): Promise<void> {
	await page.goto(await pairingLink(serverUrl, channelIds));
	await page.getByLabel('Name of this device').fill(name);
	await page.getByRole('button', { name: 'Pair this browser' }).click();
	await page.waitForURL(`${serverUrl}/app/?paired=1`);
}

/** The id of the paired browser of that name, from the admin's device list. */
export async function deviceIdNamed(serverUrl: string, name: string): Promise<string> {
	const devices = (await api(serverUrl, 'GET', '/v1/devices', { key: ADMIN_KEY })).body.devices as {
		id: string;
		name: string;
	}[];
	const found = devices.find((d) => d.name === name);
	if (!found) throw new Error(`no device named ${name}`);
	return found.id;
}

/**
 * A phone with a profile on disk (not incognito): Chromium only judges a web app installable
 * there, and only such a profile keeps notifications. Notifications are allowed for the
 * server, as after the person said yes. `close()` closes it and removes the profile.
 */
export async function installablePhone(
	serverUrl: string,
): Promise<Phone & { close(): Promise<void> }> {
	const { chromium } = await import('playwright-core');
	const dir = mkdtempSync(join(tmpdir(), 'ping-inbox-profile-'));
	const context = await chromium.launchPersistentContext(dir, {
		executablePath: CHROMIUM_PATH,
		args: ['--no-sandbox', '--disable-dev-shm-usage'],
		...PHONE,
	});
	await context.grantPermissions(['notifications'], { origin: serverUrl });
	const errors = watchErrors(context);
	return {
		context,
		page: await context.newPage(),
		errors,
		async close() {
			await context.close();
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/** The service worker, registered and controlling the page (after one reload if need be). */
export async function controlledBy(page: Page, serverUrl: string): Promise<void> {
	await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
	if (!(await page.evaluate(() => navigator.serviceWorker.controller !== null)))
		await page.reload();
	expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(
		`${serverUrl}/app/sw.js`,
	);
}

/** The worker's registration id, for DevTools' push delivery. */
async function registrationId(cdp: CDPSession, serverUrl: string): Promise<string> {
	const found: string[] = [];
	cdp.on('ServiceWorker.workerRegistrationUpdated', (event) => {
		for (const r of event.registrations)
			if (r.scopeURL === `${serverUrl}/app/` && !r.isDeleted) found.push(r.registrationId);
	});
	await cdp.send('ServiceWorker.enable');
	const deadline = Date.now() + 10_000;
	while (found.length === 0 && Date.now() < deadline)
		await new Promise((resolve) => setTimeout(resolve, 50));
	if (found.length === 0) throw new Error('no service worker registration for /app/');
	return found[0];
}

/**
 * Delivers push data to the page's service worker as a trusted `push` event
 * (`ServiceWorker.deliverPushMessage`): what the browser does with a push it received.
 */
export async function workerPushes(
	phone: Phone,
	serverUrl: string,
): Promise<(data: string) => Promise<void>> {
	const cdp = await phone.context.newCDPSession(phone.page);
	const registration = await registrationId(cdp, serverUrl);
	return async (data) => {
		await cdp.send('ServiceWorker.deliverPushMessage', {
			origin: `${serverUrl}/`,
			registrationId: registration,
			data,
		});
	};
}

export interface ShownNotification {
	title: string;
	body: string;
	tag: string;
	requireInteraction: boolean;
	actions: { action: string; title: string }[];
}

/** The notifications the page's service worker shows now (`registration.getNotifications`). */
export function notificationsShown(page: Page, tag?: string): Promise<ShownNotification[]> {
	return page.evaluate(
		async (filter) =>
			(await (await navigator.serviceWorker.ready).getNotifications(filter)).map((n) => ({
				title: n.title,
				body: n.body,
				tag: n.tag,
				requireInteraction: n.requireInteraction,
				// `actions` is in Chromium's Notification, not yet in TypeScript's DOM types.
				actions: (n as Notification & { actions: { action: string; title: string }[] }).actions.map(
					(a) => ({ action: a.action, title: a.title }),
				),
			})),
		tag === undefined ? {} : { tag },
	);
}

/** Waits until the shown notifications pass `check`; returns them. */
export async function waitForNotifications(
	page: Page,
	check: (shown: ShownNotification[]) => boolean,
): Promise<ShownNotification[]> {
	// Generous: on a loaded machine the worker may take seconds to start for a push.
	const deadline = Date.now() + 15_000;
	for (;;) {
		const shown = await notificationsShown(page);
		if (check(shown)) return shown;
		if (Date.now() > deadline) throw new Error(`notifications: ${JSON.stringify(shown)}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

/**
 * A tap on the shown notification `tag` (on its button `action`, or on its body when ''). No
 * DevTools command clicks a notification, and a synthetic `notificationclick` cannot call
 * `waitUntil`: the worker's own click handler is called in the worker with the notification.
 */
export async function tapNotification(
	phone: Phone,
	serverUrl: string,
	tag: string,
	action: string,
): Promise<void> {
	const worker = phone.context.serviceWorkers().find((w) => w.url() === `${serverUrl}/app/sw.js`);
	if (!worker) throw new Error('service worker not found');
	await worker.evaluate(
		async ({ tag, action }) => {
			const scope = self as unknown as ServiceWorkerGlobalScope & {
				handleNotificationClick(n: Notification, action: string): Promise<void>;
			};
			const [notification] = await scope.registration.getNotifications({ tag });
			if (!notification) throw new Error(`no notification ${tag} shown`);
			await scope.handleNotificationClick(notification, action);
		},
		{ tag, action },
	);
}
