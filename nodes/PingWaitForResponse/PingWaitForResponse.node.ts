import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import { receiveSignedCallback, refuseCallback } from '../shared/callback';
import { testPingApiCredential } from '../shared/methods/credentialTest';
import { callbackResumeUrl } from '../shared/resumeUrl';
import { sendPingMessage } from '../shared/send';
import type { PingApiCredentials } from '../shared/transport';
import { backstopFor, expiresInFor, waitTillFromLimit } from '../shared/waitLimit';
import { checkAnswerFor, recallSentMessage, rememberSentMessage } from './binding';
import { outputsExpression, resumeWebhooks, waitProperties } from './description';
import { pollForAnswer } from './polling';
import { titleAndBody } from './reviewTool';
import type { ParameterReader } from './responses';
import {
	actionsForResponse,
	answerData,
	readResponseConfig,
	routeItem,
	timeoutData,
} from './responses';
import type { TimeoutReason } from './responses';

export class PingWaitForResponse implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Ping Wait for Response',
		name: 'pingWaitForResponse',
		icon: { light: 'file:../../icons/ping.svg', dark: 'file:../../icons/ping.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{"Send and wait: " + $parameter["responseType"]}}',
		description: 'Ask a person on their phone and continue the workflow with their answer',
		defaults: { name: 'Ping Wait for Response' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: outputsExpression,
		credentials: [{ name: 'pingApi', required: true, testedBy: 'pingApiConnectionTest' }],
		webhooks: resumeWebhooks,
		waitingNodeTooltip: 'Execution will continue when the person answers the Ping notification',
		properties: waitProperties,
	};

	methods = {
		credentialTest: { pingApiConnectionTest: testPingApiCredential },
	};

	/**
	 * Sends the question once (from the first item, as n8n's send-and-wait nodes do), then
	 * either puts the execution to wait for the signed callback (no worker is held), or, in
	 * polling delivery, asks Ping for the answer until it comes.
	 */
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const param: ParameterReader = (name, fallback) => this.getNodeParameter(name, 0, fallback);
		const credentials = await this.getCredentials<PingApiCredentials>('pingApi', 0);
		const delivery = param('delivery', 'callback') as 'callback' | 'polling';
		const config = readResponseConfig(param);
		const options = param('options', {}) as IDataObject;
		const waitTill = waitTillFromLimit(
			this.getNode(),
			(options.limitWaitTime as IDataObject | undefined)?.values as IDataObject,
		);

		if (delivery === 'callback' && !credentials.webhookSecret) {
			throw new NodeOperationError(
				this.getNode(),
				'The Ping API credential has no webhook secret',
				{
					description:
						'Signed-callback delivery verifies every answer with the channel secret before resuming. Add the secret to the credential, or choose Polling delivery.',
				},
			);
		}

		const expiresIn = expiresInFor(waitTill);
		const sent = await sendPingMessage(
			this,
			credentials,
			() => ({
				...titleAndBody(this, param),
				priority: param('priority', 'normal'),
				actions: actionsForResponse(param),
				callbackUrl: delivery === 'callback' ? callbackResumeUrl(this) : undefined,
				expiresIn,
				// Ping itself says when nobody answered (a signed event), so the timeout is its verdict.
				expiryCallback: delivery === 'callback' && expiresIn !== undefined,
			}),
			0,
		);
		if (typeof sent.id !== 'string') {
			throw new NodeApiError(this.getNode(), sent as JsonObject, {
				message: 'The Ping server did not return a message id',
			});
		}

		const channelId = typeof sent.channel_id === 'string' ? sent.channel_id : '';
		const timedOut = (reason: TimeoutReason) =>
			routeItem(
				config,
				{
					json: {
						data: timeoutData(
							config,
							{ id: sent.id as string, channel_id: sent.channel_id },
							reason,
						),
					},
					pairedItem: { item: 0 },
				},
				null,
			);
		if (delivery === 'callback') {
			// Before waiting: webhook() resumes only for the answer to this message.
			rememberSentMessage(this, { messageId: sent.id, channelId });
			// Ping's signed expiry event resumes the wait at the expiry; n8n's own limit comes a
			// little later, as a backstop for a server that does not send it.
			await this.putExecutionToWait(backstopFor(waitTill));
			// What n8n outputs if its own limit resumes the execution: a refusal, never the input
			// (an input carrying `data.approved: true` would pass as an approval).
			return timedOut('limit');
		}

		const outcome = await pollForAnswer(this, credentials, {
			messageId: sent.id,
			channelId,
			deadline: waitTill.getTime(),
			intervalMs: Math.max(0, Number(options.pollInterval ?? 5)) * 1000,
		});
		if (outcome.kind === 'answer') {
			const item: INodeExecutionData = {
				json: { data: answerData(config, outcome.answer) },
				pairedItem: { item: 0 },
			};
			return routeItem(config, item, outcome.answer.triggered_by);
		}
		return timedOut(outcome.reason);
	}

	/**
	 * The resume call: only a correctly signed, fresh Ping callback that answers the message
	 * this execution sent resumes it. Anything else is refused (401) and the execution keeps
	 * waiting.
	 */
	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const received = await receiveSignedCallback(this);
		if (!received.accepted) return received.response;
		const about = received.kind === 'answer' ? received.body : received.event;
		const bound = checkAnswerFor(recallSentMessage(this), about);
		if (!bound.ok) return refuseCallback(this, 401, bound.message);
		const param: ParameterReader = (name, fallback) => this.getNodeParameter(name, fallback);
		const config = readResponseConfig(param);
		if (received.kind === 'expired') {
			const message = { id: received.event.message_id, channel_id: received.event.channel_id };
			const item: INodeExecutionData = {
				json: { data: timeoutData(config, message, 'expired') },
				pairedItem: { item: 0 },
			};
			return { webhookResponse: { ok: true }, workflowData: routeItem(config, item, null) };
		}
		const item: INodeExecutionData = {
			json: { data: answerData(config, received.body) },
			pairedItem: { item: 0 },
		};
		return {
			webhookResponse: { ok: true },
			workflowData: routeItem(config, item, received.body.triggered_by),
		};
	}
}
