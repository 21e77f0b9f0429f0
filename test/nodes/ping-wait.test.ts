import { NodeApiError, WAIT_INDEFINITELY } from 'n8n-workflow';
import { PingWaitForResponse } from '../../nodes/PingWaitForResponse/PingWaitForResponse.node';
import { configuredOutputs } from '../../nodes/PingWaitForResponse/description';
import { messageKey } from '../../nodes/PingWaitForResponse/binding';
import { appendPathSegment } from '../../nodes/shared/resumeUrl';
import { signatureV1 } from '../../nodes/shared/signature';
import type { ExecuteContextOptions, Parameters } from './helpers/context';
import { executeContext, scriptedHttp, testNode, webhookContext } from './helpers/context';

const SECRET = 'b'.repeat(64);
const credentials = {
	pingApi: { serverUrl: 'http://ping.test', webhookToken: 'tok', webhookSecret: SECRET },
};
const sent = {
	statusCode: 200,
	body: { ok: true, id: 'msg_aaaaaaaaaaaa', muted: false, channel_id: 'ch_bbbbbbbbbbbb' },
};
const SIGNED_RESUME = 'http://n8n.test/webhook-waiting/exec-42/node-1234?signature=hmac';

const base = {
	title: 'Deploy?',
	body: 'v2',
	priority: 'normal',
	delivery: 'callback',
	options: {},
};

function callbackExecute(parameters: Parameters, extra: Partial<ExecuteContextOptions> = {}) {
	const calls: string[] = [];
	const ctx = executeContext({
		credentials,
		parameters,
		http: scriptedHttp(sent),
		items: [{ json: { ticket: 7 } }],
		getSignedResumeUrl: () => {
			calls.push('getSignedResumeUrl');
			return SIGNED_RESUME;
		},
		setSignatureValidationRequired: () => calls.push('setSignatureValidationRequired'),
		...extra,
	});
	return { ...ctx, calls };
}

function answer(triggeredBy: string, responses: Record<string, unknown> = {}) {
	return JSON.stringify({
		message_id: 'msg_aaaaaaaaaaaa',
		channel_id: 'ch_bbbbbbbbbbbb',
		timestamp: '2026-11-26T20:00:00Z',
		triggered_by: triggeredBy,
		responses,
		submitted_at: '2026-11-26T20:00:01Z',
	});
}

function signedHeaders(raw: string, t = Math.floor(Date.now() / 1000), secret = SECRET) {
	return { 'x-ping-signature': `t=${t},v1=${signatureV1(secret, t, raw)}` };
}

/** What execute() kept for the message in `sent` (the one `answer()` answers). */
function waitingFor(messageId = 'msg_aaaaaaaaaaaa', channelId = 'ch_bbbbbbbbbbbb') {
	return new Map([[messageKey(testNode.id), `${messageId} ${channelId}`]]);
}

function resume(
	parameters: Parameters,
	raw: string,
	headers: Record<string, string> = signedHeaders(raw),
	customData: Map<string, string> = waitingFor(),
) {
	const { context, response } = webhookContext({
		credentials,
		parameters,
		rawBody: raw,
		headers,
		customData,
	});
	return new PingWaitForResponse().webhook.call(context).then((result) => ({ result, response }));
}

