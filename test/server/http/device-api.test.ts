import { createECDH } from 'node:crypto';
import { claimPairing } from '../../../server/src/app/pairing';
import { ManualClock } from '../../../server/src/domain/time';
import { FakeReceiver } from '../../fakes/callback-receiver';
import {
	ADMIN_KEY,
	api,
	createChannel,
	sendMessage,
	startTestServer,
	TestChannel,
	TestServer,
} from '../../helpers/server';

/** The device API (docs/api.md#paired-browsers): what a paired browser may do with its key. */

let server: TestServer;
let clock: ManualClock;
let receiver: FakeReceiver;
let deploys: TestChannel;
let billing: TestChannel;

const APPROVE = [
	{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
	{ type: 'button', label: 'Decline', key: 'decline', style: 'destructive' },
	{ type: 'text', label: 'Why', key: 'why', max_length: 20 },
];

/** A browser paired through the API's own pairing link, scoped to `channelIds` (null: all). */
async function pair(channelIds: string[] | null, name: string | null = 'Ana’s phone') {
	const res = await api(server.url, 'POST', '/v1/devices/pairings', {
		key: ADMIN_KEY,
		body: { channel_ids: channelIds },
	});
	const claimed = await claimPairing(server.ctx, res.body.pair_url.split('/').pop(), name);
	if (!claimed) throw new Error('pairing failed');
	return claimed;
}

const asDevice = (key: string, method: string, path: string, body?: unknown) =>
	api(server.url, method, path, { key, body });

/** A P-256 public key and an auth secret, as a browser's PushSubscription has them. */
function browserKeys() {
	const ecdh = createECDH('prime256v1');
	ecdh.generateKeys();
	return {
		p256dh: ecdh.getPublicKey().toString('base64url'),
		auth: Buffer.alloc(16, 7).toString('base64url'),
	};
}

beforeAll(async () => {
	clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
	receiver = await new FakeReceiver().start();
	server = await startTestServer({ clock, env: { PING_CALLBACK_ALLOW: '127.0.0.1/32' } });
	deploys = await createChannel(server.url, 'Deploys');
	billing = await createChannel(server.url, 'Billing');
});
afterAll(async () => {
	await server.stop();
	await receiver.stop();
});

test('a device reads itself: its channels, no key or subscription details, and the VAPID key (null with Web Push off)', async () => {
	const { key, device } = await pair([deploys.id]);
	const res = await asDevice(key, 'GET', '/v1/device');
	expect(res.status).toBe(200);
	expect(res.body).toEqual({
		ok: true,
		device: expect.objectContaining({
			id: device.id,
			kind: 'webpush',
			name: 'Ana’s phone',
			channel_ids: [deploys.id],
			subscribed: false,
		}),
		web_push_public_key: null,
	});
	expect(JSON.stringify(res.body)).not.toContain(key);
});

test('without a key, with a wrong or an API key, or once revoked: 401 at once', async () => {
	const { key, device } = await pair(null);
	expect((await api(server.url, 'GET', '/v1/device')).body).toMatchObject({
		ok: false,
		code: 'invalid_device_key',
		error: expect.stringMatching(/^missing device key/),
	});
	expect((await asDevice(`pd_${'x'.repeat(40)}`, 'GET', '/v1/device')).status).toBe(401);
	expect((await asDevice(ADMIN_KEY, 'GET', '/v1/device')).status).toBe(401);
	// A device key is no API key either.
	expect((await asDevice(key, 'GET', '/v1/channels')).status).toBe(401);
	expect((await asDevice(key, 'GET', '/v1/device')).status).toBe(200);
	await api(server.url, 'DELETE', `/v1/devices/${device.id}`, { key: ADMIN_KEY });
	const revoked = await asDevice(key, 'GET', '/v1/device/messages');
	expect(revoked.status).toBe(401);
	expect(revoked.body.error).toMatch(/not paired/);
});

test('last_seen_at follows the device’s calls, written at most once a minute', async () => {
	const { key, device } = await pair(null);
	const seen = async () => (await server.ctx.store.getDevice(device.id))?.lastSeenAt;
	const pairedAt = clock.now();
	clock.advance(30_000);
	await asDevice(key, 'GET', '/v1/device');
	expect(await seen()).toBe(pairedAt);
	clock.advance(30_000);
	await asDevice(key, 'GET', '/v1/device');
	expect(await seen()).toBe(pairedAt + 60_000);
	clock.advance(59_000);
	await asDevice(key, 'GET', '/v1/device');
	expect(await seen()).toBe(pairedAt + 60_000);
	clock.advance(1_000);
	await asDevice(key, 'GET', '/v1/device');
	expect(await seen()).toBe(pairedAt + 120_000);
});

test('messages: only its channels, newest first across them, paged with a cursor, never the callback URL', async () => {
	const scoped = await pair([deploys.id, billing.id]);
	const other = await createChannel(server.url, 'Elsewhere');
	const ids: string[] = [];
	for (let i = 0; i < 5; i++) {
		clock.advance(1000);
		ids.push(
			await sendMessage(server.url, (i % 2 ? billing : deploys).token, {
				title: `Question ${i}`,
				callback_url: `${receiver.url}?secret=resume`,
				actions: APPROVE,
			}),
		);
	}
	await sendMessage(server.url, other.token, { title: 'Not for this browser' });

	const first = await asDevice(scoped.key, 'GET', '/v1/device/messages?limit=3');
	expect(first.status).toBe(200);
	expect(first.body.messages.map((m: { id: string }) => m.id)).toEqual([ids[4], ids[3], ids[2]]);
	expect(first.body.messages[1]).toEqual({
		id: ids[3],
		channel_id: billing.id,
		channel_name: 'Billing',
		title: 'Question 3',
		body: null,
		priority: 'normal',
		actions: expect.any(Array),
		created_at: expect.any(String),
		expires_at: null,
		answer_url: expect.stringMatching(/\/a\/[A-Za-z0-9]{12}[A-Za-z0-9_-]{32}$/),
		state: 'pending',
		answer: null,
	});
	expect(JSON.stringify(first.body)).not.toContain('secret=resume');
	const second = await asDevice(
		scoped.key,
		'GET',
		`/v1/device/messages?limit=3&cursor=${first.body.next_cursor}`,
	);
	expect(second.body.messages.map((m: { id: string }) => m.id).slice(0, 2)).toEqual([
		ids[1],
		ids[0],
	]);
	expect(
		second.body.messages.some((m: { title: string }) => m.title === 'Not for this browser'),
	).toBe(false);

	const bad = await asDevice(scoped.key, 'GET', '/v1/device/messages?limit=0');
	expect(bad.status).toBe(400);
	expect(bad.body.error).toMatch(/^limit must be/);
});

test('an answer goes through the one answer path: validated, first wins, the callback carries responder via device', async () => {
	const { key, device } = await pair([deploys.id]);
	clock.advance(1000);
	const id = await sendMessage(server.url, deploys.token, {
		title: 'Ship?',
		callback_url: receiver.url,
		actions: APPROVE,
	});
	const wrong = await asDevice(key, 'POST', `/v1/device/messages/${id}/respond`, {
		triggered_by: 'maybe',
	});
	expect(wrong.status).toBe(400);
	expect(wrong.body.error).toMatch(/triggered_by/);
	const forged = await asDevice(key, 'POST', `/v1/device/messages/${id}/respond`, {
		triggered_by: 'approve',
		responder: { via: 'api', name: 'someone else' },
	});
	expect(forged.status).toBe(400);
	expect(forged.body.error).toMatch(/^responder is set by the server/);

	const res = await asDevice(key, 'POST', `/v1/device/messages/${id}/respond`, {
		triggered_by: 'approve',
		responses: { why: 'tested' },
	});
	expect(res.status).toBe(200);
	const responder = { via: 'device', device_id: device.id, name: 'Ana’s phone' };
	expect(res.body.answer).toMatchObject({ triggered_by: 'approve', responder });
	await receiver.waitFor(1);
	const callback = receiver.received.find((c) => c.body.message_id === id);
	expect(callback?.body).toMatchObject({ triggered_by: 'approve', responder });

	const again = await asDevice(key, 'POST', `/v1/device/messages/${id}/respond`, {
		triggered_by: 'decline',
	});
	expect(again.status).toBe(409);
	expect(again.body.code).toBe('already_answered');
	const listed = await asDevice(key, 'GET', '/v1/device/messages?limit=1');
	expect(listed.body.messages[0]).toMatchObject({ id, state: 'answered', answer: { responder } });
	// The account API shows who answered too.
	const stored = await api(server.url, 'GET', `/v1/messages/${id}`, { key: ADMIN_KEY });
	expect(stored.body.message.answer.responder).toEqual(responder);
});

test('a message outside its scope is 404, like a missing one; a device without a name is recorded without one', async () => {
	const { key, device } = await pair([billing.id], null);
	const outside = await sendMessage(server.url, deploys.token, {
		title: 'Hidden',
		actions: APPROVE,
	});
	for (const id of [outside, 'msg_000000000000']) {
		const res = await asDevice(key, 'POST', `/v1/device/messages/${id}/respond`, {
			triggered_by: 'approve',
		});
		expect(res.status).toBe(404);
		expect(res.body.error).toBe(`message ${id} not found`);
	}
	const inside = await sendMessage(server.url, billing.token, { title: 'Mine', actions: APPROVE });
	const res = await asDevice(key, 'POST', `/v1/device/messages/${inside}/respond`, {
		triggered_by: 'approve',
	});
	expect(res.body.answer.responder).toEqual({ via: 'device', device_id: device.id });
});

describe('the push subscription', () => {
	test('PUT stores it (normalised), DELETE removes it; listed as subscribed', async () => {
		const { key, device } = await pair(null);
		const keys = browserKeys();
		const endpoint = 'https://push.example.net/wpush/v2/abc-DEF_123';
		const put = await asDevice(key, 'PUT', '/v1/device/subscription', {
			endpoint,
			expirationTime: null,
			keys: { ...keys, p256dh: `${keys.p256dh}=` },
		});
		expect(put.status).toBe(200);
		expect(put.body.device.subscribed).toBe(true);
		expect((await server.ctx.store.getDevice(device.id)) as object).toMatchObject({
			subscription: { endpoint, p256dh: keys.p256dh, auth: keys.auth },
		});
		const del = await asDevice(key, 'DELETE', '/v1/device/subscription');
		expect(del.body).toEqual({ ok: true });
		expect((await server.ctx.store.getDevice(device.id)) as object).toMatchObject({
			subscription: null,
		});
	});

	const keys = browserKeys();
	test.each([
		[{}, /^endpoint is required/],
		[{ endpoint: 'http://push.example/x', keys }, /^endpoint must be an https URL/],
		[{ endpoint: 'not a url', keys }, /^endpoint must be an https URL/],
		[
			{ endpoint: `https://push.example/${'a'.repeat(2000)}`, keys },
			/^endpoint must be at most 2000/,
		],
		[{ endpoint: 'https://push.example/x' }, /^keys is required/],
		[{ endpoint: 'https://push.example/x', keys: { auth: keys.auth } }, /^keys\.p256dh must be/],
		[
			{ endpoint: 'https://push.example/x', keys: { ...keys, p256dh: keys.p256dh.slice(0, 40) } },
			/^keys\.p256dh must be a 65-byte uncompressed P-256 public key/,
		],
		[
			// 65 bytes starting with 4, but not a point on the curve
			{
				endpoint: 'https://push.example/x',
				keys: {
					...keys,
					p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url'),
				},
			},
			/^keys\.p256dh must be a 65-byte uncompressed P-256 public key/,
		],
		[
			{ endpoint: 'https://push.example/x', keys: { ...keys, auth: 'a+b/' } },
			/^keys\.auth must be a 16-byte secret, base64url/,
		],
		[
			{
				endpoint: 'https://push.example/x',
				keys: { ...keys, auth: Buffer.alloc(15).toString('base64url') },
			},
			/^keys\.auth must be a 16-byte secret/,
		],
	])('refused, naming the field: %#', async (body, message) => {
		const { key, device } = await pair(null);
		const res = await asDevice(key, 'PUT', '/v1/device/subscription', body);
		expect(res.status).toBe(400);
		expect(res.body.error).toMatch(message);
		expect((await server.ctx.store.getDevice(device.id)) as object).toMatchObject({
			subscription: null,
		});
	});
});

describe('the inbox cookie as credential', () => {
	test('reads with the cookie; a write with it must come from this site (Sec-Fetch-Site, Origin)', async () => {
		const { key } = await pair([deploys.id]);
		const id = await sendMessage(server.url, deploys.token, { title: 'Cookie', actions: APPROVE });
		const cookie = `ping_device=${key}`;
		expect((await api(server.url, 'GET', '/v1/device', { headers: { cookie } })).status).toBe(200);
		const respond = (headers: Record<string, string>) =>
			api(server.url, 'POST', `/v1/device/messages/${id}/respond`, {
				headers: { cookie, ...headers },
				body: { triggered_by: 'approve' },
			});
		for (const crossSite of <Record<string, string>[]>[
			{ 'sec-fetch-site': 'cross-site' },
			{ 'sec-fetch-site': 'same-site' },
			{ origin: 'https://evil.example' },
			{ referer: 'https://evil.example/page' },
		]) {
			const refused = await respond(crossSite);
			expect(refused.status).toBe(403);
			expect(refused.body.code).toBe('forbidden');
		}
		expect(
			(await api(server.url, 'GET', `/v1/messages/${id}`, { key: ADMIN_KEY })).body.message.state,
		).toBe('pending');
		// A bearer key is no ambient credential: no origin check.
		expect((await respond({ 'sec-fetch-site': 'same-origin' })).status).toBe(200);
	});
});

test('device calls have their own per-device budget: 429 with Retry-After past it', async () => {
	const limited = await startTestServer({ env: { PING_RATE_PER_KEY: '3' } });
	try {
		const res = await api(limited.url, 'POST', '/v1/devices/pairings', {
			key: ADMIN_KEY,
			body: {},
		});
		const claimed = await claimPairing(limited.ctx, res.body.pair_url.split('/').pop(), null);
		const call = () => api(limited.url, 'GET', '/v1/device', { key: claimed?.key });
		const first = await call();
		expect(first.headers.get('ratelimit-limit')).toBe('3');
		await call();
		await call();
		const refused = await call();
		expect(refused.status).toBe(429);
		expect(refused.body.error).toMatch(/^too many requests for this device key/);
		expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
	} finally {
		await limited.stop();
	}
});

test('with Web Push on, the device learns the VAPID public key it subscribes with', async () => {
	const ecdh = createECDH('prime256v1');
	ecdh.generateKeys();
	const publicKey = ecdh.getPublicKey().toString('base64url');
	const on = await startTestServer({
		env: {
			PING_WEBPUSH_PUBLIC_KEY: publicKey,
			PING_WEBPUSH_PRIVATE_KEY: ecdh.getPrivateKey().toString('base64url'),
			PING_WEBPUSH_SUBJECT: 'mailto:ops@example.com',
		},
	});
	try {
		const res = await api(on.url, 'POST', '/v1/devices/pairings', { key: ADMIN_KEY, body: {} });
		const claimed = await claimPairing(on.ctx, res.body.pair_url.split('/').pop(), null);
		const me = await api(on.url, 'GET', '/v1/device', { key: claimed?.key });
		expect(me.body.web_push_public_key).toBe(publicKey);
	} finally {
		await on.stop();
	}
});
