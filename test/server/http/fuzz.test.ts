import fc from 'fast-check';
import { ADMIN_ACCOUNT_ID } from '../../../server/src/domain/keys';
import { ROUTES } from '../../../server/src/http/routes';
import {
	ADMIN_KEY,
	createChannel,
	api,
	startTestServer,
	TestChannel,
	TestServer,
} from '../../helpers/server';

/**
 * Generated bad requests at every route: each gets a JSON 4xx naming the problem within a
 * bounded time, stores nothing, and the server stays up. A route added to the table without
 * a case here fails the coverage test below.
 */

let server: TestServer;
let channel: TestChannel;
let messageId: string;
/** The answer link's path (`/a/<token>`) of `messageId`. */
let answerPath: string;

beforeAll(async () => {
	server = await startTestServer({ env: { PING_MAX_BODY_BYTES: '4096' } });
	channel = await createChannel(server.url, 'Fuzz');
	const sent = await api(server.url, 'POST', `/v1/send/${channel.token}`, {
		body: {
			title: 'Deploy?',
			actions: [
				{ type: 'button', label: 'Yes', key: 'yes' },
				{ type: 'text', label: 'Why', key: 'why', max_length: 20 },
			],
		},
	});
	messageId = sent.body.id;
	answerPath = new URL(sent.body.answer_url).pathname;
});
afterAll(() => server.stop());

interface BadRequest {
	method: string;
	path: string;
	headers: Record<string, string>;
	body?: string;
	/** A page for people: the refusal is an HTML page, not the JSON envelope. */
	page?: boolean;
	/** A console page without a session: it sends the person to the sign-in page (303), or is it. */
	toSignIn?: boolean;
}

const json = { 'content-type': 'application/json' };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
/** A path segment that names nothing that exists (and never an empty one). */
const unknownId = fc
	.string({ minLength: 1, maxLength: 30 })
	.map((s) => `x${encodeURIComponent(s)}`);
/** Any JSON value but an object: every endpoint wants an object. */
const notAnObject = fc.oneof(
	fc.array(fc.jsonValue(), { maxLength: 4 }),
	fc.string(),
	fc.double({ noNaN: true, noDefaultInfinity: true }),
	fc.boolean(),
	fc.constant(null),
);
/** Text that is not JSON at all. */
const notJson = fc.string({ minLength: 1, maxLength: 200 }).filter((text) => {
	try {
		JSON.parse(text);
		return false;
	} catch {
		return text.trim() !== '';
	}
});
/** A value of the wrong type for a string field. */
const notAString = fc.oneof(
	fc.integer(),
	fc.boolean(),
	fc.array(fc.string(), { maxLength: 3 }),
	fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
);

/** Bodies every JSON endpoint refuses: not an object, not JSON, not declared as JSON. */
function badBodies(method: string, path: string, headers: Record<string, string>) {
	return fc.oneof(
		notAnObject.map((v) => ({
			method,
			path,
			headers: { ...headers, ...json },
			body: JSON.stringify(v),
		})),
		notJson.map((text) => ({ method, path, headers: { ...headers, ...json }, body: text })),
		fc
			.record({
				text: fc.string({ minLength: 1 }),
				type: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml'),
			})
			.map(({ text, type }) => ({
				method,
				path,
				headers: { ...headers, 'content-type': type },
				body: text,
			})),
	);
}

/** An object body where `field` (a required string) is missing or of the wrong type. */
function badField(
	method: string,
	path: string,
	headers: Record<string, string>,
	field: string,
	rest: object = {},
) {
	return fc.option(notAString, { nil: undefined }).map((value) => ({
		method,
		path,
		headers: { ...headers, ...json },
		body: JSON.stringify(value === undefined ? rest : { ...rest, [field]: value }),
	}));
}

const badKey = fc.string({ maxLength: 40 }).map((s) => bearer(`pk_live_${s.replace(/\s/g, '')}`));

/** Open routes without input: health, metrics, the inbox's files and its slash redirect. */
function takesNoInput(method: string, path: string): boolean {
	return (
		['GET /health', 'GET /metrics', 'GET /app'].includes(`${method} ${path}`) ||
		((method === 'GET' || method === 'HEAD') &&
			/^\/app\/(sw\.js|inbox\.js|manifest\.webmanifest|icons\/[\w-]+\.png)$/.test(path))
	);
}

