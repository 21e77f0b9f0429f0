import {
	TestChannel,
	TestServer,
	api,
	createChannel,
	respond,
	sendMessage,
	startTestServer,
} from '../../helpers/server';

/** `POST /v1/callback/{token}/{message_id}/cancel`: the webhook token's way to withdraw a message. */
describe('cancel by webhook token', () => {
	let server: TestServer;
	let channel: TestChannel;
	let other: TestChannel;
	const actions = [{ type: 'button', label: 'Yes', key: 'yes' }];
	const cancel = (token: string, id: string) =>
		api(server.url, 'POST', `/v1/callback/${token}/${id}/cancel`);

	beforeAll(async () => {
		server = await startTestServer();
		channel = await createChannel(server.url, 'Mine');
		other = await createChannel(server.url, 'Other');
	});

	afterAll(async () => {
		await server?.stop();
	});

	test('an unanswered message expires at once: a waiting long-poll says expired, a late answer is 409', async () => {
		const id = await sendMessage(server.url, channel.token, { title: 'Go?', actions });
		const waiting = api(server.url, 'GET', `/v1/callback/${channel.token}/${id}?wait=20`);
		await new Promise((r) => setTimeout(r, 200));
		const cancelledAt = Date.now();
		expect(await cancel(channel.token, id)).toMatchObject({
			status: 200,
			body: { ok: true, status: 'cancelled' },
		});
		expect((await waiting).body).toEqual({ status: 'expired' });
		expect(Date.now() - cancelledAt).toBeLessThan(1_000);
		const late = await respond(server.url, id, { triggered_by: 'yes' });
		expect(late.status).toBe(409);
		expect((await cancel(channel.token, id)).body).toEqual({
			ok: true,
			status: 'already_resolved',
		});
	});

	test('an answered message stays answered and its answer can still be polled', async () => {
		const id = await sendMessage(server.url, channel.token, { title: 'Go?', actions });
		await respond(server.url, id, { triggered_by: 'yes' });
		expect((await cancel(channel.token, id)).body).toEqual({
			ok: true,
			status: 'already_resolved',
		});
		const polled = await api(server.url, 'GET', `/v1/callback/${channel.token}/${id}`);
		expect(polled.body).toMatchObject({ status: 'submitted', result: { triggered_by: 'yes' } });
	});

	test("a wrong token is 401; another channel's message is 404 and stays open", async () => {
		const id = await sendMessage(server.url, channel.token, { title: 'Go?', actions });
		expect((await cancel('not-a-token', id)).status).toBe(401);
		const foreign = await cancel(other.token, id);
		expect(foreign.status).toBe(404);
		expect(foreign.body.error).toBe(`message ${id} not found for this token`);
		expect((await cancel(channel.token, 'msg_000000000000')).status).toBe(404);
		expect((await respond(server.url, id, { triggered_by: 'yes' })).status).toBe(200);
	});

	test('GET does not cancel (no state change on GET)', async () => {
		const id = await sendMessage(server.url, channel.token, { title: 'Go?', actions });
		expect(
			(await api(server.url, 'GET', `/v1/callback/${channel.token}/${id}/cancel`)).status,
		).toBe(404);
		expect((await respond(server.url, id, { triggered_by: 'yes' })).status).toBe(200);
	});
});
