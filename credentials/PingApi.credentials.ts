import type { Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * A Ping channel: the server, the channel's webhook token (sends and polls; it is the
 * credential, carried in the URL path) and its webhook secret (verifies signed callbacks).
 * Tested by the nodes' `pingApiConnectionTest`, which tells a wrong token from a wrong URL.
 */
export class PingApi implements ICredentialType {
	name = 'pingApi';

	displayName = 'Ping API';

	icon: Icon = { light: 'file:../icons/ping.svg', dark: 'file:../icons/ping.dark.svg' };

	documentationUrl = 'https://ping-api-production.up.railway.app';

	properties: INodeProperties[] = [
		{
			displayName: 'Server URL',
			name: 'serverUrl',
			type: 'string',
			default: 'http://127.0.0.1:8080',
			placeholder: 'https://ping-api-production.up.railway.app',
			description:
				'Base URL of the Ping server: your own (e.g. http://127.0.0.1:8080) or the hosted one, https://ping-api-production.up.railway.app',
			required: true,
		},
		{
			displayName: 'Webhook Token',
			name: 'webhookToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: "The channel's webhook token (the part after /v1/send/ in its webhook URL)",
			required: true,
		},
		{
			displayName: 'Webhook Secret',
			name: 'webhookSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				"The channel's webhook secret (64 hex characters). Needed to verify signed callbacks (Wait for Response, Callback Trigger); sending works without it.",
		},
	];
}
