import { ManualClock } from '../../../server/src/domain/time';
import {
	ADMIN_KEY,
	api,
	createChannel,
	respond,
	sendMessage,
	startTestServer,
	TestServer,
} from '../../helpers/server';

/** The account API (docs/api.md#account-api): keys, channels, devices, history, message detail. */

let server: TestServer;
let clock: ManualClock;
const call = (method: string, path: string, body?: unknown, key = ADMIN_KEY) =>
	api(server.url, method, path, { key, body });

beforeAll(async () => {
	clock = new ManualClock(Date.UTC(2026, 5, 1));
	server = await startTestServer({ clock });
});
afterAll(() => server.stop());

describe('API keys', () => {
	test('created once in clear, listed without secret, usable, deletable; last_used_at kept', async () => {
		const created = await call('POST', '/v1/keys', { name: 'ci' });
		expect(created.status).toBe(201);
		// Ping's documented shape: flat, `key` is the full key.
		const key: string = created.body.key;
		expect(key).toMatch(/^pk_live_[A-Za-z0-9]{32}$/);
		expect(created.body).toEqual({
			ok: true,
			id: expect.stringMatching(/^key_/),
			name: 'ci',
			key,
			prefix: key.slice(0, 12),
			created_at: new Date(clock.now()).toISOString(),
			last_used_at: null,
		});

		expect((await call('GET', '/v1/channels', undefined, key)).status).toBe(200);
		const listed = await call('GET', '/v1/keys');
		const entry = listed.body.keys.find((k: { id: string }) => k.id === created.body.id);
		expect(entry.prefix).toBe(key.slice(0, 12));
		expect(entry.last_used_at).toBe(new Date(clock.now()).toISOString());
		expect(JSON.stringify(listed.body)).not.toContain(key);

		expect((await call('DELETE', `/v1/keys/${entry.id}`)).body).toEqual({
			ok: true,
			message: 'API key revoked',
		});
		expect((await call('GET', '/v1/channels', undefined, key)).status).toBe(401);
		expect((await call('DELETE', `/v1/keys/${entry.id}`)).status).toBe(404);
	});

	test('a key stored with the old ellipsis prefix is listed with the bare prefix', async () => {
		const { makeApiKey, ADMIN_ACCOUNT_ID } = await import('../../../server/src/domain/keys');
		const { key } = makeApiKey(ADMIN_ACCOUNT_ID, 'old', clock.now());
		await server.ctx.store.insertApiKey(
			{ ...key, prefix: `${key.prefix}…` },
			Number.MAX_SAFE_INTEGER,
		);
		const listed = (await call('GET', '/v1/keys')).body.keys.find(
			(k: { id: string }) => k.id === key.id,
		);
		expect(listed.prefix).toBe(key.prefix);
		await server.ctx.store.deleteApiKey(ADMIN_ACCOUNT_ID, key.id);
	});

	test('at most 10 active keys per account', async () => {
		const existing = (await call('GET', '/v1/keys')).body.keys.length;
		for (let i = existing; i < 10; i++)
			expect((await call('POST', '/v1/keys', {})).status).toBe(201);
		const over = await call('POST', '/v1/keys', {});
		expect(over.status).toBe(409);
		expect(over.body.error).toContain('at most 10 active API keys');
	});
});

