/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import AxeBuilder from '@axe-core/playwright';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { FakeReceiver } from '../fakes/callback-receiver';
import {
	describeInChromium,
	launchChromium,
	PHONE,
	PHONE_SCREENSHOT,
	screenshotPath,
	watchErrors,
} from '../helpers/browser';
import { verifiedIndependently } from '../helpers/callbacks';
import {
	ADMIN_KEY,
	api,
	createChannel,
	startTestServer,
	TestChannel,
	TestServer,
} from '../helpers/server';

/**
 * The answer page in a real browser (headless Chromium at a phone viewport): what a person
 * sees and does, from opening the link to the signed callback arriving.
 */

let server: TestServer;
let channel: TestChannel;
let receiver: FakeReceiver;
let elsewhere: Server;
let elsewhereUrl: string;
let elsewhereHits: string[];
let browser: Browser;

/** Every action type there is, over two messages (a message has at most 5 actions). */
const FORM_ACTIONS = [
	{
		type: 'select',
		label: 'Environment',
		key: 'env',
		options: [
			{ label: 'Production', value: 'prod' },
			{ label: 'Staging', value: 'stg' },
		],
	},
	{
		type: 'text',
		label: 'Comment',
		key: 'comment',
		placeholder: 'Anything the team should know?',
		multiline: true,
		max_length: 200,
		value: 'Looks good',
	},
	{ type: 'number', label: 'Replicas', key: 'replicas', min: 1, max: 10, step: 1, value: 3 },
	{ type: 'toggle', label: 'Drain traffic first', key: 'drain', value: false },
	{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
];

function buttonActions() {
	return [
		{ type: 'url', label: 'Open the diff', value: `${elsewhereUrl}/diff` },
		{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
		{ type: 'button', label: 'Later', key: 'later', style: 'secondary' },
		{ type: 'button', label: 'Decline', key: 'decline', style: 'destructive' },
		{ type: 'text', label: 'Ticket', key: 'ticket', placeholder: 'OPS-123', max_length: 20 },
	];
}

interface Sent {
	id: string;
	url: string;
}

async function send(body: Record<string, unknown>): Promise<Sent> {
	const res = await api(server.url, 'POST', `/v1/send/${channel.token}`, {
		body: { callback_url: receiver.url, ...body },
	});
	if (res.status !== 200) throw new Error(`send → ${res.status} ${JSON.stringify(res.body)}`);
	return { id: res.body.id, url: res.body.answer_url };
}

async function stored(id: string) {
	const res = await api(server.url, 'GET', `/v1/messages/${id}`, { key: ADMIN_KEY });
	return res.body.message;
}

const callbacksFor = (id: string) => receiver.received.filter((c) => c.body.message_id === id);

async function waitForCallback(id: string) {
	const deadline = Date.now() + 5000;
	while (callbacksFor(id).length === 0) {
		if (Date.now() > deadline) throw new Error(`no callback for ${id}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	return callbacksFor(id)[0];
}

/** A fresh phone-sized context whose console errors are collected (and must stay empty). */
async function phone(options: BrowserContextOptions = {}) {
	const context = await browser.newContext({ ...PHONE, ...options });
	const errors = watchErrors(context);
	const page = await context.newPage();
	return { context, page, errors };
}

async function axeViolations(page: Page): Promise<string[]> {
	const results = await new AxeBuilder({ page }).analyze();
	return results.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => `${v.impact}: ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target).join(', ')}`);
}

/** Sum of layout-shift scores since navigation (CLS); 0 means nothing moved. */
function layoutShift(page: Page): Promise<number> {
	return page.evaluate(
		() =>
			new Promise<number>((resolve) => {
				let total = 0;
				new PerformanceObserver((list) => {
					for (const entry of list.getEntries())
						total += (entry as unknown as { value: number }).value;
				}).observe({ type: 'layout-shift', buffered: true });
				setTimeout(() => resolve(total), 300);
			}),
	);
}

jest.setTimeout(90_000);

describeInChromium('the answer page in Chromium (phone viewport)', () => {
	let contexts: BrowserContext[] = [];

	beforeAll(async () => {
		receiver = await new FakeReceiver().start();
		elsewhereHits = [];
		elsewhere = createServer((req, res) => {
			elsewhereHits.push(`${req.method} ${req.url} referer=${req.headers.referer ?? ''}`);
			res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
			res.end('<!doctype html><title>Elsewhere</title><p>Another site</p>');
		});
		await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
		elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
		server = await startTestServer({ env: { PING_CALLBACK_ALLOW: '127.0.0.1/32' } });
		channel = await createChannel(server.url, 'Deploys');
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

	/** Opens a phone page and remembers its context, so afterEach closes it. */
	async function open(options: BrowserContextOptions = {}) {
		const made = await phone(options);
		contexts.push(made.context);
		return made;
	}

	afterEach(async () => {
		for (const context of contexts) await context.close();
		contexts = [];
	});

	test('renders every action type as a real, labelled control at 320 px: big tap targets, no sideways scroll, no layout shift', async () => {
		const form = await send({
			title: 'Deploy v2.3 to production?',
			body: '**3 commits** by ana\n\n- fix login\n- faster search',
			priority: 'high',
			expires_in: 1800,
			actions: FORM_ACTIONS,
		});
		const buttons = await send({ title: 'Ship it?', actions: buttonActions() });
		const { page, errors } = await open();

		const response = await page.goto(form.url);
		expect(response?.status()).toBe(200);
		await expect(page.locator('h1').textContent()).resolves.toBe('Deploy v2.3 to production?');
		expect(await page.locator('.pill').textContent()).toBe('High priority');
		expect(await page.locator('.body strong').textContent()).toBe('3 commits');
		expect(await page.locator('.body li').count()).toBe(2);
		expect(await page.locator('.expiry').textContent()).toMatch(
			/^Answer by \d+ \w{3} \d{4}, \d\d:\d\d UTC \(in 30 minutes\)\.$/,
		);

		// select: its options, nothing chosen for the person
		const select = page.getByLabel('Environment');
		expect(await select.evaluate((e) => e.tagName)).toBe('SELECT');
		expect(await select.locator('option').allTextContents()).toEqual([
			'Choose…',
			'Production',
			'Staging',
		]);
		expect(await select.inputValue()).toBe('');
		// text: multiline, placeholder, max length, prefilled
		const comment = page.getByLabel('Comment');
		expect(await comment.evaluate((e) => e.tagName)).toBe('TEXTAREA');
		expect(await comment.getAttribute('placeholder')).toBe('Anything the team should know?');
		expect(await comment.getAttribute('maxlength')).toBe('200');
		expect(await comment.inputValue()).toBe('Looks good');
		// number: min/max/step, prefilled, with its bounds said in words
		const replicas = page.getByLabel('Replicas');
		expect(await replicas.getAttribute('type')).toBe('number');
		expect([
			await replicas.getAttribute('min'),
			await replicas.getAttribute('max'),
			await replicas.getAttribute('step'),
		]).toEqual(['1', '10', '1']);
		expect(await replicas.inputValue()).toBe('3');
		expect(await page.locator('#f2-hint').textContent()).toBe('From 1 to 10, in steps of 1.');
		// toggle: a switch, off as sent
		const drain = page.getByRole('switch', { name: 'Drain traffic first' });
		expect(await drain.isChecked()).toBe(false);
		// button: a submit button with its style
		const approve = page.getByRole('button', { name: 'Approve' });
		expect(await approve.getAttribute('type')).toBe('submit');
		expect(await approve.getAttribute('class')).toBe('btn btn-primary');

		await expectPhoneFriendly(page);

		await page.goto(buttons.url);
		expect(await page.getByRole('link', { name: 'Open the diff' }).getAttribute('href')).toBe(
			`${elsewhereUrl}/diff`,
		);
		expect(await page.getByRole('link', { name: 'Open the diff' }).getAttribute('rel')).toBe(
			'noopener noreferrer nofollow',
		);
		for (const [name, style] of [
			['Approve', 'primary'],
			['Later', 'secondary'],
			['Decline', 'destructive'],
		]) {
			expect(await page.getByRole('button', { name }).getAttribute('class')).toBe(
				`btn btn-${style}`,
			);
		}
		// The three styles look different (not only by their text).
		const colours = await page
			.locator('button')
			.evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
		expect(new Set(colours).size).toBe(3);
		const ticket = page.getByLabel('Ticket');
		expect(await ticket.getAttribute('type')).toBe('text');
		expect(await ticket.getAttribute('maxlength')).toBe('20');
		expect(await page.locator('.expiry').textContent()).toBe('This question does not expire.');
		await expectPhoneFriendly(page);
		expect(errors).toEqual([]);
	});

	async function expectPhoneFriendly(page: Page) {
		// Nothing wider than the 320 px screen.
		expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
			320,
		);
		// Every control has a label (by <label for>, or wrapping).
		const unlabelled = await page
			.locator('input:not([type=hidden]), select, textarea')
			.evaluateAll((els) =>
				els.filter((e) => (e as HTMLInputElement).labels?.length === 0).map((e) => e.outerHTML),
			);
		expect(unlabelled).toEqual([]);
		// Tap targets at least 48 px high (the switch's target is its whole label row).
		const small = await page
			.locator(
				'button, select, input[type=text], input[type=number], textarea, .links a, label.toggle',
			)
			.evaluateAll((els) =>
				els
					.map((e) => ({
						html: e.outerHTML.slice(0, 60),
						height: e.getBoundingClientRect().height,
					}))
					.filter((e) => e.height < 47.5),
			);
		expect(small).toEqual([]);
		expect(await layoutShift(page)).toBe(0);
	}

	test('GET records nothing: opening the page, following every link on it, link-preview bots and scanners', async () => {
		const sent = await send({
			title: 'Rotate the keys?',
			body: `See [the runbook](${elsewhereUrl}/runbook) or <${elsewhereUrl}/auto>.`,
			actions: buttonActions(),
		});
		const { page, errors } = await open();
		await page.goto(sent.url);
		const hrefs = await page
			.locator('a[href]')
			.evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
		expect(hrefs).toEqual([
			`${elsewhereUrl}/runbook`,
			`${elsewhereUrl}/auto`,
			`${elsewhereUrl}/diff`,
		]);
		for (let i = 0; i < hrefs.length; i++) {
			await page.locator('a[href]').nth(i).click();
			await page.waitForURL(hrefs[i]);
			await page.goBack();
			await page.waitForURL(sent.url);
		}
		// The links were followed, and none of them told the other site the answer link.
		const followed = elsewhereHits.filter((hit) => !hit.includes('/favicon.ico'));
		expect(followed).toEqual(['GET /runbook referer=', 'GET /auto referer=', 'GET /diff referer=']);

		// What link previews and mail scanners do: GET (with their user agents) and HEAD.
		for (const agent of [
			'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
			'Mozilla/5.0 (compatible; Microsoft Office Safe Links)',
			'TelegramBot (like TwitterBot)',
			'WhatsApp/2.23.20.0',
		]) {
			expect((await fetch(sent.url, { headers: { 'user-agent': agent } })).status).toBe(200);
			expect(
				(await fetch(sent.url, { method: 'HEAD', headers: { 'user-agent': agent } })).status,
			).toBe(200);
		}
		await page.reload();

		const message = await stored(sent.id);
		expect(message.state).toBe('pending');
		expect(message.answer).toBeNull();
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(callbacksFor(sent.id)).toEqual([]);
		expect(errors).toEqual([]);
	});

	test('each action type answers, and the callback arrives signed with responder {"via":"link"}', async () => {
		// The form fields, with Approve.
		const form = await send({ title: 'Deploy v2.4?', actions: FORM_ACTIONS });
		const { page, errors } = await open();
		await page.goto(form.url);
		await page.getByLabel('Environment').selectOption('stg');
		await page.getByLabel('Comment').fill('Ship it <b>now</b>');
		await page.getByLabel('Replicas').fill('7');
		await page.getByRole('switch', { name: 'Drain traffic first' }).check();
		const [response] = await Promise.all([
			page.waitForResponse((r) => r.request().method() === 'POST'),
			page.getByRole('button', { name: 'Approve' }).tap(),
		]);
		expect(response.status()).toBe(200);
		await page.waitForLoadState();
		expect(await page.getByRole('status').textContent()).toContain('Your answer was sent');
		expect(await page.locator('dl.answer').innerText()).toMatch(
			/Answer\s+Approve\s+Environment\s+Staging\s+Comment\s+Ship it <b>now<\/b>\s+Replicas\s+7\s+Drain traffic first\s+Yes/,
		);
		const callback = await waitForCallback(form.id);
		expect(verifiedIndependently(callback, channel.secret, Date.now())).toBe(true);
		expect(callback.body).toMatchObject({
			message_id: form.id,
			channel_id: channel.id,
			triggered_by: 'approve',
			responses: { env: 'stg', comment: 'Ship it <b>now</b>', replicas: 7, drain: true },
			responder: { via: 'link' },
		});
		expect((await stored(form.id)).answer).toMatchObject({ responder: { via: 'link' } });

		// Each button style, one message each; the text field goes along.
		for (const [name, key] of [
			['Approve', 'approve'],
			['Later', 'later'],
			['Decline', 'decline'],
		]) {
			const sent = await send({ title: `Ship it? (${key})`, actions: buttonActions() });
			await page.goto(sent.url);
			await page.getByLabel('Ticket').fill('OPS-7');
			await page.getByRole('button', { name }).click();
			await page.getByRole('status').waitFor();
			const cb = await waitForCallback(sent.id);
			expect(verifiedIndependently(cb, channel.secret, Date.now())).toBe(true);
			expect(cb.body).toMatchObject({ triggered_by: key, responses: { ticket: 'OPS-7' } });
		}

		// A form without buttons gets its built-in submit: triggered_by "submit"; an untouched
		// select and an empty number send no value, an unticked switch sends false.
		const plain = await send({
			title: 'How did the rollout go?',
			actions: FORM_ACTIONS.filter((a) => a.type !== 'button').map((a) =>
				a.type === 'number' ? { ...a, value: undefined } : a,
			),
		});
		await page.goto(plain.url);
		await page.getByRole('button', { name: 'Send answer' }).click();
		await page.getByRole('status').waitFor();
		const cb = await waitForCallback(plain.id);
		expect(verifiedIndependently(cb, channel.secret, Date.now())).toBe(true);
		expect(cb.body).toMatchObject({
			triggered_by: 'submit',
			responses: { comment: 'Looks good', drain: false },
		});
		expect(Object.keys(cb.body.responses as object).sort()).toEqual(['comment', 'drain']);
		expect(errors).toEqual([]);
	});

	test('a field error shows next to the field and keeps what the person typed', async () => {
		const sent = await send({ title: 'Scale the workers?', actions: FORM_ACTIONS });
		const { page, errors } = await open();
		await page.goto(sent.url);
		await page.getByLabel('Environment').selectOption('prod');
		await page.getByLabel('Comment').fill('Peak traffic expected');
		await page.getByRole('switch', { name: 'Drain traffic first' }).check();
		await page.getByLabel('Replicas').fill('42');
		// The browser itself refuses 42 (max 10) before sending: nothing reaches the server.
		await page.getByRole('button', { name: 'Approve' }).click();
		expect(
			await page
				.getByLabel('Replicas')
				.evaluate((e) => (e as HTMLInputElement).validity.rangeOverflow),
		).toBe(true);
		expect((await stored(sent.id)).answer).toBeNull();

		// A browser that does not check (or a tampered form): the server checks the same rules.
		await page.locator('form').evaluate((f) => f.setAttribute('novalidate', ''));
		const [response] = await Promise.all([
			page.waitForResponse((r) => r.request().method() === 'POST'),
			page.getByRole('button', { name: 'Approve' }).click(),
		]);
		expect(response.status()).toBe(400);
		await page.waitForLoadState();
		const replicas = page.getByLabel('Replicas');
		expect(await replicas.getAttribute('aria-invalid')).toBe('true');
		expect(await page.locator('#f2-error').textContent()).toBe('Replicas must be at most 10');
		expect(await replicas.getAttribute('aria-describedby')).toBe('f2-hint f2-error');
		expect(await page.getByRole('alert').innerText()).toContain('Replicas must be at most 10');
		// Everything the person entered is still there.
		expect(await replicas.inputValue()).toBe('42');
		expect(await page.getByLabel('Environment').inputValue()).toBe('prod');
		expect(await page.getByLabel('Comment').inputValue()).toBe('Peak traffic expected');
		expect(await page.getByRole('switch', { name: 'Drain traffic first' }).isChecked()).toBe(true);
		expect(await axeViolations(page)).toEqual([]);
		await expectPhoneFriendly(page);
		expect((await stored(sent.id)).answer).toBeNull();

		// Fixed, it goes through.
		await replicas.fill('4');
		await page.getByRole('button', { name: 'Approve' }).click();
		await page.getByRole('status').waitFor();
		expect((await waitForCallback(sent.id)).body).toMatchObject({
			responses: { env: 'prod', comment: 'Peak traffic expected', replicas: 4, drain: true },
		});
		expect(errors).toEqual([]);
	});

	test('a double tap, or two tabs at once, records one answer and sends one callback', async () => {
		const sent = await send({ title: 'Restart the database?', actions: buttonActions() });
		const { page, context, errors } = await open();
		await page.goto(sent.url);
		await page.getByRole('button', { name: 'Approve' }).dblclick();
		await page.getByRole('status').waitFor();
		expect(await page.getByRole('status').textContent()).toMatch(
			/Your answer was sent|was answered on .* through its answer link/,
		);

		const twice = await send({ title: 'Restart the cache?', actions: buttonActions() });
		const tabs = [page, await context.newPage()];
		for (const tab of tabs) await tab.goto(twice.url);
		const statuses = await Promise.all(
			tabs.map(async (tab, i) => {
				const [response] = await Promise.all([
					tab.waitForResponse((r) => r.request().method() === 'POST'),
					tab.getByRole('button', { name: i === 0 ? 'Approve' : 'Decline' }).click(),
				]);
				return response.status();
			}),
		);
		expect(statuses.sort()).toEqual([200, 409]);

		await new Promise((resolve) => setTimeout(resolve, 300));
		for (const id of [sent.id, twice.id]) {
			expect(callbacksFor(id)).toHaveLength(1);
			expect((await stored(id)).state).toBe('answered');
		}
		expect(errors).toEqual([]);
	});

	test('answered, expired and unknown links show their own pages (200, 410, 404)', async () => {
		const sent = await send({ title: 'Open the gates?', actions: buttonActions() });
		const { page, errors } = await open();
		await page.goto(sent.url);
		await page.getByRole('button', { name: 'Decline' }).click();
		await page.getByRole('status').waitFor();

		const again = await page.goto(sent.url);
		expect(again?.status()).toBe(200);
		expect(await page.getByRole('status').textContent()).toMatch(
			/^This question was answered on \d+ \w{3} \d{4}, \d\d:\d\d UTC, through its answer link\.$/,
		);
		expect(await page.locator('dl.answer').innerText()).toMatch(/Answer\s+Decline/);
		expect(await page.locator('form').count()).toBe(0);
		expect(await axeViolations(page)).toEqual([]);

		const answeredByApi = await send({ title: 'Answered elsewhere', actions: buttonActions() });
		await api(server.url, 'POST', `/v1/messages/${answeredByApi.id}/respond`, {
			key: ADMIN_KEY,
			body: { triggered_by: 'later', responder: 'ana' },
		});
		await page.goto(answeredByApi.url);
		expect(await page.getByRole('status').textContent()).toContain(
			'through the app or API, by ana',
		);

		const expiring = await send({ title: 'Quick one', expires_in: 1, actions: buttonActions() });
		await new Promise((resolve) => setTimeout(resolve, 1100));
		const expired = await page.goto(expiring.url);
		expect(expired?.status()).toBe(410);
		expect(await page.getByRole('status').textContent()).toMatch(
			/^This question expired on .* UTC \(.* ago\) and can no longer be answered\.$/,
		);
		expect(await page.locator('form').count()).toBe(0);
		expect(await axeViolations(page)).toEqual([]);

		const unknown = await page.goto(`${server.url}/a/${'x'.repeat(32)}`);
		expect(unknown?.status()).toBe(404);
		expect(await page.locator('h1').textContent()).toBe('This answer link does not work');
		expect(await axeViolations(page)).toEqual([]);
		expect(errors).toEqual([]);
	});

	test('works with JavaScript turned off', async () => {
		const sent = await send({ title: 'No script needed?', actions: FORM_ACTIONS });
		const { page, errors } = await open({ javaScriptEnabled: false });
		await page.goto(sent.url);
		await page.getByLabel('Environment').selectOption('prod');
		await page.getByRole('button', { name: 'Approve' }).click();
		await page.waitForURL(sent.url);
		await page.getByRole('status').waitFor();
		expect((await waitForCallback(sent.id)).body).toMatchObject({
			triggered_by: 'approve',
			responses: { env: 'prod', replicas: 3, drain: false },
			responder: { via: 'link' },
		});
		expect(errors).toEqual([]);
	});

	test('HTML and script in the title, body and labels stay inert text', async () => {
		const sent = await send({
			title: '<img src=x onerror=alert(1)>Deploy?',
			body: '<script>alert(2)</script> **bold** [click](javascript:alert(3)) <a href="javascript:alert(4)">a</a>\n\n![pixel](http://127.0.0.1:9/p.png)',
			actions: [
				{ type: 'button', label: '<b onmouseover=alert(5)>Go</b>', key: 'go', style: 'primary' },
				{
					type: 'select',
					label: '"><script>alert(6)</script>',
					key: 'k',
					options: [{ label: '</option><script>alert(7)</script>', value: '"><x' }],
				},
				{ type: 'text', label: 'Note', key: 'n', placeholder: '"><script>alert(8)</script>' },
			],
		});
		const { page, errors } = await open();
		await page.goto(sent.url);
		expect(await page.locator('h1').textContent()).toBe('<img src=x onerror=alert(1)>Deploy?');
		expect(await page.locator('script, img, iframe, object, embed').count()).toBe(0);
		expect(await page.locator('[onerror], [onmouseover], [onclick]').count()).toBe(0);
		expect(await page.locator('a[href^="javascript"]').count()).toBe(0);
		expect(await page.locator('.body').textContent()).toContain('<script>alert(2)</script>');
		// An image is not loaded: markdown images are off, what is left is a plain link.
		expect(await page.locator('.body a').last().getAttribute('href')).toBe(
			'http://127.0.0.1:9/p.png',
		);
		await page.getByRole('button', { name: '<b onmouseover=alert(5)>Go</b>' }).hover();
		expect(
			await page.getByLabel('"><script>alert(6)</script>').locator('option').allTextContents(),
		).toEqual(['Choose…', '</option><script>alert(7)</script>']);
		await page.getByLabel('"><script>alert(6)</script>').selectOption('"><x');
		await page.getByRole('button', { name: '<b onmouseover=alert(5)>Go</b>' }).click();
		await page.getByRole('status').waitFor();
		expect((await waitForCallback(sent.id)).body).toMatchObject({
			responses: { k: '"><x', n: '' },
		});
		expect(errors).toEqual([]); // no alert() dialog, no CSP report, no script error
	});

	test('axe-core finds no serious or critical violation, in light and dark mode; screenshots of both', async () => {
		const sent = await send({
			title: 'Deploy v2.3 to production?',
			body: '**3 commits** by ana: fix login, faster search. [Changelog](https://example.com/changes)',
			priority: 'high',
			expires_in: 1800,
			actions: [
				FORM_ACTIONS[0],
				{ ...FORM_ACTIONS[1], multiline: false, value: undefined },
				{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
				{ type: 'button', label: 'Decline', key: 'decline', style: 'destructive' },
			],
		});
		const shots: Buffer[] = [];
		for (const colorScheme of ['light', 'dark'] as const) {
			const { page, errors } = await open({ ...PHONE_SCREENSHOT, colorScheme });
			await page.goto(sent.url);
			expect(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(
				colorScheme === 'dark',
			);
			expect(await axeViolations(page)).toEqual([]);
			await page.screenshot({
				path: screenshotPath(`answer-page-${colorScheme}.png`),
				fullPage: true,
			});
			// The page down to its footer, for the side-by-side picture.
			const box = (await page.locator('main').boundingBox())!;
			shots.push(await page.screenshot({ clip: { ...box, height: Math.ceil(box.height) } }));
			expect(errors).toEqual([]);
		}
		// Light and dark side by side: the picture in the READMEs (docs/images/answer-page.png is
		// a copy of this file).
		const canvasContext = await browser.newContext({ viewport: { width: 900, height: 1000 } });
		contexts.push(canvasContext);
		const canvas = await canvasContext.newPage();
		await canvas.setContent(
			'<body style="margin:0"><div id="pair" style="display:inline-flex;gap:8px;padding:8px;background:#8a8f98">' +
				shots.map((png) => `<img src="data:image/png;base64,${png.toString('base64')}">`).join('') +
				'</div></body>',
		);
		await canvas.locator('#pair').screenshot({ path: screenshotPath('answer-page.png') });
		// The dark page really is dark.
		const { page } = await open({ colorScheme: 'dark' });
		await page.goto(sent.url);
		const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
		expect(background).toBe('rgb(15, 17, 21)');

		// The confirmation page, too.
		await page.getByRole('button', { name: 'Approve' }).click();
		await page.getByRole('status').waitFor();
		expect(await axeViolations(page)).toEqual([]);
		await page.screenshot({ path: screenshotPath('answer-confirmation-dark.png'), fullPage: true });
	});
});
