import { ManualClock } from '../../../server/src/domain/time';
import {
	ADMIN_KEY,
	api,
	createChannel,
	respond,
	sendMessage,
	startTestServer,
	TestChannel,
	TestServer,
} from '../../helpers/server';

/** Ping's polling API: statuses, single read, auto-expire, token auth, no overwrite. */

const APPROVAL = {
	title: 'Approve deploy?',
	actions: [
		{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
		{ type: 'button', label: 'Reject', key: 'reject', style: 'destructive' },
	],
};

let server: TestServer;
let clock: ManualClock;
let channel: TestChannel;

beforeAll(async () => {
	clock = new ManualClock(Date.UTC(2026, 0, 13, 15, 30));
	server = await startTestServer({ clock });
	channel = await createChannel(server.url);
});
afterAll(() => server.stop());

const poll = (id: string, token = channel.token, query = '') =>
	api(server.url, 'GET', `/v1/callback/${token}/${id}${query}`);

test('pending, then submitted with the full result, then already_read', async () => {
	const id = await sendMessage(server.url, channel.token, APPROVAL);
	expect((await poll(id)).body).toEqual({ status: 'pending' });

	const answered = await respond(server.url, id, {
		triggered_by: 'approve',
		timestamp: '2026-01-13T15:30:00Z',
	});
	expect(answered.status).toBe(200);

	const first = await poll(id);
	expect(first.status).toBe(200);
	expect(first.body).toEqual({
		status: 'submitted',
		result: {
			message_id: id,
			channel_id: channel.id,
			timestamp: '2026-01-13T15:30:00Z',
			triggered_by: 'approve',
			responses: {},
			submitted_at: '2026-01-13T15:30:00.000Z',
			responder: { via: 'api' },
		},
		submitted_at: '2026-01-13T15:30:00.000Z',
	});
	expect((await poll(id)).body).toEqual({ status: 'already_read' });
});

test('form answers carry typed responses; a form without buttons is answered with submit', async () => {
	const id = await sendMessage(server.url, channel.token, {
		title: 'Deploy details',
		actions: [
			{
				type: 'select',
				label: 'Env',
				key: 'environment',
				options: [{ label: 'Production', value: 'production' }],
			},
			{ type: 'text', label: 'Notes', key: 'notes' },
			{ type: 'number', label: 'Replicas', key: 'replicas', min: 1, max: 9 },
			{ type: 'toggle', label: 'Notify', key: 'notify' },
		],
	});
	const res = await respond(server.url, id, {
		triggered_by: 'submit',
		responses: { environment: 'production', notes: 'Looks good!', replicas: 3, notify: true },
	});
	expect(res.status).toBe(200);
	expect((await poll(id)).body.result.responses).toEqual({
		environment: 'production',
		notes: 'Looks good!',
		replicas: 3,
		notify: true,
	});
});

test('an answer unread for the response TTL (10 minutes) expires', async () => {
	const id = await sendMessage(server.url, channel.token, APPROVAL);
	await respond(server.url, id, { triggered_by: 'reject' });
	clock.advance(10 * 60 * 1000 - 1);
	const stillThere = await sendMessage(server.url, channel.token, APPROVAL);
	await respond(server.url, stillThere, { triggered_by: 'reject' });
	clock.advance(1);
	expect((await poll(id)).body).toEqual({ status: 'expired' });
	expect((await poll(stillThere)).body.status).toBe('submitted');
});

test('expires_in: after it the message is expired and cannot be answered', async () => {
	const id = await sendMessage(server.url, channel.token, { ...APPROVAL, expires_in: 30 });
	clock.advance(29_999);
	expect((await poll(id)).body.status).toBe('pending');
	clock.advance(1);
	expect((await poll(id)).body).toEqual({ status: 'expired' });
	const late = await respond(server.url, id, { triggered_by: 'approve' });
	expect(late.status).toBe(409);
	expect(late.body.error).toContain('expired');
});

test("token auth: a wrong token is 401; another channel's message is 404 and is not consumed", async () => {
	const other = await createChannel(server.url, 'Other');
	const id = await sendMessage(server.url, other.token, APPROVAL);
	await respond(server.url, id, { triggered_by: 'approve' });

	const wrongToken = await poll(id, 'not-a-real-token-at-all-xxxxxxxxxxxxxxxxxxxx');
	expect(wrongToken.status).toBe(401);
	expect(wrongToken.body).toEqual({
		ok: false,
		error: 'webhook token is not valid',
		code: 'invalid_token',
	});

	const foreign = await poll(id, channel.token);
	const missing = await poll('msg_000000000000', channel.token);
	expect(foreign.status).toBe(404);
	expect(missing.status).toBe(404);
	expect(foreign.body.error.replace(id, 'X')).toBe(
		missing.body.error.replace('msg_000000000000', 'X'),
	);

	expect((await poll(id, other.token)).body.status).toBe('submitted');
});

test('no overwrite: a second answer is 409 and changes nothing', async () => {
	const id = await sendMessage(server.url, channel.token, APPROVAL);
	await respond(server.url, id, { triggered_by: 'approve' });
	const second = await respond(server.url, id, { triggered_by: 'reject' });
	expect(second.status).toBe(409);
	expect((await poll(id)).body.result.triggered_by).toBe('approve');
});

describe('answers are validated against the message and store nothing when wrong', () => {
	const FORM = {
		title: 'Form',
		actions: [
			{ type: 'button', label: 'Send', key: 'send' },
			{ type: 'select', label: 'Env', key: 'env', options: [{ label: 'A', value: 'a' }] },
			{ type: 'text', label: 'Note', key: 'note', max_length: 5 },
			{ type: 'number', label: 'N', key: 'n', min: 1, max: 3 },
			{ type: 'toggle', label: 'T', key: 't' },
		],
	};
	const cases: Array<[string, Record<string, unknown>, string]> = [
		['unknown triggered_by', { triggered_by: 'nope' }, 'triggered_by must be one of: send'],
		['missing triggered_by', {}, 'triggered_by must be one of'],
		[
			'submit when the form has a button',
			{ triggered_by: 'submit' },
			'triggered_by must be one of: send',
		],
		[
			'a response for a key that is no form field',
			{ triggered_by: 'send', responses: { send: 'x' } },
			'responses.send is not a form field',
		],
		[
			'a select value not among the options',
			{ triggered_by: 'send', responses: { env: 'b' } },
			'responses.env must be one of: a',
		],
		[
			'text longer than max_length',
			{ triggered_by: 'send', responses: { note: 'toolong' } },
			'responses.note must be at most 5',
		],
		[
			'number out of bounds',
			{ triggered_by: 'send', responses: { n: 4 } },
			'responses.n must be at most 3',
		],
		[
			'number as a string',
			{ triggered_by: 'send', responses: { n: '2' } },
			'responses.n must be a finite number',
		],
		[
			'toggle not a boolean',
			{ triggered_by: 'send', responses: { t: 'true' } },
			'responses.t must be true or false',
		],
		[
			'responses not an object',
			{ triggered_by: 'send', responses: [1] },
			'responses must be an object',
		],
	];
	test.each(cases)('%s', async (_name, answer, error) => {
		const id = await sendMessage(server.url, channel.token, FORM);
		const res = await respond(server.url, id, answer);
		expect(res.status).toBe(400);
		expect(res.body.error).toContain(error);
		expect((await poll(id)).body).toEqual({ status: 'pending' });
	});

	test('a button without key is answered with its position-based key', async () => {
		const id = await sendMessage(server.url, channel.token, {
			title: 't',
			actions: [
				{ type: 'url', label: 'Docs', value: 'https://example.com' },
				{ type: 'button', label: 'OK' },
			],
		});
		expect((await respond(server.url, id, { triggered_by: 'button_0' })).status).toBe(400);
		expect((await respond(server.url, id, { triggered_by: 'button_1' })).status).toBe(200);
	});

	test('a message without buttons or form fields cannot be answered', async () => {
		const id = await sendMessage(server.url, channel.token, { title: 'FYI' });
		const res = await respond(server.url, id, { triggered_by: 'submit' });
		expect(res.status).toBe(400);
		expect(res.body.error).toContain('no buttons or form fields');
	});

	test('another account cannot answer: 404', async () => {
		const id = await sendMessage(server.url, channel.token, APPROVAL);
		const created = await api(server.url, 'POST', '/v1/keys', {
			key: ADMIN_KEY,
			body: { name: 'same account' },
		});
		// A key of the same account may answer; an unknown key is 401.
		expect(
			(
				await respond(
					server.url,
					id,
					{ triggered_by: 'approve' },
					'pk_live_unknownunknownunknownunknown00',
				)
			).status,
		).toBe(401);
		expect(
			(await respond(server.url, id, { triggered_by: 'approve' }, created.body.key)).status,
		).toBe(200);
	});
});

describe('?wait=N long-polls', () => {
	test('returns as soon as the answer lands', async () => {
		const id = await sendMessage(server.url, channel.token, APPROVAL);
		const started = Date.now();
		const waiting = poll(id, channel.token, '?wait=10');
		setTimeout(() => void respond(server.url, id, { triggered_by: 'approve' }), 150);
		const res = await waiting;
		expect(res.body.status).toBe('submitted');
		expect(Date.now() - started).toBeLessThan(3000);
	});

	test('returns pending after N seconds without an answer', async () => {
		const id = await sendMessage(server.url, channel.token, APPROVAL);
		const started = Date.now();
		const res = await poll(id, channel.token, '?wait=1');
		expect(res.body).toEqual({ status: 'pending' });
		expect(Date.now() - started).toBeGreaterThanOrEqual(900);
	});

	test.each(['51', '-1', 'abc', '1.5'])('wait=%s is a 400', async (wait) => {
		const id = await sendMessage(server.url, channel.token, APPROVAL);
		const res = await poll(id, channel.token, `?wait=${wait}`);
		expect(res.status).toBe(400);
		expect(res.body.error).toContain('wait must be');
	});
});

describe('the documented protections under concurrency', () => {
	test('20 simultaneous polls of one answered message: exactly one submitted', async () => {
		const id = await sendMessage(server.url, channel.token, APPROVAL);
		await respond(server.url, id, { triggered_by: 'approve' });
		const results = await Promise.all(Array.from({ length: 20 }, () => poll(id)));
		const statuses = results.map((r) => r.body.status);
		expect(statuses.filter((s) => s === 'submitted')).toHaveLength(1);
		expect(statuses.filter((s) => s === 'already_read')).toHaveLength(19);
	});

	test('20 simultaneous answers to one message: exactly one 200, the rest 409', async () => {
		const id = await sendMessage(server.url, channel.token, APPROVAL);
		const results = await Promise.all(
			Array.from({ length: 20 }, (_, i) =>
				respond(server.url, id, { triggered_by: i % 2 ? 'approve' : 'reject' }),
			),
		);
		const codes = results.map((r) => r.status);
		expect(codes.filter((c) => c === 200)).toHaveLength(1);
		expect(codes.filter((c) => c === 409)).toHaveLength(19);
		const winner = results.find((r) => r.status === 200)!.body.answer.triggered_by;
		expect((await poll(id)).body.result.triggered_by).toBe(winner);
	});
});
