import { sha256Hex } from '../../../server/src/domain/ids';
import {
	ADMIN_KEY,
	api,
	createChannel,
	sendMessage,
	startTestServer,
	TestChannel,
	TestServer,
} from '../../helpers/server';

/**
 * The pair page and the inbox over plain HTTP, as a browser without script uses them: what
 * each request changes (a GET nothing), the cookie's attributes, the guards against cross-site
 * requests, and that every failure is a page. test/browser/inbox.test.ts drives them in Chromium.
 */

let server: TestServer;
let deploys: TestChannel;
let billing: TestChannel;

const FORM = 'application/x-www-form-urlencoded';
const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' };
const APPROVE = [
	{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
	{ type: 'number', label: 'Replicas', key: 'replicas', min: 1, max: 5 },
];

async function newPairing(body: Record<string, unknown> = {}, on = server) {
	const res = await api(on.url, 'POST', '/v1/devices/pairings', { key: ADMIN_KEY, body });
	return res.body.pair_url as string;
}

function get(url: string, headers: Record<string, string> = {}) {
	return fetch(url, { headers, redirect: 'manual' });
}

function post(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
	return fetch(url, {
		method: 'POST',
		headers: { 'content-type': FORM, ...headers },
		body: new URLSearchParams(form).toString(),
		redirect: 'manual',
	});
}

/** Pairs through the page's form and returns the cookie the browser would keep. */
async function pairedCookie(body: Record<string, unknown> = {}, name = 'Ana') {
	const res = await post(await newPairing(body), { name }, SAME_ORIGIN);
	if (res.status !== 303) throw new Error(`pairing → ${res.status}`);
	return (res.headers.get('set-cookie') ?? '').split(';')[0];
}

const devices = async () =>
	(await api(server.url, 'GET', '/v1/devices', { key: ADMIN_KEY })).body.devices as {
		name: string;
	}[];

beforeAll(async () => {
	server = await startTestServer();
	deploys = await createChannel(server.url, 'Deploys');
	billing = await createChannel(server.url, 'Billing <ops>');
});
afterAll(() => server.stop());

describe('the pair page', () => {
	test('GET shows what will be paired and changes nothing; its headers are the pages’ (CSP with own script only)', async () => {
		const url = await newPairing({ channel_ids: [billing.id], name: 'Kitchen tablet' });
		const before = (await devices()).length;
		for (let i = 0; i < 3; i++) {
			const res = await get(url);
			expect(res.status).toBe(200);
			const html = await res.text();
			expect(html).toContain('<li>Billing &lt;ops&gt;</li>');
			expect(html).toContain('value="Kitchen tablet"');
			expect(html).toMatch(/This link works once, until <time/);
			expect(res.headers.get('cache-control')).toBe('no-store');
			expect(res.headers.get('referrer-policy')).toBe('no-referrer');
			expect(res.headers.get('content-security-policy')).toMatch(
				/^default-src 'none'; style-src 'sha256-[^']+'; script-src 'self'; connect-src 'self';.*form-action 'self'; frame-ancestors 'none'/,
			);
		}
		expect((await fetch(url, { method: 'HEAD' })).status).toBe(404); // no HEAD route: nothing else reads it
		expect(await devices()).toHaveLength(before);
		// Still claimable after being looked at.
		expect((await post(url, { name: 'Kitchen tablet' }, SAME_ORIGIN)).status).toBe(303);
	});

	test('POST pairs once: the key goes into an HttpOnly, SameSite=Strict cookie for /, then to the inbox', async () => {
		const url = await newPairing({ channel_ids: [deploys.id] });
		const res = await post(url, { name: '  Ana’s phone  ' }, SAME_ORIGIN);
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe('/app/?paired=1');
		const cookie = res.headers.get('set-cookie') ?? '';
		expect(cookie).toMatch(
			/^ping_device=pd_[A-Za-z0-9]{40}; Path=\/; Max-Age=34560000; HttpOnly; SameSite=Strict$/,
		);
		const key = cookie.split(';')[0].split('=')[1];
		const device = await server.ctx.store.findDeviceByKeyHash(sha256Hex(key));
		expect(device).toMatchObject({ name: 'Ana’s phone', channelIds: [deploys.id] });
		expect(res.headers.get('cache-control')).toBe('no-store');

		// The link is used up: a second browser gets the "ask for a new link" page.
		for (const again of [await get(url), await post(url, {}, SAME_ORIGIN)]) {
			expect(again.status).toBe(404);
			const html = await again.text();
			expect(html).toContain('This pairing link does not work');
			expect(html).toContain('Ask for a new pairing link.');
			expect(again.headers.get('set-cookie')).toBeNull();
		}
	});

	test('unknown and malformed codes get the same page as a used one', async () => {
		for (const code of ['x', 'A'.repeat(43), 'A'.repeat(44)]) {
			const res = await get(`${server.url}/app/pair/${code}`);
			expect(res.status).toBe(404);
			expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
			expect(await res.text()).toContain('This pairing link does not work');
		}
	});

	test('a cross-site POST pairs nothing (403 page); a name over 100 characters shows the form again', async () => {
		const url = await newPairing();
		const before = (await devices()).length;
		for (const headers of <Record<string, string>[]>[
			{ 'sec-fetch-site': 'cross-site' },
			{ origin: 'https://evil.example' },
		]) {
			const res = await post(url, { name: 'x' }, headers);
			expect(res.status).toBe(403);
			expect(await res.text()).toContain('nothing was paired');
		}
		const long = await post(url, { name: 'n'.repeat(101) }, SAME_ORIGIN);
		expect(long.status).toBe(400);
		const html = await long.text();
		expect(html).toContain('The name must be at most 100 characters.');
		expect(html).toContain('aria-invalid="true"');
		expect(await devices()).toHaveLength(before);
		expect((await post(url, { name: '' }, SAME_ORIGIN)).status).toBe(303);
	});

	test('with an https public URL the cookie is Secure and __Host- prefixed', async () => {
		const https = await startTestServer({ env: { PING_PUBLIC_URL: 'https://ping.example.com' } });
		try {
			const url = (await newPairing({}, https)).replace('https://ping.example.com', https.url);
			const res = await post(url, {}, SAME_ORIGIN);
			expect(res.headers.get('set-cookie')).toMatch(
				/^__Host-ping_device=pd_[A-Za-z0-9]{40}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict; Secure$/,
			);
			const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
			expect((await get(`${https.url}/app/`, { cookie })).status).toBe(200);
		} finally {
			await https.stop();
		}
	});
});

