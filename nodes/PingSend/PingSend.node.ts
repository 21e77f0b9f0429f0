import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import { testPingApiCredential } from '../shared/methods/credentialTest';
import { sendPingMessage } from '../shared/send';
import type { PingApiCredentials } from '../shared/transport';
import { sendProperties } from './description';
import { messageOfItem } from './parameters';

/** Sends one Ping message per input item and outputs the server's answer for each. */
export class PingSend implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Ping Send',
		name: 'pingSend',
		icon: { light: 'file:../../icons/ping.svg', dark: 'file:../../icons/ping.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["title"]}}',
		description:
			'Send a push notification, with buttons, links or a small form, to a phone through Ping',
		defaults: { name: 'Ping Send' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'pingApi', required: true, testedBy: 'pingApiConnectionTest' }],
		properties: sendProperties,
	};

	methods = {
		credentialTest: { pingApiConnectionTest: testPingApiCredential },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const returnData: INodeExecutionData[] = [];

		for (let i = 0; i < items.length; i++) {
			try {
				const credentials = await this.getCredentials<PingApiCredentials>('pingApi', i);
				const answer = await sendPingMessage(this, credentials, () => messageOfItem(this, i), i);
				returnData.push({ json: answer, pairedItem: { item: i } });
			} catch (error) {
				if (this.continueOnFail()) {
					returnData.push({ json: { error: (error as Error).message }, pairedItem: { item: i } });
					continue;
				}
				// Both constructors hand back an error of their own class unchanged, keeping its itemIndex.
				if (error instanceof NodeApiError)
					throw new NodeApiError(this.getNode(), error as unknown as JsonObject);
				throw new NodeOperationError(this.getNode(), error as Error, { itemIndex: i });
			}
		}
		return [returnData];
	}
}
