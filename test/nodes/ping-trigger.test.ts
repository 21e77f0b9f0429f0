import type { IDataObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';
import { signatureV1 } from '../../nodes/shared/signature';
import { PingTrigger } from '../../nodes/PingTrigger/PingTrigger.node';
import {
	ADMIN_KEY,
	api,
	createChannel,
	respond,
	sendMessage,
	startTestServer,
	TestServer,
} from '../helpers/server';
import { hookContext, scriptedHttp, webhookContext } from './helpers/context';
import { realHttp } from './helpers/realHttp';
import { plainHeaders, startReceiver } from './helpers/receiver';

const SECRET = '4140db9a5fa04fe3208183ceb1d659cafbfa23ff3f31e7cc3777fd3062e60992';
const credentials = {
	pingApi: { serverUrl: 'http://ping.test', webhookToken: 't', webhookSecret: SECRET },
};
const body = JSON.stringify({
	message_id: 'msg_xxxxxxxxxxxx',
	channel_id: 'ch_xxxxxxxxxxxx',
	timestamp: '2026-01-12T20:18:13Z',
	triggered_by: 'approve',
	responses: { rating: 'good', comment: 'User entered text' },
});
const now = () => Math.floor(Date.now() / 1000);
const signed = (raw: string, t = now(), secret = SECRET) => ({
	'X-Ping-Signature': `t=${t},v1=${signatureV1(secret, t, raw)}`,
});

function runWebhook(
	rawBody: string | Buffer,
	headers: Record<string, string>,
	parameters = {},
	withoutRawBody = false,
) {
	const { context, response } = webhookContext({
		credentials,
		rawBody,
		headers,
		parameters: { triggeredBy: '', ...parameters },
		withoutRawBody,
	});
	return new PingTrigger().webhook.call(context).then((result) => ({ result, response }));
}

describe('Ping Callback Trigger webhook() with a mocked n8n context', () => {
	it('matches the documented test vector (docs/api.md#signatures)', () => {
		expect(signatureV1(SECRET, 1768483312, body)).toBe(
			'159071bf947be9d96c90947ed03bb565f6ab702c2cf8c1a680a3d70e74c1f727',
		);
	});

	it('starts the workflow with the callback body when the signature is valid', async () => {
		const { result, response } = await runWebhook(body, signed(body));
		expect(response.statusCode).toBeUndefined();
		expect(result.workflowData).toEqual([[{ json: JSON.parse(body) }]]);
	});

	it('verifies the re-serialised body when the host gives no rawBody', async () => {
		const { result } = await runWebhook(body, signed(body), {}, true);
		expect(result.workflowData).toHaveLength(1);
	});

	// Headers are made when each case runs: a timestamp made at load time would drift.
	it.each([
		['no signature', () => ({}), /missing/],
		['a malformed signature', () => ({ 'X-Ping-Signature': 'v1=abc' }), /malformed/],
		['a wrong secret', () => signed(body, now(), 'f'.repeat(64)), /does not match/],
		['a stale timestamp', () => signed(body, now() - 301), /more than 300 s/],
		['a timestamp from the future', () => signed(body, now() + 301), /more than 300 s/],
	])('answers 401 and starts nothing for %s', async (_name, headers, reason) => {
		const { result, response } = await runWebhook(body, headers() as Record<string, string>);
		expect(response.statusCode).toBe(401);
		expect(String((response.body as { error: string }).error)).toMatch(reason);
		expect(result).toEqual({ noWebhookResponse: true });
	});

	it('answers 401 for a tampered body with the original signature', async () => {
		const tampered = body.replace('approve', 'decline');
		const { result, response } = await runWebhook(tampered, signed(body));
		expect(response.statusCode).toBe(401);
		expect(result.workflowData).toBeUndefined();
	});

	it('acknowledges but ignores answers outside "Only These Buttons"', async () => {
		const ignored = await runWebhook(body, signed(body), { triggeredBy: 'decline, later' });
		expect(ignored.result).toEqual({ webhookResponse: { ok: true, ignored: true } });
		const kept = await runWebhook(body, signed(body), { triggeredBy: 'decline,approve' });
		expect(kept.result.workflowData).toHaveLength(1);
	});

	it('answers 400 to a validly signed body that is not a Ping answer', async () => {
		const other = '{"hello":"world"}';
		const { result, response } = await runWebhook(other, signed(other));
		expect(response.statusCode).toBe(400);
		expect(result.workflowData).toBeUndefined();
	});
});

describe('Ping Callback Trigger registration with a mocked n8n context', () => {
	const accountCredentials = {
		...credentials,
		pingAccountApi: { serverUrl: 'http://ping.test/', apiKey: 'pk_live_x' },
	};
	const hookUrl = 'https://n8n.example.com/webhook/abc/ping';
	const parameters = { registration: 'automatic', channelId: 'ch_123456789012' };

	it('creates the channel webhook on activation and keeps its id in static data', async () => {
		const { context, requests, staticData } = hookContext({
			parameters,
			credentials: accountCredentials,
			webhookUrl: hookUrl,
			http: scriptedHttp(
				{
					statusCode: 200,
					body: { ok: true, webhooks: [{ id: 'wh_other', url: 'https://elsewhere' }] },
				},
				{ statusCode: 201, body: { ok: true, webhook: { id: 'wh_new', url: hookUrl } } },
			),
		});
		(context as unknown as { getWorkflow: () => object }).getWorkflow = () => ({
			id: 'wf1',
			name: 'Deploys',
		});
		const methods = new PingTrigger().webhookMethods.default;
		expect(await methods.checkExists.call(context)).toBe(false);
		expect(await methods.create.call(context)).toBe(true);
		expect(requests.map((r) => [r.credentialType, r.options.method, r.options.url])).toEqual([
			['pingAccountApi', 'GET', 'http://ping.test/v1/channels/ch_123456789012/webhooks'],
			['pingAccountApi', 'POST', 'http://ping.test/v1/channels/ch_123456789012/webhooks'],
		]);
		expect(requests[1].options.body).toEqual({ url: hookUrl, description: 'n8n workflow Deploys' });
		expect(staticData).toEqual({ webhookId: 'wh_new', channelId: 'ch_123456789012' });
	});

	it('finds an existing registration, deletes it on deactivation, and accepts an already deleted one', async () => {
		const staticData = {};
		const http = scriptedHttp(
			{ statusCode: 200, body: { ok: true, webhooks: [{ id: 'wh_mine', url: hookUrl }] } },
			{
				statusCode: 404,
				body: { ok: false, error: 'webhook wh_mine not found on channel ch_123456789012' },
			},
		);
		const { context, requests } = hookContext({
			parameters,
			credentials: accountCredentials,
			webhookUrl: hookUrl,
			http,
			staticData,
		});
		const methods = new PingTrigger().webhookMethods.default;
		expect(await methods.checkExists.call(context)).toBe(true);
		expect(staticData).toEqual({ webhookId: 'wh_mine', channelId: 'ch_123456789012' });
		expect(await methods.delete.call(context)).toBe(true);
		expect(requests[1].options).toMatchObject({
			method: 'DELETE',
			url: 'http://ping.test/v1/channels/ch_123456789012/webhooks/wh_mine',
		});
		expect(staticData).toEqual({});
	});

	it('does not swallow a server failure on deactivation', async () => {
		const { context } = hookContext({
			parameters,
			credentials: accountCredentials,
			webhookUrl: hookUrl,
			staticData: { webhookId: 'wh_mine', channelId: 'ch_123456789012' },
			http: scriptedHttp({ statusCode: 500, body: { ok: false, error: 'database is locked' } }),
		});
		await expect(new PingTrigger().webhookMethods.default.delete.call(context)).rejects.toThrow(
			'database is locked',
		);
	});

	it('registers nothing when the URL is pasted by hand', async () => {
		const { context, requests } = hookContext({
			parameters: { registration: 'manual' },
			credentials,
			webhookUrl: hookUrl,
			http: scriptedHttp(),
		});
		const methods = new PingTrigger().webhookMethods.default;
		expect(await methods.checkExists.call(context)).toBe(true);
		expect(await methods.create.call(context)).toBe(true);
		expect(await methods.delete.call(context)).toBe(true);
		expect(requests).toHaveLength(0);
	});

	it('lists channels for the channel picker', async () => {
		const { context, requests } = hookContext({
			parameters,
			credentials: accountCredentials,
			webhookUrl: hookUrl,
			http: scriptedHttp({
				statusCode: 200,
				body: { ok: true, channels: [{ id: 'ch_1', name: 'Deploys' }] },
			}),
		});
		const options = await new PingTrigger().methods.loadOptions.getChannels.call(context);
		expect(options).toEqual([{ name: 'Deploys (ch_1)', value: 'ch_1' }]);
		expect(requests[0].options.url).toBe('http://ping.test/v1/channels');
	});

	it('surfaces a refused API key as NodeApiError', async () => {
		const { context } = hookContext({
			parameters,
			credentials: accountCredentials,
			webhookUrl: hookUrl,
			http: scriptedHttp({ statusCode: 401, body: { ok: false, error: 'API key is not valid' } }),
		});
		const error = await new PingTrigger().methods.loadOptions.getChannels
			.call(context)
			.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as Error).message).toBe('API key is not valid');
	});
});

