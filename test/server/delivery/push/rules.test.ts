import { classify } from '../../../../server/src/delivery/push/apns-connection';
import { parseRetryAfter } from '../../../../server/src/domain/time';
import {
	MAX_PUSH_ATTEMPTS,
	pushBackoffMs,
} from '../../../../server/src/delivery/push/push-delivery';

const NOW = Date.UTC(2026, 0, 1);

test('retry-after: seconds or an HTTP date, in milliseconds from now', () => {
	expect(parseRetryAfter('30', NOW)).toBe(30_000);
	expect(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW)).toBe(90_000);
	expect(parseRetryAfter(new Date(NOW - 5_000).toUTCString(), NOW)).toBe(0);
	expect(parseRetryAfter(undefined, NOW)).toBeNull();
	expect(parseRetryAfter('soon', NOW)).toBeNull();
});

test('backoff doubles from 1 s, with ±20% jitter, capped at 10 minutes', () => {
	expect(pushBackoffMs(1, () => 0.5)).toBe(1_000);
	expect(pushBackoffMs(2, () => 0.5)).toBe(2_000);
	expect(pushBackoffMs(4, () => 0)).toBe(6_400);
	expect(pushBackoffMs(4, () => 1)).toBe(9_600);
	expect(pushBackoffMs(30, () => 0.5)).toBe(600_000);
	expect(MAX_PUSH_ATTEMPTS).toBeGreaterThan(1);
});

describe('what node-apn reports, classified', () => {
	const streamError = (message: string, code = 'ERR_HTTP2_STREAM_ERROR') =>
		Object.assign(new Error(`apn write failed: ${message}`), {
			jse_cause: Object.assign(new Error(message), { code }),
		});

	test.each([
		[{ 'apns-id': 'x' }, { kind: 'accepted', apnsId: 'x' }],
		[
			{ status: 410, response: { reason: 'Unregistered', timestamp: 5 } },
			{ kind: 'rejected', status: 410, reason: 'Unregistered', timestamp: 5, retryAfterMs: null },
		],
		[
			{ status: 429, retryAfter: '7', response: { reason: 'TooManyRequests' } },
			{
				kind: 'rejected',
				status: 429,
				reason: 'TooManyRequests',
				timestamp: null,
				retryAfterMs: 7000,
			},
		],
		[
			{ status: 403, error: new Error('ExpiredProviderToken') },
			{
				kind: 'rejected',
				status: 403,
				reason: 'ExpiredProviderToken',
				timestamp: null,
				retryAfterMs: null,
			},
		],
		[
			{ status: 500, error: new Error('Error 500, stream ended unexpectedly') },
			{
				kind: 'rejected',
				status: 500,
				reason: 'InternalServerError',
				timestamp: null,
				retryAfterMs: null,
			},
		],
		[
			{ error: streamError('Stream closed with error code NGHTTP2_REFUSED_STREAM') },
			{ kind: 'refused', reason: 'REFUSED_STREAM' },
		],
		[
			{ error: streamError('The session has been destroyed', 'ERR_HTTP2_GOAWAY_SESSION') },
			{ kind: 'refused', reason: 'ERR_HTTP2_GOAWAY_SESSION' },
		],
		[{ error: new Error('apn write timeout') }, { kind: 'connection', reason: 'Timeout' }],
		[
			{ error: new Error('stream ended unexpectedly with status null and empty body') },
			{ kind: 'connection', reason: 'NoResponse' },
		],
		[
			{ error: streamError('connect ECONNREFUSED 127.0.0.1:443', 'ECONNREFUSED') },
			{ kind: 'connection', reason: 'ECONNREFUSED' },
		],
	])('%j → %j', (result, expected) => {
		expect(classify(result as never, NOW)).toEqual(expected);
	});

	test('an error thrown by session.request itself means the stream never opened', () => {
		expect(
			classify(Object.assign(new Error('closed'), { code: 'ERR_HTTP2_INVALID_SESSION' }), NOW),
		).toEqual({ kind: 'refused', reason: 'ERR_HTTP2_INVALID_SESSION' });
	});
});
