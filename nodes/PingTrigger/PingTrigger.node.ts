import type {
	IDataObject,
	IHookFunctions,
	ILoadOptionsFunctions,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes } from 'n8n-workflow';
import { receiveSignedCallback } from '../shared/callback';
import { testPingAccountCredential, testPingApiCredential } from '../shared/credentialTest';
import type { PingAccountCredentials, PingContext } from '../shared/transport';
import { pingRequest } from '../shared/transport';

type Registration = 'automatic' | 'manual';

/** Keys listed in "Only These Buttons": comma or newline separated; empty means every answer. */
export function parseKeyFilter(raw: unknown): string[] {
	return String(raw ?? '')
		.split(/[,\n]/)
		.map((key) => key.trim())
		.filter((key) => key !== '');
}

async function accountRequest(ctx: PingContext, method: 'GET' | 'POST' | 'DELETE', path: string, body?: IDataObject) {
	const credentials = await ctx.getCredentials<PingAccountCredentials>('pingAccountApi');
	return await pingRequest(ctx, 'pingAccountApi', credentials.serverUrl, { method, path, body });
}

function channelPath(ctx: IHookFunctions): string {
	const channelId = String(ctx.getNodeParameter('channelId', '') ?? '').trim();
	return `/v1/channels/${encodeURIComponent(channelId)}/webhooks`;
}

function registration(ctx: IHookFunctions): Registration {
	return ctx.getNodeParameter('registration', 'manual') as Registration;
}

export class PingTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Ping Callback Trigger',
		name: 'pingTrigger',
		icon: { light: 'file:../../icons/ping.svg', dark: 'file:../../icons/ping.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["registration"] === "automatic" ? "Channel webhook" : "Callback URL"}}',
		description: 'Starts the workflow when someone answers a Ping message (signed callback)',
		defaults: { name: 'Ping Callback Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'pingApi', required: true, testedBy: 'pingApiConnectionTest' },
			{
				name: 'pingAccountApi',
				required: true,
				testedBy: 'pingAccountApiConnectionTest',
				displayOptions: { show: { registration: ['automatic'] } },
			},
		],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: 'ping',
			},
		],
		properties: [
			{
				displayName: 'Registration',
				name: 'registration',
				type: 'options',
				default: 'manual',
				options: [
					{
						name: 'Paste the URL Myself',
						value: 'manual',
						description: "Use this trigger's URL as a message's callback URL (any Ping-compatible server)",
					},
					{
						name: 'Register as Channel Webhook',
						value: 'automatic',
						description:
							'On activation, subscribe this trigger to every answer of a channel; unsubscribe on deactivation (needs an API key)',
					},
				],
			},
			{
				displayName:
					'Copy the Production URL above (Webhook URLs) and use it as the Callback URL of a Ping Send node, or of any message sent to this channel. Every callback must be signed with the channel secret of the Ping API credential.',
				name: 'manualNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { registration: ['manual'] } },
			},
			{
				displayName: 'Channel Name or ID',
				name: 'channelId',
				type: 'options',
				typeOptions: { loadOptionsMethod: 'getChannels' },
				default: '',
				required: true,
				description:
					'The channel whose answers start this workflow. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
				displayOptions: { show: { registration: ['automatic'] } },
			},
			{
				displayName: 'Only These Buttons',
				name: 'triggeredBy',
				type: 'string',
				default: '',
				placeholder: 'e.g. approve, decline',
				description:
					'Start only for answers whose triggered_by is one of these keys (comma-separated). Empty starts for every answer. Other answers are acknowledged and ignored.',
			},
		],
	};

	methods = {
		credentialTest: {
			pingApiConnectionTest: testPingApiCredential,
			pingAccountApiConnectionTest: testPingAccountCredential,
		},
		loadOptions: {
			async getChannels(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
				const answer = await accountRequest(this, 'GET', '/v1/channels');
				const channels = (Array.isArray(answer.channels) ? answer.channels : []) as IDataObject[];
				return channels.map((channel) => ({
					name: `${String(channel.name)} (${String(channel.id)})`,
					value: String(channel.id),
				}));
			},
		},
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				if (registration(this) !== 'automatic') return true;
				const staticData = this.getWorkflowStaticData('node');
				const webhookUrl = this.getNodeWebhookUrl('default');
				const answer = await accountRequest(this, 'GET', channelPath(this));
				const webhooks = (Array.isArray(answer.webhooks) ? answer.webhooks : []) as IDataObject[];
				const existing = webhooks.find((webhook) => webhook.url === webhookUrl);
				if (!existing) {
					delete staticData.webhookId;
					return false;
				}
				staticData.webhookId = existing.id;
				staticData.channelId = this.getNodeParameter('channelId');
				return true;
			},

			async create(this: IHookFunctions): Promise<boolean> {
				if (registration(this) !== 'automatic') return true;
				const staticData = this.getWorkflowStaticData('node');
				const workflow = this.getWorkflow();
				const answer = await accountRequest(this, 'POST', channelPath(this), {
					url: this.getNodeWebhookUrl('default') ?? '',
					description: `n8n workflow ${workflow.name ?? workflow.id ?? ''}`.trim().slice(0, 200),
				});
				const webhook = answer.webhook as IDataObject | undefined;
				if (!webhook || typeof webhook.id !== 'string') {
					throw new NodeApiError(this.getNode(), answer as JsonObject, {
						message: 'The Ping server did not return the created channel webhook',
					});
				}
				staticData.webhookId = webhook.id;
				staticData.channelId = this.getNodeParameter('channelId');
				return true;
			},

			async delete(this: IHookFunctions): Promise<boolean> {
				if (registration(this) !== 'automatic') return true;
				const staticData = this.getWorkflowStaticData('node');
				const webhookId = staticData.webhookId;
				if (typeof webhookId !== 'string') return true;
				const channelId = String(staticData.channelId ?? this.getNodeParameter('channelId', ''));
				try {
					await accountRequest(
						this,
						'DELETE',
						`/v1/channels/${encodeURIComponent(channelId)}/webhooks/${encodeURIComponent(webhookId)}`,
					);
				} catch (error) {
					// Already gone (deleted by hand, or the channel was): the goal of delete is met.
					if (!(error instanceof NodeApiError && error.httpCode === '404')) {
						throw new NodeApiError(this.getNode(), error as JsonObject);
					}
				}
				delete staticData.webhookId;
				delete staticData.channelId;
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const received = await receiveSignedCallback(this);
		if (!received.accepted) return received.response;
		const filter = parseKeyFilter(this.getNodeParameter('triggeredBy', ''));
		if (filter.length > 0 && !filter.includes(received.body.triggered_by)) {
			// 2xx so Ping does not retry an answer this workflow chose to ignore.
			return { webhookResponse: { ok: true, ignored: true } };
		}
		return {
			webhookResponse: { ok: true },
			workflowData: [this.helpers.returnJsonArray(received.body as unknown as IDataObject)],
		};
	}
}
