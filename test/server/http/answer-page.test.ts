import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FORM_TOKEN_TTL_MS } from '../../../server/src/domain/answer-link';
import { sha256Hex } from '../../../server/src/domain/ids';
import { ManualClock } from '../../../server/src/domain/time';
import { FakeReceiver } from '../../fakes/callback-receiver';
import { verifiedIndependently } from '../../helpers/callbacks';
import {
	ADMIN_KEY,
	api,
	createChannel,
	startTestServer,
	TestChannel,
	TestServer,
} from '../../helpers/server';

/**
 * Answer links and the answer page over real HTTP (no browser): the links in the API, the
 * security of the page (tokens, cross-site posts, form tokens, inert HTML, headers) and the
 * shared answer path. test/browser/ covers what a person sees in Chromium.
 */

let server: TestServer;
let channel: TestChannel;
let receiver: FakeReceiver;

const BUTTONS = [
	{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
	{ type: 'button', label: 'Decline', key: 'decline', style: 'destructive' },
];
const FIELDS = [
	{ type: 'number', label: 'Replicas', key: 'replicas', min: 1, max: 10 },
	{ type: 'text', label: 'Comment', key: 'comment', max_length: 5 },
	{
		type: 'select',
		label: 'Env',
		key: 'env',
		options: [
			{ label: 'Prod', value: 'prod' },
			{ label: 'Stg', value: 'stg' },
		],
	},
	{ type: 'toggle', label: 'Drain', key: 'drain' },
	{ type: 'button', label: 'Go', key: 'go' },
];
const LINK = /^http:\/\/127\.0\.0\.1:\d+\/a\/([A-Za-z0-9]{12}[A-Za-z0-9_-]{32})$/;

async function send(body: Record<string, unknown> = {}) {
	const res = await api(server.url, 'POST', `/v1/send/${channel.token}`, {
		body: { title: 'Deploy?', actions: BUTTONS, callback_url: receiver.url, ...body },
	});
	expect(res.status).toBe(200);
	return { id: res.body.id as string, url: res.body.answer_url as string };
}

const getMessage = async (id: string) =>
	(await api(server.url, 'GET', `/v1/messages/${id}`, { key: ADMIN_KEY })).body.message;

async function openPage(url: string, init: RequestInit = {}) {
	const res = await fetch(url, init);
	return { status: res.status, headers: res.headers, html: await res.text() };
}

function formTokenIn(html: string): string {
	const match = /name="form_token" value="([^"]+)"/.exec(html);
	if (!match) throw new Error('no form token on the page');
	return match[1];
}

/** A POST as the page's form sends it (same origin), with the given fields. */
async function post(
	url: string,
	fields: Record<string, string>,
	headers: Record<string, string> = {},
) {
	return openPage(url, {
		method: 'POST',
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			origin: new URL(url).origin,
			'sec-fetch-site': 'same-origin',
			...headers,
		},
		body: new URLSearchParams(fields).toString(),
	});
}

async function answerFromPage(url: string, fields: Record<string, string>, headers = {}) {
	const page = await openPage(url);
	return post(url, { form_token: formTokenIn(page.html), ...fields }, headers);
}

function expectPageHeaders(headers: Headers) {
	expect(headers.get('content-type')).toBe('text/html; charset=utf-8');
	expect(headers.get('cache-control')).toBe('no-store');
	expect(headers.get('referrer-policy')).toBe('no-referrer');
	expect(headers.get('x-robots-tag')).toBe('noindex, nofollow');
	expect(headers.get('x-frame-options')).toBe('DENY');
	const csp = headers.get('content-security-policy') ?? '';
	expect(csp).toContain("default-src 'none'");
	expect(csp).toContain("frame-ancestors 'none'");
	expect(csp).toContain("form-action 'self'");
	expect(csp).not.toContain('script-src');
	expect(csp).not.toContain('unsafe');
}

beforeAll(async () => {
	receiver = await new FakeReceiver().start();
});
afterAll(async () => {
	await receiver.stop();
});
beforeEach(async () => {
	server = await startTestServer({ env: { PING_CALLBACK_ALLOW: '127.0.0.1/32' } });
	channel = await createChannel(server.url);
});
afterEach(async () => {
	await server.stop();
});

