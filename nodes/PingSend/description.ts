import type { INodeProperties } from 'n8n-workflow';
import { actionsFields, messageFields } from '../shared/messageDescription';

/** The parameters of Ping Send: the message, its actions, and where and how long it can be answered. */
export const sendProperties: INodeProperties[] = [
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
];