describe('Ping Callback Trigger: one execution per delivery', () => {
	const KEY = 'dlv_aaaaaaaaaaaaaaaaaaaa';
	let workflow = 0;

	/** One trigger node of one workflow, receiving requests; its static data lives across them. */
	function trigger(staticData = {}, workflowId = `dedupe-${++workflow}`) {
		return (raw: string, headers: Record<string, string>, parameters = {}) => {
			const { context, response } = webhookContext({
				credentials,
				rawBody: raw,
				headers,
				parameters: { triggeredBy: '', ...parameters },
				staticData,
				workflowId,
			});
			return new PingTrigger().webhook.call(context).then((result) => ({ result, response }));
		};
	}

	it('the same delivery POSTed twice starts one execution; the copy gets 200 {ok, duplicate}', async () => {
		const post = trigger();
		const headers = { ...signed(body), 'X-Ping-Idempotency-Key': KEY };
		const [first, second] = await Promise.all([post(body, headers), post(body, headers)]);
		const started = [first, second].filter((r) => r.result.workflowData !== undefined);
		expect(started).toHaveLength(1);
		const copy = started[0] === first ? second : first;
		expect(copy.result).toEqual({ webhookResponse: { ok: true, duplicate: true } });
		expect(copy.response.statusCode).toBeUndefined();
	});

	it("the server's resend (same key, fresh signature) is dropped", async () => {
		const post = trigger();
		expect(
			(await post(body, { ...signed(body, now() - 20), 'X-Ping-Idempotency-Key': KEY })).result
				.workflowData,
		).toHaveLength(1);
		const resent = await post(body, { ...signed(body), 'X-Ping-Idempotency-Key': KEY });
		expect(resent.result).toEqual({ webhookResponse: { ok: true, duplicate: true } });
	});

	it('a replay with the key changed or removed is dropped by its signature', async () => {
		const post = trigger();
		const signature = signed(body);
		expect(
			(await post(body, { ...signature, 'X-Ping-Idempotency-Key': KEY })).result.workflowData,
		).toHaveLength(1);
		expect(
			(await post(body, { ...signature, 'X-Ping-Idempotency-Key': 'dlv_bbbbbbbbbbbbbbbbbbbb' }))
				.result,
		).toEqual({
			webhookResponse: { ok: true, duplicate: true },
		});
		expect((await post(body, signature)).result).toEqual({
			webhookResponse: { ok: true, duplicate: true },
		});
	});

	it('another delivery (another key and signature) starts its own execution; so does the same delivery in another workflow', async () => {
		const post = trigger();
		expect(
			(await post(body, { ...signed(body, now() - 1), 'X-Ping-Idempotency-Key': KEY })).result
				.workflowData,
		).toHaveLength(1);
		const other = await post(body, {
			...signed(body),
			'X-Ping-Idempotency-Key': 'dlv_cccccccccccccccccccc',
		});
		expect(other.result.workflowData).toHaveLength(1);
		const elsewhere = await trigger()(body, { ...signed(body), 'X-Ping-Idempotency-Key': KEY });
		expect(elsewhere.result.workflowData).toHaveLength(1);
	});

	it('a forged copy is refused (401) and does not count as the delivery', async () => {
		const post = trigger();
		const forged = await post(body, {
			...signed(body, now(), 'f'.repeat(64)),
			'X-Ping-Idempotency-Key': KEY,
		});
		expect(forged.response.statusCode).toBe(401);
		expect(
			(await post(body, { ...signed(body), 'X-Ping-Idempotency-Key': KEY })).result.workflowData,
		).toHaveLength(1);
	});

	it('the accepted keys are kept in the static data, so a restarted n8n still drops the resend', async () => {
		const staticData: IDataObject = {};
		await trigger(staticData, 'restart-wf')(body, {
			...signed(body, now() - 5),
			'X-Ping-Idempotency-Key': KEY,
		});
		expect(Object.keys(staticData.pingSeenDeliveries as object)).toContain(`k:${KEY}`);
		// A fresh module registry: the process memory is gone, as after a restart.
		let fresh: typeof PingTrigger | undefined;
		jest.isolateModules(() => {
			// eslint-disable-next-line @typescript-eslint/no-require-imports
			const module = require('../../nodes/PingTrigger/PingTrigger.node');
			fresh = (module as { PingTrigger: typeof PingTrigger }).PingTrigger;
		});
		const { context } = webhookContext({
			credentials,
			rawBody: body,
			headers: { ...signed(body), 'X-Ping-Idempotency-Key': KEY },
			parameters: { triggeredBy: '' },
			staticData,
			workflowId: 'restart-wf',
		});
		expect(await new (fresh as typeof PingTrigger)().webhook.call(context)).toEqual({
			webhookResponse: { ok: true, duplicate: true },
		});
	});

	it('keeps at most 1,000 entries and forgets keys after 48 h', async () => {
		const { isDuplicateDelivery, KEY_TTL_SECONDS, MAX_SEEN } =
			await import('../../nodes/PingTrigger/deliveries');
		expect(MAX_SEEN).toBe(1_000);
		expect(KEY_TTL_SECONDS).toBe(48 * 3600);
		const staticData: IDataObject = {};
		const { context } = webhookContext({
			credentials,
			rawBody: body,
			headers: {},
			parameters: {},
			staticData,
			workflowId: 'bounded',
		});
		const start = Date.now();
		for (let i = 0; i < 1_200; i++)
			expect(isDuplicateDelivery(context, { key: `dlv_${i}`, signature: undefined }, start)).toBe(
				false,
			);
		expect(Object.keys(staticData.pingSeenDeliveries as object)).toHaveLength(1_000);
		expect(isDuplicateDelivery(context, { key: 'dlv_1199', signature: undefined }, start)).toBe(
			true,
		);
		expect(isDuplicateDelivery(context, { key: 'dlv_0', signature: undefined }, start)).toBe(false);
		expect(
			isDuplicateDelivery(
				context,
				{ key: 'dlv_1198', signature: undefined },
				start + (KEY_TTL_SECONDS + 1) * 1000,
			),
		).toBe(false);
	});
});

