import type { INodeProperties } from 'n8n-workflow';
import { PingWaitForResponse } from '../../nodes/PingWaitForResponse/PingWaitForResponse.node';
import { messageKey } from '../../nodes/PingWaitForResponse/binding';
import { reviewBody, reviewTitle } from '../../nodes/PingWaitForResponse/reviewTool';
import { PingTrigger } from '../../nodes/PingTrigger/PingTrigger.node';
import { signatureV1 } from '../../nodes/shared/signature';
import type { Parameters } from './helpers/context';
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
const REVIEW_NODE = { type: 'n8n-nodes-ping.pingWaitForResponseHitlTool' };
const TOOL_PARAMETERS = { url: 'https://deploy.example/api', environment: 'production' };
/** n8n's default Message, as n8n renders it for this tool call. */
const RENDERED_MESSAGE = `The agent wants to run this tool: Deploy_API\n\nInput:\n[Object: ${JSON.stringify(
	TOOL_PARAMETERS,
)
	.replace(/,"/g, ', "')
	.replace(/":/g, '": ')}]`;

function reviewExecute(parameters: Parameters) {
	return executeContext({
		credentials,
		parameters,
		http: scriptedHttp(sent),
		node: REVIEW_NODE,
		// What n8n hands the review node: the agent's input, the tool call, and the input data
		// that a pass-through would output.
		items: [
			{
				json: {
					data: { approved: true },
					tool: 'Deploy_API',
					toolParameters: TOOL_PARAMETERS,
					toolCallId: 'call_1',
				},
			},
		],
		getSignedResumeUrl: () => SIGNED_RESUME,
		setSignatureValidationRequired: () => undefined,
	});
}

/** The parameters of the generated review tool as n8n sets them, nothing touched by the user. */
const reviewDefaults = {
	title: '',
	body: '',
	priority: 'normal',
	delivery: 'callback',
	responseType: 'approval',
	message: RENDERED_MESSAGE,
	options: {},
};