/** For each route of the table, requests it must refuse. */
function casesFor(method: string, path: string): fc.Arbitrary<BadRequest> | null {
	const key = bearer(ADMIN_KEY);
	const at = (p: string) => p.replace(':token', channel.token).replace(':messageId', messageId);
	switch (`${method} ${path}`) {
		case 'POST /v1/send/:token':
			return fc.oneof(
				badBodies(method, at(path), {}),
				badField(method, at(path), {}, 'title'),
				fc.string({ minLength: 101, maxLength: 300 }).map((title) => ({
					method,
					path: at(path),
					headers: json,
					body: JSON.stringify({ title }),
				})),
				notAString.map((actions) => ({
					method,
					path: at(path),
					headers: json,
					body: JSON.stringify({
						title: 't',
						actions: typeof actions === 'object' && !Array.isArray(actions) ? actions : [actions],
					}),
				})),
				unknownId.map((token) => ({
					method,
					path: `/v1/send/${token}`,
					headers: json,
					body: '{"title":"t"}',
				})),
			);
		case 'GET /v1/callback/:token/:messageId':
			return fc.oneof(
				unknownId.map((token) => ({
					method,
					path: `/v1/callback/${token}/${messageId}`,
					headers: {},
				})),
				unknownId.map((id) => ({
					method,
					path: `/v1/callback/${channel.token}/${id}`,
					headers: {},
				})),
				fc
					.oneof(
						fc.integer({ min: 51 }),
						fc.string({ minLength: 1 }).filter((s) => !/^\d+$/.test(s)),
					)
					.map((wait) => ({
						method,
						path: `${at(path)}?wait=${encodeURIComponent(String(wait))}`,
						headers: {},
					})),
			);
		case 'GET /a/:token':
		case 'HEAD /a/:token':
			return unknownId.map((token) => ({ method, path: `/a/${token}`, headers: {}, page: true }));
		case 'POST /a/:token': {
			const form = { 'content-type': 'application/x-www-form-urlencoded' };
			const fields = fc
				.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 30 }), { maxKeys: 4 })
				.map((d) => new URLSearchParams(d).toString());
			return fc.oneof(
				// An unknown link.
				fc.tuple(unknownId, fields).map(([token, body]) => ({
					method,
					path: `/a/${token}`,
					headers: form,
					body,
					page: true,
				})),
				// The real link, but no form token of its page: a forged or scripted post.
				fields.map((body) => ({ method, path: answerPath, headers: form, body, page: true })),
				// The real link from another site.
				fields.map((body) => ({
					method,
					path: answerPath,
					headers: { ...form, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
					body,
					page: true,
				})),
				// Not a form at all.
				fc
					.string({ minLength: 1 })
					.map((body) => ({ method, path: answerPath, headers: json, body, page: true })),
			);
		}
		case 'GET /app/pair/:code':
			return unknownId.map((code) => ({
				method,
				path: `/app/pair/${code}`,
				headers: {},
				page: true,
			}));
		case 'POST /app/pair/:code': {
			const form = { 'content-type': 'application/x-www-form-urlencoded' };
			return fc.oneof(
				// An unknown (or used, or expired: they look the same) pairing code.
				unknownId.map((code) => ({
					method,
					path: `/app/pair/${code}`,
					headers: { ...form, 'sec-fetch-site': 'same-origin' },
					body: 'name=x',
					page: true,
				})),
				// From another site.
				unknownId.map((code) => ({
					method,
					path: `/app/pair/${code}`,
					headers: { ...form, 'sec-fetch-site': 'cross-site' },
					body: 'name=x',
					page: true,
				})),
			);
		}
		case 'GET /app/':
		case 'POST /app/messages/:id/answer': {
			// No device key, or one that is not (any more) a device's: the "not paired" page.
			const cookie = fc
				.option(fc.stringMatching(/^[A-Za-z0-9_]{0,45}$/), { nil: undefined })
				.map((value): Record<string, string> =>
					value === undefined ? {} : { cookie: `ping_device=${value}` },
				);
			return fc.tuple(cookie, unknownId).map(([headers, id]) => ({
				method,
				path: path.replace(':id', id),
				headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
				body: method === 'POST' ? 'triggered_by=approve' : undefined,
				page: true,
			}));
		}
		default:
			if (takesNoInput(method, path)) return null; // no input to get wrong
			break;
	}
	if (path.startsWith('/console')) return consoleCases(method, path);
	// The account API: a bad key, an unknown id, and bad bodies with a good key.
	const withIds = (id: string) => path.replace(':webhookId', id).replace(':id', id);
	const options: fc.Arbitrary<BadRequest>[] = [
		fc.tuple(badKey, unknownId).map(([headers, id]) => ({ method, path: withIds(id), headers })),
	];
	if (path.includes(':id')) {
		const route = `${method} ${path}`;
		// A respond to a real message with a wrong answer; everything else: an id that is not there.
		if (route === 'POST /v1/messages/:id/respond') {
			const real = path.replace(':id', messageId);
			options.push(
				fc
					.string()
					.filter((s) => s !== 'yes')
					.map((t) => ({
						method,
						path: real,
						headers: { ...key, ...json },
						body: JSON.stringify({ triggered_by: t }),
					})),
				fc.string({ minLength: 21, maxLength: 40 }).map((why) => ({
					method,
					path: real,
					headers: { ...key, ...json },
					body: JSON.stringify({ triggered_by: 'yes', responses: { why } }),
				})),
				badBodies(method, real, key),
			);
		} else {
			const needsChannel =
				path.startsWith('/v1/channels/:id/') && path !== '/v1/channels/:id/webhooks/:webhookId';
			options.push(
				unknownId.map((id) => ({
					method,
					path: withIds(id),
					headers: key,
					...(method === 'POST' || method === 'PATCH'
						? { headers: { ...key, ...json }, body: '{}' }
						: {}),
				})),
			);
			if (method === 'POST' || method === 'PATCH') {
				const realPath = path.replace(
					':id',
					needsChannel || path.startsWith('/v1/channels/:id') ? channel.id : 'dev_unknown0000',
				);
				options.push(badBodies(method, realPath, key));
			}
		}
	} else if (method === 'POST') {
		options.push(badBodies(method, path, key));
		if (path === '/v1/channels') options.push(badField(method, path, key, 'name'));
		if (path === '/v1/devices') options.push(badField(method, path, key, 'token'));
		if (path === '/v1/keys')
			options.push(
				notAString.map((name) => ({
					method,
					path,
					headers: { ...key, ...json },
					body: JSON.stringify({ name }),
				})),
			);
	}
	if (`${method} ${path}` === 'POST /v1/channels/:id/webhooks') {
		const real = path.replace(':id', channel.id);
		options.push(
			badField(method, real, key, 'url'),
			fc
				.constantFrom('ftp://x', 'not a url', 'http://127.0.0.1/hook', 'http://169.254.169.254/')
				.map((url) => ({
					method,
					path: real,
					headers: { ...key, ...json },
					body: JSON.stringify({ url }),
				})),
		);
	}
	if (`${method} ${path}` === 'PATCH /v1/channels/:id') {
		const real = path.replace(':id', channel.id);
		options.push(
			fc
				.constantFrom(
					{ color: 'red' },
					{ muted_until: 'tomorrow' },
					{ name: '' },
					{ name: 42 },
					{ icon: ['x'] },
				)
				.map((patch) => ({
					method,
					path: real,
					headers: { ...key, ...json },
					body: JSON.stringify(patch),
				})),
		);
	}
	if (`${method} ${path}` === 'GET /v1/channels/:id/messages') {
		const real = path.replace(':id', channel.id);
		options.push(
			fc
				.oneof(
					fc.constant('limit=0'),
					fc.constant('limit=101'),
					fc.string({ minLength: 1 }).map((s) => `cursor=${encodeURIComponent(s)}`),
				)
				.map((q) => ({ method, path: `${real}?${q}`, headers: key })),
		);
	}
	return fc.oneof(...options);
}

