import { api, createChannel, startTestServer, TestChannel, TestServer } from '../../helpers/server';

/** docs/api.md#sending and #actions: every field and action rule of POST /v1/send, through real HTTP. */

let server: TestServer;
let channel: TestChannel;

beforeAll(async () => {
	server = await startTestServer();
	channel = await createChannel(server.url);
});
afterAll(() => server.stop());

const send = (body: unknown) => api(server.url, 'POST', `/v1/send/${channel.token}`, { body });
const long = (n: number, ch = 'a') => ch.repeat(n);
const button = (extra: Record<string, unknown> = {}) => ({ type: 'button', label: 'OK', ...extra });

async function historyCount(): Promise<number> {
	const res = await api(server.url, 'GET', `/v1/channels/${channel.id}/messages?limit=100`, {
		key: server.config.adminKey!,
	});
	return res.body.messages.length;
}

describe('accepted sends', () => {
	const cases: Array<[string, Record<string, unknown>]> = [
		['a title alone', { title: 'Hi' }],
		['a 100-character title', { title: long(100) }],
		['a title of 100 emoji (counted as characters, not UTF-16 units)', { title: long(100, '🚀') }],
		['a 10,000-character Markdown body', { title: 't', body: long(10_000) }],
		['every priority', { title: 't', priority: 'high' }],
		['an http callback_url', { title: 't', callback_url: 'http://example.com/hook' }],
		['unknown fields (ignored for forward compatibility)', { title: 't', future_field: { x: 1 } }],
		[
			'five actions of every kind',
			{
				title: 't',
				actions: [
					{ type: 'url', label: 'Open', value: 'https://example.com/' },
					{ type: 'button', label: 'Yes', key: 'yes', style: 'primary' },
					{
						type: 'select',
						label: 'Env',
						key: 'env',
						options: [{ label: 'Prod', value: 'prod' }],
						value: 'prod',
					},
					{
						type: 'text',
						label: 'Note',
						key: 'note',
						placeholder: 'why?',
						multiline: true,
						max_length: 200,
						value: 'x',
					},
					{ type: 'number', label: 'N', key: 'n', min: 0, max: 10, step: 0.5, value: 5 },
				],
			},
		],
		[
			'a toggle',
			{ title: 't', actions: [{ type: 'toggle', label: 'Sure', key: 'sure', value: true }] },
		],
		['buttons without keys', { title: 't', actions: [button(), button()] }],
		['expires_in', { title: 't', expires_in: 60 }],
		['null optional fields', { title: 't', body: null, callback_url: null, actions: null }],
	];
	test.each(cases)('%s', async (_name, body) => {
		const res = await send(body);
		expect(res.status).toBe(200);
		expect(res.body).toMatchObject({ ok: true, muted: false });
		expect(res.body.id).toMatch(/^msg_[A-Za-z0-9]{12}$/);
	});

	test('the response carries channel_id and expires_at', async () => {
		const res = await send({ title: 't', expires_in: 60 });
		expect(res.body.channel_id).toBe(channel.id);
		expect(Date.parse(res.body.expires_at) - Date.parse(res.body.created_at)).toBe(60_000);
	});

	test('defaults are applied: priority normal, button style secondary', async () => {
		const id = (await send({ title: 't', actions: [button()] })).body.id;
		const res = await api(server.url, 'GET', `/v1/messages/${id}`, {
			key: server.config.adminKey!,
		});
		expect(res.body.message.priority).toBe('normal');
		expect(res.body.message.actions[0].style).toBe('secondary');
	});
});

