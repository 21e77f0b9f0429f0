/**
 * Wakes long-polls (`?wait=N`) the moment a message's poll status may have changed.
 * In-process; a multi-instance store feeds `notify` from its own pub/sub.
 */
export class AnswerEvents {
	private readonly waiters = new Map<string, Set<() => void>>();

	/**
	 * Resolves on `notify(messageId)`, after `timeoutMs`, or when `signal` aborts (its caller
	 * went away), whichever is first; the waiter is gone from memory when it resolves.
	 */
	wait(messageId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
		return new Promise((resolve) => {
			if (signal?.aborted) return resolve();
			let set = this.waiters.get(messageId);
			if (!set) {
				set = new Set();
				this.waiters.set(messageId, set);
			}
			const waiters = set;
			const done = () => {
				clearTimeout(timer);
				signal?.removeEventListener('abort', done);
				waiters.delete(done);
				if (waiters.size === 0 && this.waiters.get(messageId) === waiters)
					this.waiters.delete(messageId);
				resolve();
			};
			const timer = setTimeout(done, Math.max(0, timeoutMs));
			waiters.add(done);
			signal?.addEventListener('abort', done, { once: true });
		});
	}

	notify(messageId: string): void {
		const set = this.waiters.get(messageId);
		if (set) for (const done of [...set]) done();
	}

	/** Releases every waiter (shutdown). */
	releaseAll(): void {
		for (const set of [...this.waiters.values()]) for (const done of [...set]) done();
	}
}
