import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { PingSend } from '../../nodes/PingSend/PingSend.node';
import { ADMIN_KEY, api, createChannel, startTestServer, TestServer } from '../helpers/server';
import { executeContext, scriptedHttp } from './helpers/context';
import { realHttp } from './helpers/realHttp';

const credentials = {
	pingApi: {
		serverUrl: 'http://ping.test/',
		webhookToken: 'tok/en',
		webhookSecret: 'a'.repeat(64),
	},
};
const ok = { statusCode: 200, body: { ok: true, id: 'msg_abcdefabcdef', muted: false } };

describe('Ping Send with a mocked n8n context', () => {
	it('turns the parameters into exactly one send request per item', async () => {
		const { context, requests } = executeContext({
			credentials,
			http: scriptedHttp(ok, {
				statusCode: 200,
				body: { ok: true, id: 'msg_second000000', muted: true },
			}),
			items: [{ json: { n: 1 } }, { json: { n: 2 } }],
			parameters: (i) => ({
				title: `Deploy #${i + 1}?`,
				body: '**3 commits**',
				priority: 'high',
				actionsMode: 'fields',
				actionsUi: {
					action: [
						{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
						{ type: 'button', label: 'Later', key: '', style: 'secondary' },
						{ type: 'url', label: 'Diff', url: 'https://example.com/diff' },
						{
							type: 'select',
							label: 'Env',
							key: 'env',
							selectOptions: 'Staging=staging\nproduction',
							value: 'staging',
						},
						{
							type: 'number',
							label: 'Replicas',
							key: 'replicas',
							min: '1',
							max: '10',
							step: '',
							value: '3',
						},
					],
				},
				options: { callbackUrl: 'https://n8n.example.com/webhook/x', expiresIn: 600 },
			}),
		});
		const [out] = await new PingSend().execute.call(context);

		expect(requests).toHaveLength(2);
		expect(requests[0].credentialType).toBe('pingApi');
		expect(requests[0].options.method).toBe('POST');
		expect(requests[0].options.url).toBe('http://ping.test/v1/send/tok%2Fen');
		expect(requests[0].options.body).toEqual({
			title: 'Deploy #1?',
			body: '**3 commits**',
			priority: 'high',
			actions: [
				{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
				{ type: 'button', label: 'Later', style: 'secondary' },
				{ type: 'url', label: 'Diff', value: 'https://example.com/diff' },
				{
					type: 'select',
					label: 'Env',
					key: 'env',
					options: [
						{ label: 'Staging', value: 'staging' },
						{ label: 'production', value: 'production' },
					],
					value: 'staging',
				},
				{ type: 'number', label: 'Replicas', key: 'replicas', min: 1, max: 10, value: 3 },
			],
			callback_url: 'https://n8n.example.com/webhook/x',
			expires_in: 600,
		});
		expect((requests[1].options.body as { title: string }).title).toBe('Deploy #2?');
		expect(out).toEqual([
			{ json: ok.body, pairedItem: { item: 0 } },
			{ json: { ok: true, id: 'msg_second000000', muted: true }, pairedItem: { item: 1 } },
		]);
	});

	it('takes actions from JSON, as text or as an array from an expression', async () => {
		const actions = [{ type: 'toggle', label: 'Notify team', key: 'notify', value: true }];
		for (const actionsJson of [JSON.stringify(actions), actions]) {
			const { context, requests } = executeContext({
				credentials,
				http: scriptedHttp(ok),
				parameters: { title: 'T', actionsMode: 'json', actionsJson, options: {} },
			});
			await new PingSend().execute.call(context);
			expect(requests[0].options.body).toEqual({ title: 'T', priority: 'normal', actions });
		}
	});

	it.each([
		['an empty title', { title: '' }, 'title is required'],
		[
			'a title over 100 characters',
			{ title: 'x'.repeat(101) },
			'title must be at most 100 characters',
		],
		[
			'a body over 10,000 characters',
			{ body: 'b'.repeat(10_001) },
			'body must be at most 10000 characters',
		],
		[
			'six actions',
			{
				actionsMode: 'json',
				actionsJson: JSON.stringify(
					Array.from({ length: 6 }, (_, i) => ({ type: 'button', label: `B${i}` })),
				),
			},
			'actions must have at most 5 items',
		],
		[
			'a label over 30 characters',
			{ actionsMode: 'json', actionsJson: '[{"type":"button","label":"' + 'l'.repeat(31) + '"}]' },
			'actions[0].label must be at most 30 characters',
		],
		[
			'two actions with one key',
			{
				actionsMode: 'json',
				actionsJson:
					'[{"type":"button","label":"A","key":"k"},{"type":"toggle","label":"B","key":"k"}]',
			},
			'actions[1].key "k" is used by another action',
		],
		[
			'a link that is not http(s)',
			{ actionsMode: 'json', actionsJson: '[{"type":"url","label":"L","value":"ftp://x"}]' },
			'actions[0].value must be a valid http(s) URL',
		],
		[
			'a select with eleven options',
			{
				actionsMode: 'fields',
				actionsUi: {
					action: [
						{
							type: 'select',
							label: 'S',
							key: 's',
							selectOptions: Array.from({ length: 11 }, (_, i) => `o${i}`).join('\n'),
						},
					],
				},
			},
			'actions[0].options must have between 1 and 10 options',
		],
		[
			'a number field with min above max',
			{
				actionsMode: 'fields',
				actionsUi: { action: [{ type: 'number', label: 'N', key: 'n', min: '5', max: '1' }] },
			},
			'actions[0].min must not be greater than actions[0].max',
		],
		[
			'a form field without key',
			{ actionsMode: 'json', actionsJson: '[{"type":"text","label":"Why"}]' },
			'actions[0].key is required',
		],
		['invalid JSON', { actionsMode: 'json', actionsJson: '[{' }, 'actions must be valid JSON'],
		[
			'a callback URL that is not a URL',
			{ options: { callbackUrl: 'not a url' } },
			'callback_url must be a valid http(s) URL',
		],
		['a fractional expiry', { options: { expiresIn: 1.5 } }, 'expires_in must be an integer'],
		[
			'an expiry over 30 days',
			{ options: { expiresIn: 30 * 24 * 3600 + 1 } },
			'expires_in must be between 1 and 2592000',
		],
	])('fails the item before sending on %s, naming the field', async (_name, override, message) => {
		const { context, requests } = executeContext({
			credentials,
			http: scriptedHttp(),
			parameters: {
				title: 'Title',
				body: '',
				priority: 'normal',
				actionsMode: 'none',
				options: {},
				...override,
			},
		});
		const run = new PingSend().execute.call(context);
		await expect(run).rejects.toThrow(NodeOperationError);
		await expect(run).rejects.toThrow(message);
		expect(requests).toHaveLength(0);
	});

	it("surfaces a server error as NodeApiError carrying the server's message and status", async () => {
		const { context } = executeContext({
			credentials,
			http: scriptedHttp({
				statusCode: 400,
				body: { ok: false, error: 'actions[0].label must be at most 30 characters' },
			}),
			parameters: { title: 'T', actionsMode: 'none', options: {} },
		});
		const error = await new PingSend().execute.call(context).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as NodeApiError).message).toBe('actions[0].label must be at most 30 characters');
		expect((error as NodeApiError).httpCode).toBe('400');
		expect((error as NodeApiError).context.itemIndex).toBe(0);
	});

	it('says the URL is not a Ping server when the answer is not Ping JSON', async () => {
		const { context } = executeContext({
			credentials,
			http: scriptedHttp({ statusCode: 404, body: '<html>Not Found</html>' }),
			parameters: { title: 'T', actionsMode: 'none', options: {} },
		});
		await expect(new PingSend().execute.call(context)).rejects.toThrow(
			/not a Ping server|is http:\/\/ping.test a Ping server/,
		);
	});

	it('with continueOnFail, turns each failed item into an error item and sends the others', async () => {
		const { context, requests } = executeContext({
			credentials,
			continueOnFail: true,
			items: [{ json: {} }, { json: {} }, { json: {} }],
			http: scriptedHttp(ok, {
				statusCode: 401,
				body: { ok: false, error: 'webhook token is not valid' },
			}),
			parameters: (i) => ({ title: i === 1 ? '' : `T${i}`, actionsMode: 'none', options: {} }),
		});
		const [out] = await new PingSend().execute.call(context);
		expect(requests).toHaveLength(2);
		expect(out).toEqual([
			{ json: ok.body, pairedItem: { item: 0 } },
			{ json: { error: 'title is required' }, pairedItem: { item: 1 } },
			{ json: { error: 'webhook token is not valid' }, pairedItem: { item: 2 } },
		]);
	});

	it('is usable as an AI tool and tested by its own credential test', () => {
		const description = new PingSend().description;
		expect(description.usableAsTool).toBe(true);
		expect(description.name).toBe('pingSend');
		expect(description.credentials).toEqual([
			{ name: 'pingApi', required: true, testedBy: 'pingApiConnectionTest' },
		]);
	});
});