describe('Ping Wait for Response: sending and waiting (callback delivery)', () => {
	it('declares the send-and-wait operation, resume webhook and waiting tooltip', () => {
		const d = new PingWaitForResponse().description;
		expect(d.name).toBe('pingWaitForResponse');
		expect(d.properties.find((p) => p.name === 'operation')?.default).toBe('sendAndWait');
		expect(d.webhooks).toEqual([
			expect.objectContaining({
				httpMethod: 'POST',
				path: '={{ $nodeId }}',
				restartWebhook: true,
				isFullPath: true,
			}),
		]);
		expect(d.waitingNodeTooltip).toMatch(/answers/);
		expect(d.usableAsTool).toBe(true);
	});

	it('on n8n ≥ 1.106 / 2.x: requires URL signature validation and sends the signed resume URL as callback_url', async () => {
		const { context, requests, waits, calls } = callbackExecute({
			...base,
			responseType: 'approval',
		});
		const out = await new PingWaitForResponse().execute.call(context);

		expect(calls).toEqual(['getSignedResumeUrl', 'setSignatureValidationRequired']);
		expect(requests).toHaveLength(1);
		expect(requests[0].options.url).toBe('http://ping.test/v1/send/tok');
		expect(requests[0].options.body).toEqual({
			title: 'Deploy?',
			body: 'v2',
			priority: 'normal',
			callback_url: SIGNED_RESUME,
			actions: [
				{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
				{ type: 'button', label: 'Decline', key: 'decline', style: 'destructive' },
			],
		});
		expect(waits).toEqual([WAIT_INDEFINITELY]);
		// Should n8n ever resume it by itself, the output is a refusal, never the input.
		expect(out).toEqual([
			[
				{
					json: {
						data: {
							approved: false,
							timedOut: true,
							reason: 'limit',
							message_id: 'msg_aaaaaaaaaaaa',
							channel_id: 'ch_bbbbbbbbbbbb',
						},
					},
					pairedItem: { item: 0 },
				},
			],
		]);
	});

	it('on n8n without getSignedResumeUrl: uses $execution.resumeUrl plus the node id, calling no missing method', async () => {
		const { context, requests } = executeContext({
			credentials,
			parameters: { ...base, responseType: 'approval' },
			http: scriptedHttp(sent),
			resumeUrl: 'http://n8n.test/webhook-waiting/exec-42',
		});
		await new PingWaitForResponse().execute.call(context);
		expect((requests[0].options.body as { callback_url: string }).callback_url).toBe(
			'http://n8n.test/webhook-waiting/exec-42/node-1234',
		);
	});

	it('with getSignedResumeUrl but no setSignatureValidationRequired, still uses the signed URL', async () => {
		const { context, requests } = executeContext({
			credentials,
			parameters: { ...base, responseType: 'approval' },
			http: scriptedHttp(sent),
			getSignedResumeUrl: () => SIGNED_RESUME,
		});
		await new PingWaitForResponse().execute.call(context);
		expect((requests[0].options.body as { callback_url: string }).callback_url).toBe(SIGNED_RESUME);
	});

	it('falls back to $execution.resumeUrl, without requiring URL validation, when the context cannot sign', async () => {
		const calls: string[] = [];
		const { context, requests } = executeContext({
			credentials,
			parameters: { ...base, responseType: 'approval' },
			http: scriptedHttp(sent),
			resumeUrl: 'http://n8n.test/webhook-waiting/exec-42?signature=resume-token',
			getSignedResumeUrl: () => {
				throw new Error('getSignedResumeUrl is not supported in sandboxed execution');
			},
			setSignatureValidationRequired: () => calls.push('setSignatureValidationRequired'),
		});
		await new PingWaitForResponse().execute.call(context);
		expect((requests[0].options.body as { callback_url: string }).callback_url).toBe(
			'http://n8n.test/webhook-waiting/exec-42/node-1234?signature=resume-token',
		);
		expect(calls).toEqual([]);
	});

	it('keeps a resume token query when adding the node id to a resume URL', () => {
		expect(appendPathSegment('http://n8n.test/webhook-waiting/42?signature=tok', 'node-1')).toBe(
			'http://n8n.test/webhook-waiting/42/node-1?signature=tok',
		);
	});

	it('sends "Limit Wait Time" as the message expiry with an expiry event, and waits a minute longer as a backstop', async () => {
		const before = Date.now();
		const { context, requests, waits } = callbackExecute({
			...base,
			responseType: 'approval',
			options: {
				limitWaitTime: {
					values: { limitType: 'afterTimeInterval', resumeAmount: 2, resumeUnit: 'hours' },
				},
			},
		});
		await new PingWaitForResponse().execute.call(context);
		expect(waits[0].getTime()).toBeGreaterThanOrEqual(before + 7_200_000 + 60_000);
		expect(waits[0].getTime()).toBeLessThanOrEqual(Date.now() + 7_200_000 + 60_000);
		expect(requests[0].options.body).toMatchObject({ expires_in: 7200, expiry_callback: true });
	});

	it('maps every response type to Ping actions', async () => {
		const cases: Array<[Parameters, unknown[]]> = [
			[
				{
					responseType: 'approval',
					approvalOptions: {
						values: { approvalType: 'single', approveLabel: 'Ship it', approveStyle: 'secondary' },
					},
				},
				[{ type: 'button', label: 'Ship it', key: 'approve', style: 'secondary' }],
			],
			[
				{
					responseType: 'freeText',
					freeTextOptions: { values: { label: 'Why?', placeholder: 'Because…', maxLength: 200 } },
				},
				[
					{
						type: 'text',
						label: 'Why?',
						key: 'text',
						multiline: true,
						placeholder: 'Because…',
						max_length: 200,
					},
				],
			],
			[
				{
					responseType: 'customForm',
					defineForm: 'fields',
					formFields: {
						field: [
							{
								type: 'select',
								label: 'Rating',
								key: 'rating',
								selectOptions: 'Good=good\nBad=bad',
							},
							{ type: 'toggle', label: 'Notify', key: 'notify', value: 'true' },
						],
					},
				},
				[
					{
						type: 'select',
						label: 'Rating',
						key: 'rating',
						options: [
							{ label: 'Good', value: 'good' },
							{ label: 'Bad', value: 'bad' },
						],
					},
					{ type: 'toggle', label: 'Notify', key: 'notify', value: true },
				],
			],
			[
				{
					responseType: 'customForm',
					defineForm: 'json',
					formJson: '[{"type":"number","label":"Score","key":"score","min":0,"max":5}]',
				},
				[{ type: 'number', label: 'Score', key: 'score', min: 0, max: 5 }],
			],
			[
				{
					responseType: 'customButtons',
					buttons: {
						button: [
							{ label: 'Retry', key: 'retry', style: 'primary' },
							{ label: 'Skip', key: 'skip', style: 'secondary' },
						],
					},
				},
				[
					{ type: 'button', label: 'Retry', key: 'retry', style: 'primary' },
					{ type: 'button', label: 'Skip', key: 'skip', style: 'secondary' },
				],
			],
		];
		for (const [parameters, actions] of cases) {
			const { context, requests } = callbackExecute({ ...base, ...(parameters as object) });
			await new PingWaitForResponse().execute.call(context);
			expect((requests[0].options.body as { actions: unknown[] }).actions).toEqual(actions);
		}
	});

	it.each([
		[
			{
				responseType: 'customForm',
				defineForm: 'json',
				formJson: '[{"type":"text","label":"A","key":"approved"}]',
			},
			'actions[0].key "approved" is reserved',
		],
		[
			{
				responseType: 'customForm',
				defineForm: 'json',
				formJson: '[{"type":"button","label":"A"}]',
			},
			'must be a form field',
		],
		[
			{ responseType: 'customButtons', buttons: { button: [] } },
			'custom buttons need at least one button',
		],
		[
			{ responseType: 'approval', approvalOptions: { values: { approveLabel: 'x'.repeat(31) } } },
			'actions[0].label must be at most 30 characters',
		],
	])('fails before sending on invalid response settings (%#)', async (parameters, message) => {
		const { context, requests } = callbackExecute({ ...base, ...parameters });
		await expect(new PingWaitForResponse().execute.call(context)).rejects.toThrow(message);
		expect(requests).toHaveLength(0);
	});

	it('refuses callback delivery without a webhook secret (answers could not be verified)', async () => {
		const { context, requests } = executeContext({
			credentials: { pingApi: { ...credentials.pingApi, webhookSecret: '' } },
			parameters: { ...base, responseType: 'approval' },
			http: scriptedHttp(sent),
			getSignedResumeUrl: () => SIGNED_RESUME,
		});
		await expect(new PingWaitForResponse().execute.call(context)).rejects.toThrow(
			'no webhook secret',
		);
		expect(requests).toHaveLength(0);
	});

	it("surfaces a server refusal as NodeApiError with the server's message, and does not wait", async () => {
		const { context, waits } = executeContext({
			credentials,
			parameters: { ...base, responseType: 'approval' },
			http: scriptedHttp({
				statusCode: 400,
				body: { ok: false, error: 'callback_url is not allowed: 10.0.0.1 is a private address' },
			}),
			getSignedResumeUrl: () => SIGNED_RESUME,
		});
		const error = await new PingWaitForResponse().execute.call(context).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as Error).message).toContain('callback_url is not allowed');
		expect(waits).toHaveLength(0);
	});
});