describe('rejected sends name the field and store nothing', () => {
	const cases: Array<[string, unknown, string]> = [
		['missing title', {}, 'title is required'],
		['empty title', { title: '  ' }, 'title must not be empty'],
		['title of 101 characters', { title: long(101) }, 'title must be at most 100 characters'],
		['title of the wrong type', { title: 5 }, 'title must be a string'],
		[
			'body over 10,000 characters',
			{ title: 't', body: long(10_001) },
			'body must be at most 10000',
		],
		['body of the wrong type', { title: 't', body: ['x'] }, 'body must be a string'],
		[
			'unknown priority',
			{ title: 't', priority: 'urgent' },
			'priority must be one of: low, normal, high',
		],
		[
			'callback_url not a URL',
			{ title: 't', callback_url: 'not a url' },
			'callback_url must be a valid http(s) URL',
		],
		[
			'callback_url with another scheme',
			{ title: 't', callback_url: 'ftp://example.com/x' },
			'callback_url must be a valid http(s) URL',
		],
		['actions not an array', { title: 't', actions: {} }, 'actions must be an array'],
		[
			'six actions',
			{ title: 't', actions: Array.from({ length: 6 }, (_, i) => button({ key: `b${i}` })) },
			'actions must have at most 5',
		],
		[
			'action without type',
			{ title: 't', actions: [{ label: 'x' }] },
			'actions[0].type is required',
		],
		[
			'unknown action type',
			{ title: 't', actions: [{ type: 'slider', label: 'x' }] },
			'actions[0].type must be one of',
		],
		[
			'action label over 30',
			{ title: 't', actions: [button({ label: long(31) })] },
			'actions[0].label must be at most 30',
		],
		[
			'action label missing',
			{ title: 't', actions: [{ type: 'button' }] },
			'actions[0].label is required',
		],
		[
			'url action with a bad URL',
			{ title: 't', actions: [{ type: 'url', label: 'x', value: 'javascript:alert(1)' }] },
			'actions[0].value must be a valid http(s) URL',
		],
		[
			'url action value over 500',
			{ title: 't', actions: [{ type: 'url', label: 'x', value: `https://e.com/${long(500)}` }] },
			'actions[0].value must be at most 500',
		],
		[
			'button key over 50',
			{ title: 't', actions: [button({ key: long(51) })] },
			'actions[0].key must be at most 50',
		],
		[
			'button style unknown',
			{ title: 't', actions: [button({ style: 'danger' })] },
			'actions[0].style must be one of: primary, secondary, destructive',
		],
		[
			'duplicate keys',
			{ title: 't', actions: [button({ key: 'a' }), { type: 'toggle', label: 't', key: 'a' }] },
			'actions[1].key "a" is used by another action',
		],
		[
			'a key clashing with a default button key',
			{ title: 't', actions: [button(), button({ key: 'button_0' })] },
			'actions[1].key "button_0"',
		],
		[
			'select without options',
			{ title: 't', actions: [{ type: 'select', label: 's', key: 's', options: [] }] },
			'actions[0].options must have between 1 and 10',
		],
		[
			'select with 11 options',
			{
				title: 't',
				actions: [
					{
						type: 'select',
						label: 's',
						key: 's',
						options: Array.from({ length: 11 }, (_, i) => ({ label: `${i}`, value: `${i}` })),
					},
				],
			},
			'between 1 and 10',
		],
		[
			'select option label over 50',
			{
				title: 't',
				actions: [
					{ type: 'select', label: 's', key: 's', options: [{ label: long(51), value: 'v' }] },
				],
			},
			'actions[0].options[0].label must be at most 50',
		],
		[
			'select option value over 100',
			{
				title: 't',
				actions: [
					{ type: 'select', label: 's', key: 's', options: [{ label: 'l', value: long(101) }] },
				],
			},
			'actions[0].options[0].value must be at most 100',
		],
		[
			'select preselecting an unknown value',
			{
				title: 't',
				actions: [
					{
						type: 'select',
						label: 's',
						key: 's',
						options: [{ label: 'l', value: 'v' }],
						value: 'w',
					},
				],
			},
			'actions[0].value must be the value of one of its options',
		],
		[
			'form field without key',
			{ title: 't', actions: [{ type: 'text', label: 'x' }] },
			'actions[0].key is required',
		],
		[
			'text max_length over 1000',
			{ title: 't', actions: [{ type: 'text', label: 'x', key: 'x', max_length: 1001 }] },
			'actions[0].max_length must be between 1 and 1000',
		],
		[
			'text value longer than max_length',
			{
				title: 't',
				actions: [{ type: 'text', label: 'x', key: 'x', max_length: 3, value: 'abcd' }],
			},
			'actions[0].value must be at most 3',
		],
		[
			'number min above max',
			{ title: 't', actions: [{ type: 'number', label: 'n', key: 'n', min: 5, max: 1 }] },
			'actions[0].min must not be greater than actions[0].max',
		],
		[
			'number value out of bounds',
			{ title: 't', actions: [{ type: 'number', label: 'n', key: 'n', max: 1, value: 2 }] },
			'actions[0].value must be at most 1',
		],
		[
			'number step of zero',
			{ title: 't', actions: [{ type: 'number', label: 'n', key: 'n', step: 0 }] },
			'actions[0].step must be greater than 0',
		],
		[
			'number given as a string',
			{ title: 't', actions: [{ type: 'number', label: 'n', key: 'n', min: '1' }] },
			'actions[0].min must be a finite number',
		],
		[
			'toggle value not boolean',
			{ title: 't', actions: [{ type: 'toggle', label: 't', key: 't', value: 'yes' }] },
			'actions[0].value must be true or false',
		],
		['expires_in not an integer', { title: 't', expires_in: 1.5 }, 'expires_in must be an integer'],
		['expires_in zero', { title: 't', expires_in: 0 }, 'expires_in must be between 1 and'],
		['a body that is an array', [{ title: 't' }], 'request body must be a JSON object'],
	];
	test.each(cases)('%s', async (_name, body, error) => {
		const before = await historyCount();
		const res = await send(body);
		expect(res.status).toBe(400);
		expect(res.body.ok).toBe(false);
		expect(res.body.error).toContain(error);
		expect(await historyCount()).toBe(before);
	});
});
