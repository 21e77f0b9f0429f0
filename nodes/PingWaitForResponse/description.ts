import type { INodeProperties, IWebhookDescription } from 'n8n-workflow';
import { SEND_AND_WAIT_OPERATION } from 'n8n-workflow';
import { actionEntryFields, messageFields } from '../shared/messageDescription';
import { limitWaitTimeOption } from '../shared/waitLimit';

/**
 * The resume webhook, declared as n8n's own send-and-wait nodes declare theirs: n8n serves
 * it under the waiting-webhook URL of this execution (`…/<executionId>/<nodeId>`) and calls
 * `webhook()` to resume. Only POST: Ping delivers answers as signed POSTs.
 */
export const resumeWebhooks: IWebhookDescription[] = [
	{
		name: 'default',
		httpMethod: 'POST',
		responseMode: 'onReceived',
		responseData: '',
		path: '={{ $nodeId }}',
		restartWebhook: true,
		isFullPath: true,
	},
];

/**
 * Outputs: one, or (with "Route Each Button to Its Own Output") one per button, plus
 * "Timed Out" in polling mode or with a wait limit. Evaluated by n8n from the parameters, so it must be plain JS.
 */
export const configuredOutputs = `(parameters) => {
	const route = !!(parameters.options && parameters.options.routeByButton === true);
	let names = null;
	if (route && parameters.responseType === 'approval') {
		const values = (parameters.approvalOptions && parameters.approvalOptions.values) || {};
		if (values.approvalType !== 'single') names = ['Approved', 'Declined'];
	}
	if (route && parameters.responseType === 'customButtons') {
		const buttons = (parameters.buttons && parameters.buttons.button) || [];
		names = buttons.map((b, i) => b.label || b.key || 'Button ' + (i + 1));
	}
	if (!names) return [{ type: 'main' }];
	const limited = !!(parameters.options && parameters.options.limitWaitTime);
	if (parameters.delivery === 'polling' || limited) names.push('Timed Out');
	return names.map((name) => ({ type: 'main', displayName: name }));
}`;
export const outputsExpression = `={{(${configuredOutputs})($parameter)}}`;

/**
 * Title, Body, Priority. Title is required on the node, and optional where n8n runs it as a tool
 * (`@tool`: the human-review tool, whose body is n8n's Message): empty there, it reads
 * "Approve <tool name>?", so the generated review tool publishes without touching any field.
 */
function waitMessageFields(): INodeProperties[] {
	const [title, ...rest] = messageFields;
	return [
		{ ...title, displayOptions: { hide: { '@tool': [true] } } },
		{
			...title,
			required: false,
			placeholder: 'e.g. Approve the deploy? (empty: Approve <tool name>?)',
			description:
				'Shown in bold on the notification (1–100 characters). Empty: "Approve" and the name of the tool under review.',
			displayOptions: { show: { '@tool': [true] } },
		},
		...rest,
	];
}

const styleOptions = [
	{ name: 'Primary', value: 'primary' },
	{ name: 'Secondary', value: 'secondary' },
	{ name: 'Destructive', value: 'destructive' },
];

const formFieldEntryFields: INodeProperties[] = actionEntryFields
	.filter((field) => !['style', 'url'].includes(field.name))
	.map((field) =>
		field.name === 'type'
			? {
					...field,
					default: 'text',
					options: (field.options ?? []).filter((option) =>
						['select', 'text', 'number', 'toggle'].includes(
							String((option as { value: string }).value),
						),
					),
				}
			: field.name === 'key'
				? { ...field, description: 'The answer comes back as data.KEY and responses.KEY' }
				: field,
	);