/**
 * The console: no session (none, a made-up or malformed cookie, even with an API key as
 * bearer, which the console does not take). A GET goes to the sign-in page; a POST is refused
 * with a page and changes nothing, whatever its body. The sign-in form: wrong keys, no form
 * token, another site, not a form.
 */
function consoleCases(method: string, path: string): fc.Arbitrary<BadRequest> {
	const form = { 'content-type': 'application/x-www-form-urlencoded' };
	const cookie = fc.oneof(
		fc.constant({}),
		fc.string({ maxLength: 60 }).map((v) => ({ cookie: `ping_console=${encodeURIComponent(v)}` })),
		fc.constant({ cookie: `ping_console=${'A'.repeat(43)}` }),
		fc.constant(bearer(ADMIN_KEY)),
	);
	const fields = fc
		.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 60 }), { maxKeys: 4 })
		.map((d) => new URLSearchParams(d).toString());
	const at = fc.tuple(unknownId, cookie).map(([id, headers]) => ({
		path: path.replace(':webhookId', id).replace(':id', id),
		headers,
	}));
	if (method === 'GET') return at.map((r) => ({ method, ...r, toSignIn: true }));
	if (path === '/console/sign-out')
		return fc.tuple(at, fields).map(([r, body]) => ({
			method,
			...r,
			headers: { ...r.headers, ...form },
			body,
			toSignIn: true,
		}));
	if (path === '/console/sign-in')
		return fc.oneof(
			fc
				.tuple(fc.string({ maxLength: 60 }), fc.string({ maxLength: 40 }))
				.map(([apiKey, token]) => ({
					method,
					path,
					headers: form,
					body: new URLSearchParams({ api_key: apiKey, form_token: token }).toString(),
					page: true,
				})),
			fields.map((body) => ({
				method,
				path,
				headers: { ...form, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
				body,
				page: true,
			})),
			fc
				.string({ minLength: 1 })
				.map((body) => ({ method, path, headers: json, body, page: true })),
		);
	return fc.tuple(at, fields).map(([r, body]) => ({
		method,
		...r,
		headers: { ...r.headers, ...form },
		body,
		page: true,
	}));
}

