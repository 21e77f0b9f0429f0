import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import RateLimiterRes from 'rate-limiter-flexible/lib/RateLimiterRes';
import { ApiError } from '../domain/errors';
import { Logger, errorMessage } from '../observability/log';
import { RateCounterFactory, StorageUnavailableError } from '../store/store';

const WINDOW_SECONDS = 60;

/**
 * One request budget, per minute and per key (a client address, a channel, an API key), with
 * `rate-limiter-flexible` counting. A request over budget is a 429 whose `Retry-After` and
 * `RateLimit-*` headers (the IETF rate-limit headers draft) say when to come back; requests
 * within it carry the same headers, so a client can slow down before it is refused.
 * A budget of 0 is off.
 */
export class RateLimit {
	private readonly counter: RateLimiterAbstract | null;

	constructor(
		private readonly what: string,
		private readonly perMinute: number,
		make: RateCounterFactory,
		private readonly log: Logger,
	) {
		this.counter = perMinute > 0 ? make(what.replace(/\W+/g, '_'), perMinute) : null;
	}

	/** Counts one request of `key`: the headers to answer with, or a 429 ApiError carrying them. */
	async take(key: string): Promise<Record<string, string>> {
		if (!this.counter) return {};
		let state: RateLimiterRes;
		try {
			state = await this.counter.consume(key);
		} catch (refusal) {
			// The request's Redis budget ran out: already the 503 it should be.
			if (refusal instanceof StorageUnavailableError) throw refusal;
			if (!(refusal instanceof RateLimiterRes)) {
				// The counters' store (Redis) did not answer within its timeout: the request fails
				// now, as any request needing Redis would, instead of waiting a second timeout on
				// the store call that follows.
				this.log.debug('rate_limit.unavailable', {
					limit: this.what,
					error: errorMessage(refusal),
				});
				throw new StorageUnavailableError(`cannot reach Redis (${errorMessage(refusal)})`);
			}
			const retryAfter = String(Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)));
			throw new ApiError(
				429,
				`too many requests for this ${this.what}: at most ${this.perMinute} a minute; retry in ${retryAfter} s`,
				'rate_limited',
				{ ...this.headers(refusal), 'retry-after': retryAfter },
			);
		}
		return this.headers(state);
	}

	private headers(state: RateLimiterRes): Record<string, string> {
		return {
			'ratelimit-policy': `${this.perMinute};w=${WINDOW_SECONDS}`,
			'ratelimit-limit': String(this.perMinute),
			'ratelimit-remaining': String(Math.max(0, state.remainingPoints)),
			'ratelimit-reset': String(Math.ceil(state.msBeforeNext / 1000)),
		};
	}
}

/** The budgets every request is counted against (docs/api.md#rate-limits). */
export interface RateLimits {
	/** Every request from one client address, before authentication (token and key guessing too). */
	address: RateLimit;
	/** Send and poll requests of one channel's webhook token. */
	token: RateLimit;
	/** Account API requests of one API key. */
	key: RateLimit;
	/** Device API and inbox requests of one paired browser (the API keys' budget, per device). */
	device: RateLimit;
}
