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
 */
export const MAX_ATTEMPTS = 14;
export const FIRST_RETRY_CEILING_MS = 5_000;
export const BACKOFF_FACTOR = 4;
export const MAX_RETRY_DELAY_MS = 6 * 3600_000;
export const MIN_RETRY_DELAY_MS = 1_000;

/** The ceiling of the wait after failed attempt `attempt` (1-based). */
export function retryCeilingMs(attempt: number): number {
	return Math.min(MAX_RETRY_DELAY_MS, FIRST_RETRY_CEILING_MS * BACKOFF_FACTOR ** (attempt - 1));
}

/** Sum of every ceiling: no delivery lasts longer than this from its first attempt. */
export const MAX_SCHEDULE_SPAN_MS = Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => retryCeilingMs(i + 1)).reduce(
	(a, b) => a + b,
	0,
);

/**
 * Milliseconds to wait after failed attempt `attempt` (1-based), or null when it was the
 * last one. `retryAfterMs` (from the receiver) wins over the jittered wait.
 */
export function nextRetryDelayMs(attempt: number, retryAfterMs: number | null, random: () => number = Math.random): number | null {
	if (attempt >= MAX_ATTEMPTS) return null;
	if (retryAfterMs !== null) return clamp(retryAfterMs);
	return clamp(Math.floor(random() * retryCeilingMs(attempt)));
}

const clamp = (ms: number) => Math.min(MAX_RETRY_DELAY_MS, Math.max(MIN_RETRY_DELAY_MS, ms));
