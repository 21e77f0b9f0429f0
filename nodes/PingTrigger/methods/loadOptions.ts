import type { IDataObject, ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import { pingAccountRequest } from '../../shared/transport';

/** The account's channels, for "Channel Name or ID". */
export async function getChannels(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const answer = await pingAccountRequest(this, 'GET', '/v1/channels');
	const channels = (Array.isArray(answer.channels) ? answer.channels : []) as IDataObject[];
	return channels.map((channel) => ({
		name: `${String(channel.name)} (${String(channel.id)})`,
		value: String(channel.id),
	}));
}
