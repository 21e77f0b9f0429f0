import * as crypto from 'node:crypto';
import {
	RunningReceiver,
	startCallbackReceiver,
} from '../../../../server/src/delivery/callbacks/receiver';
import { ManualClock } from '../../../../server/src/domain/time';
import {
	TestServer,
	createChannel,
	respond,
	sendMessage,
	startTestServer,
} from '../../../helpers/server';

const NOW = Date.UTC(2026, 3, 1, 8);

describe('the callback receiver (ping-server listen)', () => {
	let receiver: RunningReceiver;
	let lines: string[];
	const secret = crypto.randomBytes(32).toString('hex');
	const clock = new ManualClock(NOW);

	const post = (body: string, signature?: string) =>
		fetch(receiver.url, {
			method: 'POST',
			headers: {
				'content-type': 'application/json',
				...(signature ? { 'x-ping-signature': signature } : {}),
			},
			body,
		});
	const sign = (body: string, t: number, key = secret) =>
		`t=${t},v1=${crypto.createHmac('sha256', key).update(`${t}.${body}`).digest('hex')}`;

	beforeEach(async () => {
		lines = [];
		receiver = await startCallbackReceiver({
			port: 0,
			secret,
			clock,
			print: (text) => lines.push(text),
		});
	});
	afterEach(() => receiver.close());

	test('a correctly signed, fresh callback is printed as valid and answered 200', async () => {
		const body = '{"message_id":"msg_aaaaaaaaaaaa","triggered_by":"approve","responses":{}}';
		const res = await post(body, sign(body, NOW / 1000 - 12));
		expect(res.status).toBe(200);
		expect(lines.join('\n')).toMatch(/signature: valid \(t=\d+, 12 s old\)/);
		expect(lines.join('\n')).toMatch(/"message_id": "msg_aaaaaaaaaaaa"/);
	});

	test('a wrong secret, a stale timestamp or no signature is printed as INVALID and answered 401', async () => {
		const body = '{"message_id":"msg_bbbbbbbbbbbb"}';
		const wrong = await post(body, sign(body, NOW / 1000, crypto.randomBytes(32).toString('hex')));
		expect(wrong.status).toBe(401);
		expect(lines[0]).toMatch(/INVALID: HMAC does not match/);
		const stale = await post(body, sign(body, NOW / 1000 - 301));
		expect(stale.status).toBe(401);
		expect(lines[1]).toMatch(/INVALID: timestamp t=\d+ is 301 s from now/);
		const none = await post(body);
		expect(none.status).toBe(401);
		expect(lines[2]).toMatch(/INVALID: no X-Ping-Signature header/);
	});

	test('without a secret it prints and accepts everything, saying it did not check', async () => {
		const open = await startCallbackReceiver({ port: 0, print: (text) => lines.push(text) });
		try {
			const res = await fetch(open.url, {
				method: 'POST',
				body: '{}',
				headers: { 'content-type': 'application/json' },
			});
			expect(res.status).toBe(200);
			expect(lines[0]).toMatch(/not checked \(start with --secret/);
		} finally {
			await open.close();
		}
	});

	test("the server's real callbacks verify at the receiver", async () => {
		let server: TestServer | null = null;
		try {
			server = await startTestServer({ clock, env: { PING_CALLBACK_ALLOW: '127.0.0.1/32' } });
			await server.jobs.stop();
			const channel = await createChannel(server.url);
			const checking = await startCallbackReceiver({
				port: 0,
				secret: channel.secret,
				clock,
				print: (t) => lines.push(t),
			});
			try {
				const id = await sendMessage(server.url, channel.token, {
					title: 'Approve?',
					callback_url: checking.url,
					actions: [{ type: 'button', label: 'Yes', key: 'yes' }],
				});
				await respond(server.url, id, { triggered_by: 'yes' });
				expect(await server.jobs.runDue()).toBe(1);
				expect(lines).toHaveLength(1);
				expect(lines[0]).toMatch(/signature: valid/);
				expect(lines[0]).toMatch(/X-Ping-Idempotency-Key: dlv_/);
				expect(lines[0]).toContain(id);
			} finally {
				await checking.close();
			}
		} finally {
			await server?.stop();
		}
	});
});
