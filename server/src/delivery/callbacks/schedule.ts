/**
 * When a failed callback is tried again: exponential backoff with full jitter (each wait is
 * uniformly random between a 1 s floor and its ceiling), so a receiver that comes back after
 * an outage isn't hit by every queued delivery at the same instant.
 *
 * Ceiling of the wait before retry n (n = 1…13): 5 s · 4^(n-1), capped at 6 h:
 *   5 s, 20 s, 80 s, 5 min 20 s, 21 min 20 s, 1 h 25 min, 5 h 41 min, then 6 h six times.
 * 14 attempts in all (the first plus 13 retries). With full jitter the expected span from the
 * first to the last attempt is about 22 h (half the ceilings' sum, 43.6 h), at most 43.6 h.
 * A receiver's `Retry-After` (seconds or an HTTP date) replaces the jittered wait, bounded
 * to [1 s, 6 h].
 *
 * Early retries: an answer that reaches a receiver a moment before it is ready to take it
 * (n8n answers 409 while it is still storing the execution that waits for this answer; a
 * proxy answers 502/503 while its upstream starts; the port is not listening yet) is retried
 * after 250 ms and then 1 s instead of the first two jittered waits (ceilings 5 s and 20 s),
 * so a fast answer is not held back by seconds. From the third retry on the schedule is the
 * one above; the number of attempts and the longest span do not change.
 */
export const MAX_ATTEMPTS = 14;
export const FIRST_RETRY_CEILING_MS = 5_000;
export const BACKOFF_FACTOR = 4;
export const MAX_RETRY_DELAY_MS = 6 * 3600_000;
export const MIN_RETRY_DELAY_MS = 1_000;
/** The waits after a "not yet" failure of attempt 1 and attempt 2. */
export const EARLY_RETRY_DELAYS_MS: readonly number[] = [250, 1_000];
/** Statuses that say "not ready yet" rather than "no" (429 only without `Retry-After`). */
export const NOT_YET_STATUSES: readonly number[] = [409, 425, 429, 502, 503];

/** What the schedule needs to know about one failed attempt. */
export interface FailedAttempt {
	statusCode: number | null;
	retryAfterMs: number | null;
	/** The connection was refused (nothing listening yet). */
	connectionRefused: boolean;
}

/**
 * A failure that an early retry is for: 409, 425, 429 without `Retry-After`, 502, 503, or a
 * refused connection. A `Retry-After` always wins (the receiver said when), so a status that
 * carries one is not "not yet".
 */
export function isNotYetFailure(failure: FailedAttempt): boolean {
	if (failure.retryAfterMs !== null) return false;
	if (failure.connectionRefused) return true;
	return failure.statusCode !== null && NOT_YET_STATUSES.includes(failure.statusCode);
}

/** The ceiling of the wait after failed attempt `attempt` (1-based). */
export function retryCeilingMs(attempt: number): number {
	return Math.min(MAX_RETRY_DELAY_MS, FIRST_RETRY_CEILING_MS * BACKOFF_FACTOR ** (attempt - 1));
}

/** Sum of every ceiling: no delivery lasts longer than this from its first attempt. */
export const MAX_SCHEDULE_SPAN_MS = Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) =>
	retryCeilingMs(i + 1),
).reduce((a, b) => a + b, 0);

/**
 * Milliseconds to wait after failed attempt `attempt` (1-based), or null when it was the
 * last one. `retryAfterMs` (from the receiver) wins over the jittered wait; a "not yet"
 * failure (`isNotYetFailure`) of attempt 1 or 2 waits `EARLY_RETRY_DELAYS_MS` instead.
 */
export function nextRetryDelayMs(
	attempt: number,
	retryAfterMs: number | null,
	random: () => number = Math.random,
	notYet = false,
): number | null {
	if (attempt >= MAX_ATTEMPTS) return null;
	if (retryAfterMs !== null) return clamp(retryAfterMs);
	if (notYet && attempt <= EARLY_RETRY_DELAYS_MS.length) return EARLY_RETRY_DELAYS_MS[attempt - 1];
	return clamp(Math.floor(random() * retryCeilingMs(attempt)));
}

const clamp = (ms: number) => Math.min(MAX_RETRY_DELAY_MS, Math.max(MIN_RETRY_DELAY_MS, ms));