describe('the inbox without script', () => {
	test('no cookie: a page saying how to pair (401); a revoked key is also told to forget it', async () => {
		const res = await get(`${server.url}/app/`);
		expect(res.status).toBe(401);
		expect(await res.text()).toContain('This browser is not paired');
		expect(res.headers.get('set-cookie')).toBeNull();

		const cookie = await pairedCookie();
		const key = cookie.split('=')[1];
		const device = await server.ctx.store.findDeviceByKeyHash(sha256Hex(key));
		await api(server.url, 'DELETE', `/v1/devices/${device?.id}`, { key: ADMIN_KEY });
		const revoked = await get(`${server.url}/app/`, { cookie });
		expect(revoked.status).toBe(401);
		expect(revoked.headers.get('set-cookie')).toBe(
			'ping_device=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict',
		);
	});

	test('a link from another site (no SameSite=Strict cookie on it) reloads once from this site', async () => {
		const res = await get(`${server.url}/app/`, { 'sec-fetch-site': 'cross-site' });
		expect(res.status).toBe(200);
		expect(await res.text()).toContain('<meta http-equiv="refresh" content="0;url=/app/?again=1">');
		const again = await get(`${server.url}/app/?again=1`, { 'sec-fetch-site': 'cross-site' });
		expect(again.status).toBe(401);
		expect((await get(`${server.url}/app`)).headers.get('location')).toBe('/app/');
	});

	test('lists its messages newest first with forms; answers through the form; the list version answers 304 when unchanged', async () => {
		const cookie = await pairedCookie({ channel_ids: [deploys.id] });
		const first = await sendMessage(server.url, deploys.token, {
			title: 'First',
			actions: APPROVE,
		});
		await new Promise((resolve) => setTimeout(resolve, 5));
		const second = await sendMessage(server.url, deploys.token, {
			title: 'Second',
			actions: APPROVE,
		});
		await sendMessage(server.url, billing.token, { title: 'Not mine' });

		const res = await get(`${server.url}/app/`, { cookie });
		expect(res.status).toBe(200);
		const html = await res.text();
		expect(html.indexOf('Second')).toBeLessThan(html.indexOf('First'));
		expect(html).not.toContain('Not mine');
		expect(html).toContain(`action="/app/messages/${first}/answer"`);
		expect(html).toContain('<script src="/app/inbox.js" defer></script>');
		expect(html).toContain('<link rel="manifest" href="/app/manifest.webmanifest">');
		expect(html).not.toContain('data-webpush-key'); // Web Push is off here
		expect(res.headers.get('set-cookie')).toMatch(/^ping_device=pd_.*Max-Age=34560000/); // renewed
		const etag = res.headers.get('etag') ?? '';
		expect((await get(`${server.url}/app/`, { cookie, 'if-none-match': etag })).status).toBe(304);

		const token = new RegExp(
			`action="/app/messages/${second}/answer"><input type="hidden" name="form_token" value="([^"]+)"`,
		).exec(html)?.[1];
		const answerUrl = `${server.url}/app/messages/${second}/answer`;
		const fieldError = await post(
			answerUrl,
			{ form_token: token ?? '', triggered_by: 'approve', [`r.replicas`]: '9' },
			{ cookie, ...SAME_ORIGIN },
		);
		expect(fieldError.status).toBe(400);
		expect(await fieldError.text()).toContain('value="9"');

		const answered = await post(
			answerUrl,
			{ form_token: token ?? '', triggered_by: 'approve', 'r.replicas': '2' },
			{ cookie, ...SAME_ORIGIN },
		);
		expect(answered.status).toBe(303);
		expect(answered.headers.get('location')).toBe(`/app/?answered=1#m-${second}`);
		const stored = await api(server.url, 'GET', `/v1/messages/${second}`, { key: ADMIN_KEY });
		expect(stored.body.message.answer).toMatchObject({
			triggered_by: 'approve',
			responses: { replicas: 2 },
			responder: { via: 'device', name: 'Ana' },
		});
		// The list changed: a new version, the message greyed with who and when.
		const after = await get(`${server.url}/app/?answered=1`, { cookie, 'if-none-match': etag });
		expect(after.status).toBe(200);
		const list = await after.text();
		expect(list).toContain('Your answer was sent.');
		expect(list).toMatch(
			new RegExp(`id="m-${second}" data-state="answered"[\\s\\S]*in the Ping inbox of Ana`),
		);
		// A second answer: the page says it was answered (409), nothing changes.
		const twice = await post(
			answerUrl,
			{ form_token: token ?? '', triggered_by: 'approve' },
			{ cookie, ...SAME_ORIGIN },
		);
		expect(twice.status).toBe(409);
		expect(await twice.text()).toContain('already answered');
		// The answer page of that message names the inbox too.
		const link = await get(stored.body.message.answer_url);
		expect(await link.text()).toContain('in the Ping inbox of Ana');
	});

	test('a form POST needs this site and its form token; another channel’s message is not found', async () => {
		const cookie = await pairedCookie({ channel_ids: [deploys.id] });
		const id = await sendMessage(server.url, deploys.token, { title: 'Guarded', actions: APPROVE });
		const url = `${server.url}/app/messages/${id}/answer`;
		const page = await (await get(`${server.url}/app/`, { cookie })).text();
		const token =
			new RegExp(
				`messages/${id}/answer"><input type="hidden" name="form_token" value="([^"]+)"`,
			).exec(page)?.[1] ?? '';
		const crossSite = await post(
			url,
			{ form_token: token, triggered_by: 'approve' },
			{ cookie, 'sec-fetch-site': 'cross-site' },
		);
		expect(crossSite.status).toBe(403);
		expect(await crossSite.text()).toContain('nothing was recorded');
		const noToken = await post(url, { triggered_by: 'approve' }, { cookie, ...SAME_ORIGIN });
		expect(noToken.status).toBe(403);
		const otherToken = await post(
			url,
			{ form_token: '1.AAAAAAAAAAAAAAAAAAAAAA', triggered_by: 'approve' },
			{ cookie, ...SAME_ORIGIN },
		);
		expect(otherToken.status).toBe(403);
		const stored = await api(server.url, 'GET', `/v1/messages/${id}`, { key: ADMIN_KEY });
		expect(stored.body.message.state).toBe('pending');

		const hidden = await sendMessage(server.url, billing.token, {
			title: 'Hidden',
			actions: APPROVE,
		});
		const notMine = await post(
			`${server.url}/app/messages/${hidden}/answer`,
			{ form_token: token, triggered_by: 'approve' },
			{ cookie, ...SAME_ORIGIN },
		);
		expect(notMine.status).toBe(404);
		expect(await notMine.text()).toContain('Message not found');
		const unpaired = await post(url, { form_token: token, triggered_by: 'approve' }, SAME_ORIGIN);
		expect(unpaired.status).toBe(401);
		expect(await unpaired.text()).toContain('This browser is not paired');
	});
});