describe('answer links in the API', () => {
	test('the send answer, GET /v1/messages/{id} and the channel history carry the same answer_url', async () => {
		const res = await api(server.url, 'POST', `/v1/send/${channel.token}`, {
			body: { title: 'Deploy?' },
		});
		expect(Object.keys(res.body)).toEqual([
			'ok',
			'id',
			'muted',
			'channel_id',
			'created_at',
			'expires_at',
			'answer_url',
		]);
		expect(res.body.answer_url).toMatch(LINK);
		// The token names its message: the id's 12 characters, then the MAC.
		expect(LINK.exec(res.body.answer_url)![1].slice(0, 12)).toBe(res.body.id.slice('msg_'.length));
		expect((await getMessage(res.body.id)).answer_url).toBe(res.body.answer_url);
		const list = await api(server.url, 'GET', `/v1/channels/${channel.id}/messages`, {
			key: ADMIN_KEY,
		});
		expect(list.body.messages[0].answer_url).toBe(res.body.answer_url);
		// Every message its own link.
		const other = await send();
		expect(other.url).not.toBe(res.body.answer_url);
	});

	test('the token is stored only as its SHA-256: no file of the database holds it', async () => {
		const { id, url } = await send();
		const token = LINK.exec(url)![1];
		expect((await server.ctx.store.getMessage(id))?.answerTokenHash).toBe(sha256Hex(token));
		await server.stop({ keepFiles: true });
		for (const file of readdirSync(server.dir))
			expect(readFileSync(join(server.dir, file)).includes(token)).toBe(false);
		server = await startTestServer({ dir: server.dir });
	});

	test('links survive a restart (the generated key is kept); PING_PUBLIC_URL is their base', async () => {
		const { id, url } = await send();
		const dir = server.dir;
		await server.stop({ keepFiles: true });
		server = await startTestServer({ dir, env: { PING_PUBLIC_URL: 'https://ping.example.com/' } });
		const token = LINK.exec(url)![1];
		expect((await getMessage(id)).answer_url).toBe(`https://ping.example.com/a/${token}`);
		expect((await openPage(`${server.url}/a/${token}`)).status).toBe(200);
	});

	test('with PING_LINK_SECRET the key comes from the environment; after it changes old links still open, but are no longer shown', async () => {
		const secret = 'k'.repeat(40);
		const dir = server.dir;
		await server.stop({ keepFiles: true });
		const allow = { PING_CALLBACK_ALLOW: '127.0.0.1/32' };
		server = await startTestServer({ dir, env: { ...allow, PING_LINK_SECRET: secret } });
		channel = await createChannel(server.url);
		const { id, url } = await send();
		await server.stop({ keepFiles: true });
		server = await startTestServer({ dir, env: { ...allow, PING_LINK_SECRET: 'z'.repeat(40) } });
		expect((await getMessage(id)).answer_url).toBeNull();
		const token = LINK.exec(url)![1];
		const page = await openPage(`${server.url}/a/${token}`);
		expect(page.status).toBe(200);
		expect(
			(await answerFromPage(`${server.url}/a/${token}`, { triggered_by: 'approve' })).status,
		).toBe(200);
	});

	test('a too short PING_LINK_SECRET is refused at start-up', async () => {
		await expect(startTestServer({ env: { PING_LINK_SECRET: 'short' } })).rejects.toThrow(
			/PING_LINK_SECRET must be at least 32 characters/,
		);
	});
});

