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