describe('Ping Wait for Response: the resume webhook', () => {
	it.each([
		['approve', { approved: true }],
		['decline', { approved: false }],
	])('approval answered with %s resumes with data.approved', async (key, expected) => {
		const raw = answer(key);
		const { result } = await resume({ responseType: 'approval' }, raw);
		expect(result.workflowData).toEqual([
			[
				{
					json: {
						data: {
							...expected,
							triggered_by: key,
							responses: {},
							message_id: 'msg_aaaaaaaaaaaa',
							channel_id: 'ch_bbbbbbbbbbbb',
							respondedAt: '2026-11-26T20:00:00Z',
						},
					},
					pairedItem: { item: 0 },
				},
			],
		]);
	});

	it('free text resumes with data.text', async () => {
		const { result } = await resume(
			{ responseType: 'freeText' },
			answer('submit', { text: 'Looks good' }),
		);
		expect(result.workflowData?.[0][0].json.data).toMatchObject({
			text: 'Looks good',
			triggered_by: 'submit',
			responses: { text: 'Looks good' },
		});
		expect(result.workflowData?.[0][0].json.data).not.toHaveProperty('approved');
	});

	it('a custom form resumes with each field under its key', async () => {
		const { result } = await resume(
			{ responseType: 'customForm' },
			answer('submit', { rating: 'good', score: 4, notify: true }),
		);
		expect(result.workflowData?.[0][0].json.data).toMatchObject({
			rating: 'good',
			score: 4,
			notify: true,
			responses: { rating: 'good', score: 4, notify: true },
		});
	});

	it('custom buttons resume with triggered_by, on one output or on the button output', async () => {
		const buttons = {
			button: [
				{ label: 'Retry', key: 'retry' },
				{ label: 'Skip', key: 'skip' },
				{ label: 'Abort', key: 'abort' },
			],
		};
		const single = await resume({ responseType: 'customButtons', buttons }, answer('skip'));
		expect(single.result.workflowData).toHaveLength(1);
		expect(single.result.workflowData?.[0][0].json.data).toMatchObject({ triggered_by: 'skip' });

		const routed = await resume(
			{ responseType: 'customButtons', buttons, options: { routeByButton: true } },
			answer('skip'),
		);
		expect(routed.result.workflowData?.map((output) => output.length)).toEqual([0, 1, 0]);
	});

	it('approve and decline go to their own outputs when routed', async () => {
		const parameters = { responseType: 'approval', options: { routeByButton: true } };
		const declined = await resume(parameters, answer('decline'));
		expect(declined.result.workflowData?.map((output) => output.length)).toEqual([0, 1]);
		expect(declined.result.workflowData?.[1][0].json.data).toMatchObject({ approved: false });
	});

	it.each([
		['no signature', (raw: string) => [raw, {}]],
		[
			'a signature made with another secret',
			(raw: string) => [raw, signedHeaders(raw, Math.floor(Date.now() / 1000), 'c'.repeat(64))],
		],
		[
			'a replayed callback older than 300 s',
			(raw: string) => [raw, signedHeaders(raw, Math.floor(Date.now() / 1000) - 400)],
		],
		[
			'a body changed after signing',
			(raw: string) => [raw.replace('decline', 'approve'), signedHeaders(raw)],
		],
	] as Array<[string, (raw: string) => [string, Record<string, string>]]>)(
		'answers 401 and does not resume on %s',
		async (_name, forge) => {
			const [raw, headers] = forge(answer('decline'));
			const { result, response } = await resume({ responseType: 'approval' }, raw, headers);
			expect(response.statusCode).toBe(401);
			expect(result).toEqual({ noWebhookResponse: true });
		},
	);
});

