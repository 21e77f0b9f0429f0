import { Message } from '../../../../server/src/domain/types';
import { stripMarkdown } from '../../../../server/src/delivery/push/markdown';
import {
	APNS_MAX_PAYLOAD_BYTES,
	INTERACTIVE_CATEGORY,
	buildNotification,
	notificationId,
} from '../../../../server/src/delivery/push/payload';

const base: Message = {
	id: 'msg_abcdefghijkl',
	channelId: 'ch_abcdefghijkl',
	title: 'Deploy?',
	body: null,
	priority: 'normal',
	callbackUrl: null,
	actions: [],
	createdAt: Date.UTC(2026, 0, 1),
	expiresAt: null,
	muted: false,
};
const aps = (m: Partial<Message>) => JSON.parse(buildNotification({ ...base, ...m }).payload).aps;

describe('priority mapping', () => {
	test('high: apns-priority 10, a sound, time-sensitive', () => {
		expect(buildNotification({ ...base, priority: 'high' }).priority).toBe(10);
		expect(aps({ priority: 'high' })).toMatchObject({
			sound: 'default',
			'interruption-level': 'time-sensitive',
		});
	});
	test('normal: 10, active, silent', () => {
		expect(buildNotification(base).priority).toBe(10);
		expect(aps({})['interruption-level']).toBe('active');
		expect(aps({}).sound).toBeUndefined();
	});
	test('low: 5, passive', () => {
		expect(buildNotification({ ...base, priority: 'low' }).priority).toBe(5);
		expect(aps({ priority: 'low' })['interruption-level']).toBe('passive');
	});
});

test('alert, thread-id, ids, collapse id and expiration', () => {
	const n = buildNotification({
		...base,
		body: '**Ship** it',
		expiresAt: Date.UTC(2026, 0, 1, 0, 10),
	});
	const json = JSON.parse(n.payload);
	expect(json).toEqual({
		aps: {
			alert: { title: 'Deploy?', body: 'Ship it' },
			'interruption-level': 'active',
			'thread-id': base.channelId,
		},
		message_id: base.id,
		channel_id: base.channelId,
	});
	expect(n.collapseId).toBe(base.id);
	expect(n.expiration).toBe(Date.UTC(2026, 0, 1, 0, 10) / 1000);
	expect(buildNotification(base).expiration).toBeNull();
});

test('interactive messages carry the category (and mutable-content so the app can fetch the actions)', () => {
	const a = aps({ actions: [{ type: 'button', label: 'Yes', key: 'yes', style: 'primary' }] });
	expect(a.category).toBe(INTERACTIVE_CATEGORY);
	expect(a['mutable-content']).toBe(1);
	expect(aps({}).category).toBeUndefined();
});

test('Markdown becomes plain text', () => {
	const md = [
		'# Release 1.2',
		'**Bold**, *italic*, _also_, `code *kept*`, ~~gone~~ and [a link](https://example.com).',
		'snake_case_name stays',
		'- first',
		'* second',
		'1. numbered',
		'> quoted',
		'',
		'',
		'',
		'line  ',
		'next \\*literal\\*',
	].join('\n');
	expect(stripMarkdown(md)).toBe(
		[
			'Release 1.2',
			'Bold, italic, also, code *kept*, gone and a link.',
			'snake_case_name stays',
			'• first',
			'• second',
			'1. numbered',
			'quoted',
			'',
			'line',
			'next *literal*',
		].join('\n'),
	);
});

describe('the 4096-byte limit', () => {
	test.each([
		['ASCII', 'a'.repeat(10_000)],
		['multi-byte', 'é€😀'.repeat(2_500)],
		['escapes', '"\\\n'.repeat(3_000)],
		['emoji sequences', '👩‍👩‍👧‍👦'.repeat(600)],
	])(
		'an oversized %s body is cut to fit, on a character boundary, with an ellipsis',
		(_name, body) => {
			const n = buildNotification({
				...base,
				title: 'T'.repeat(100),
				body,
				priority: 'high',
				actions: [{ type: 'button', label: 'Ok', style: 'secondary' }],
			});
			expect(n.truncated).toBe(true);
			const bytes = Buffer.byteLength(n.payload, 'utf8');
			expect(bytes).toBeLessThanOrEqual(APNS_MAX_PAYLOAD_BYTES);
			expect(bytes).toBeGreaterThan(APNS_MAX_PAYLOAD_BYTES - 64); // cut, not emptied
			const sent: string = JSON.parse(n.payload).aps.alert.body;
			expect(sent.endsWith('…')).toBe(true);
			const kept = sent.slice(0, -1);
			expect(body.startsWith(kept)).toBe(true);
			expect(kept).not.toMatch(/[\uD800-\uDBFF]$/); // no half surrogate pair
			expect(Buffer.from(sent, 'utf8').toString('utf8')).toBe(sent); // valid UTF-8 round trip
		},
	);

	test('the answer link goes in whole, and the body is cut to make room for it', () => {
		const answerUrl = `https://ping.example.com/a/${'t'.repeat(32)}`;
		const message = { ...base, title: 'T'.repeat(100), body: 'a'.repeat(10_000) };
		const withLink = buildNotification(message, answerUrl);
		const payload = JSON.parse(withLink.payload);
		expect(payload.answer_url).toBe(answerUrl);
		expect(Buffer.byteLength(withLink.payload, 'utf8')).toBeLessThanOrEqual(APNS_MAX_PAYLOAD_BYTES);
		const without = JSON.parse(buildNotification(message).payload);
		expect(without.answer_url).toBeUndefined();
		expect(payload.aps.alert.body.length).toBeLessThan(without.aps.alert.body.length);
	});

	test('a body that fits is left alone', () => {
		const body = 'x'.repeat(3000);
		const n = buildNotification({ ...base, body });
		expect(n.truncated).toBe(false);
		expect(JSON.parse(n.payload).aps.alert.body).toBe(body);
	});
});

test('apns-id is a UUID fixed per message and device', () => {
	const id = notificationId('msg_a', 'dev_b');
	expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
	expect(notificationId('msg_a', 'dev_b')).toBe(id);
	expect(notificationId('msg_a', 'dev_c')).not.toBe(id);
});
