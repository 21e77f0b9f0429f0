import type { IAuthenticateGeneric, Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * A Ping account API key (`Authorization: Bearer pk_live_…`): lists channels and lets the
 * Callback Trigger register itself as a channel webhook. Tested by the trigger's
 * `pingAccountApiConnectionTest`, which tells a wrong key from a wrong URL.
 */
export class PingAccountApi implements ICredentialType {
	name = 'pingAccountApi';

	displayName = 'Ping Account API';

	icon: Icon = { light: 'file:../icons/ping.svg', dark: 'file:../icons/ping.dark.svg' };

	documentationUrl = 'https://ping-api-production.up.railway.app';

	properties: INodeProperties[] = [
		{
			displayName: 'Server URL',
			name: 'serverUrl',
			type: 'string',
			default: 'http://127.0.0.1:8080',
			placeholder: 'https://ping-api-production.up.railway.app',
			description: 'Base URL of the Ping server',
			required: true,
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			placeholder: 'pk_live_…',
			required: true,
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};
}