describe('Ping Wait for Response: an answer resumes only the execution that sent its message', () => {
	const KEY = messageKey(testNode.id);
	const other = (overrides: Record<string, unknown>) =>
		JSON.stringify({ ...JSON.parse(answer('approve')), ...overrides });

	it('execute() keeps the sent message and its channel in the execution custom data before waiting', async () => {
		const { context, waits, customData } = callbackExecute({ ...base, responseType: 'approval' });
		await new PingWaitForResponse().execute.call(context);
		expect(waits).toHaveLength(1);
		expect(customData.get(KEY)).toBe('msg_aaaaaaaaaaaa ch_bbbbbbbbbbbb');
		expect(KEY).toMatch(/^[A-Za-z0-9_]{1,50}$/);
	});

	it('a valid signature over the answer to another message: 401, nothing resumed', async () => {
		const raw = other({ message_id: 'msg_cccccccccccc' });
		const { result, response } = await resume({ responseType: 'approval' }, raw);
		expect(response.statusCode).toBe(401);
		expect(String((response.body as { error: string }).error)).toMatch(/another message/);
		expect(result).toEqual({ noWebhookResponse: true });
	});

	it('the same message id on another channel: 401, nothing resumed', async () => {
		const { result, response } = await resume(
			{ responseType: 'approval' },
			other({ channel_id: 'ch_dddddddddddd' }),
		);
		expect(response.statusCode).toBe(401);
		expect(result.workflowData).toBeUndefined();
	});

	it('no stored message id (or an unreadable one): 401, nothing resumed', async () => {
		for (const customData of [new Map<string, string>(), new Map([[KEY, 'not an id!']])]) {
			const raw = answer('approve');
			const { result, response } = await resume(
				{ responseType: 'approval' },
				raw,
				signedHeaders(raw),
				customData,
			);
			expect(response.statusCode).toBe(401);
			expect(String((response.body as { error: string }).error)).toMatch(
				/no record of the message/,
			);
			expect(result.workflowData).toBeUndefined();
		}
	});

	it("another node's stored message does not resume this one (the human-review tool is its own node)", async () => {
		const raw = answer('approve');
		const tool = {
			id: 'tool-node-5678',
			name: 'Human review',
			type: 'n8n-nodes-ping.pingWaitForResponseHitlTool',
		};
		const { context, response } = webhookContext({
			credentials,
			parameters: { responseType: 'approval' },
			rawBody: raw,
			headers: signedHeaders(raw),
			customData: waitingFor(),
			node: tool,
		});
		const refused = await new PingWaitForResponse().webhook.call(context);
		expect(response.statusCode).toBe(401);
		expect(refused.workflowData).toBeUndefined();

		// The tool's own execute() keeps its message under its own id, and its answer resumes it.
		const sentByTool = callbackExecute({ ...base, responseType: 'approval' }, { node: tool });
		await new PingWaitForResponse().execute.call(sentByTool.context);
		const again = webhookContext({
			credentials,
			parameters: { responseType: 'approval' },
			rawBody: raw,
			headers: signedHeaders(raw),
			customData: sentByTool.customData,
			node: tool,
		});
		const resumed = await new PingWaitForResponse().webhook.call(again.context);
		expect(resumed.workflowData?.[0][0].json.data).toMatchObject({
			approved: true,
			message_id: 'msg_aaaaaaaaaaaa',
		});
	});

	it('n8n 1.x (no this.customData): kept and read through $execution.customData', async () => {
		const expressionCustomData = new Map<string, string>();
		const { context, waits } = callbackExecute(
			{ ...base, responseType: 'approval' },
			{ customData: null, expressionCustomData },
		);
		await new PingWaitForResponse().execute.call(context);
		expect(waits).toHaveLength(1);
		expect(expressionCustomData.get(KEY)).toBe('msg_aaaaaaaaaaaa ch_bbbbbbbbbbbb');

		const raw = answer('approve');
		const hook = webhookContext({
			credentials,
			parameters: { responseType: 'approval' },
			rawBody: raw,
			headers: signedHeaders(raw),
			customData: null,
			expressionCustomData,
		});
		expect((await new PingWaitForResponse().webhook.call(hook.context)).workflowData).toHaveLength(
			1,
		);
		const forged = other({ message_id: 'msg_cccccccccccc' });
		const hook2 = webhookContext({
			credentials,
			parameters: { responseType: 'approval' },
			rawBody: forged,
			headers: signedHeaders(forged),
			customData: null,
			expressionCustomData,
		});
		expect(
			(await new PingWaitForResponse().webhook.call(hook2.context)).workflowData,
		).toBeUndefined();
		expect(hook2.response.statusCode).toBe(401);
	});

	it('fails before waiting when n8n cannot keep the id (custom data full, or not offered)', async () => {
		const full = new Map(
			Array.from({ length: 10 }, (_, i) => [`user_key_${i}`, 'x'] as [string, string]),
		);
		for (const extra of [{ customData: full }, { customData: null }]) {
			const { context, waits } = callbackExecute({ ...base, responseType: 'approval' }, extra);
			await expect(new PingWaitForResponse().execute.call(context)).rejects.toThrow(
				/could not keep the id of the sent message/,
			);
			expect(waits).toHaveLength(0);
		}
	});
});

