import {
	MAX_ATTEMPTS,
	MAX_RETRY_DELAY_MS,
	MAX_SCHEDULE_SPAN_MS,
	nextRetryDelayMs,
	retryCeilingMs,
} from '../../../../server/src/delivery/callbacks/schedule';
import { parseRetryAfter } from '../../../../server/src/domain/time';

describe('callback retry schedule', () => {
	test('first retry within seconds, last one hours later, about a day in all', () => {
		expect(MAX_ATTEMPTS).toBeGreaterThanOrEqual(12);
		expect(MAX_ATTEMPTS).toBeLessThanOrEqual(15);
		expect(retryCeilingMs(1)).toBeLessThanOrEqual(10_000);
		expect(retryCeilingMs(MAX_ATTEMPTS - 1)).toBeGreaterThanOrEqual(3600_000);
		// full jitter: the expected span is half the ceilings' sum
		expect(MAX_SCHEDULE_SPAN_MS / 2).toBeGreaterThan(18 * 3600_000);
		expect(MAX_SCHEDULE_SPAN_MS / 2).toBeLessThan(30 * 3600_000);
		for (let n = 2; n < MAX_ATTEMPTS; n++) expect(retryCeilingMs(n)).toBeGreaterThanOrEqual(retryCeilingMs(n - 1));
	});

	test('full jitter: each wait lies between the 1 s floor and its ceiling', () => {
		for (let n = 1; n < MAX_ATTEMPTS; n++) {
			expect(nextRetryDelayMs(n, null, () => 0)).toBe(1_000);
			expect(nextRetryDelayMs(n, null, () => 0.999999)).toBeLessThanOrEqual(retryCeilingMs(n));
			expect(nextRetryDelayMs(n, null, () => 0.5)).toBe(Math.max(1_000, Math.floor(retryCeilingMs(n) / 2)));
		}
	});

	test('there is no retry after the last attempt', () => {
		expect(nextRetryDelayMs(MAX_ATTEMPTS, null)).toBeNull();
		expect(nextRetryDelayMs(MAX_ATTEMPTS, 5_000)).toBeNull();
		expect(nextRetryDelayMs(MAX_ATTEMPTS - 1, null)).not.toBeNull();
	});

	test('Retry-After replaces the jittered wait, bounded to [1 s, 6 h]', () => {
		expect(nextRetryDelayMs(1, 120_000, () => 0)).toBe(120_000);
		expect(nextRetryDelayMs(1, 0)).toBe(1_000);
		expect(nextRetryDelayMs(1, 10 * 24 * 3600_000)).toBe(MAX_RETRY_DELAY_MS);
	});

	test('Retry-After is read as seconds or as an HTTP date', () => {
		const now = Date.UTC(2026, 9, 21, 7, 0, 0);
		expect(parseRetryAfter('120', now)).toBe(120_000);
		expect(parseRetryAfter(' 0 ', now)).toBe(0);
		expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', now)).toBe(28 * 60_000);
		expect(parseRetryAfter('Wed, 21 Oct 2026 06:00:00 GMT', now)).toBe(0);
		expect(nextRetryDelayMs(1, parseRetryAfter('99999999999', now))).toBe(MAX_RETRY_DELAY_MS);
		expect(parseRetryAfter('soon', now)).toBeNull();
		expect(parseRetryAfter('-5', now)).toBeNull();
		expect(parseRetryAfter(undefined, now)).toBeNull();
	});
});
