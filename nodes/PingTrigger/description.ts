import type { INodeProperties } from 'n8n-workflow';

/** The parameters of Ping Callback Trigger: how its URL gets to Ping, and which answers start it. */
export const triggerProperties: INodeProperties[] = [
	{
		displayName: 'Registration',
		name: 'registration',
		type: 'options',
		default: 'manual',
		options: [
			{
				name: 'Paste the URL Myself',
				value: 'manual',
				description:
					"Use this trigger's URL as a message's callback URL (any Ping-compatible server)",
			},
			{
				name: 'Register as Channel Webhook',
				value: 'automatic',
				description:
					'On activation, subscribe this trigger to every answer of a channel; unsubscribe on deactivation (needs an API key)',
			},
		],
	},
	{
		displayName:
			'Copy the Production URL above (Webhook URLs) and use it as the Callback URL of a Ping Send node, or of any message sent to this channel. Every callback must be signed with the channel secret of the Ping API credential.',
		name: 'manualNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { registration: ['manual'] } },
	},
	{
		displayName: 'Channel Name or ID',
		name: 'channelId',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getChannels' },
		default: '',
		required: true,
		description:
			'The channel whose answers start this workflow. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: { show: { registration: ['automatic'] } },
	},
	{
		displayName: 'Only These Buttons',
		name: 'triggeredBy',
		type: 'string',
		default: '',
		placeholder: 'e.g. approve, decline',
		description:
			'Start only for answers whose triggered_by is one of these keys (comma-separated). Empty starts for every answer. Other answers are acknowledged and ignored.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Include Expiry Events',
				name: 'includeExpiryEvents',
				type: 'boolean',
				default: false,
				description:
					'Whether a message that expired unanswered (sent with an expiry event requested) also starts the workflow, with {event: "expired", message_id, channel_id, expired_at}. Off: such events are acknowledged and ignored.',
			},
		],
	},
];
