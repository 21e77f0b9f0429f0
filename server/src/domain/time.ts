/** Time source, injected everywhere so tests can move time instead of sleeping. */
export interface Clock {
	now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests set by hand. */
export class ManualClock implements Clock {
	constructor(private current = Date.UTC(2026, 0, 1)) {}
	now(): number {
		return this.current;
	}
	advance(ms: number): void {
		this.current += ms;
	}
	set(ms: number): void {
		this.current = ms;
	}
}

/**
 * A `Retry-After` header (seconds, or an HTTP date) as milliseconds from `now`; null when
 * absent or unreadable. A date must have letters in it, so `-5` is not read as the year −5.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
	const text = value?.trim();
	if (!text) return null;
	if (/^\d+$/.test(text)) return Number(text) * 1000;
	const at = Date.parse(text);
	if (!Number.isFinite(at) || !/[a-z]/i.test(text)) return null;
	return Math.max(0, at - now);
}
