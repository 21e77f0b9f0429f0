/**
 * Cases both validators must agree on: the server's `domain/actions.ts` + `domain/message.ts`
 * and the nodes' `nodes/shared/actions.ts` + `nodes/shared/message.ts`. They are twins on
 * purpose (the nodes may not import the server); `twins.test.ts` runs every case through both,
 * so neither can drift. A refusal is written as the exact message; its field is the message's
 * first word. Expected outcomes are written by hand, never computed by either side.
 */

export type Outcome = 'accepted' | { refused: string };

export interface ActionsCase {
	name: string;
	actions: unknown;
	expected: Outcome;
}

const long = (n: number) => 'x'.repeat(n);
const button = (extra: object = {}) => ({ type: 'button', label: 'OK', ...extra });
const select = (extra: object = {}) => ({
	type: 'select',
	label: 'S',
	key: 's',
	options: [{ label: 'A', value: 'a' }],
	...extra,
});
const refused = (message: string): Outcome => ({ refused: message });

export const actionsCases: ActionsCase[] = [
	// Keys that could hide an answer in a prototype
	...['__proto__', 'constructor', 'prototype'].flatMap((key): ActionsCase[] => [
		{
			name: `a button keyed ${key}`,
			actions: [button({ key })],
			expected: refused(`actions[0].key "${key}" is reserved`),
		},
		{
			name: `a text field keyed ${key}`,
			actions: [{ type: 'text', label: 'T', key }],
			expected: refused(`actions[0].key "${key}" is reserved`),
		},
	]),
	// A JSON-parsed "__proto__" is an own property, as a request body would carry it.
	{
		name: 'a toggle keyed __proto__ from parsed JSON',
		actions: JSON.parse('[{"type":"toggle","label":"T","key":"__proto__"}]'),
		expected: refused('actions[0].key "__proto__" is reserved'),
	},
	// Accepted
	{ name: 'no actions', actions: undefined, expected: 'accepted' },
	{ name: 'null actions', actions: null, expected: 'accepted' },
	{ name: 'an empty list', actions: [], expected: 'accepted' },
	{ name: 'a button without key', actions: [button()], expected: 'accepted' },
	{
		name: 'five actions',
		actions: Array.from({ length: 5 }, (_, i) => button({ key: `b${i}` })),
		expected: 'accepted',
	},
	{
		name: 'a label of 30 characters',
		actions: [button({ label: long(30) })],
		expected: 'accepted',
	},
	{
		name: 'a label of 30 emoji (code points, not UTF-16 units)',
		actions: [button({ label: '👍'.repeat(30) })],
		expected: 'accepted',
	},
	{
		name: 'every button style',
		actions: ['primary', 'secondary', 'destructive'].map((style, i) =>
			button({ key: `k${i}`, style }),
		),
		expected: 'accepted',
	},
	{
		name: 'a link',
		actions: [{ type: 'url', label: 'Open', value: 'https://example.com/a?b=c' }],
		expected: 'accepted',
	},
	{
		name: 'a select preselecting one of its options',
		actions: [select({ value: 'a' })],
		expected: 'accepted',
	},
	{
		name: 'a select with 10 options',
		actions: [
			select({ options: Array.from({ length: 10 }, (_, i) => ({ label: `${i}`, value: `${i}` })) }),
		],
		expected: 'accepted',
	},
	{
		name: 'a full text field',
		actions: [
			{
				type: 'text',
				label: 'Why',
				key: 'why',
				placeholder: 'p',
				value: 'abc',
				multiline: true,
				max_length: 3,
			},
		],
		expected: 'accepted',
	},
	{
		name: 'a number field within bounds',
		actions: [{ type: 'number', label: 'N', key: 'n', min: 0, max: 10, step: 0.5, value: 10 }],
		expected: 'accepted',
	},
	{
		name: 'a toggle',
		actions: [{ type: 'toggle', label: 'T', key: 't', value: false }],
		expected: 'accepted',
	},
	{
		name: 'a form with a submit button',
		actions: [select(), { type: 'toggle', label: 'T', key: 't' }, button({ key: 'send' })],
		expected: 'accepted',
	},
	{
		name: 'unknown fields are ignored',
		actions: [button({ colour: 'red' })],
		expected: 'accepted',
	},

	// The list
	{
		name: 'actions that are not a list',
		actions: {},
		expected: refused('actions must be an array'),
	},
	{
		name: 'six actions',
		actions: Array.from({ length: 6 }, (_, i) => button({ key: `b${i}` })),
		expected: refused('actions must have at most 5 items'),
	},
	{
		name: 'an action that is not an object',
		actions: ['approve'],
		expected: refused('actions[0] must be an object'),
	},
	{
		name: 'duplicate keys',
		actions: [button({ key: 'a' }), { type: 'toggle', label: 'T', key: 'a' }],
		expected: refused('actions[1].key "a" is used by another action'),
	},
	{
		name: 'a key clashing with a default button key',
		actions: [button(), button({ key: 'button_0' })],
		expected: refused('actions[1].key "button_0" is used by another action'),
	},

	// Every action
	{
		name: 'no type',
		actions: [{ label: 'x' }],
		expected: refused(
			'actions[0].type is required (one of: url, button, select, text, number, toggle)',
		),
	},
	{
		name: 'an unknown type',
		actions: [{ type: 'slider', label: 'x' }],
		expected: refused('actions[0].type must be one of: url, button, select, text, number, toggle'),
	},
	{
		name: 'no label',
		actions: [{ type: 'button' }],
		expected: refused('actions[0].label is required'),
	},
	{
		name: 'a blank label',
		actions: [button({ label: '   ' })],
		expected: refused('actions[0].label must not be empty'),
	},
	{
		name: 'a label that is not text',
		actions: [button({ label: 5 })],
		expected: refused('actions[0].label must be a string'),
	},
	{
		name: 'a label of 31 characters',
		actions: [button({ label: long(31) })],
		expected: refused('actions[0].label must be at most 30 characters'),
	},

	// Links and buttons
	{
		name: 'a link without URL',
		actions: [{ type: 'url', label: 'x' }],
		expected: refused('actions[0].value is required'),
	},
	{
		name: 'a javascript: link',
		actions: [{ type: 'url', label: 'x', value: 'javascript:alert(1)' }],
		expected: refused('actions[0].value must be a valid http(s) URL'),
	},
	{
		name: 'an ftp link',
		actions: [{ type: 'url', label: 'x', value: 'ftp://example.com/x' }],
		expected: refused('actions[0].value must be a valid http(s) URL'),
	},
	{
		name: 'a link of 501 characters',
		actions: [{ type: 'url', label: 'x', value: `https://e.com/${long(487)}` }],
		expected: refused('actions[0].value must be at most 500 characters'),
	},
	{
		name: 'an empty button key',
		actions: [button({ key: '' })],
		expected: refused('actions[0].key must not be empty'),
	},
	{
		name: 'a button key of 51 characters',
		actions: [button({ key: long(51) })],
		expected: refused('actions[0].key must be at most 50 characters'),
	},
	{
		name: 'an unknown button style',
		actions: [button({ style: 'danger' })],
		expected: refused('actions[0].style must be one of: primary, secondary, destructive'),
	},

	// Form fields
	{
		name: 'a form field without key',
		actions: [{ type: 'text', label: 'x' }],
		expected: refused('actions[0].key is required'),
	},
	{
		name: 'a select without options',
		actions: [select({ options: undefined })],
		expected: refused('actions[0].options must be an array of {label, value}'),
	},
	{
		name: 'a select with no options',
		actions: [select({ options: [] })],
		expected: refused('actions[0].options must have between 1 and 10 options'),
	},
	{
		name: 'a select with 11 options',
		actions: [
			select({ options: Array.from({ length: 11 }, (_, i) => ({ label: `${i}`, value: `${i}` })) }),
		],
		expected: refused('actions[0].options must have between 1 and 10 options'),
	},
	{
		name: 'an option that is not an object',
		actions: [select({ options: ['a'] })],
		expected: refused('actions[0].options[0] must be an object with label and value'),
	},
	{
		name: 'an option label of 51 characters',
		actions: [select({ options: [{ label: long(51), value: 'v' }] })],
		expected: refused('actions[0].options[0].label must be at most 50 characters'),
	},
	{
		name: 'an option value of 101 characters',
		actions: [select({ options: [{ label: 'l', value: long(101) }] })],
		expected: refused('actions[0].options[0].value must be at most 100 characters'),
	},
	{
		name: 'two options with one value',
		actions: [
			select({
				options: [
					{ label: 'A', value: 'a' },
					{ label: 'B', value: 'a' },
				],
			}),
		],
		expected: refused('actions[0].options[1].value "a" is used by another option'),
	},
	{
		name: 'a select preselecting an unknown value',
		actions: [select({ value: 'z' })],
		expected: refused('actions[0].value must be the value of one of its options'),
	},
	{
		name: 'a text max_length of 1001',
		actions: [{ type: 'text', label: 'x', key: 'x', max_length: 1001 }],
		expected: refused('actions[0].max_length must be between 1 and 1000'),
	},
	{
		name: 'a text max_length of 0',
		actions: [{ type: 'text', label: 'x', key: 'x', max_length: 0 }],
		expected: refused('actions[0].max_length must be between 1 and 1000'),
	},
	{
		name: 'a fractional text max_length',
		actions: [{ type: 'text', label: 'x', key: 'x', max_length: 2.5 }],
		expected: refused('actions[0].max_length must be an integer'),
	},
	{
		name: 'a text value longer than max_length',
		actions: [{ type: 'text', label: 'x', key: 'x', max_length: 3, value: 'abcd' }],
		expected: refused('actions[0].value must be at most 3 characters'),
	},
	{
		name: 'a placeholder of 101 characters',
		actions: [{ type: 'text', label: 'x', key: 'x', placeholder: long(101) }],
		expected: refused('actions[0].placeholder must be at most 100 characters'),
	},
	{
		name: 'multiline that is not a boolean',
		actions: [{ type: 'text', label: 'x', key: 'x', multiline: 'yes' }],
		expected: refused('actions[0].multiline must be true or false'),
	},
	{
		name: 'a number min above max',
		actions: [{ type: 'number', label: 'n', key: 'n', min: 5, max: 1 }],
		expected: refused('actions[0].min must not be greater than actions[0].max'),
	},
	{
		name: 'a number value above max',
		actions: [{ type: 'number', label: 'n', key: 'n', max: 1, value: 2 }],
		expected: refused('actions[0].value must be at most 1'),
	},
	{
		name: 'a number value below min',
		actions: [{ type: 'number', label: 'n', key: 'n', min: 3, value: 2 }],
		expected: refused('actions[0].value must be at least 3'),
	},
	{
		name: 'a number step of zero',
		actions: [{ type: 'number', label: 'n', key: 'n', step: 0 }],
		expected: refused('actions[0].step must be greater than 0'),
	},
	{
		name: 'a number given as text',
		actions: [{ type: 'number', label: 'n', key: 'n', min: '1' }],
		expected: refused('actions[0].min must be a finite number'),
	},
	{
		name: 'a toggle value that is not a boolean',
		actions: [{ type: 'toggle', label: 't', key: 't', value: 'yes' }],
		expected: refused('actions[0].value must be true or false'),
	},
];

