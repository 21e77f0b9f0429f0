import {
	buttonKey,
	parseActions,
	parseAnswerInput,
	triggerKeys,
} from '../../../server/src/domain/actions';
import { tapTimestamp } from '../../../server/src/domain/answer';
import {
	constantTimeEqual,
	newMessageId,
	newWebhookSecret,
	newWebhookToken,
} from '../../../server/src/domain/ids';
import { pollOutcome } from '../../../server/src/domain/polling';
import { Action, MessageRecord } from '../../../server/src/domain/types';

describe('ids', () => {
	test('formats of ids, tokens, secrets and keys', () => {
		expect(newMessageId()).toMatch(/^msg_[A-Za-z0-9]{12}$/);
		expect(newWebhookToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(newWebhookSecret()).toMatch(/^[0-9a-f]{64}$/);
		expect(new Set(Array.from({ length: 1000 }, () => newMessageId())).size).toBe(1000);
	});

	test('message ids made one after another sort together: a clock prefix, then 9 random characters', () => {
		const cycle = 62 ** 3;
		const at = 7_000 * 1_000 * cycle + 1_000; // 2022, one second into a cycle
		const ids = [at, at + 1, at + 61, at + 62 * 62 + 5, at + 100_000].map((t) => newMessageId(t));
		// Later ids (within the prefix's four-minute cycle) sort after earlier ones, whatever
		// their random part, as SQLite compares text (byte order).
		expect([...ids].sort()).toEqual(ids);
		expect(ids.map((id) => id.slice(4, 7))).toEqual(
			[...new Set(ids.map((id) => id.slice(4, 7)))], // one prefix per millisecond
		);
		const sameMs = Array.from({ length: 200 }, () => newMessageId(at));
		expect(new Set(sameMs.map((id) => id.slice(0, 7))).size).toBe(1);
		expect(new Set(sameMs.map((id) => id.slice(7))).size).toBe(200);
		// The prefix is the time modulo 62^3 ms: it starts over every 62^3 ms (about 4 minutes).
		expect(newMessageId(0).slice(0, 7)).toBe('msg_000');
		expect(newMessageId(cycle - 1).slice(0, 7)).toBe('msg_zzz');
		expect(newMessageId(cycle).slice(0, 7)).toBe('msg_000');
		expect(newMessageId(at + cycle).slice(0, 7)).toBe(ids[0].slice(0, 7));
	});

	test('constantTimeEqual compares strings of any length', () => {
		expect(constantTimeEqual('abc', 'abc')).toBe(true);
		expect(constantTimeEqual('abc', 'abd')).toBe(false);
		expect(constantTimeEqual('abc', 'abcd')).toBe(false);
	});
});

describe('actions', () => {
	test('trigger keys: buttons (own or positional key), else submit for forms, else none', () => {
		const withButtons = parseActions([
			{ type: 'url', label: 'u', value: 'https://x.y' },
			{ type: 'button', label: 'b' },
			{ type: 'button', label: 'c', key: 'c' },
		]);
		expect(triggerKeys(withButtons)).toEqual(['button_1', 'c']);
		expect(buttonKey(withButtons[0], 0)).toBeNull();
		expect(triggerKeys(parseActions([{ type: 'toggle', label: 't', key: 't' }]))).toEqual([
			'submit',
		]);
		expect(triggerKeys([])).toEqual([]);
	});

	test('answers keep only validated, typed values', () => {
		const actions = parseActions([{ type: 'number', label: 'n', key: 'n', min: 0 }]);
		expect(parseAnswerInput(actions, 'submit', { n: 0 })).toEqual({
			triggeredBy: 'submit',
			responses: { n: 0 },
		});
		expect(() => parseAnswerInput(actions, 'submit', { n: -1 })).toThrow(
			'responses.n must be at least 0',
		);
		expect(() => parseAnswerInput(actions, 'submit', { n: Number.NaN })).toThrow(
			'responses.n must be a finite number',
		);
	});
});

test('an answer map has no prototype: a field keyed __proto__ (stored before such keys were refused) reaches the callback', () => {
	const actions = [{ type: 'toggle', label: 'T', key: '__proto__' }] as Action[];
	const { responses } = parseAnswerInput(actions, 'submit', JSON.parse('{"__proto__": true}'));
	expect(JSON.stringify(responses)).toBe('{"__proto__":true}');
});

describe('tap timestamp', () => {
	const now = Date.UTC(2026, 0, 1, 12);
	test('keeps a valid ISO time, normalised to UTC', () => {
		expect(tapTimestamp('2026-01-12T21:18:13+01:00', now)).toBe('2026-01-12T20:18:13Z');
	});
	test.each([undefined, null])('takes the server clock when none is sent (%p)', (raw) => {
		expect(tapTimestamp(raw, now)).toBe('2026-01-01T12:00:00Z');
	});
	test.each([
		'yesterday',
		12345,
		true,
		['2026-01-12T20:18:13Z'],
		'2026-13-45T99:99:99Z',
		'2026-02-30T10:00:00Z',
		'2026-01-12',
		'2026-01-12T20:18:13',
		'2026-01-12T24:00:00Z',
		'',
	])('refuses %p with a 400 naming timestamp, never a guess', (raw) => {
		expect(() => tapTimestamp(raw, now)).toThrow(/^timestamp must be an ISO 8601 date-time/);
	});
	test('accepts fractions and offsets', () => {
		expect(tapTimestamp('2026-01-12T20:18:13.250Z', now)).toBe('2026-01-12T20:18:13.250Z');
		expect(tapTimestamp('2026-01-12T20:18Z', now)).toBe('2026-01-12T20:18:00Z');
	});
});

describe('poll state machine', () => {
	const base: MessageRecord = {
		id: 'msg_aaaaaaaaaaaa',
		channelId: 'ch_aaaaaaaaaaaa',
		title: 't',
		body: null,
		priority: 'normal',
		callbackUrl: null,
		actions: [],
		createdAt: 0,
		expiresAt: null,
		muted: false,
		answer: null,
		readAt: null,
		callbackState: 'none',
	};
	const answer = {
		triggeredBy: 'a',
		responses: {},
		timestamp: '1970-01-01T00:00:01Z',
		submittedAt: 1000,
		responder: null,
	};
	const ttl = 600_000;

	test.each<[string, Partial<MessageRecord>, number, string, boolean]>([
		['no answer', {}, 5000, 'pending', false],
		['no answer past expires_in', { expiresAt: 5000 }, 5000, 'expired', false],
		['answered, unread', { answer }, 5000, 'submitted', true],
		['answered, past the TTL', { answer }, 1000 + ttl, 'expired', false],
		['answered, read', { answer, readAt: 2000 }, 5000, 'already_read', false],
		[
			'callback failed: the answer is handed out once, whatever its age',
			{ answer, callbackState: 'failed' },
			10 * ttl,
			'failed',
			true,
		],
		[
			'callback failed and read',
			{ answer, callbackState: 'failed', readAt: 2000 },
			5000,
			'already_read',
			false,
		],
	])('%s → %s', (_name, patch, now, status, consumes) => {
		const outcome = pollOutcome({ ...base, ...patch }, now, ttl);
		expect(outcome.status).toBe(status);
		expect(outcome.consumes).toBe(consumes);
		expect(outcome.result !== undefined).toBe(consumes);
	});
});