describe('answering from the page', () => {
	test('a button answers through the shared path: stored with responder {"via":"link"}, signed callback, pollable', async () => {
		const { id, url } = await send();
		const res = await answerFromPage(url, { triggered_by: 'decline' });
		expect(res.status).toBe(200);
		expectPageHeaders(res.headers);
		expect(res.html).toContain('Your answer was sent');
		expect((await getMessage(id)).answer).toMatchObject({
			triggered_by: 'decline',
			responses: {},
			responder: { via: 'link' },
		});
		await receiver.waitFor(1);
		const callback = receiver.received.find((c) => c.body.message_id === id)!;
		expect(verifiedIndependently(callback, channel.secret, Date.now())).toBe(true);
		expect(callback.body.responder).toEqual({ via: 'link' });
		const poll = await api(server.url, 'GET', `/v1/callback/${channel.token}/${id}`);
		expect(poll.body).toMatchObject({
			status: 'submitted',
			result: { responder: { via: 'link' } },
		});
	});

	test('form values are read from the form: numbers, booleans, chosen options; empty select and number send nothing', async () => {
		const { id, url } = await send({ actions: FIELDS });
		await answerFromPage(url, {
			triggered_by: 'go',
			'r.replicas': ' 4 ',
			'r.comment': 'ok',
			'r.env': 'stg',
			'r.drain': 'on',
		});
		expect((await getMessage(id)).answer.responses).toEqual({
			replicas: 4,
			comment: 'ok',
			env: 'stg',
			drain: true,
		});
		const second = await send({ actions: FIELDS });
		await answerFromPage(second.url, { triggered_by: 'go', 'r.replicas': '', 'r.env': '' });
		expect((await getMessage(second.id)).answer.responses).toEqual({ comment: '', drain: false });
	});

	test('field errors re-render the form (400) with the input kept and the message at the field; nothing is stored', async () => {
		const { id, url } = await send({ actions: FIELDS });
		const res = await answerFromPage(url, {
			triggered_by: 'go',
			'r.replicas': '11',
			'r.comment': 'far too long',
			'r.env': 'nope',
			'r.drain': 'on',
		});
		expect(res.status).toBe(400);
		expectPageHeaders(res.headers);
		expect(res.html).toContain(
			'<span class="field-error" id="f0-error">Replicas must be at most 10</span>',
		);
		expect(res.html).toContain('Comment must be at most 5 characters');
		expect(res.html).toContain('Env must be one of: prod, stg');
		expect(res.html).toMatch(/id="f0" name="r\.replicas"[^>]* value="11" aria-invalid="true"/);
		expect(res.html).toContain('value="far too long"');
		expect(res.html).toMatch(
			/id="f3" name="r\.drain" value="on" checked aria-invalid|id="f3" name="r\.drain" value="on" checked>/,
		);
		expect(res.html).toContain('name="form_token"');
		const notANumber = await answerFromPage(url, { triggered_by: 'go', 'r.replicas': 'abc' });
		expect(notANumber.status).toBe(400);
		expect(notANumber.html).toContain('Replicas must be a number');
		const badButton = await answerFromPage(url, { triggered_by: 'nope' });
		expect(badButton.status).toBe(400);
		expect(badButton.html).toContain('Please choose one of the buttons below to answer.');
		expect((await getMessage(id)).answer).toBeNull();
		// A message that asks for no answer (links only) says so, also to a POST.
		const linksOnly = await send({
			actions: [{ type: 'url', label: 'Docs', value: 'https://example.com/docs' }],
		});
		const page = await openPage(linksOnly.url);
		expect(page.html).toContain('This message asks for no answer.');
		expect(page.html).not.toContain('<form');
		const refused = await post(linksOnly.url, { form_token: 'x', triggered_by: 'submit' });
		expect(refused.status).toBe(403);
	});

	test('simultaneous POSTs (a double tap) record one answer: one 200, the others see the answered page (409)', async () => {
		const { id, url } = await send();
		const token = formTokenIn((await openPage(url)).html);
		const results = await Promise.all(
			['approve', 'decline', 'approve', 'decline', 'approve'].map((key) =>
				post(url, { form_token: token, triggered_by: key }),
			),
		);
		expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
		for (const r of results.filter((x) => x.status === 409))
			expect(r.html).toContain('This question was answered on');
		await receiver.waitFor(receiver.received.length);
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(receiver.received.filter((c) => c.body.message_id === id)).toHaveLength(1);
	});
});

