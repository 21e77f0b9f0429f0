import { ADMIN_KEY } from '../../helpers/server';
import { N8n } from './n8n';
import { Stack } from './stack';
import { createCredential } from './workflows';

/** n8n credential ids by credential type, as the fixtures reference them. */
export type CredentialIds = Record<string, string>;

/**
 * The two Ping credentials a user would create: the channel (server URL, webhook token,
 * webhook secret) and an account API key (used by the Callback Trigger to register itself).
 */
export async function createPingCredentials(
	n8n: N8n,
	stack: Pick<Stack, 'ping' | 'channel'>,
): Promise<CredentialIds> {
	const serverUrl = stack.ping.url;
	return {
		pingApi: await createCredential(n8n, 'Ping channel', 'pingApi', {
			serverUrl,
			webhookToken: stack.channel.token,
			webhookSecret: stack.channel.secret,
		}),
		pingAccountApi: await createCredential(n8n, 'Ping account', 'pingAccountApi', {
			serverUrl,
			apiKey: ADMIN_KEY,
		}),
	};
}
