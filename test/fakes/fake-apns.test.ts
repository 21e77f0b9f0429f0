import { createPrivateKey, sign } from 'node:crypto';
import * as http2 from 'node:http2';
import { FakeApns, generateProviderKey } from './fake-apns';
import { KEY_ID, TEAM_ID, TOPIC } from '../helpers/push';

/** The fake is only as good as its checks: each one is proved here with a bare HTTP/2 client. */

const key = generateProviderKey();
let fake: FakeApns;
let session: http2.ClientHttp2Session;
const TOKEN = 'ab'.repeat(32);

function jwt(
	claims: { iss?: string; iat?: number },
	header: { kid?: string; alg?: string } = {},
	signWith = key.privateKeyPem,
): string {
	const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
	const head = enc({ alg: 'ES256', kid: KEY_ID, ...header });
	const body = enc({ iss: TEAM_ID, iat: Math.floor(Date.now() / 1000), ...claims });
	const sig = sign('sha256', Buffer.from(`${head}.${body}`), {
		key: createPrivateKey(signWith),
		dsaEncoding: 'ieee-p1363',
	});
	return `${head}.${body}.${sig.toString('base64url')}`;
}

function push(
	headers: http2.OutgoingHttpHeaders,
	body = '{"aps":{"alert":"hi"}}',
): Promise<{ status: number; reason?: string; headers: http2.IncomingHttpHeaders }> {
	return new Promise((resolve, reject) => {
		const req = session.request({
			':method': 'POST',
			':path': `/3/device/${TOKEN}`,
			authorization: `bearer ${jwt({})}`,
			'apns-topic': TOPIC,
			'apns-push-type': 'alert',
			...headers,
		});
		let data = '';
		let responseHeaders: http2.IncomingHttpHeaders = {};
		req.on('response', (h) => (responseHeaders = h));
		req.on('data', (c) => (data += c));
		req.on('end', () =>
			resolve({
				status: Number(responseHeaders[':status']),
				reason: data ? JSON.parse(data).reason : undefined,
				headers: responseHeaders,
			}),
		);
		req.on('error', reject);
		if (headers[':method'] === 'GET') req.end();
		else req.end(body);
	});
}

beforeAll(async () => {
	fake = await FakeApns.start({
		teamId: TEAM_ID,
		keyId: KEY_ID,
		publicKey: key.publicKey,
		topics: [TOPIC],
	});
	session = http2.connect(`https://127.0.0.1:${fake.port}`, { ca: fake.caPem });
});
afterAll(async () => {
	session.close();
	await fake.close();
});
beforeEach(() => fake.reset());

test('speaks HTTP/2 over TLS with ALPN h2 and accepts a good push', async () => {
	const res = await push({ 'apns-id': '123e4567-e89b-12d3-a456-426614174000' });
	expect(res.status).toBe(200);
	expect(res.headers['apns-id']).toBe('123e4567-e89b-12d3-a456-426614174000');
	expect(session.alpnProtocol).toBe('h2');
	expect(fake.accepted).toHaveLength(1);
	expect(fake.accepted[0]).toMatchObject({
		token: TOKEN,
		topic: TOPIC,
		pushType: 'alert',
		environment: 'production',
	});
});

test.each([
	['no token', { authorization: undefined }, 403, 'MissingProviderToken'],
	[
		'a token signed by another key',
		{ authorization: `bearer ${jwt({}, {}, generateProviderKey().privateKeyPem)}` },
		403,
		'InvalidProviderToken',
	],
	[
		'a wrong key id',
		{ authorization: `bearer ${jwt({}, { kid: 'OTHER12345' })}` },
		403,
		'InvalidProviderToken',
	],
	[
		'a wrong team id',
		{ authorization: `bearer ${jwt({ iss: 'OTHER12345' })}` },
		403,
		'InvalidProviderToken',
	],
	[
		'a token older than an hour',
		{ authorization: `bearer ${jwt({ iat: Math.floor(Date.now() / 1000) - 3700 })}` },
		403,
		'ExpiredProviderToken',
	],
	['no topic', { 'apns-topic': undefined }, 400, 'MissingTopic'],
	['a foreign topic', { 'apns-topic': 'com.other.app' }, 400, 'TopicDisallowed'],
	['no push type', { 'apns-push-type': undefined }, 400, 'InvalidPushType'],
	['a bad priority', { 'apns-priority': '7' }, 400, 'BadPriority'],
	['a bad apns-id', { 'apns-id': 'nope' }, 400, 'BadMessageId'],
	['a bad device token', { ':path': '/3/device/xyz' }, 400, 'BadDeviceToken'],
	['a wrong path', { ':path': '/2/device/ab' }, 404, 'BadPath'],
	['a GET', { ':method': 'GET' }, 405, 'MethodNotAllowed'],
])('rejects %s like Apple does', async (_name, headers, status, reason) => {
	const res = await push(headers as http2.OutgoingHttpHeaders);
	expect({ status: res.status, reason: res.reason }).toEqual({ status, reason });
	expect(fake.accepted).toHaveLength(0);
});

test('payload limit: 4096 bytes pass, 4097 are 413 PayloadTooLarge; empty is PayloadEmpty', async () => {
	const sized = (n: number) => `{"aps":{"alert":"${'x'.repeat(n - 20)}"}}`;
	expect(Buffer.byteLength(sized(4096))).toBe(4096);
	expect((await push({}, sized(4096))).status).toBe(200);
	expect(await push({}, sized(4097))).toMatchObject({ status: 413, reason: 'PayloadTooLarge' });
	expect(await push({}, '')).toMatchObject({ status: 400, reason: 'PayloadEmpty' });
});

test('programmed answers: 410 with timestamp, 429 with retry-after, then back to normal', async () => {
	fake.program(TOKEN, { status: 410, reason: 'Unregistered', timestamp: 1234 });
	fake.program(TOKEN, { status: 429, reason: 'TooManyRequests', retryAfter: 7 });
	const gone = await new Promise<string>((resolve) => {
		const req = session.request({
			':method': 'POST',
			':path': `/3/device/${TOKEN}`,
			authorization: `bearer ${jwt({})}`,
			'apns-topic': TOPIC,
			'apns-push-type': 'alert',
		});
		let data = '';
		req.on('data', (c) => (data += c));
		req.on('end', () => resolve(data));
		req.end('{"aps":{}}');
	});
	expect(JSON.parse(gone)).toEqual({ reason: 'Unregistered', timestamp: 1234 });
	const limited = await push({});
	expect(limited).toMatchObject({ status: 429, reason: 'TooManyRequests' });
	expect(limited.headers['retry-after']).toBe('7');
	expect((await push({})).status).toBe(200);
});