describe('security', () => {
	test('a wrong or malformed token is a 404 page, for GET, HEAD and POST, and says nothing more', async () => {
		const { id, url } = await send();
		const other = await send();
		const [ownToken, otherToken] = [url, other.url].map((u) => LINK.exec(u)![1]);
		const idPart = id.slice('msg_'.length);
		for (const token of [
			'A'.repeat(32),
			// This message's id with a MAC that is not its own: another message's, or made up.
			`${idPart}${otherToken.slice(12)}`,
			`${idPart}${'A'.repeat(32)}`,
			// A real MAC under an id it was not made for; a message that does not exist.
			`${otherToken.slice(0, 12)}${ownToken.slice(12)}`,
			`${'Z'.repeat(12)}${ownToken.slice(12)}`,
			// The MAC alone, as links were before tokens named their message.
			ownToken.slice(12),
			'short',
			'A'.repeat(33),
			'%00'.repeat(3),
			'..%2F..%2Fetc',
		]) {
			for (const method of ['GET', 'HEAD', 'POST']) {
				const res = await openPage(`${server.url}/a/${token}`, {
					method,
					headers: { 'content-type': 'application/x-www-form-urlencoded' },
					body: method === 'POST' ? 'triggered_by=approve' : undefined,
				});
				expect([token, method, res.status]).toEqual([token, method, 404]);
				if (method !== 'HEAD') expect(res.html).toContain('This answer link does not work');
				expectPageHeaders(res.headers);
			}
		}
		// Not an answer link at all: the API's JSON 404, without echoing the path's token.
		const deeper = await api(server.url, 'GET', `/a/${'B'.repeat(32)}/more`);
		expect(deeper.status).toBe(404);
		expect(deeper.body.error).toBe('no such endpoint: GET /a/…/more');
	});

	test('a used token shows the answer (200) and refuses another (409); nothing changes', async () => {
		const { id, url } = await send();
		const token = formTokenIn((await openPage(url)).html);
		expect((await post(url, { form_token: token, triggered_by: 'approve' })).status).toBe(200);
		const before = await getMessage(id);
		const again = await post(url, { form_token: token, triggered_by: 'decline' });
		expect(again.status).toBe(409);
		expectPageHeaders(again.headers);
		expect(again.html).toContain('through its answer link');
		const shown = await openPage(url);
		expect(shown.status).toBe(200);
		expect(shown.html).not.toContain('<form');
		expect((await getMessage(id)).answer).toEqual(before.answer);
	});

	test('an expired token is a 410 page for GET and POST; nothing is recorded', async () => {
		const clock = new ManualClock(Date.now());
		await server.stop();
		server = await startTestServer({ clock, env: { PING_CALLBACK_ALLOW: '127.0.0.1/32' } });
		channel = await createChannel(server.url);
		const { id, url } = await send({ expires_in: 60 });
		const token = formTokenIn((await openPage(url)).html);
		clock.advance(60_000);
		const shown = await openPage(url);
		expect(shown.status).toBe(410);
		expectPageHeaders(shown.headers);
		expect(shown.html).toContain('This question expired on');
		const posted = await post(url, { form_token: token, triggered_by: 'approve' });
		expect(posted.status).toBe(410);
		expect((await getMessage(id)).answer).toBeNull();
	});

	test('a cross-origin POST is refused (403) and records nothing, whatever the browser says it came from', async () => {
		const { id, url } = await send();
		const token = formTokenIn((await openPage(url)).html);
		const fields = { form_token: token, triggered_by: 'approve' };
		const crossSite: Array<Record<string, string>> = [
			{ 'sec-fetch-site': 'cross-site' },
			{ 'sec-fetch-site': 'same-site', origin: new URL(url).origin },
			{ 'sec-fetch-site': 'none' },
			{ 'sec-fetch-site': '', origin: 'https://evil.example' },
			{ 'sec-fetch-site': '', origin: 'http://127.0.0.1.evil.example' },
			{ 'sec-fetch-site': '', origin: '', referer: 'https://evil.example/page' },
		];
		for (const headers of crossSite) {
			const sent: Record<string, string> = {};
			for (const [k, v] of Object.entries(headers)) if (v !== '') sent[k] = v;
			const res = await openPage(url, {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded', ...sent },
				body: new URLSearchParams(fields).toString(),
			});
			expect([headers, res.status]).toEqual([headers, 403]);
			expectPageHeaders(res.headers);
			expect(res.html).toContain('nothing was recorded');
		}
		expect((await getMessage(id)).answer).toBeNull();
		// From the page itself, the same POST goes through: by Sec-Fetch-Site, by Origin, by
		// Referer, and (an older browser under no-referrer: Origin null, nothing else) by the
		// form token alone.
		const origin = new URL(url).origin;
		for (const headers of [
			{ 'sec-fetch-site': 'same-origin', origin: 'null' } as Record<string, string>,
			{ origin },
			{ referer: url },
			{ origin: 'null' },
		]) {
			const next = await send();
			const res = await openPage(next.url, {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
				body: new URLSearchParams({
					form_token: formTokenIn((await openPage(next.url)).html),
					triggered_by: 'approve',
				}).toString(),
			});
			expect([headers, res.status]).toEqual([headers, 200]);
		}
	});

	test('a POST without the form token, with a forged one or with another message’s is refused (403)', async () => {
		const { id, url } = await send();
		const other = await send();
		const othersToken = formTokenIn((await openPage(other.url)).html);
		const own = formTokenIn((await openPage(url)).html);
		const [issued, mac] = own.split('.');
		const forged = `${issued}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`;
		for (const token of [
			undefined,
			'',
			'garbage',
			forged,
			othersToken,
			`${(Date.now() + 1).toString(36)}.${mac}`,
		]) {
			const fields: Record<string, string> = { triggered_by: 'approve' };
			if (token !== undefined) fields.form_token = token;
			const res = await post(url, fields);
			expect([token, res.status]).toEqual([token, 403]);
			expect(res.html).toContain('did not come with the question’s page');
		}
		expect((await getMessage(id)).answer).toBeNull();
	});

	test('a form token older than a day shows the form again (400) with the answer kept, and records nothing', async () => {
		const clock = new ManualClock(Date.now());
		await server.stop();
		server = await startTestServer({ clock, env: { PING_CALLBACK_ALLOW: '127.0.0.1/32' } });
		channel = await createChannel(server.url);
		const { id, url } = await send({ actions: FIELDS });
		const token = formTokenIn((await openPage(url)).html);
		clock.advance(FORM_TOKEN_TTL_MS + 1000);
		const res = await post(url, { form_token: token, triggered_by: 'go', 'r.comment': 'hey' });
		expect(res.status).toBe(400);
		expect(res.html).toContain('This page was open for a long time');
		expect(res.html).toContain('value="hey"');
		expect(formTokenIn(res.html)).not.toBe(token);
		expect((await getMessage(id)).answer).toBeNull();
	});

	test('HTML and script in title, body, labels, options and placeholders are rendered inert', async () => {
		const evil = '"><script>alert(1)</script><img src=x onerror=alert(2)>';
		const { url } = await send({
			title: `${evil}`.slice(0, 100),
			body: `${evil}\n\n[x](javascript:alert(3)) [y](JAVASCRIPT:alert(4)) [z](data:text/html,<script>alert(5)</script>) <javascript:alert(6)> [ok](https://example.com/a?b=1&c=2)`,
			actions: [
				{ type: 'button', label: '<b onclick=alert(7)>Go</b>', key: '"><x' },
				{
					type: 'select',
					label: '<i>x</i>',
					key: 's',
					options: [{ label: evil.slice(0, 50), value: evil.slice(0, 100) }],
				},
				{
					type: 'text',
					label: 'T',
					key: 't',
					placeholder: evil,
					value: '</textarea><script>alert(8)</script>',
					multiline: true,
				},
				{ type: 'url', label: '<u>link</u>', value: 'https://example.com/?q="><script>' },
			],
		});
		const { html } = await openPage(url);
		// The real tags of the page (text and attribute values are escaped, so `<` starts a tag).
		const tags = html.match(/<[a-z][^>]*>/gi) ?? [];
		const names = new Set(tags.map((t) => /^<([a-z0-9]+)/i.exec(t)![1].toLowerCase()));
		expect(
			[...names].filter((n) => ['script', 'img', 'iframe', 'b', 'i', 'u', 'x'].includes(n)),
		).toEqual([]);
		// No event handler attribute on any tag (quoted values blanked first: they hold the escaped text).
		expect(tags.filter((t) => /\son\w+=/i.test(t.replace(/"[^"]*"/g, '""')))).toEqual([]);
		// Every link goes to https (the favicon aside); javascript: and data: stayed text.
		const hrefs = tags.filter((t) => t.startsWith('<a ')).map((t) => /href="([^"]*)"/.exec(t)?.[1]);
		expect(hrefs.every((h) => h?.startsWith('https://'))).toBe(true);
		expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
		expect(html).toContain('&lt;/textarea&gt;&lt;script&gt;alert(8)&lt;/script&gt;</textarea>');
		expect(html).toContain(
			'<a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">ok</a>',
		);
		// A url action's value is an attribute, escaped like everything else.
		expect(html).toContain('href="https://example.com/?q=&quot;&gt;&lt;script&gt;"');
	});

	test('a non-form body is a page too (415), never JSON; so is one over the size limit (413)', async () => {
		const { url } = await send();
		const json = await openPage(url, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
			body: '{"triggered_by":"approve"}',
		});
		expect(json.status).toBe(415);
		expectPageHeaders(json.headers);
		expect(json.html).toContain('<!doctype html>');
		const big = await openPage(url, {
			method: 'POST',
			headers: {
				'content-type': 'application/x-www-form-urlencoded',
				'sec-fetch-site': 'same-origin',
			},
			body: `r.x=${'a'.repeat(server.config.maxBodyBytes + 1)}`,
		});
		expect(big.status).toBe(413);
		expect(big.html).toContain('This answer could not be read');
	});

	test('GET and HEAD change nothing, however often (link previews, scanners)', async () => {
		const { id, url } = await send();
		for (let i = 0; i < 5; i++) {
			expect((await openPage(url)).status).toBe(200);
			const head = await openPage(url, { method: 'HEAD' });
			expect(head.status).toBe(200);
			expect(head.html).toBe('');
			expectPageHeaders(head.headers);
		}
		const message = await getMessage(id);
		expect(message.state).toBe('pending');
		expect(message.answer).toBeNull();
	});
});

test('/metrics counts answers by how they came in, and answer page requests by outcome (no tokens, no ids)', async () => {
	const first = await send();
	await answerFromPage(first.url, { triggered_by: 'approve' }); // GET form, POST answered
	await openPage(first.url); // GET already_answered
	await post(first.url, { triggered_by: 'approve' }); // POST already_answered
	const second = await send();
	await post(second.url, { triggered_by: 'approve' }); // POST refused_form_token
	await openPage(`${server.url}/a/${'q'.repeat(32)}`, { method: 'HEAD' }); // HEAD unknown_link
	await api(server.url, 'POST', `/v1/messages/${second.id}/respond`, {
		key: ADMIN_KEY,
		body: { triggered_by: 'approve' },
	});
	const text = (await api(server.url, 'GET', '/metrics')).body.raw as string;
	for (const line of [
		'ping_answers_total{via="link"} 1',
		'ping_answers_total{via="api"} 1',
		'ping_answer_page_requests_total{method="GET",outcome="form"} 1',
		'ping_answer_page_requests_total{method="POST",outcome="answered"} 1',
		'ping_answer_page_requests_total{method="GET",outcome="already_answered"} 1',
		'ping_answer_page_requests_total{method="POST",outcome="already_answered"} 1',
		'ping_answer_page_requests_total{method="POST",outcome="refused_form_token"} 1',
		'ping_answer_page_requests_total{method="HEAD",outcome="unknown_link"} 1',
	])
		expect(text.split('\n')).toContain(line);
	expect(text).not.toContain(first.id);
	expect(text).not.toContain(LINK.exec(first.url)![1]);
});

describe('responder on /respond (compatibility)', () => {
	const respondWith = async (responder: unknown) => {
		const { id } = await send();
		const res = await api(server.url, 'POST', `/v1/messages/${id}/respond`, {
			key: ADMIN_KEY,
			body: { triggered_by: 'approve', responder },
		});
		return res;
	};

	test('absent, a string (as before), or an object with a name: recorded as via "api"', async () => {
		expect((await respondWith(undefined)).body.answer.responder).toEqual({ via: 'api' });
		expect((await respondWith('ana')).body.answer.responder).toEqual({ via: 'api', name: 'ana' });
		expect((await respondWith({ name: 'ana' })).body.answer.responder).toEqual({
			via: 'api',
			name: 'ana',
		});
		expect((await respondWith({ via: 'api' })).body.answer.responder).toEqual({ via: 'api' });
	});

	test('a client cannot claim another way in, nor send a bad name', async () => {
		for (const [responder, message] of [
			[{ via: 'link' }, 'responder.via is set by the server'],
			[42, 'responder must be a string or an object'],
			['x'.repeat(101), 'responder must be at most 100 characters'],
			[{ name: 7 }, 'responder.name must be a string'],
		] as const) {
			const res = await respondWith(responder);
			expect(res.status).toBe(400);
			expect(res.body.error).toContain(message);
		}
	});
});
