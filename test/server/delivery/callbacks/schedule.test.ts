import {
	EARLY_RETRY_DELAYS_MS,
	isNotYetFailure,
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
		for (let n = 2; n < MAX_ATTEMPTS; n++)
			expect(retryCeilingMs(n)).toBeGreaterThanOrEqual(retryCeilingMs(n - 1));
	});

	test('full jitter: each wait lies between the 1 s floor and its ceiling', () => {
		for (let n = 1; n < MAX_ATTEMPTS; n++) {
			expect(nextRetryDelayMs(n, null, () => 0)).toBe(1_000);
			expect(nextRetryDelayMs(n, null, () => 0.999999)).toBeLessThanOrEqual(retryCeilingMs(n));
			expect(nextRetryDelayMs(n, null, () => 0.5)).toBe(
				Math.max(1_000, Math.floor(retryCeilingMs(n) / 2)),
			);
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

	describe('early retries for a receiver that is not ready yet', () => {
		const failure = (
			statusCode: number | null,
			retryAfterMs: number | null = null,
			connectionRefused = false,
		) => ({
			statusCode,
			retryAfterMs,
			connectionRefused,
		});

		test('409, 425, 429 without Retry-After, 502, 503 and a refused connection are "not yet"; other failures are not', () => {
			for (const status of [409, 425, 429, 502, 503])
				expect(isNotYetFailure(failure(status))).toBe(true);
			expect(isNotYetFailure(failure(null, null, true))).toBe(true);
			for (const status of [400, 401, 404, 410, 500, 504, 301])
				expect(isNotYetFailure(failure(status))).toBe(false);
			expect(isNotYetFailure(failure(null))).toBe(false);
			// The receiver said when: its Retry-After wins over an early retry.
			expect(isNotYetFailure(failure(429, 30_000))).toBe(false);
			expect(isNotYetFailure(failure(503, 2_000))).toBe(false);
		});

		test('250 ms after the first attempt, 1 s after the second, then the documented jittered schedule', () => {
			expect(EARLY_RETRY_DELAYS_MS).toEqual([250, 1_000]);
			const random = () => 0.999999;
			expect(nextRetryDelayMs(1, null, random, true)).toBe(250);
			expect(nextRetryDelayMs(2, null, random, true)).toBe(1_000);
			for (let n = 3; n < MAX_ATTEMPTS; n++) {
				expect(nextRetryDelayMs(n, null, random, true)).toBe(
					nextRetryDelayMs(n, null, random, false),
				);
			}
			// Not "not yet": the first two retries keep their jittered waits.
			expect(nextRetryDelayMs(1, null, () => 0.5, false)).toBe(2_500);
			expect(nextRetryDelayMs(2, null, () => 0.5, false)).toBe(10_000);
		});

		test('the number of attempts and the longest span stay the documented ones', () => {
			expect(nextRetryDelayMs(MAX_ATTEMPTS, null, Math.random, true)).toBeNull();
			expect(MAX_ATTEMPTS).toBe(14);
			let longest = 0;
			for (let n = 1; n < MAX_ATTEMPTS; n++)
				longest += nextRetryDelayMs(n, null, () => 0.999999, n <= 2) ?? 0;
			expect(longest).toBeLessThanOrEqual(MAX_SCHEDULE_SPAN_MS);
			expect(EARLY_RETRY_DELAYS_MS[0] + EARLY_RETRY_DELAYS_MS[1]).toBeLessThan(
				retryCeilingMs(1) + retryCeilingMs(2),
			);
		});

		test('a Retry-After still wins on the first attempts, bounded to [1 s, 6 h]', () => {
			expect(nextRetryDelayMs(1, 0, Math.random, true)).toBe(1_000);
			expect(nextRetryDelayMs(1, 7_000, Math.random, true)).toBe(7_000);
		});
	});
});