describe('the installable app’s files', () => {
	test('the manifest: name, start and scope /app/, standalone, colours, 192/512 icons and a maskable one', async () => {
		const res = await get(`${server.url}/app/manifest.webmanifest`);
		expect(res.headers.get('content-type')).toBe('application/manifest+json; charset=utf-8');
		const manifest = await res.json();
		expect(manifest).toMatchObject({
			name: 'Ping inbox',
			short_name: 'Ping',
			start_url: '/app/',
			scope: '/app/',
			display: 'standalone',
			theme_color: expect.stringMatching(/^#[0-9a-f]{6}$/),
			background_color: expect.stringMatching(/^#[0-9a-f]{6}$/),
		});
		expect(
			manifest.icons.map((i: { sizes: string; purpose: string }) => `${i.sizes} ${i.purpose}`),
		).toEqual(['192x192 any', '512x512 any', '512x512 maskable']);
	});

	test('the script and the service worker: JavaScript, revalidated, 304 for a current copy', async () => {
		for (const path of ['/app/sw.js', '/app/inbox.js']) {
			const res = await get(`${server.url}${path}`);
			expect(res.status).toBe(200);
			expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
			expect(res.headers.get('cache-control')).toBe('no-cache');
			const etag = res.headers.get('etag') ?? '';
			expect((await get(`${server.url}${path}`, { 'if-none-match': etag })).status).toBe(304);
		}
	});
});
