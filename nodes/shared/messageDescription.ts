import type { INodeProperties } from 'n8n-workflow';

/** Title, Markdown body and priority: what every Ping message has. */
export const messageFields: INodeProperties[] = [
	{
		displayName: 'Title',
		name: 'title',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. Deploy v2.3 to production?',
		description: 'Shown in bold on the notification (1–100 characters)',
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'string',
		default: '',
		typeOptions: { rows: 4 },
		placeholder: 'e.g. **3 commits** by `ana`: fix login, bump deps',
		description:
			'Markdown text under the title: bold, italic, inline code, links, lists and line breaks (up to 10,000 characters)',
	},
	{
		displayName: 'Priority',
		name: 'priority',
		type: 'options',
		default: 'normal',
		options: [
			{ name: 'Low', value: 'low', description: 'Delivered quietly, no sound' },
			{ name: 'Normal', value: 'normal', description: 'A regular notification' },
			{
				name: 'High',
				value: 'high',
				description: 'Time-sensitive: breaks through Focus, with sound',
			},
		],
	},
];

const buttonStyleOptions = [
	{ name: 'Primary', value: 'primary' },
	{ name: 'Secondary', value: 'secondary' },
	{ name: 'Destructive', value: 'destructive' },
];

/** One action as n8n fields; `type` decides which of the other fields apply (`docs/api.md#actions`). */
export const actionEntryFields: INodeProperties[] = [
	{
		displayName: 'Type',
		name: 'type',
		type: 'options',
		default: 'button',
		options: [
			{ name: 'Button', value: 'button', description: 'A tap answers the message' },
			{ name: 'Link', value: 'url', description: 'Opens a web page; does not answer' },
			{ name: 'Number', value: 'number', description: 'A number field of a form' },
			{ name: 'Select', value: 'select', description: 'A choice among options, in a form' },
			{ name: 'Text', value: 'text', description: 'A text field of a form' },
			{ name: 'Toggle', value: 'toggle', description: 'An on/off switch of a form' },
		],
	},
	{
		displayName: 'Label',
		name: 'label',
		type: 'string',
		default: '',
		description: 'What the person sees (up to 30 characters)',
	},
	{
		displayName: 'Key',
		name: 'key',
		type: 'string',
		default: '',
		placeholder: 'e.g. approve',
		description:
			'Identifies the answer: a tapped button comes back as triggered_by, a form field as responses.KEY. Optional for buttons (then button_INDEX).',
	},
	{
		displayName: 'Style',
		name: 'style',
		type: 'options',
		default: 'secondary',
		options: buttonStyleOptions,
		displayOptions: { show: { type: ['button'] } },
	},
	{
		displayName: 'URL',
		name: 'url',
		type: 'string',
		default: '',
		placeholder: 'https://example.com/release-notes',
		displayOptions: { show: { type: ['url'] } },
	},
	{
		displayName: 'Options',
		name: 'selectOptions',
		type: 'string',
		default: '',
		typeOptions: { rows: 3 },
		placeholder: 'Good=good\nBad=bad',
		description:
			'One option per line, as Label=value (or just a value, used as its own label); 1–10 options',
		displayOptions: { show: { type: ['select'] } },
	},
	{
		displayName: 'Placeholder',
		name: 'placeholder',
		type: 'string',
		default: '',
		displayOptions: { show: { type: ['text'] } },
	},
	{
		displayName: 'Multiline',
		name: 'multiline',
		type: 'boolean',
		default: false,
		description: 'Whether the text field has several lines',
		displayOptions: { show: { type: ['text'] } },
	},
	{
		displayName: 'Max Length',
		name: 'maxLength',
		type: 'number',
		default: 1000,
		typeOptions: { minValue: 1, maxValue: 1000 },
		displayOptions: { show: { type: ['text'] } },
	},
	{
		displayName: 'Minimum',
		name: 'min',
		type: 'string',
		default: '',
		placeholder: 'e.g. 0',
		description: 'Smallest accepted number; empty for none',
		displayOptions: { show: { type: ['number'] } },
	},
	{
		displayName: 'Maximum',
		name: 'max',
		type: 'string',
		default: '',
		placeholder: 'e.g. 10',
		description: 'Largest accepted number; empty for none',
		displayOptions: { show: { type: ['number'] } },
	},
	{
		displayName: 'Step',
		name: 'step',
		type: 'string',
		default: '',
		placeholder: 'e.g. 1',
		description: 'Increment of the number picker; empty for the default',
		displayOptions: { show: { type: ['number'] } },
	},
	{
		displayName: 'Default Value',
		name: 'value',
		type: 'string',
		default: '',
		description:
			'Pre-filled answer: an option value for Select, text for Text, a number for Number, true or false for Toggle',
		displayOptions: { show: { type: ['select', 'text', 'number', 'toggle'] } },
	},
];

/** The actions editor of Ping Send: fields, or JSON for expressions. */
export const actionsFields: INodeProperties[] = [
	{
		displayName: 'Actions',
		name: 'actionsMode',
		type: 'options',
		default: 'none',
		options: [
			{ name: 'None', value: 'none', description: 'A plain notification' },
			{
				name: 'Using Fields Below',
				value: 'fields',
				description: 'Buttons, links and form fields edited here',
			},
			{
				name: 'Using JSON',
				value: 'json',
				description: 'A JSON array of Ping actions, e.g. from an expression',
			},
		],
	},
	{
		displayName: 'Actions',
		name: 'actionsUi',
		type: 'fixedCollection',
		placeholder: 'Add Action',
		default: {},
		typeOptions: { multipleValues: true, sortable: true, maxAllowedFields: 5 },
		description: 'Up to 5 buttons, links or form fields',
		displayOptions: { show: { actionsMode: ['fields'] } },
		options: [{ displayName: 'Action', name: 'action', values: actionEntryFields }],
	},
	{
		displayName: 'Actions (JSON)',
		name: 'actionsJson',
		type: 'json',
		default:
			'[\n  { "type": "button", "label": "Approve", "key": "approve", "style": "primary" },\n  { "type": "button", "label": "Decline", "key": "decline", "style": "destructive" }\n]',
		description:
			'A JSON array of Ping actions (see the Ping API: url, button, select, text, number, toggle)',
		displayOptions: { show: { actionsMode: ['json'] } },
	},
];
