/**
 * Types for the two files of rate-limiter-flexible that SQLite mode uses. The package's index
 * loads every backend it has (Redis, Mongo, Postgres, …: about 40 ms at start); these paths
 * load only the in-memory counter and its result type, with the package's own typings.
 */
declare module 'rate-limiter-flexible/lib/RateLimiterMemory' {
	import { RateLimiterMemory } from 'rate-limiter-flexible';
	export = RateLimiterMemory;
}

declare module 'rate-limiter-flexible/lib/RateLimiterRes' {
	import { RateLimiterRes } from 'rate-limiter-flexible';
	export = RateLimiterRes;
}
