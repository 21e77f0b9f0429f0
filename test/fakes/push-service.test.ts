import { createPrivateKey, sign } from 'node:crypto';
import https from 'node:https';
import webpush from 'web-push';
import { FakePushService } from './push-service';
import { vapidKeys } from '../helpers/webpush';

/** The fake push service refuses what a real one refuses, so tests that pass against it mean something. */

let fake: FakePushService;
let agent: https.Agent;
let keys: { publicKey: string; privateKey: string };

beforeAll(async () => {
	do keys = vapidKeys();
	while (Buffer.from(keys.privateKey, 'base64url').length !== 32);
	fake = await FakePushService.start({ vapidPublicKey: keys.publicKey });
	agent = new https.Agent({ ca: fake.caPem });
});
afterAll(async () => {
	agent.destroy();
	await fake.close();
});
beforeEach(() => fake.reset());

const subject = 'mailto:ops@example.com';
const send = (
	sub: ReturnType<FakePushService['subscribe']>,
	options: webpush.RequestOptions = {},
) =>
	webpush
		.sendNotification(
			{ endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } },
			'{"hello":"ünï"}',
			{ vapidDetails: { subject, ...keys }, agent, TTL: 60, ...options },
		)
		.then(
			(r) => r.statusCode,
			(e: webpush.WebPushError) => e.statusCode,
		);

test('a correct push is decrypted with the subscription keys and recorded with its headers', async () => {
	const sub = fake.subscribe();
	expect(await send(sub, { urgency: 'high', topic: 'abc' })).toBe(201);
	expect(fake.pushesTo(sub.id)).toEqual([
		expect.objectContaining({
			text: '{"hello":"ünï"}',
			json: { hello: 'ünï' },
			ttl: 60,
			urgency: 'high',
			topic: 'abc',
			vapidKey: keys.publicKey,
			claims: expect.objectContaining({ aud: fake.origin, sub: subject }),
		}),
	]);
});

/** A VAPID JWT signed here (ES256) with any claims, even ones web-push itself would refuse to make. */
function vapidHeader(claims: Record<string, unknown>, signWith = keys): string {
	const pub = Buffer.from(signWith.publicKey, 'base64url');
	const key = createPrivateKey({
		format: 'jwk',
		key: {
			kty: 'EC',
			crv: 'P-256',
			x: pub.subarray(1, 33).toString('base64url'),
			y: pub.subarray(33).toString('base64url'),
			d: signWith.privateKey,
		},
	});
	const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
	const input = `${part({ typ: 'JWT', alg: 'ES256' })}.${part(claims)}`;
	const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
	return `vapid t=${input}.${signature.toString('base64url')}, k=${keys.publicKey}`;
}

/** Posts a request web-push prepared, changed by `mutate` first; the status. */
function post(
	sub: ReturnType<FakePushService['subscribe']>,
	mutate: (headers: Record<string, unknown>) => void,
): Promise<number> {
	const details = webpush.generateRequestDetails(
		{ endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } },
		'x',
		{ vapidDetails: { subject, ...keys } },
	);
	const headers = details.headers as Record<string, unknown>;
	mutate(headers);
	return new Promise<number>((resolve, reject) => {
		const req = https.request(
			details.endpoint,
			{ method: 'POST', headers: headers as Record<string, string>, agent },
			(res) => {
				res.resume();
				resolve(res.statusCode ?? 0);
			},
		);
		req.on('error', reject);
		req.end(details.body);
	});
}

test('a JWT signed by another key, for another audience, expired, too long-lived or without a contact is refused', async () => {
	const sub = fake.subscribe();
	let other = vapidKeys();
	while (Buffer.from(other.privateKey, 'base64url').length !== 32) other = vapidKeys();
	// Another key pair: a real service refuses a key the subscription was not made with.
	expect(await send(sub, { vapidDetails: { subject, ...other } })).toBe(403);
	const now = Math.floor(Date.now() / 1000);
	const good = { aud: fake.origin, exp: now + 3600, sub: subject };
	const cases = [
		vapidHeader(good, other), // signed by a key other than k
		vapidHeader({ ...good, aud: 'https://push.example.net' }),
		vapidHeader({ ...good, exp: now - 1 }),
		vapidHeader({ ...good, exp: now + 25 * 3600 }),
		vapidHeader({ ...good, sub: 'ops@example.com' }),
	];
	for (const authorization of cases)
		expect(await post(sub, (h) => (h.Authorization = authorization))).toBe(401);
	expect(await post(sub, (h) => (h.Authorization = vapidHeader(good)))).toBe(201);
	expect(fake.refused.map((r) => r.why)).toEqual([
		'VAPID key does not match the subscription',
		'JWT signature does not verify with k',
		`JWT aud must be ${fake.origin}, got https://push.example.net`,
		'JWT exp is not in the future',
		'JWT exp is more than 24 hours ahead',
		'JWT sub must be a mailto: or https: contact',
	]);
	expect(fake.received).toHaveLength(1);
});

test('a subscription made with its own applicationServerKey takes pushes signed with that key only', async () => {
	let own = vapidKeys();
	while (Buffer.from(own.privateKey, 'base64url').length !== 32) own = vapidKeys();
	const sub = fake.subscribe({ applicationServerKey: own.publicKey });
	expect(sub.applicationServerKey).toBe(own.publicKey);
	expect(await send(sub)).toBe(403); // the service's key, not the one subscribed with
	expect(await send(sub, { vapidDetails: { subject, ...own } })).toBe(201);
	expect(fake.pushesTo(sub.id).map((p) => p.vapidKey)).toEqual([own.publicKey]);
});

test('a body encrypted for other keys, another Content-Encoding and a missing TTL are refused', async () => {
	const sub = fake.subscribe();
	const stranger = fake.subscribe();
	expect(await send({ ...sub, p256dh: stranger.p256dh, auth: stranger.auth })).toBe(400);
	expect(await post(sub, (h) => (h['Content-Encoding'] = 'aesgcm'))).toBe(415);
	expect(await post(sub, (h) => delete h.TTL)).toBe(400);
	expect(await post(sub, (h) => (h.Topic = 'not a topic!'))).toBe(400);
	expect(fake.refused.map((r) => r.status)).toEqual([400, 415, 400, 400]);
	expect(fake.refused[0].why).toMatch(/cannot decrypt/);
	expect(fake.received).toEqual([]);
});

test('programmed answers per subscription: 410, 429 with Retry-After, then 201 again', async () => {
	const sub = fake.subscribe();
	fake.program(sub.id, { status: 410 }, { status: 429, retryAfter: '7', times: 2 });
	const statuses = [];
	for (let i = 0; i < 4; i++) statuses.push(await send(sub));
	expect(statuses).toEqual([410, 429, 429, 201]);
	expect(fake.pushesTo(sub.id)).toHaveLength(1);
});
