/**
 * Polling with a deadline. Every wait in the e2e run goes through here so a hang becomes a
 * failure that says what was awaited and what was last seen, never a silent jest timeout.
 */
export interface WaitOptions {
	timeoutMs: number;
	intervalMs?: number;
}

export class WaitTimeoutError extends Error {}

/** Thrown by a probe when waiting longer cannot help (e.g. a process died): fails at once. */
export class GiveUp extends Error {}

/**
 * Calls `probe` until it returns something other than `undefined`, and returns that.
 * `probe` may throw: the error is kept as the "last seen" detail and polling goes on, except
 * for `GiveUp`, which ends the wait at once.
 * `describeLast` may add context (e.g. the last HTTP status) to the failure message.
 */
export async function waitFor<T>(
	what: string,
	probe: () => Promise<T | undefined> | T | undefined,
	{ timeoutMs, intervalMs = 250 }: WaitOptions,
	describeLast?: () => string,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let last = 'nothing yet';
	for (;;) {
		try {
			const value = await probe();
			if (value !== undefined) return value;
			last = 'not yet';
		} catch (error) {
			if (error instanceof GiveUp) throw error;
			last = error instanceof Error ? error.message : String(error);
		}
		if (Date.now() >= deadline) {
			const extra = describeLast ? `; ${describeLast()}` : '';
			throw new WaitTimeoutError(
				`Timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what} (last: ${last}${extra})`,
			);
		}
		await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
	}
}

/** Fails if `probe` ever returns something other than `undefined` during `durationMs`. */
export async function expectNothingFor(
	what: string,
	probe: () => Promise<unknown> | unknown,
	{ durationMs, intervalMs = 250 }: { durationMs: number; intervalMs?: number },
): Promise<void> {
	const end = Date.now() + durationMs;
	while (Date.now() < end) {
		const seen = await probe();
		if (seen !== undefined)
			throw new Error(`${what} happened but must not: ${JSON.stringify(seen)}`);
		await sleep(intervalMs);
	}
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
