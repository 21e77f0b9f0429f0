import { Clock } from '../domain/time';
import { Logger, errorMessage } from '../observability/log';
import { Job, JobHandler, JobKind } from './job';

/** A job of an unknown kind, or whose handler threw, is tried again after this long. */
export const UNKNOWN_OR_CRASHED_RETRY_MS = 60_000;

/**
 * What became of one run of a job: done (`retryAt` null) or due again at `retryAt`; `saved`
 * when the handler's own store write already recorded that with the job (`JobSettlement`,
 * SQLite mode), so the queue must not write it a second time.
 */
export interface JobOutcome {
	retryAt: number | null;
	saved: boolean;
}

/**
 * Runs one job with the handler of its kind, for every queue backend alike. A kind nobody handles (a job
 * queued by a newer version) and a handler that throws are logged and retried later, never
 * dropped.
 */
export class JobDispatch {
	private readonly handlers = new Map<JobKind, JobHandler>();

	constructor(
		private readonly clock: Clock,
		private readonly log: Logger,
	) {}

	register<K extends JobKind>(kind: K, handler: JobHandler<K>): void {
		this.handlers.set(kind, handler as JobHandler);
	}

	async run(job: Job): Promise<JobOutcome> {
		const handler = this.handlers.get(job.kind);
		if (!handler) {
			this.log.error('jobs.unknown_kind', { job_id: job.id, kind: job.kind });
			return { retryAt: this.clock.now() + UNKNOWN_OR_CRASHED_RETRY_MS, saved: false };
		}
		try {
			const result = await handler(job);
			return {
				retryAt: result && typeof result.retryAt === 'number' ? result.retryAt : null,
				saved: result?.outcomeSaved === true,
			};
		} catch (error) {
			this.log.error('jobs.handler_failed', {
				job_id: job.id,
				kind: job.kind,
				error: errorMessage(error),
			});
			// Whatever the handler wrote before it threw, the retry is the queue's to write.
			return { retryAt: this.clock.now() + UNKNOWN_OR_CRASHED_RETRY_MS, saved: false };
		}
	}
}
