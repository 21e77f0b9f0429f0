import { PingWaitForResponse } from '../../nodes/PingWaitForResponse/PingWaitForResponse.node';
import {
	ADMIN_KEY,
	api,
	createChannel,
	respond,
	startTestServer,
	TestChannel,
	TestServer,
} from '../helpers/server';
import type { Parameters } from './helpers/context';
import { executeContext, webhookContext } from './helpers/context';
import { realHttp } from './helpers/realHttp';
import type { ReceivedRequest } from './helpers/receiver';
import { plainHeaders, startReceiver } from './helpers/receiver';

/**
 * The Wait node against the real server: the signed callback of a real answer reaches a
 * local stand-in for n8n's resume endpoint, and is then handed to `webhook()` exactly as n8n
 * would; polling delivery long-polls the real server.
 */
describe('Ping Wait for Response against the real server', () => {
	let server: TestServer;
	let receiver: Awaited<ReturnType<typeof startReceiver>>;
	let channel: TestChannel;
	let creds: { pingApi: { serverUrl: string; webhookToken: string; webhookSecret: string } };

	beforeAll(async () => {
		server = await startTestServer({ env: { PING_CALLBACK_ALLOW: '127.0.0.1/32,::1,localhost' } });
		receiver = await startReceiver();
		channel = await createChannel(server.url);
		creds = {
			pingApi: {
				serverUrl: server.url,
				webhookToken: channel.token,
				webhookSecret: channel.secret,
			},
		};
	});
	afterAll(async () => {
		await receiver.close();
		await server.stop();
	});

	async function latestMessageId(after?: string): Promise<string> {
		for (let attempt = 0; attempt < 100; attempt++) {
			const list = await api(server.url, 'GET', `/v1/channels/${channel.id}/messages?limit=1`, {
				key: ADMIN_KEY,
			});
			const id = list.body.messages?.[0]?.id as string | undefined;
			if (id && id !== after) return id;
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		throw new Error('no message was sent');
	}

	async function sendAndResume(
		parameters: Parameters,
		answer: Record<string, unknown>,
		count: number,
	) {
		const resumePath = `/webhook-waiting/exec-${count}/node-1234`;
		const { context, requests, waits, customData } = executeContext({
			credentials: creds,
			parameters,
			http: realHttp(creds),
			getSignedResumeUrl: () => `${receiver.url}${resumePath}?signature=n8n-url-signature`,
			setSignatureValidationRequired: () => undefined,
		});
		await new PingWaitForResponse().execute.call(context);
		expect(waits).toHaveLength(1);
		const sent = requests[0].options.body as { callback_url: string };
		expect(sent.callback_url).toBe(`${receiver.url}${resumePath}?signature=n8n-url-signature`);

		const messageId = await latestMessageId();
		const answered = await respond(server.url, messageId, answer);
		expect(answered.status).toBe(200);

		const callback = await receiver.waitFor(count);
		// The resume URL reached n8n's endpoint intact, n8n's own URL signature included.
		expect(callback.path).toBe(`${resumePath}?signature=n8n-url-signature`);
		const hook = webhookContext({
			credentials: creds,
			parameters,
			rawBody: callback.rawBody,
			headers: plainHeaders(callback.headers),
			customData,
		});
		const result = await new PingWaitForResponse().webhook.call(hook.context);
		return { messageId, result, response: hook.response, callback, customData };
	}

	const base = {
		title: 'Deploy v2.3?',
		body: '**3 commits**',
		priority: 'high',
		delivery: 'callback',
	};

	it('resumes with data.approved === true after Approve, and refuses a forged copy', async () => {
		const parameters = {
			...base,
			responseType: 'approval',
			options: {
				limitWaitTime: {
					values: { limitType: 'afterTimeInterval', resumeAmount: 10, resumeUnit: 'minutes' },
				},
			},
		};
		const { messageId, result, callback, customData } = await sendAndResume(
			parameters,
			{ triggered_by: 'approve' },
			1,
		);
		expect(result.workflowData).toEqual([
			[
				{
					json: {
						data: expect.objectContaining({
							approved: true,
							triggered_by: 'approve',
							responses: {},
							message_id: messageId,
							channel_id: channel.id,
						}),
					},
					pairedItem: { item: 0 },
				},
			],
		]);
		const stored = await api(server.url, 'GET', `/v1/messages/${messageId}`, { key: ADMIN_KEY });
		expect(JSON.stringify(stored.body)).toMatch(/"expires_at":"20/);

		const forged = webhookContext({
			credentials: creds,
			parameters,
			rawBody: callback.rawBody.toString('utf8').replace('"approve"', '"decline"'),
			headers: plainHeaders(callback.headers),
			customData,
		});
		const refused = await new PingWaitForResponse().webhook.call(forged.context);
		expect(forged.response.statusCode).toBe(401);
		expect(refused.workflowData).toBeUndefined();
	});

	it('resumes with data.approved === false after Decline', async () => {
		const { result } = await sendAndResume(
			{ ...base, responseType: 'approval' },
			{ triggered_by: 'decline' },
			2,
		);
		expect(result.workflowData?.[0][0].json.data).toMatchObject({
			approved: false,
			triggered_by: 'decline',
		});
	});

	it('resumes a custom form with each field under its key', async () => {
		const parameters = {
			...base,
			responseType: 'customForm',
			defineForm: 'json',
			formJson: JSON.stringify([
				{
					type: 'select',
					label: 'Rating',
					key: 'rating',
					options: [
						{ label: 'Good', value: 'good' },
						{ label: 'Bad', value: 'bad' },
					],
				},
				{ type: 'number', label: 'Score', key: 'score', min: 0, max: 5 },
			]),
		};
		const { result } = await sendAndResume(
			parameters,
			{ triggered_by: 'submit', responses: { rating: 'good', score: 4 } },
			3,
		);
		expect(result.workflowData?.[0][0].json.data).toMatchObject({
			rating: 'good',
			score: 4,
			triggered_by: 'submit',
		});
	});

	it("a real signed answer to another message, replayed to this execution's resume URL: 401, then its own answer resumes it", async () => {
		const parameters = { ...base, responseType: 'approval' };
		const waiting = async (path: string) => {
			const ctx = executeContext({
				credentials: creds,
				parameters,
				http: realHttp(creds),
				getSignedResumeUrl: () => `${receiver.url}${path}?signature=n8n-url-signature`,
				setSignatureValidationRequired: () => undefined,
			});
			const previous = await latestMessageId();
			await new PingWaitForResponse().execute.call(ctx.context);
			return { ...ctx, messageId: await latestMessageId(previous) };
		};
		const m1 = await waiting('/webhook-waiting/exec-m1/node-1234');
		const m2 = await waiting('/webhook-waiting/exec-m2/node-1234');
		const hand = (callback: ReceivedRequest, customData: Map<string, string>) => {
			const hook = webhookContext({
				credentials: creds,
				parameters,
				rawBody: callback.rawBody,
				headers: plainHeaders(callback.headers),
				customData,
			});
			return new PingWaitForResponse().webhook
				.call(hook.context)
				.then((result) => ({ result, response: hook.response }));
		};

		const before = receiver.received.length;
		expect((await respond(server.url, m2.messageId, { triggered_by: 'approve' })).status).toBe(200);
		const m2Answer = await receiver.waitFor(before + 1);
		expect(m2Answer.path).toContain('exec-m2');
		const replayed = await hand(m2Answer, m1.customData);
		expect(replayed.response.statusCode).toBe(401);
		expect(replayed.result.workflowData).toBeUndefined();

		expect((await respond(server.url, m1.messageId, { triggered_by: 'decline' })).status).toBe(200);
		const m1Answer = await receiver.waitFor(before + 2);
		const resumed = await hand(m1Answer, m1.customData);
		expect(resumed.result.workflowData?.[0][0].json.data).toMatchObject({
			approved: false,
			message_id: m1.messageId,
		});
		// And M2's own execution takes its own answer.
		expect(
			(await hand(m2Answer, m2.customData)).result.workflowData?.[0][0].json.data,
		).toMatchObject({ approved: true, message_id: m2.messageId });
	});

	it("with a wait limit: the server's real signed expiry event resumes the execution as a refusal; another message's event is refused (401)", async () => {
		const parameters = {
			...base,
			responseType: 'approval',
			options: {
				limitWaitTime: {
					values: { limitType: 'afterTimeInterval', resumeAmount: 1, resumeUnit: 'seconds' },
				},
			},
		};
		const waiting = async (path: string) => {
			const ctx = executeContext({
				credentials: creds,
				parameters,
				http: realHttp(creds),
				items: [{ json: { data: { approved: true } } }],
				getSignedResumeUrl: () => `${receiver.url}${path}?signature=n8n-url-signature`,
				setSignatureValidationRequired: () => undefined,
			});
			const previous = await latestMessageId();
			const out = await new PingWaitForResponse().execute.call(ctx.context);
			return { ...ctx, out, messageId: await latestMessageId(previous) };
		};
		const before = receiver.received.length;
		const e1 = await waiting('/webhook-waiting/exec-e1/node-1234');
		await waiting('/webhook-waiting/exec-e2/node-1234');
		expect(e1.requests[0].options.body).toMatchObject({ expires_in: 1, expiry_callback: true });
		// What n8n would output if its own (later) limit resumed it: a refusal, not the input.
		expect(e1.out[0][0].json.data).toMatchObject({ approved: false, timedOut: true });

		await receiver.waitFor(before + 2);
		const events = receiver.received.slice(before);
		const eventFor = (exec: string) => events.find((r) => r.path.includes(exec))!;
		expect(JSON.parse(eventFor('exec-e1').rawBody.toString())).toMatchObject({
			event: 'expired',
			message_id: e1.messageId,
		});
		const hand = (callback: ReceivedRequest, customData: Map<string, string>) => {
			const hook = webhookContext({
				credentials: creds,
				parameters,
				rawBody: callback.rawBody,
				headers: plainHeaders(callback.headers),
				customData,
			});
			return new PingWaitForResponse().webhook
				.call(hook.context)
				.then((result) => ({ result, response: hook.response }));
		};
		const replayed = await hand(eventFor('exec-e2'), e1.customData);
		expect(replayed.response.statusCode).toBe(401);
		expect(replayed.result.workflowData).toBeUndefined();

		const resumed = await hand(eventFor('exec-e1'), e1.customData);
		expect(resumed.result.workflowData).toEqual([
			[
				{
					json: {
						data: {
							approved: false,
							timedOut: true,
							reason: 'expired',
							message_id: e1.messageId,
							channel_id: channel.id,
						},
					},
					pairedItem: { item: 0 },
				},
			],
		]);
		expect((await respond(server.url, e1.messageId, { triggered_by: 'approve' })).status).toBe(409);
	});

	it('polling delivery: long-polls until the answer and outputs the same item', async () => {
		const parameters = {
			...base,
			delivery: 'polling',
			responseType: 'freeText',
			options: { pollInterval: 1 },
		};
		const { context, requests } = executeContext({
			credentials: creds,
			parameters,
			http: realHttp(creds),
		});
		const previous = await latestMessageId();
		const running = new PingWaitForResponse().execute.call(context);
		const messageId = await latestMessageId(previous);
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(
			(
				await respond(server.url, messageId, {
					triggered_by: 'submit',
					responses: { text: 'Ship it' },
				})
			).status,
		).toBe(200);
		const out = await running;
		expect(out).toEqual([
			[
				{
					json: { data: expect.objectContaining({ text: 'Ship it', message_id: messageId }) },
					pairedItem: { item: 0 },
				},
			],
		]);
		expect(requests[0].options.body as object).not.toHaveProperty('callback_url');
		// One send and a single long-poll that returned when the answer arrived.
		expect(requests).toHaveLength(2);
		expect(requests[1].options.qs).toEqual({ wait: 50 });
	});

	it('polling delivery: stops at the wait limit with a timed-out item', async () => {
		const parameters = {
			...base,
			delivery: 'polling',
			responseType: 'approval',
			options: {
				limitWaitTime: {
					values: { limitType: 'afterTimeInterval', resumeAmount: 1, resumeUnit: 'seconds' },
				},
			},
		};
		const { context } = executeContext({ credentials: creds, parameters, http: realHttp(creds) });
		const started = Date.now();
		const [[item]] = await new PingWaitForResponse().execute.call(context);
		expect(Date.now() - started).toBeLessThan(5000);
		expect(item.json.data).toMatchObject({ timedOut: true, approved: false });
	});
});
