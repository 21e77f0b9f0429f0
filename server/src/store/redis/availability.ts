import { ReplyError } from 'ioredis';
import { StorageUnavailableError } from '../store';
import { withinBudget } from './request-budget';

/**
 * ioredis failures that mean "Redis cannot be reached right now" (offline queue disabled,
 * connection closed, command timeout, retries exhausted), as opposed to a bug in a command.
 */
export function isUnavailable(error: unknown): boolean {
	if (
		!(error instanceof Error) ||
		error instanceof ReplyError ||
		error instanceof StorageUnavailableError
	)
		return false;
	if (error.name === 'MaxRetriesPerRequestError') return true;
	return /Stream isn't writeable|Connection is closed|Command timed out|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|connect/i.test(
		error.message,
	);
}

/** The same error, or a StorageUnavailableError when Redis could not be reached. */
export function asStorageError(error: unknown): unknown {
	return isUnavailable(error)
		? new StorageUnavailableError(`cannot reach Redis (${(error as Error).message})`)
		: error;
}

/**
 * Wraps every async method of a store so an unreachable Redis surfaces as StorageUnavailableError
 * (HTTP 503), whatever method hit it, and so a request's calls share one time budget
 * (`request-budget.ts`).
 */
export function guardAvailability(target: object): void {
	const proto = Object.getPrototypeOf(target) as Record<string, unknown>;
	for (const name of Object.getOwnPropertyNames(proto)) {
		const method = proto[name];
		if (typeof method !== 'function' || method.constructor.name !== 'AsyncFunction') continue;
		Object.defineProperty(target, name, {
			value: async (...args: unknown[]) => {
				try {
					return await withinBudget(() =>
						(method as (...a: unknown[]) => Promise<unknown>).apply(target, args),
					);
				} catch (error) {
					throw asStorageError(error);
				}
			},
			configurable: true,
			writable: true,
		});
	}
}