describe('Ping Wait for Response as the human-review tool of an AI agent', () => {
	it("uses n8n's Message as the body, with the tool's input as a JSON code block", async () => {
		const { context, requests } = reviewExecute(reviewDefaults);
		await new PingWaitForResponse().execute.call(context);
		const body = requests[0].options.body as { title: string; body: string };
		expect(body.body).toBe(
			'The agent wants to run this tool: Deploy_API\n\nInput:\n```json\n' +
				JSON.stringify(TOOL_PARAMETERS, null, 2) +
				'\n```',
		);
	});

	it('Title is optional: left empty it reads "Approve <tool name>?"; a Title given is used', async () => {
		const empty = reviewExecute(reviewDefaults);
		await new PingWaitForResponse().execute.call(empty.context);
		expect((empty.requests[0].options.body as { title: string }).title).toBe('Approve Deploy_API?');

		const given = reviewExecute({ ...reviewDefaults, title: 'Deploy to prod?' });
		await new PingWaitForResponse().execute.call(given.context);
		expect((given.requests[0].options.body as { title: string }).title).toBe('Deploy to prod?');
	});

	it('the description makes Title required on the node and optional as a tool (so the generated tool publishes untouched)', () => {
		const titles = new PingWaitForResponse().description.properties.filter(
			(p: INodeProperties) => p.name === 'title',
		);
		expect(titles).toHaveLength(2);
		const onNode = titles.find((p) => p.displayOptions?.hide?.['@tool']);
		const asTool = titles.find((p) => p.displayOptions?.show?.['@tool']);
		expect(onNode).toMatchObject({ required: true });
		expect(asTool?.required).toBe(false);
		expect(asTool?.default).toBe('');
	});

	it('a body that would pass the limit is cut in the code block, keeping the Message', () => {
		const big = { data: 'x'.repeat(20_000) };
		const body = reviewBody(`Run it?\n\n${JSON.stringify(big)}`, big);
		expect(body.length).toBeLessThanOrEqual(10_000);
		expect(body.startsWith('Run it?\n```json\n{\n  "data": "xxx')).toBe(true);
		expect(body).toMatch(/… \(cut to fit the notification\)\n```$/);
		expect(reviewTitle('', { name: 'y'.repeat(200), parameters: {} }).length).toBe(100);
	});

	it('a Message without the parameters gets them appended as a code block', () => {
		expect(reviewBody('Please check', { a: 1 })).toBe('Please check\n```json\n{\n  "a": 1\n}\n```');
	});

	it("n8n's own wait limit resuming the execution gives a refusal, even when the input says approved: true", async () => {
		const { context, requests, waits } = reviewExecute({
			...reviewDefaults,
			options: {
				limitWaitTime: {
					values: { limitType: 'afterTimeInterval', resumeAmount: 5, resumeUnit: 'minutes' },
				},
			},
		});
		const out = await new PingWaitForResponse().execute.call(context);
		expect(requests[0].options.body).toMatchObject({ expires_in: 300, expiry_callback: true });
		expect(waits).toHaveLength(1);
		expect(out[0][0].json).toEqual({
			data: {
				approved: false,
				timedOut: true,
				reason: 'limit',
				message_id: 'msg_aaaaaaaaaaaa',
				channel_id: 'ch_bbbbbbbbbbbb',
			},
		});
	});
});

function signed(raw: string, t = Math.floor(Date.now() / 1000)) {
	return { 'x-ping-signature': `t=${t},v1=${signatureV1(SECRET, t, raw)}` };
}

function expiryEvent(messageId = 'msg_aaaaaaaaaaaa', channelId = 'ch_bbbbbbbbbbbb') {
	return JSON.stringify({
		event: 'expired',
		message_id: messageId,
		channel_id: channelId,
		expired_at: '2026-11-30T04:00:00.000Z',
	});
}

describe('Ping expiry events', () => {
	const waiting = new Map([[messageKey(testNode.id), 'msg_aaaaaaaaaaaa ch_bbbbbbbbbbbb']]);

	async function resume(
		raw: string,
		headers = signed(raw),
		parameters: Parameters = reviewDefaults,
	) {
		const { context, response } = webhookContext({
			credentials,
			parameters,
			rawBody: raw,
			headers,
			customData: waiting,
		});
		return { result: await new PingWaitForResponse().webhook.call(context), response };
	}

	it('the signed expiry event of the awaited message resumes the wait as a refusal: approved false, timedOut true', async () => {
		const { result } = await resume(expiryEvent());
		expect(result.webhookResponse).toEqual({ ok: true });
		expect(result.workflowData).toEqual([
			[
				{
					json: {
						data: {
							approved: false,
							timedOut: true,
							reason: 'expired',
							message_id: 'msg_aaaaaaaaaaaa',
							channel_id: 'ch_bbbbbbbbbbbb',
						},
					},
					pairedItem: { item: 0 },
				},
			],
		]);
	});

	it('an expiry event for another message is refused (401) and resumes nothing', async () => {
		const { result, response } = await resume(expiryEvent('msg_cccccccccccc'));
		expect(result.workflowData).toBeUndefined();
		expect(response.statusCode).toBe(401);
	});

	it('a forged expiry event is refused (401)', async () => {
		const raw = expiryEvent();
		const { result, response } = await resume(raw, { 'x-ping-signature': 't=1,v1=00' });
		expect(result.workflowData).toBeUndefined();
		expect(response.statusCode).toBe(401);
	});

	it('with buttons routed and a wait limit, the expiry goes to the Timed Out output', async () => {
		const { result } = await resume(expiryEvent(), undefined, {
			...reviewDefaults,
			options: {
				routeByButton: true,
				limitWaitTime: { values: { resumeAmount: 1, resumeUnit: 'minutes' } },
			},
		});
		expect(result.workflowData?.map((output) => output.length)).toEqual([0, 0, 1]);
	});

	it('the Callback Trigger ignores expiry events by default and starts on them when asked to', async () => {
		const raw = expiryEvent();
		const trigger = async (options: Record<string, unknown>) => {
			const { context } = webhookContext({
				credentials,
				parameters: { registration: 'manual', triggeredBy: '', options },
				rawBody: raw,
				headers: signed(raw),
				staticData: {},
			});
			return await new PingTrigger().webhook.call(context);
		};
		const ignored = await trigger({});
		expect(ignored.webhookResponse).toEqual({ ok: true, ignored: true });
		expect(ignored.workflowData).toBeUndefined();
		const started = await trigger({ includeExpiryEvents: true });
		expect(started.workflowData?.[0]?.[0]?.json).toEqual(JSON.parse(raw));
	});
});