describe('Ping Callback Trigger against the real server', () => {
	let server: TestServer;
	let receiver: Awaited<ReturnType<typeof startReceiver>>;
	beforeAll(async () => {
		server = await startTestServer({ env: { PING_CALLBACK_ALLOW: '127.0.0.1/32,::1,localhost' } });
		receiver = await startReceiver();
	});
	afterAll(async () => {
		await receiver.close();
		await server.stop();
	});

	it('registers itself, receives the real signed callback of an answer, and refuses altered copies', async () => {
		const channel = await createChannel(server.url);
		const creds = {
			pingApi: {
				serverUrl: server.url,
				webhookToken: channel.token,
				webhookSecret: channel.secret,
			},
			pingAccountApi: { serverUrl: server.url, apiKey: ADMIN_KEY },
		};
		const hookUrl = `${receiver.url}/webhook/trigger/ping`;
		const hook = hookContext({
			parameters: { registration: 'automatic', channelId: channel.id },
			credentials: creds,
			webhookUrl: hookUrl,
			http: realHttp(creds),
		});
		(hook.context as unknown as { getWorkflow: () => object }).getWorkflow = () => ({
			id: 'wf1',
			name: 'Trigger test',
		});
		const methods = new PingTrigger().webhookMethods.default;
		expect(await methods.checkExists.call(hook.context)).toBe(false);
		await methods.create.call(hook.context);
		expect(await methods.checkExists.call(hook.context)).toBe(true);

		const messageId = await sendMessage(server.url, channel.token, {
			title: 'Deploy?',
			actions: [
				{ type: 'button', label: 'Approve', key: 'approve' },
				{ type: 'button', label: 'Decline', key: 'decline' },
			],
		});
		expect((await respond(server.url, messageId, { triggered_by: 'approve' })).status).toBe(200);
		const callback = await receiver.waitFor(1);
		expect(callback.path).toBe('/webhook/trigger/ping');

		const headers = plainHeaders(callback.headers);
		const run = (raw: Buffer | string, pingApi = creds.pingApi, h = headers) => {
			const { context, response } = webhookContext({
				credentials: { pingApi },
				rawBody: raw,
				headers: h,
				parameters: { triggeredBy: '' },
			});
			return new PingTrigger().webhook.call(context).then((result) => ({ result, response }));
		};

		const accepted = await run(callback.rawBody);
		expect(accepted.result.workflowData?.[0][0].json).toMatchObject({
			message_id: messageId,
			channel_id: channel.id,
			triggered_by: 'approve',
			responses: {},
		});

		const tampered = await run(callback.rawBody.toString('utf8').replace('"approve"', '"decline"'));
		expect(tampered.response.statusCode).toBe(401);
		expect(tampered.result.workflowData).toBeUndefined();

		const wrongSecret = await run(callback.rawBody, {
			...creds.pingApi,
			webhookSecret: 'e'.repeat(64),
		});
		expect(wrongSecret.response.statusCode).toBe(401);

		const realNow = Date.now();
		const clock = jest.spyOn(Date, 'now').mockReturnValue(realNow + 301_000);
		try {
			const stale = await run(callback.rawBody);
			expect(stale.response.statusCode).toBe(401);
			expect(String((stale.response.body as { error: string }).error)).toMatch(/more than 300 s/);
		} finally {
			clock.mockRestore();
		}

		await methods.delete.call(hook.context);
		const list = await api(server.url, 'GET', `/v1/channels/${channel.id}/webhooks`, {
			key: ADMIN_KEY,
		});
		expect(list.body.webhooks).toEqual([]);
	});
});