/** Everything a bad request must leave as it was. */
async function snapshot(): Promise<string> {
	const store = server.ctx.store;
	return JSON.stringify([
		await store.listChannels(ADMIN_ACCOUNT_ID),
		await store.listApiKeys(ADMIN_ACCOUNT_ID),
		await store.listDevices(ADMIN_ACCOUNT_ID),
		await store.listWebhooks(channel.id),
		await store.listMessages(channel.id, { limit: 1000 }),
	]);
}

test('every route of the table has generated bad requests (or takes no input)', () => {
	for (const route of ROUTES) {
		const noInput = takesNoInput(route.method, route.path);
		expect({
			route: `${route.method} ${route.path}`,
			covered: noInput || casesFor(route.method, route.path) !== null,
		}).toEqual({
			route: `${route.method} ${route.path}`,
			covered: true,
		});
	}
});

test('1,000 generated bad requests: a 4xx naming the problem (JSON, or a page for people), in bounded time, nothing stored, server up', async () => {
	const before = await snapshot();
	const arbitraries = ROUTES.map((r) => casesFor(r.method, r.path)).filter(
		(a): a is fc.Arbitrary<BadRequest> => a !== null,
	);
	let slowest = 0;
	await fc.assert(
		fc.asyncProperty(fc.oneof(...arbitraries), async (request) => {
			const started = Date.now();
			const res = await fetch(`${server.url}${request.path}`, {
				method: request.method,
				headers: request.headers,
				body: request.body,
				redirect: 'manual',
				signal: AbortSignal.timeout(5_000),
			});
			slowest = Math.max(slowest, Date.now() - started);
			if (request.toSignIn && request.path === '/console/sign-in') {
				// The sign-in page itself: its form, whatever cookie came along.
				expect(res.status).toBe(200);
				expect(await res.text()).toContain('name="api_key"');
				return;
			}
			if (request.toSignIn) {
				expect(res.status).toBe(303);
				expect(res.headers.get('location')).toMatch(/^\/console\/sign-in/);
				return;
			}
			expect(res.status).toBeGreaterThanOrEqual(400);
			expect(res.status).toBeLessThan(500);
			if (request.page) {
				// A person gets a page saying what happened, never JSON or a stack trace.
				expect(res.headers.get('content-type')).toContain('text/html');
				const html = await res.text();
				if (request.method !== 'HEAD') expect(html).toMatch(/<h1>[^<]{5,}<\/h1>/);
				expect(html).not.toMatch(/at .*\.(js|ts):\d+|"ok":false/);
				return;
			}
			expect(res.headers.get('content-type')).toContain('application/json');
			const body = (await res.json()) as Record<string, unknown>;
			expect(body).toEqual({ ok: false, error: expect.any(String), code: expect.any(String) });
			expect((body.error as string).length).toBeGreaterThan(10);
		}),
		{
			numRuns: 1000,
			seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31),
			endOnFailure: true,
		},
	);
	expect(slowest).toBeLessThan(2_000);
	expect(await snapshot()).toBe(before);
	expect((await fetch(`${server.url}/health`)).status).toBe(200);
}, 120_000);
