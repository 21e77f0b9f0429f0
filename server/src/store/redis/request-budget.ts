import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { StorageUnavailableError } from '../store';

/**
 * One request's time with Redis: PING_REDIS_TIMEOUT_MS for all its Redis calls together, not
 * for each. Only time spent waiting on Redis counts (from a call's start to its answer, calls
 * running side by side counted once); reading the client's body or a long-poll's wait for an
 * answer does not. Once the budget is spent, the call in flight is given up on (the request
 * answers 503) and any later call is refused before a command is sent.
 */
class RedisBudget {
	private spentMs = 0;
	private inFlight = 0;
	private inFlightSince = 0;
	/** Set when a call ran out of time: a timer may fire a millisecond before the clock says so. */
	private exhausted = false;

	constructor(readonly limitMs: number) {}

	remainingMs(): number {
		if (this.exhausted) return 0;
		const running = this.inFlight > 0 ? performance.now() - this.inFlightSince : 0;
		return this.limitMs - this.spentMs - running;
	}

	/** Runs one Redis call against what is left of the budget. */
	async spend<T>(call: () => Promise<T>): Promise<T> {
		const left = this.remainingMs();
		if (left <= 0) throw this.spent();
		if (this.inFlight++ === 0) this.inFlightSince = performance.now();
		const answer = call();
		let timer: NodeJS.Timeout | undefined;
		const outOfTime = new Promise<never>((_, reject) => {
			timer = setTimeout(() => {
				this.exhausted = true;
				reject(this.spent());
			}, left);
		});
		try {
			return await Promise.race([answer, outOfTime]);
		} finally {
			clearTimeout(timer);
			if (--this.inFlight === 0) this.spentMs += performance.now() - this.inFlightSince;
			// A call given up on still ends (answered late, or failed by its command timeout).
			answer.catch(() => undefined);
		}
	}

	private spent(): StorageUnavailableError {
		return new StorageUnavailableError(
			`cannot reach Redis: no answer within PING_REDIS_TIMEOUT_MS (${this.limitMs} ms) for this request`,
		);
	}
}

const current = new AsyncLocalStorage<RedisBudget>();

/** Runs one request (`http/app.ts`) with a budget of its own, seen by every Redis call it makes. */
export function withRedisBudget<T>(limitMs: number, request: () => Promise<T>): Promise<T> {
	return current.run(new RedisBudget(limitMs), request);
}

/**
 * A Redis call (a store method, a rate-limit counter) within the budget of the request making
 * it. Work outside any request (jobs, start-up, sweeps) has no budget: its calls have only
 * their own command timeout. The calls a store method makes inside are not budgeted again:
 * a method given up on runs its steps to their end (or to a command timeout) exactly as
 * without a budget, so it leaves what a crash at the same point would leave (see RedisStore).
 */
export function withinBudget<T>(call: () => Promise<T>): Promise<T> {
	const budget = current.getStore();
	if (!budget) return call();
	return budget.spend(() => current.exit(call));
}
