import type {
	IDataObject,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { receiveSignedCallback } from '../shared/callback';
import { testPingAccountCredential, testPingApiCredential } from '../shared/methods/credentialTest';
import { deliveryIds, isDuplicateDelivery } from './deliveries';
import { triggerProperties } from './description';
import { parseKeyFilter } from './keyFilter';
import { loadOptions } from './methods';
import { channelWebhookLifecycle } from './webhookLifecycle';

/** Starts a workflow for every signed Ping callback (an answer) that reaches its URL. */
export class PingTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Ping Callback Trigger',
		name: 'pingTrigger',
		icon: { light: 'file:../../icons/ping.svg', dark: 'file:../../icons/ping.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle:
			'={{$parameter["registration"] === "automatic" ? "Channel webhook" : "Callback URL"}}',
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
		properties: triggerProperties,
	};

	methods = {
		credentialTest: {
			pingApiConnectionTest: testPingApiCredential,
			pingAccountApiConnectionTest: testPingAccountCredential,
		},
		loadOptions,
	};

	webhookMethods = {
		default: channelWebhookLifecycle,
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const received = await receiveSignedCallback(this);
		if (!received.accepted) return received.response;
		if (isDuplicateDelivery(this, deliveryIds(this.getHeaderData() as IDataObject))) {
			// 2xx so the server stops resending; the first copy already started the workflow.
			return { webhookResponse: { ok: true, duplicate: true } };
		}
		if (received.kind === 'expired') {
			// Expiry events start the workflow only when asked for; 2xx either way, so Ping stops.
			const options = this.getNodeParameter('options', {}) as IDataObject;
			if (options.includeExpiryEvents !== true)
				return { webhookResponse: { ok: true, ignored: true } };
			return {
				webhookResponse: { ok: true },
				workflowData: [this.helpers.returnJsonArray(received.event as unknown as IDataObject)],
			};
		}
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