export const waitProperties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: SEND_AND_WAIT_OPERATION,
		options: [
			{
				name: 'Send and Wait for Response',
				value: SEND_AND_WAIT_OPERATION,
				action: 'Send message and wait for response',
				description: 'Send a Ping message and continue with the answer',
			},
		],
	},
	...waitMessageFields(),
	{
		displayName: 'Response Type',
		name: 'responseType',
		type: 'options',
		default: 'approval',
		options: [
			{
				name: 'Approval',
				value: 'approval',
				description: 'Approve (and optionally decline) buttons',
			},
			{ name: 'Free Text', value: 'freeText', description: 'A text field the person fills in' },
			{
				name: 'Custom Form',
				value: 'customForm',
				description: 'Select, text, number and toggle fields',
			},
			{
				name: 'Custom Buttons',
				value: 'customButtons',
				description: 'Up to 5 buttons with your own keys',
			},
		],
	},
	{
		displayName: 'Approval Options',
		name: 'approvalOptions',
		type: 'fixedCollection',
		placeholder: 'Add Option',
		default: { values: { approvalType: 'double' } },
		displayOptions: { show: { responseType: ['approval'] } },
		options: [
			{
				displayName: 'Values',
				name: 'values',
				values: [
					{
						displayName: 'Type of Approval',
						name: 'approvalType',
						type: 'options',
						default: 'double',
						options: [
							{ name: 'Approve Only', value: 'single' },
							{ name: 'Approve and Decline', value: 'double' },
						],
					},
					{
						displayName: 'Approve Button Label',
						name: 'approveLabel',
						type: 'string',
						default: 'Approve',
					},
					{
						displayName: 'Approve Button Style',
						name: 'approveStyle',
						type: 'options',
						default: 'primary',
						options: styleOptions,
					},
					{
						displayName: 'Decline Button Label',
						name: 'declineLabel',
						type: 'string',
						default: 'Decline',
						displayOptions: { show: { approvalType: ['double'] } },
					},
					{
						displayName: 'Decline Button Style',
						name: 'declineStyle',
						type: 'options',
						default: 'destructive',
						options: styleOptions,
						displayOptions: { show: { approvalType: ['double'] } },
					},
				],
			},
		],
	},
	{
		displayName: 'Free Text Options',
		name: 'freeTextOptions',
		type: 'fixedCollection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: { responseType: ['freeText'] } },
		options: [
			{
				displayName: 'Values',
				name: 'values',
				values: [
					{ displayName: 'Field Label', name: 'label', type: 'string', default: 'Your answer' },
					{ displayName: 'Placeholder', name: 'placeholder', type: 'string', default: '' },
					{
						displayName: 'Multiline',
						name: 'multiline',
						type: 'boolean',
						default: true,
						description: 'Whether the text field has several lines',
					},
					{
						displayName: 'Max Length',
						name: 'maxLength',
						type: 'number',
						default: 1000,
						typeOptions: { minValue: 1, maxValue: 1000 },
					},
				],
			},
		],
	},
	{
		displayName: 'Define Form',
		name: 'defineForm',
		type: 'options',
		default: 'fields',
		displayOptions: { show: { responseType: ['customForm'] } },
		options: [
			{ name: 'Using Fields Below', value: 'fields' },
			{ name: 'Using JSON', value: 'json' },
		],
	},
	{
		displayName: 'Form Fields',
		name: 'formFields',
		type: 'fixedCollection',
		placeholder: 'Add Form Field',
		default: {},
		typeOptions: { multipleValues: true, sortable: true, maxAllowedFields: 5 },
		displayOptions: { show: { responseType: ['customForm'], defineForm: ['fields'] } },
		options: [{ displayName: 'Field', name: 'field', values: formFieldEntryFields }],
	},
	{
		displayName: 'Form Fields (JSON)',
		name: 'formJson',
		type: 'json',
		default:
			'[\n  { "type": "select", "label": "Rating", "key": "rating", "options": [{ "label": "Good", "value": "good" }, { "label": "Bad", "value": "bad" }] },\n  { "type": "text", "label": "Comment", "key": "comment" }\n]',
		description: 'A JSON array of Ping form fields (select, text, number, toggle)',
		displayOptions: { show: { responseType: ['customForm'], defineForm: ['json'] } },
	},
	{
		displayName: 'Buttons',
		name: 'buttons',
		type: 'fixedCollection',
		placeholder: 'Add Button',
		default: {},
		typeOptions: { multipleValues: true, sortable: true, maxAllowedFields: 5 },
		displayOptions: { show: { responseType: ['customButtons'] } },
		options: [
			{
				displayName: 'Button',
				name: 'button',
				values: [
					{ displayName: 'Label', name: 'label', type: 'string', default: '' },
					{
						displayName: 'Key',
						name: 'key',
						type: 'string',
						default: '',
						description: 'Comes back as data.triggered_by (button_INDEX when empty)',
					},
					{
						displayName: 'Style',
						name: 'style',
						type: 'options',
						default: 'secondary',
						options: styleOptions,
					},
				],
			},
		],
	},
	{
		displayName: 'Delivery',
		name: 'delivery',
		type: 'options',
		default: 'callback',
		options: [
			{
				name: 'Signed Callback',
				value: 'callback',
				description:
					'The execution waits without holding a worker; Ping POSTs the signed answer to its resume URL (the Ping server must reach this n8n)',
			},
			{
				name: 'Polling',
				value: 'polling',
				description:
					'For an n8n the Ping server cannot reach: the node asks Ping for the answer until it comes',
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			limitWaitTimeOption,
			{
				displayName: 'Poll Interval (Seconds)',
				name: 'pollInterval',
				type: 'number',
				default: 5,
				typeOptions: { minValue: 1 },
				description:
					'Polling delivery only: time between two polls when the server does not support long-polling (?wait=)',
			},
			{
				displayName: 'Route Each Button to Its Own Output',
				name: 'routeByButton',
				type: 'boolean',
				default: false,
				description:
					'Whether each button (Approve/Decline, or each custom button) continues on its own output instead of one output',
			},
		],
	},
];