describe('channels', () => {
	test('create, read, list, patch, delete', async () => {
		const created = await call('POST', '/v1/channels', {
			name: 'Deploys',
			icon: 'rocket',
			color: '#112233',
		});
		expect(created.status).toBe(201);
		expect(created.body.webhook_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(created.body.webhook_secret).toMatch(/^[0-9a-f]{64}$/);
		expect(created.body.webhook_url).toBe(`${server.url}/v1/send/${created.body.webhook_token}`);
		const id = created.body.channel.id;
		expect(id).toMatch(/^ch_[A-Za-z0-9]{12}$/);

		expect((await call('GET', `/v1/channels/${id}`)).body.channel).toMatchObject({
			name: 'Deploys',
			icon: 'rocket',
			color: '#112233',
		});
		expect(
			(await call('GET', '/v1/channels')).body.channels.map((c: { id: string }) => c.id),
		).toContain(id);
		const patched = await call('PATCH', `/v1/channels/${id}`, {
			name: 'Prod deploys',
			color: null,
		});
		expect(patched.body.channel).toMatchObject({
			name: 'Prod deploys',
			color: null,
			icon: 'rocket',
		});

		expect((await call('DELETE', `/v1/channels/${id}`)).status).toBe(200);
		expect((await call('GET', `/v1/channels/${id}`)).status).toBe(404);
		expect(
			(
				await api(server.url, 'POST', `/v1/send/${created.body.webhook_token}`, {
					body: { title: 't' },
				})
			).status,
		).toBe(401);
	});

	test.each([
		[{}, 'name is required'],
		[{ name: 'x'.repeat(51) }, 'name must be at most 50'],
		[{ name: 'x', color: 'red' }, 'color must be a hex colour'],
		[{ name: 'x', muted_until: 'tomorrow' }, 'muted_until must be an ISO-8601 time or null'],
	])('creation with %j is a 400: %s', async (body, error) => {
		const res = await call('POST', '/v1/channels', body);
		expect(res.status).toBe(400);
		expect(res.body.error).toContain(error);
	});

	test('muted_until mutes sends until then; null unmutes', async () => {
		const channel = await createChannel(server.url, 'Mutable');
		const until = new Date(clock.now() + 3600_000).toISOString();
		await call('PATCH', `/v1/channels/${channel.id}`, { muted_until: until });
		const muted = await api(server.url, 'POST', `/v1/send/${channel.token}`, {
			body: { title: 'quiet' },
		});
		expect(muted.body).toMatchObject({ ok: true, muted: true });
		// A muted message is still stored and listed.
		const history = await call('GET', `/v1/channels/${channel.id}/messages`);
		expect(history.body.messages[0]).toMatchObject({ id: muted.body.id, muted: true });

		clock.advance(3600_000);
		expect(
			(await api(server.url, 'POST', `/v1/send/${channel.token}`, { body: { title: 't' } })).body
				.muted,
		).toBe(false);
		await call('PATCH', `/v1/channels/${channel.id}`, {
			muted_until: new Date(clock.now() + 60_000).toISOString(),
		});
		await call('PATCH', `/v1/channels/${channel.id}`, { muted_until: null });
		expect(
			(await api(server.url, 'POST', `/v1/send/${channel.token}`, { body: { title: 't' } })).body
				.muted,
		).toBe(false);
	});

	test('regenerate: the old token dies at once, the new one works', async () => {
		const channel = await createChannel(server.url, 'Regen');
		const regenerated = await call('POST', `/v1/channels/${channel.id}/regenerate`);
		expect(regenerated.status).toBe(200);
		const fresh: string = regenerated.body.webhook_token;
		expect(fresh).not.toBe(channel.token);
		expect(
			(await api(server.url, 'POST', `/v1/send/${channel.token}`, { body: { title: 't' } })).status,
		).toBe(401);
		expect(
			(await api(server.url, 'POST', `/v1/send/${fresh}`, { body: { title: 't' } })).status,
		).toBe(200);
	});

	test('secret and its rotation', async () => {
		const channel = await createChannel(server.url, 'Secret');
		const secret = await call('GET', `/v1/channels/${channel.id}/secret`);
		expect(secret.body).toEqual({
			ok: true,
			webhook_secret: channel.secret,
			algorithm: 'HMAC-SHA256',
			header_name: 'X-Ping-Signature',
		});
		const rotated = await call('POST', `/v1/channels/${channel.id}/secret/rotate`);
		expect(rotated.body.webhook_secret).toMatch(/^[0-9a-f]{64}$/);
		expect(rotated.body.webhook_secret).not.toBe(channel.secret);
		expect((await call('GET', `/v1/channels/${channel.id}/secret`)).body.webhook_secret).toBe(
			rotated.body.webhook_secret,
		);
	});

	test("another account's channel looks missing", async () => {
		const channel = await createChannel(server.url, 'Mine');
		const other = await fetchOtherAccountKey();
		expect((await call('GET', `/v1/channels/${channel.id}`, undefined, other)).status).toBe(404);
		expect((await call('GET', `/v1/channels/${channel.id}/secret`, undefined, other)).status).toBe(
			404,
		);
		expect((await call('GET', '/v1/channels', undefined, other)).body.channels).toEqual([]);
	});
});

/** A key of a second account, inserted through the store (there is no public sign-up API). */
async function fetchOtherAccountKey(): Promise<string> {
	const { makeApiKey } = await import('../../../server/src/domain/keys');
	const { key, secret } = makeApiKey('usr_other', null, clock.now());
	await server.ctx.store.ensureAccount('usr_other', clock.now());
	await server.ctx.store.insertApiKey(key, 10);
	return secret;
}

describe('devices', () => {
	const token = 'ab'.repeat(32);

	test('register, re-register (refreshes), patch, list, delete', async () => {
		const created = await call('POST', '/v1/devices', {
			token: token.toUpperCase(),
			environment: 'sandbox',
			topic: 'app.ping',
		});
		expect(created.status).toBe(201);
		expect(created.body.device).toMatchObject({ token, environment: 'sandbox', topic: 'app.ping' });
		const id = created.body.device.id;

		clock.advance(1000);
		const again = await call('POST', '/v1/devices', { token, environment: 'production' });
		expect(again.status).toBe(200);
		expect(again.body.device).toMatchObject({ id, environment: 'production' });
		expect(Date.parse(again.body.device.registered_at)).toBeGreaterThan(
			Date.parse(created.body.device.registered_at),
		);

		const patched = await call('PATCH', `/v1/devices/${id}`, { name: 'iPhone' });
		expect(patched.body.device.name).toBe('iPhone');
		expect((await call('GET', '/v1/devices')).body.devices).toHaveLength(1);
		expect((await call('DELETE', `/v1/devices/${id}`)).status).toBe(200);
		expect((await call('PATCH', `/v1/devices/${id}`, { name: 'x' })).status).toBe(404);
	});

	test.each([
		[{}, 'token is required'],
		[{ token: 'xyz' }, 'token must be an APNs device token'],
		[
			{ token: 'ab'.repeat(32), environment: 'staging' },
			'environment must be one of: sandbox, production',
		],
	])('%j is a 400: %s', async (body, error) => {
		const res = await call('POST', '/v1/devices', body);
		expect(res.status).toBe(400);
		expect(res.body.error).toContain(error);
	});
});

describe('messages', () => {
	test('history is newest first and paginated with a cursor', async () => {
		const channel = await createChannel(server.url, 'History');
		const ids: string[] = [];
		for (let i = 0; i < 5; i++) {
			ids.push(await sendMessage(server.url, channel.token, { title: `m${i}` }));
			clock.advance(1);
		}
		const first = await call('GET', `/v1/channels/${channel.id}/messages?limit=2`);
		expect(first.body.messages.map((m: { id: string }) => m.id)).toEqual([ids[4], ids[3]]);
		const second = await call(
			'GET',
			`/v1/channels/${channel.id}/messages?limit=2&cursor=${first.body.next_cursor}`,
		);
		expect(second.body.messages.map((m: { id: string }) => m.id)).toEqual([ids[2], ids[1]]);
		const third = await call(
			'GET',
			`/v1/channels/${channel.id}/messages?limit=2&cursor=${second.body.next_cursor}`,
		);
		expect(third.body.messages.map((m: { id: string }) => m.id)).toEqual([ids[0]]);
		expect(third.body.next_cursor).toBeNull();
		expect((await call('GET', `/v1/channels/${channel.id}/messages?limit=0`)).status).toBe(400);
		expect((await call('GET', `/v1/channels/${channel.id}/messages?cursor=%%%`)).status).toBe(400);
	});

	test('one request looks its API key up once, on every account route', async () => {
		const channel = await createChannel(server.url, 'Lookups');
		const { makeApiKey, ADMIN_ACCOUNT_ID } = await import('../../../server/src/domain/keys');
		const { key, secret: stored } = makeApiKey(ADMIN_ACCOUNT_ID, 'lookups', clock.now());
		await server.ctx.store.insertApiKey(key, Number.MAX_SAFE_INTEGER);
		const lookups = jest.spyOn(server.ctx.store, 'findApiKeyByHash');
		try {
			for (const path of [
				`/v1/channels/${channel.id}/messages`,
				`/v1/channels/${channel.id}/webhooks`,
				`/v1/channels/${channel.id}`,
			]) {
				lookups.mockClear();
				expect((await call('GET', path, undefined, stored)).status).toBe(200);
				expect(lookups).toHaveBeenCalledTimes(1);
			}
		} finally {
			lookups.mockRestore();
		}
	});

	test('detail shows the message, its answer and whether it was read', async () => {
		const channel = await createChannel(server.url, 'Detail');
		const id = await sendMessage(server.url, channel.token, {
			title: 'Deploy?',
			body: '**v2**',
			actions: [{ type: 'button', label: 'Go', key: 'go' }],
		});
		expect((await call('GET', `/v1/messages/${id}`)).body.message).toMatchObject({
			id,
			state: 'pending',
			answer: null,
		});
		await respond(server.url, id, { triggered_by: 'go', responder: 'alice' });
		const detail = (await call('GET', `/v1/messages/${id}`)).body.message;
		expect(detail).toMatchObject({
			id,
			channel_id: channel.id,
			title: 'Deploy?',
			body: '**v2**',
			state: 'answered',
			// A string responder (as before answer links) is the name of an API answer.
			answer: { triggered_by: 'go', responses: {}, responder: { via: 'api', name: 'alice' } },
			answer_read: false,
		});
		expect((await call('GET', '/v1/messages/msg_000000000000')).status).toBe(404);
	});
});