describe('Ping Wait for Response: polling delivery', () => {
	const polling = {
		...base,
		delivery: 'polling',
		responseType: 'approval',
		options: { pollInterval: 0.01 },
	};
	const submitted = (key: string) => ({
		statusCode: 200,
		body: { status: 'submitted', result: JSON.parse(answer(key)), submitted_at: 'x' },
	});

	it('sends without callback, long-polls, and outputs the answer like the webhook does', async () => {
		const { context, requests, waits } = executeContext({
			credentials,
			parameters: {
				...polling,
				options: {
					...polling.options,
					limitWaitTime: {
						values: { limitType: 'afterTimeInterval', resumeAmount: 10, resumeUnit: 'minutes' },
					},
				},
			},
			http: async (_type, options) => {
				if (options.method === 'POST') return sent;
				// A long-poll that returns pending only after its wait (as a real server does), then the answer.
				if (requests.length === 2) {
					await new Promise((resolve) => setTimeout(resolve, 1100));
					return { statusCode: 200, body: { status: 'pending' } };
				}
				return submitted('approve');
			},
		});
		const out = await new PingWaitForResponse().execute.call(context);
		expect(requests[0].options.body).not.toHaveProperty('callback_url');
		expect((requests[0].options.body as { expires_in: number }).expires_in).toBe(600);
		expect(requests[1].options).toMatchObject({
			method: 'GET',
			url: 'http://ping.test/v1/callback/tok/msg_aaaaaaaaaaaa',
			qs: { wait: 50 },
		});
		expect(requests[2].options.qs).toEqual({ wait: 50 });
		expect(waits).toHaveLength(0);
		expect(out).toEqual([
			[
				{
					json: { data: expect.objectContaining({ approved: true, triggered_by: 'approve' }) },
					pairedItem: { item: 0 },
				},
			],
		]);
	});

	it('refuses a polled answer to another message (or channel) instead of handing it on', async () => {
		for (const result of [{ message_id: 'msg_cccccccccccc' }, { channel_id: 'ch_dddddddddddd' }]) {
			const { context } = executeContext({
				credentials,
				parameters: polling,
				http: async (_type, options) => {
					if (options.method === 'POST') return sent;
					return {
						statusCode: 200,
						body: { status: 'submitted', result: { ...JSON.parse(answer('approve')), ...result } },
					};
				},
			});
			await expect(new PingWaitForResponse().execute.call(context)).rejects.toThrow(
				/an answer to another message; it is refused/,
			);
		}
	});

	it('falls back to interval polling when the server refuses ?wait= (400)', async () => {
		const { context, requests } = executeContext({
			credentials,
			parameters: polling,
			http: scriptedHttp(
				sent,
				{ statusCode: 400, body: { ok: false, error: 'unknown query parameter wait' } },
				{ statusCode: 200, body: { status: 'pending' } },
				submitted('decline'),
			),
		});
		const [[item]] = await new PingWaitForResponse().execute.call(context);
		expect(requests.map((r) => r.options.qs)).toEqual([
			undefined,
			{ wait: 50 },
			undefined,
			undefined,
		]);
		expect(item.json.data).toMatchObject({ approved: false });
	});

	it('falls back to interval polling when the server ignores ?wait= (pending at once)', async () => {
		const { context, requests } = executeContext({
			credentials,
			parameters: polling,
			http: scriptedHttp(
				sent,
				{ statusCode: 200, body: { status: 'pending' } },
				{ statusCode: 200, body: { status: 'pending' } },
				submitted('approve'),
			),
		});
		await new PingWaitForResponse().execute.call(context);
		expect(requests.map((r) => r.options.qs)).toEqual([
			undefined,
			{ wait: 50 },
			undefined,
			undefined,
		]);
	});

	it('takes the answer of a failed callback (poll status "failed")', async () => {
		const { context } = executeContext({
			credentials,
			parameters: { ...polling, responseType: 'freeText' },
			http: scriptedHttp(sent, {
				statusCode: 200,
				body: { status: 'failed', result: JSON.parse(answer('submit', { text: 'ok' })) },
			}),
		});
		const [[item]] = await new PingWaitForResponse().execute.call(context);
		expect(item.json.data).toMatchObject({ text: 'ok' });
	});

	it('outputs a timed-out item when the message expired unanswered', async () => {
		const { context } = executeContext({
			credentials,
			parameters: polling,
			http: scriptedHttp(sent, { statusCode: 200, body: { status: 'expired' } }),
		});
		const out = await new PingWaitForResponse().execute.call(context);
		expect(out).toEqual([
			[
				{
					json: {
						data: {
							timedOut: true,
							approved: false,
							message_id: 'msg_aaaaaaaaaaaa',
							channel_id: 'ch_bbbbbbbbbbbb',
							reason: 'expired',
						},
					},
					pairedItem: { item: 0 },
				},
			],
		]);
	});

	it('outputs a timed-out item on the "Timed Out" output when the wait limit passes, with routed buttons', async () => {
		const { context } = executeContext({
			credentials,
			parameters: {
				...polling,
				options: {
					pollInterval: 0.01,
					routeByButton: true,
					limitWaitTime: {
						values: { limitType: 'afterTimeInterval', resumeAmount: 0.2, resumeUnit: 'seconds' },
					},
				},
			},
			http: async (_type, options) =>
				options.method === 'POST' ? sent : { statusCode: 200, body: { status: 'pending' } },
		});
		const out = await new PingWaitForResponse().execute.call(context);
		expect(out.map((output) => output.length)).toEqual([0, 0, 1]);
		expect(out[2][0].json.data).toMatchObject({ timedOut: true, reason: 'limit' });
	});

	it('fails clearly when another poll already consumed the answer', async () => {
		const { context } = executeContext({
			credentials,
			parameters: polling,
			http: scriptedHttp(sent, { statusCode: 200, body: { status: 'already_read' } }),
		});
		await expect(new PingWaitForResponse().execute.call(context)).rejects.toThrow('already read');
	});

	it('stops when the execution is cancelled', async () => {
		const controller = new AbortController();
		const { context } = executeContext({
			credentials,
			parameters: polling,
			cancelSignal: controller.signal,
			http: async (_type, options) => {
				if (options.method === 'POST') return sent;
				controller.abort();
				return { statusCode: 200, body: { status: 'pending' } };
			},
		});
		await expect(new PingWaitForResponse().execute.call(context)).rejects.toThrow('cancelled');
	});
});

