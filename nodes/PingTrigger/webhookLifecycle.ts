import type {
	IDataObject,
	IHookFunctions,
	JsonObject,
	WebhookSetupMethodNames,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';
import { pingAccountRequest } from '../shared/transport';

type Registration = 'automatic' | 'manual';

function registration(ctx: IHookFunctions): Registration {
	return ctx.getNodeParameter('registration', 'manual') as Registration;
}

function channelWebhooksPath(ctx: IHookFunctions): string {
	const channelId = String(ctx.getNodeParameter('channelId', '') ?? '').trim();
	return `/v1/channels/${encodeURIComponent(channelId)}/webhooks`;
}

/**
 * "Register as Channel Webhook": on activation n8n asks whether this trigger's URL is already
 * subscribed to the channel (`checkExists`), subscribes it if not (`create`), and unsubscribes
 * it on deactivation (`delete`). The webhook's id is kept in the node's static data so delete
 * finds it. With "Paste the URL Myself" there is nothing to register: every step succeeds.
 */
export const channelWebhookLifecycle: Record<
	WebhookSetupMethodNames,
	(this: IHookFunctions) => Promise<boolean>
> = {
	async checkExists(this: IHookFunctions): Promise<boolean> {
		if (registration(this) !== 'automatic') return true;
		const staticData = this.getWorkflowStaticData('node');
		const webhookUrl = this.getNodeWebhookUrl('default');
		const answer = await pingAccountRequest(this, 'GET', channelWebhooksPath(this));
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
		const answer = await pingAccountRequest(this, 'POST', channelWebhooksPath(this), {
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
			await pingAccountRequest(
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
};
