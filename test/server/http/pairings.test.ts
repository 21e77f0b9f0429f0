import QRCode from 'qrcode';
import { claimPairing } from '../../../server/src/app/pairing';
import { sha256Hex } from '../../../server/src/domain/ids';
import { ManualClock } from '../../../server/src/domain/time';
import { ADMIN_KEY, api, createChannel, startTestServer, TestServer } from '../../helpers/server';

/** Pairing links (docs/api.md#pairing): made with an API key, claimed once by a browser. */

let server: TestServer;
let clock: ManualClock;
const call = (method: string, path: string, body?: unknown, key = ADMIN_KEY) =>
	api(server.url, method, path, { key, body });
const codeOf = (pairUrl: string) => pairUrl.split('/').pop() as string;

beforeAll(async () => {
	clock = new ManualClock(Date.UTC(2026, 5, 1));
	server = await startTestServer({ clock });
});
afterAll(() => server.stop());

test('a pairing link is single use, valid 10 minutes, comes with its QR code, and stores only a hash', async () => {
	const channel = await createChannel(server.url, 'Deploys');
	const res = await call('POST', '/v1/devices/pairings', {
		channel_ids: [channel.id],
		name: 'Ops phone',
	});
	expect(res.status).toBe(201);
	expect(res.body).toEqual({
		ok: true,
		pair_url: expect.stringMatching(new RegExp(`^${server.url}/app/pair/[A-Za-z0-9_-]{43}$`)),
		expires_at: new Date(clock.now() + 10 * 60_000).toISOString(),
		channel_ids: [channel.id],
		name: 'Ops phone',
		qr_svg: expect.stringMatching(/^<svg[\s\S]*<\/svg>\s*$/),
	});
	// The QR code is the pair URL: the same modules as a code made from the URL alone.
	const expected = await QRCode.toString(res.body.pair_url, {
		type: 'svg',
		errorCorrectionLevel: 'M',
		margin: 2,
	});
	expect(res.body.qr_svg).toBe(expected);

	const code = codeOf(res.body.pair_url);
	const first = await claimPairing(server.ctx, code, null);
	expect(first?.key).toMatch(/^pd_[A-Za-z0-9]{40}$/);
	expect(first?.device).toMatchObject({
		kind: 'webpush',
		name: 'Ops phone',
		channelIds: [channel.id],
		keyHash: sha256Hex(first?.key ?? ''),
	});
	expect(await claimPairing(server.ctx, code, null)).toBeNull();

	const listed = await call('GET', '/v1/devices');
	const entry = listed.body.devices.find((d: { id: string }) => d.id === first?.device.id);
	expect(entry).toEqual({
		id: first?.device.id,
		kind: 'webpush',
		name: 'Ops phone',
		channel_ids: [channel.id],
		subscribed: false,
		created_at: new Date(clock.now()).toISOString(),
		registered_at: new Date(clock.now()).toISOString(),
		last_seen_at: new Date(clock.now()).toISOString(),
	});
	expect(JSON.stringify(listed.body)).not.toContain(first?.key);
});

test('a link nobody opened within 10 minutes is dead', async () => {
	const res = await call('POST', '/v1/devices/pairings', {});
	expect(res.body.channel_ids).toBeNull();
	clock.advance(10 * 60_000);
	expect(await claimPairing(server.ctx, codeOf(res.body.pair_url), 'late')).toBeNull();
});

test('a paired browser is renamed and rescoped, refuses APNs fields, and is revoked at once', async () => {
	const a = await createChannel(server.url, 'A');
	const b = await createChannel(server.url, 'B');
	const res = await call('POST', '/v1/devices/pairings', { channel_ids: [a.id] });
	const paired = await claimPairing(server.ctx, codeOf(res.body.pair_url), 'Laptop');
	const id = paired?.device.id;

	const renamed = await call('PATCH', `/v1/devices/${id}`, {
		name: 'Work laptop',
		channel_ids: [a.id, b.id],
	});
	expect(renamed.status).toBe(200);
	expect(renamed.body.device).toMatchObject({ name: 'Work laptop', channel_ids: [a.id, b.id] });

	const refused = await call('PATCH', `/v1/devices/${id}`, { token: 'ab'.repeat(32) });
	expect(refused.status).toBe(400);
	expect(refused.body.error).toMatch(/^token applies to APNs devices only/);

	expect((await call('DELETE', `/v1/devices/${id}`)).status).toBe(200);
	expect(await server.ctx.store.findDeviceByKeyHash(sha256Hex(paired?.key ?? ''))).toBeNull();
});

describe('bad pairing requests name the field', () => {
	test.each([
		[{ channel_ids: 'ch_x' }, /^channel_ids must be a non-empty array/],
		[{ channel_ids: [] }, /^channel_ids must be a non-empty array/],
		[{ channel_ids: [7] }, /^channel_ids\[0\] must be a string/],
		[{ channel_ids: ['ch_unknown00000'] }, /^channel_ids\[0\]: channel ch_unknown00000 not found/],
		[{ name: 12 }, /^name must be a string/],
		[{ name: 'x'.repeat(101) }, /^name must be at most 100 characters/],
	])('%j', async (body, message) => {
		const res = await call('POST', '/v1/devices/pairings', body);
		expect(res.status).toBe(400);
		expect(res.body.error).toMatch(message);
	});

	test('another account cannot scope a pairing to my channel, nor pair without a key', async () => {
		const mine = await createChannel(server.url, 'Mine');
		// Keys made through the API belong to the caller's account; a second account is made in the store.
		const { makeApiKey } = await import('../../../server/src/domain/keys');
		const { key, secret } = makeApiKey('usr_other', 'x', clock.now());
		await server.ctx.store.ensureAccount('usr_other', clock.now());
		await server.ctx.store.insertApiKey(key, 10);
		const res = await call('POST', '/v1/devices/pairings', { channel_ids: [mine.id] }, secret);
		expect(res.status).toBe(400);
		expect(res.body.error).toMatch(/channel_ids\[0\]: channel .* not found/);
		const anonymous = await api(server.url, 'POST', '/v1/devices/pairings', { body: {} });
		expect(anonymous.status).toBe(401);
	});
});