describe('Ping Wait for Response: outputs', () => {
	// The outputs expression is plain JS that n8n evaluates with the node's parameters.
	const outputsFor = (parameters: Record<string, unknown>) =>
		(new Function(`return (${configuredOutputs});`)() as (p: Record<string, unknown>) => unknown)(
			parameters,
		);

	it('has one output unless each button is routed', () => {
		expect(new PingWaitForResponse().description.outputs).toBe(
			`={{(${configuredOutputs})($parameter)}}`,
		);
		expect(outputsFor({ responseType: 'approval', options: {} })).toEqual([{ type: 'main' }]);
		expect(outputsFor({ responseType: 'freeText', options: { routeByButton: true } })).toEqual([
			{ type: 'main' },
		]);
		expect(
			outputsFor({
				responseType: 'approval',
				approvalOptions: { values: { approvalType: 'single' } },
				options: { routeByButton: true },
			}),
		).toEqual([{ type: 'main' }]);
	});

	it('names one output per routed button, plus Timed Out when polling, matching where items go', () => {
		expect(outputsFor({ responseType: 'approval', options: { routeByButton: true } })).toEqual([
			{ type: 'main', displayName: 'Approved' },
			{ type: 'main', displayName: 'Declined' },
		]);
		expect(
			outputsFor({
				responseType: 'customButtons',
				delivery: 'polling',
				buttons: {
					button: [
						{ label: 'Retry', key: 'retry' },
						{ label: '', key: 'skip' },
					],
				},
				options: { routeByButton: true },
			}),
		).toEqual([
			{ type: 'main', displayName: 'Retry' },
			{ type: 'main', displayName: 'skip' },
			{ type: 'main', displayName: 'Timed Out' },
		]);
	});
});
