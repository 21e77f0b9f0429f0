import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import { actionsFromFields, actionsFromJson } from '../shared/actionsBuilder';
import { testPingApiCredential } from '../shared/credentialTest';
import { actionsFields, messageFields } from '../shared/messageDescription';
import type { PingApiCredentials } from '../shared/transport';
import { pingRequest } from '../shared/transport';
import { buildSendRequest, InvalidMessageError } from '../shared/validation';

/** The actions of item `i`, from the fields editor or the JSON editor (validated later). */
function actionsOfItem(ctx: IExecuteFunctions, i: number): unknown {
	const mode = ctx.getNodeParameter('actionsMode', i, 'none') as string;
	if (mode === 'fields') {
		const ui = ctx.getNodeParameter('actionsUi', i, {}) as { action?: IDataObject[] };
		return actionsFromFields(ui.action ?? []);
	}
	if (mode === 'json') return actionsFromJson(ctx.getNodeParameter('actionsJson', i, '[]'));
	return [];
}

export class PingSend implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Ping Send',
		name: 'pingSend',
		icon: { light: 'file:../../icons/ping.svg', dark: 'file:../../icons/ping.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["title"]}}',
		description: 'Send a push notification, with buttons, links or a small form, to a phone through Ping',
		defaults: { name: 'Ping Send' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'pingApi', required: true, testedBy: 'pingApiConnectionTest' }],
		properties: [
			...messageFields,
			...actionsFields,
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Callback URL',
						name: 'callbackUrl',
						type: 'string',
						default: '',
						placeholder: 'https://your-n8n/webhook/…',
						description:
							'Where Ping POSTs the signed answer (e.g. a Ping Callback Trigger URL). Without it, answers are kept for polling.',
					},
					{
						displayName: 'Expire After (Seconds)',
						name: 'expiresIn',
						type: 'number',
						default: 3600,
						typeOptions: { minValue: 1 },
						description: 'After this many seconds the message can no longer be answered',
					},
				],
			},
		],
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
				const options = this.getNodeParameter('options', i, {}) as IDataObject;
				let request;
				try {
					request = buildSendRequest({
						title: this.getNodeParameter('title', i),
						body: this.getNodeParameter('body', i, ''),
						priority: this.getNodeParameter('priority', i, 'normal'),
						actions: actionsOfItem(this, i),
						callbackUrl: options.callbackUrl,
						expiresIn: options.expiresIn,
					});
				} catch (error) {
					if (error instanceof InvalidMessageError) {
						throw new NodeOperationError(this.getNode(), error.message, {
							itemIndex: i,
							description: `Ping would refuse this message: fix ${error.field} (see the limits of Ping actions).`,
						});
					}
					throw new NodeOperationError(this.getNode(), error as Error, { itemIndex: i });
				}
				const answer = await pingRequest(
					this,
					'pingApi',
					credentials.serverUrl,
					{ method: 'POST', path: `/v1/send/${encodeURIComponent(credentials.webhookToken)}`, body: request as unknown as IDataObject },
					i,
				);
				returnData.push({ json: answer, pairedItem: { item: i } });
			} catch (error) {
				if (this.continueOnFail()) {
					returnData.push({ json: { error: (error as Error).message }, pairedItem: { item: i } });
					continue;
				}
				// Both constructors hand back an error of their own class unchanged, keeping its itemIndex.
				if (error instanceof NodeApiError) throw new NodeApiError(this.getNode(), error as unknown as JsonObject);
				throw new NodeOperationError(this.getNode(), error as Error, { itemIndex: i });
			}
		}
		return [returnData];
	}
}
