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

const ISO_INSTANT =
	/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/i;

/**
 * An ISO 8601 date-time with a time zone (`2026-01-12T20:18:13Z`, `…+02:00`) as epoch ms;
 * null for anything else, including dates that do not exist (`2026-02-30`), which
 * `Date.parse` would quietly roll over into March.
 */
export function parseIsoInstant(text: string): number | null {
	const m = ISO_INSTANT.exec(text);
	if (!m) return null;
	const [year, month, day, hour, minute, second = '0'] = m.slice(1, 7).map(Number) as number[];
	const calendar = new Date(Date.UTC(year, month - 1, day));
	const realDay =
		calendar.getUTCFullYear() === year &&
		calendar.getUTCMonth() === month - 1 &&
		calendar.getUTCDate() === day;
	const zoneOk = m[9] === undefined || (Number(m[9]) <= 23 && Number(m[10]) <= 59);
	if (!realDay || hour > 23 || minute > 59 || Number(second) > 59 || !zoneOk) return null;
	const ms = Date.parse(text);
	return Number.isFinite(ms) ? ms : null;
}
