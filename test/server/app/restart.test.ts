import { ManualClock } from '../../../server/src/domain/time';
import {
	ADMIN_KEY,
	api,
	createChannel,
	respond,
	sendMessage,
	startTestServer,
} from '../../helpers/server';

/** Stop the server and start it again on the same SQLite file: nothing is forgotten. */

test('channels, tokens, keys, messages, answers, read-state and TTLs survive a restart', async () => {
	const clock = new ManualClock(Date.UTC(2026, 2, 1));
	const first = await startTestServer({ clock });
	const dir = first.dir;
	const channel = await createChannel(first.url, 'Durable');
	const key = (await api(first.url, 'POST', '/v1/keys', { key: ADMIN_KEY, body: { name: 'kept' } }))
		.body.key;
	const actions = [{ type: 'button', label: 'Yes', key: 'yes' }];
	const read = await sendMessage(first.url, channel.token, { title: 'read', actions });
	const unread = await sendMessage(first.url, channel.token, { title: 'unread', actions });
	const pending = await sendMessage(first.url, channel.token, {
		title: 'pending',
		actions,
		expires_in: 120,
	});
	await respond(first.url, read, { triggered_by: 'yes' });
	await respond(first.url, unread, { triggered_by: 'yes' });
	expect((await api(first.url, 'GET', `/v1/callback/${channel.token}/${read}`)).body.status).toBe(
		'submitted',
	);
	await first.stop({ keepFiles: true });

	clock.advance(60_000);
	const second = await startTestServer({ clock, dir });
	try {
		const poll = (id: string) => api(second.url, 'GET', `/v1/callback/${channel.token}/${id}`);
		expect(
			(await api(second.url, 'GET', '/v1/channels', { key })).body.channels.map(
				(c: { id: string }) => c.id,
			),
		).toContain(channel.id);
		expect((await poll(read)).body.status).toBe('already_read');
		expect((await poll(pending)).body.status).toBe('pending');
		expect((await respond(second.url, unread, { triggered_by: 'yes' })).status).toBe(409);

		// The TTLs kept counting across the restart: 10 minutes after the answer, 2 after the send.
		clock.advance(9 * 60_000);
		expect((await poll(unread)).body.status).toBe('expired');
		expect((await poll(pending)).body.status).toBe('expired');
	} finally {
		await second.stop();
	}
});
