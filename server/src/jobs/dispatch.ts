import { Clock } from '../domain/time';
import { Logger, errorMessage } from '../observability/log';
import { Job, JobHandler, JobKind } from './job';

/** A job of an unknown kind, or whose handler threw, is tried again after this long. */
export const UNKNOWN_OR_CRASHED_RETRY_MS = 60_000;

/**
 * Runs one job with the handler of its kind, for every queue backend alike: the job's
 * next run time when it should run again, null when it is done. A kind nobody handles (a job
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

	async run(job: Job): Promise<number | null> {
		const handler = this.handlers.get(job.kind);
		if (!handler) {
			this.log.error('jobs.unknown_kind', { job_id: job.id, kind: job.kind });
			return this.clock.now() + UNKNOWN_OR_CRASHED_RETRY_MS;
		}
		try {
			const result = await handler(job);
			return result && typeof result.retryAt === 'number' ? result.retryAt : null;
		} catch (error) {
			this.log.error('jobs.handler_failed', {
				job_id: job.id,
				kind: job.kind,
				error: errorMessage(error),
			});
			return this.clock.now() + UNKNOWN_OR_CRASHED_RETRY_MS;
		}
	}
}