describe('Ping Send against the real server', () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await startTestServer();
	});
	afterAll(async () => {
		await server.stop();
	});

	it('stores the message as sent, with its actions, and returns the server answer', async () => {
		const channel = await createChannel(server.url);
		const creds = {
			pingApi: {
				serverUrl: `${server.url}/`,
				webhookToken: channel.token,
				webhookSecret: channel.secret,
			},
		};
		const { context } = executeContext({
			credentials: creds,
			http: realHttp(creds),
			parameters: {
				title: 'Approve deploy?',
				body: 'Version **2.3**',
				priority: 'high',
				actionsMode: 'fields',
				actionsUi: {
					action: [
						{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
						{ type: 'text', label: 'Why', key: 'why', maxLength: 200 },
					],
				},
				options: { expiresIn: 120 },
			},
		});
		const [[item]] = await new PingSend().execute.call(context);
		expect(item.json).toMatchObject({ ok: true, muted: false, channel_id: channel.id });
		expect(item.pairedItem).toEqual({ item: 0 });

		const stored = await api(server.url, 'GET', `/v1/messages/${String(item.json.id)}`, {
			key: ADMIN_KEY,
		});
		expect(stored.status).toBe(200);
		expect(JSON.stringify(stored.body)).toContain('Approve deploy?');
		expect(JSON.stringify(stored.body)).toContain('"key":"why"');
		// The answer link is in the output, so a later node (Slack, email, Telegram) can send it.
		expect(item.json.answer_url).toMatch(/\/a\/[A-Za-z0-9]{12}[A-Za-z0-9_-]{32}$/);
		expect(item.json.answer_url).toBe(stored.body.message.answer_url);
		const page = await fetch(String(item.json.answer_url));
		expect(page.status).toBe(200);
		expect(await page.text()).toContain('Approve deploy?');
	});

	it('reports a wrong token with the server message as NodeApiError', async () => {
		const creds = {
			pingApi: {
				serverUrl: server.url,
				webhookToken: 'wrong-token-wrong-token-wrong-token',
				webhookSecret: '',
			},
		};
		const { context } = executeContext({
			credentials: creds,
			http: realHttp(creds),
			parameters: { title: 'T', actionsMode: 'none', options: {} },
		});
		const error = await new PingSend().execute.call(context).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as NodeApiError).httpCode).toBe('401');
		expect((error as Error).message).toMatch(/token/i);
	});
});