/** A send body as it goes over the wire (`POST /v1/send/{token}`). */
export interface SendCase {
	name: string;
	body: Record<string, unknown>;
	expected: Outcome;
}

export const sendCases: SendCase[] = [
	{ name: 'a title only', body: { title: 'Deploy?' }, expected: 'accepted' },
	{
		name: 'every field',
		body: {
			title: 't',
			body: '**b**',
			priority: 'high',
			callback_url: 'https://n8n.example/webhook/x',
			expires_in: 60,
			actions: [button()],
		},
		expected: 'accepted',
	},
	{ name: 'a title of 100 characters', body: { title: long(100) }, expected: 'accepted' },
	{
		name: 'an empty callback_url means none',
		body: { title: 't', callback_url: '' },
		expected: 'accepted',
	},
	{
		name: 'expires_in of 30 days',
		body: { title: 't', expires_in: 30 * 24 * 3600 },
		expected: 'accepted',
	},
	{ name: 'no title', body: {}, expected: refused('title is required') },
	{ name: 'a blank title', body: { title: '  ' }, expected: refused('title must not be empty') },
	{
		name: 'a title that is not text',
		body: { title: 5 },
		expected: refused('title must be a string'),
	},
	{
		name: 'a title of 101 characters',
		body: { title: long(101) },
		expected: refused('title must be at most 100 characters'),
	},
	{
		name: 'a body of 10,001 characters',
		body: { title: 't', body: long(10_001) },
		expected: refused('body must be at most 10000 characters'),
	},
	{
		name: 'a body that is not text',
		body: { title: 't', body: ['x'] },
		expected: refused('body must be a string'),
	},
	{
		name: 'an unknown priority',
		body: { title: 't', priority: 'urgent' },
		expected: refused('priority must be one of: low, normal, high'),
	},
	{
		name: 'a callback_url that is not a URL',
		body: { title: 't', callback_url: 'not a url' },
		expected: refused('callback_url must be a valid http(s) URL'),
	},
	{
		name: 'an ftp callback_url',
		body: { title: 't', callback_url: 'ftp://example.com/x' },
		expected: refused('callback_url must be a valid http(s) URL'),
	},
	{
		name: 'a callback_url of 2049 characters',
		body: { title: 't', callback_url: `https://e.com/${long(2035)}` },
		expected: refused('callback_url must be at most 2048 characters'),
	},
	{
		name: 'a fractional expires_in',
		body: { title: 't', expires_in: 1.5 },
		expected: refused('expires_in must be an integer'),
	},
	{
		name: 'expires_in of 0',
		body: { title: 't', expires_in: 0 },
		expected: refused('expires_in must be between 1 and 2592000'),
	},
	{
		name: 'expires_in over 30 days',
		body: { title: 't', expires_in: 30 * 24 * 3600 + 1 },
		expected: refused('expires_in must be between 1 and 2592000'),
	},
	{
		name: 'a bad action inside a good message',
		body: { title: 't', actions: [{ type: 'button' }] },
		expected: refused('actions[0].label is required'),
	},
	{
		name: 'the first bad field is named: title before actions',
		body: { title: '', actions: 'x' },
		expected: refused('title must not be empty'),
	},
];
