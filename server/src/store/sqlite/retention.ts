import { Clock } from '../../domain/time';
import { Logger, errorMessage } from '../../observability/log';
import { SqliteStore } from './sqlite-store';

export interface RetentionOptions {
	/** Messages older than this are deleted. */
	retentionMs: number;
	/** How often to look for old messages. */
	everyMs: number;
	/** Messages per transaction: small, so a request never waits long behind a purge. */
	batch: number;
	/**
	 * Real milliseconds between two batches, so requests get the thread between them and the
	 * background checkpoint keeps up with the pages a purge frees.
	 */
	pauseMs: number;
}

/**
 * Retention for the SQLite store (Redis mode expires keys by TTL instead): every `everyMs` it
 * deletes messages older than `retentionMs`, with their answers, push deliveries and callback
 * attempts, a small batch per transaction and a short pause between batches.
 * SQLite reuses the freed pages for new rows, so under a steady load the file stops growing
 * at about `retentionMs` worth of messages without a VACUUM (which would lock the database).
 */
export class RetentionSweeper {
	private timer: NodeJS.Timeout | null = null;
	private sweeping: Promise<number> | null = null;

	constructor(
		private readonly store: SqliteStore,
		private readonly clock: Clock,
		private readonly log: Logger,
		private readonly options: RetentionOptions,
	) {}

	start(): void {
		this.timer = setInterval(() => void this.sweep(), this.options.everyMs);
		this.timer.unref();
		void this.sweep();
	}

	/** Deletes everything past retention now; how many messages it deleted. */
	sweep(): Promise<number> {
		this.sweeping ??= this.purge().finally(() => (this.sweeping = null));
		return this.sweeping;
	}

	async stop(): Promise<void> {
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
		await this.sweeping?.catch(() => undefined);
	}

	private async purge(): Promise<number> {
		const before = this.clock.now() - this.options.retentionMs;
		let total = 0;
		try {
			for (;;) {
				const deleted = this.store.purgeMessagesBefore(before, this.options.batch);
				total += deleted;
				if (deleted < this.options.batch) break;
				await new Promise((resolve) => setTimeout(resolve, this.options.pauseMs));
			}
		} catch (error) {
			this.log.error('retention.failed', { error: errorMessage(error) });
		}
		if (total > 0) this.log.info('retention.purged', { messages: total });
		return total;
	}
}
