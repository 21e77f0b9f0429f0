import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { InvalidMessageError } from './fields';
import type { MessageParameters } from './message';
import { parseSendRequest, sendBodyFromParameters } from './message';
import type { PingApiCredentials } from './transport';
import { pingRequest } from './transport';

/**
 * The one send path of Ping Send and Ping Wait for Response: read the message, check it as the
 * server will (a refusal fails the item before anything is sent, naming the field), then
 * `POST /v1/send/{token}`. The server's answer (`{ ok, id, channel_id, … }`) is returned; a
 * non-2xx answer is a `NodeApiError` carrying the server's message (see `pingRequest`).
 *
 * `readMessage` is called inside the check, so a parameter that cannot be read as a message
 * (actions that are not JSON, a number field that is not a number) fails the same way.
 */
export async function sendPingMessage(
	ctx: IExecuteFunctions,
	credentials: PingApiCredentials,
	readMessage: () => MessageParameters,
	itemIndex: number,
): Promise<IDataObject> {
	let request;
	try {
		request = parseSendRequest(sendBodyFromParameters(readMessage()));
	} catch (error) {
		if (error instanceof InvalidMessageError) {
			throw new NodeOperationError(ctx.getNode(), error.message, {
				itemIndex,
				description: `Ping would refuse this message: fix ${error.field} (see the limits of Ping messages and actions).`,
			});
		}
		throw new NodeOperationError(ctx.getNode(), error as Error, { itemIndex });
	}
	return await pingRequest(
		ctx,
		'pingApi',
		credentials.serverUrl,
		{
			method: 'POST',
			path: `/v1/send/${encodeURIComponent(credentials.webhookToken)}`,
			body: request as unknown as IDataObject,
		},
		itemIndex,
	);
}
