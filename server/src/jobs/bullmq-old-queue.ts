import type { Queue } from 'bullmq';

/** The single queue every job kind shared before each kind got its own (kept for upgrades). */
export const OLD_QUEUE_NAME = 'jobs';

/** A job as it is moved: its id (unchanged) and its stored data (kind, payload, due time, attempts). */
export interface MovedJob {
	id: string;
	data: { kind: string; payload?: unknown; runAt?: number; attempts?: number };
}

const PAGE = 100;

/**
 * Moves the jobs still waiting or delayed in the old single queue to their kind's queue, for
 * a server upgraded from a version that had one queue for every kind. Each job keeps its id
 * (so the add is a no-op for a job already moved: safe when several instances do this at
 * once), its data (due time, attempts, and the payload with its idempotency key) and is
 * removed from the old queue only once its copy is stored: a crash in between leaves a job in
 * both, which the next look resolves the same way, never one that is in neither.
 *
 * The old queue is paused first, so a worker of the earlier version still running (a rolling
 * upgrade) cannot start a job while it is being moved; a job it is already running finishes
 * there, or its retry lands in the old delayed set and is moved by a later look. Returns how
 * many jobs this call moved.
 */
export async function moveOldQueueJobs(
	old: Queue,
	add: (job: MovedJob) => Promise<void>,
): Promise<number> {
	const counts = await old.getJobCounts('waiting', 'paused', 'delayed', 'prioritized', 'active');
	if (Object.values(counts).every((n) => n === 0)) return 0;
	await old.pause();
	let moved = 0;
	for (;;) {
		const jobs = await old.getJobs(['waiting', 'paused', 'delayed', 'prioritized'], 0, PAGE - 1);
		let removed = 0;
		for (const job of jobs) {
			if (!job?.id) continue;
			await add({ id: job.id, data: job.data as MovedJob['data'] });
			// 1: gone from the old queue (or already gone: another instance moved it first).
			if ((await old.remove(job.id)) === 1) removed++;
		}
		moved += removed;
		// Nothing left, or nothing this look could remove (locked): look again later.
		if (jobs.length < PAGE || removed === 0) return moved;
	}
}
