import { ManualClock } from '../../../server/src/domain/time';
import { makeApiKey } from '../../../server/src/domain/keys';
import { MAX_WEBHOOKS_PER_CHANNEL } from '../../../server/src/http/webhooks';
import { FakeReceiver } from '../../fakes/callback-receiver';
import { drainJobs, messageDetail, verifiedIndependently } from '../../helpers/callbacks';
import {
	ADMIN_KEY,
	TestChannel,
	TestServer,
	api,
	createChannel,
	respond,
	sendMessage,
	startTestServer,
} from '../../helpers/server';

const APPROVE = [{ type: 'button', label: 'Approve', key: 'approve' }];

describe('channel webhooks', () => {
	let clock: ManualClock;
	let server: TestServer;
	let channel: TestChannel;
	const receivers: FakeReceiver[] = [];

	const path = (suffix = '') => `/v1/channels/${channel.id}/webhooks${suffix}`;
	const register = (url: string, description?: string) =>
		api(server.url, 'POST', path(), {
			key: ADMIN_KEY,
			body: description === undefined ? { url } : { url, description },
		});
	const receiver = async () => {
		const r = await new FakeReceiver().start();
		receivers.push(r);
		return r;
	};

	beforeEach(async () => {
		clock = new ManualClock(Date.UTC(2026, 2, 1, 12));
		server = await startTestServer({ clock, env: { PING_CALLBACK_ALLOW: '127.0.0.1/32' } });
		await server.jobs.stop();
		channel = await createChannel(server.url);
	});

	afterEach(async () => {
		await server.stop();
		for (const r of receivers.splice(0)) await r.stop();
	});

	test('create, list and delete, with the shared contract shapes', async () => {
		const created = await register('http://127.0.0.1:5678/webhook/abc', 'n8n trigger');
		expect(created.status).toBe(201);
		expect(created.body).toEqual({
			ok: true,
			webhook: {
				id: expect.stringMatching(/^wh_[A-Za-z0-9]{12}$/),
				url: 'http://127.0.0.1:5678/webhook/abc',
				description: 'n8n trigger',
				created_at: new Date(clock.now()).toISOString(),
			},
		});
		clock.advance(1_000);
		const second = await register('http://127.0.0.1:5678/webhook/def');
		expect(second.body.webhook.description).toBeNull();

		const listed = await api(server.url, 'GET', path(), { key: ADMIN_KEY });
		expect(listed.status).toBe(200);
		expect(listed.body).toEqual({
			ok: true,
			webhooks: [created.body.webhook, second.body.webhook],
		});

		const deleted = await api(server.url, 'DELETE', path(`/${created.body.webhook.id}`), {
			key: ADMIN_KEY,
		});
		expect(deleted).toMatchObject({ status: 200, body: { ok: true } });
		expect((await api(server.url, 'GET', path(), { key: ADMIN_KEY })).body.webhooks).toEqual([
			second.body.webhook,
		]);
		const again = await api(server.url, 'DELETE', path(`/${created.body.webhook.id}`), {
			key: ADMIN_KEY,
		});
		expect(again.status).toBe(404);
		expect(again.body).toEqual({
			ok: false,
			error: expect.stringContaining(created.body.webhook.id),
			code: 'not_found',
		});
	});

	test('auth, ownership and validation errors', async () => {
		expect((await api(server.url, 'GET', path())).status).toBe(401);
		expect(
			(await api(server.url, 'POST', path(), { body: { url: 'https://8.8.8.8/' } })).status,
		).toBe(401);
		expect((await api(server.url, 'DELETE', path('/wh_aaaaaaaaaaaa'))).status).toBe(401);

		// Another account's channel looks like a missing one.
		const { key, secret } = makeApiKey('usr_other', 'other', clock.now());
		await server.ctx.store.ensureAccount('usr_other', clock.now());
		await server.ctx.store.insertApiKey(key, 10);
		expect((await api(server.url, 'GET', path(), { key: secret })).status).toBe(404);
		expect(
			(await api(server.url, 'POST', path(), { key: secret, body: { url: 'https://8.8.8.8/' } }))
				.status,
		).toBe(404);
		const mine = await register('https://8.8.8.8/hook');
		expect(
			(await api(server.url, 'DELETE', path(`/${mine.body.webhook.id}`), { key: secret })).status,
		).toBe(404);
		expect(
			(await api(server.url, 'GET', '/v1/channels/ch_doesnotexist/webhooks', { key: ADMIN_KEY }))
				.status,
		).toBe(404);

		const bad = async (body: unknown, pattern: RegExp) => {
			const res = await api(server.url, 'POST', path(), { key: ADMIN_KEY, body });
			expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
			expect(res.body.error).toMatch(pattern);
		};
		await bad({}, /^url is required/);
		await bad({ url: 42 }, /^url must be a string/);
		await bad({ url: 'ftp://example.com/x' }, /^url must be a valid http\(s\) URL/);
		await bad(
			{ url: 'https://8.8.8.8/', description: 'x'.repeat(201) },
			/^description must be at most 200/,
		);
		await bad(
			{ url: 'http://10.0.0.7/hook' },
			/^url is not allowed: 10\.0\.0\.7 is a private address.*PING_CALLBACK_ALLOW/,
		);
		await bad(
			{ url: 'http://[::1]:5678/hook' },
			/^url is not allowed: ::1 is a loopback address.*PING_CALLBACK_ALLOW=::1\/128/,
		);
		await bad([], /JSON object/);
	});

	test(`a channel holds at most ${MAX_WEBHOOKS_PER_CHANNEL} webhooks`, async () => {
		for (let i = 0; i < MAX_WEBHOOKS_PER_CHANNEL; i++)
			expect((await register(`https://8.8.8.8/${i}`)).status).toBe(201);
		const over = await register('https://8.8.8.8/over');
		expect(over.status).toBe(409);
		expect(over.body.error).toMatch(/at most|already has 20 webhooks/);
	});

	test('every answer on the channel goes to each webhook and to the callback_url, each its own signed delivery', async () => {
		const [hookA, hookB, callback] = [await receiver(), await receiver(), await receiver()];
		const a = (await register(hookA.url)).body.webhook;
		const b = (await register(hookB.url)).body.webhook;
		const id = await sendMessage(server.url, channel.token, {
			title: 'Ship?',
			callback_url: callback.url,
			actions: APPROVE,
		});
		expect((await respond(server.url, id, { triggered_by: 'approve' })).status).toBe(200);
		expect(await server.jobs.runDue()).toBe(3);

		const all = [hookA, hookB, callback].map((r) => r.received);
		for (const got of all) {
			expect(got).toHaveLength(1);
			expect(verifiedIndependently(got[0], channel.secret, clock.now())).toBe(true);
			expect(got[0].body).toMatchObject({
				message_id: id,
				channel_id: channel.id,
				triggered_by: 'approve',
			});
		}
		expect(all[0][0].raw).toBe(all[2][0].raw);
		const keys = all.map((got) => got[0].headers['x-ping-idempotency-key']);
		expect(new Set(keys).size).toBe(3);

		const detail = await messageDetail(server, id);
		expect(detail.callback_state).toBe('delivered');
		const byTarget = (t: string, w: string | null) =>
			detail.callback_attempts.find((x) => x.target === t && x.webhook_id === w);
		expect(byTarget('callback_url', null)).toMatchObject({
			status_code: 200,
			outcome: 'delivered',
			delivery_id: keys[2],
		});
		expect(byTarget('webhook', a.id)).toMatchObject({
			status_code: 200,
			outcome: 'delivered',
			delivery_id: keys[0],
		});
		expect(byTarget('webhook', b.id)).toMatchObject({
			status_code: 200,
			outcome: 'delivered',
			delivery_id: keys[1],
		});
	});

	test("a webhook's failures are retried on its own and never decide the message's callback state", async () => {
		const hook = await receiver();
		hook.reply = () => ({ status: 500 });
		await register(hook.url);
		const id = await sendMessage(server.url, channel.token, {
			title: 'No callback_url',
			actions: APPROVE,
		});
		await respond(server.url, id, { triggered_by: 'approve' });
		await drainJobs(server, clock);
		const detail = await messageDetail(server, id);
		expect(detail.callback_state).toBe('none');
		expect(detail.callback_attempts.at(-1)).toMatchObject({ target: 'webhook', outcome: 'failed' });
		// With no callback_url, the answer is polled as usual.
		const polled = await api(server.url, 'GET', `/v1/callback/${channel.token}/${id}`);
		expect(polled.body.status).toBe('expired');
	});

	test('a deleted webhook gets no further answers, not even already queued ones', async () => {
		const hook = await receiver();
		const { id: webhookId } = (await register(hook.url)).body.webhook;
		const first = await sendMessage(server.url, channel.token, { title: 'One', actions: APPROVE });
		await respond(server.url, first, { triggered_by: 'approve' });
		await api(server.url, 'DELETE', path(`/${webhookId}`), { key: ADMIN_KEY });
		const second = await sendMessage(server.url, channel.token, { title: 'Two', actions: APPROVE });
		await respond(server.url, second, { triggered_by: 'approve' });
		await drainJobs(server, clock);
		expect(hook.received).toHaveLength(0);
		expect(await server.jobs.nextDueAt()).toBeNull();
	});

	test('deleting the channel deletes its webhooks', async () => {
		await register('https://8.8.8.8/hook');
		await api(server.url, 'DELETE', `/v1/channels/${channel.id}`, { key: ADMIN_KEY });
		expect(await server.ctx.store.listWebhooks(channel.id)).toEqual([]);
	});
});
