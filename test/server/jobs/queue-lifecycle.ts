/**
 * Run in its own process by bullmq-queue.test.ts (`node --require tsx/cjs queue-lifecycle.ts
 * <redis url> <prefix>`): starts a BullMQ job queue, runs one job of every kind, closes the
 * queue and the connections it was given, and never calls process.exit. The process ending
 * by itself is the proof that nothing the queue opened (worker, blocking connection, timer)
 * was left behind.
 */
import type { Redis } from 'ioredis';
import { systemClock } from '../../../server/src/domain/time';
import { BullJobQueue } from '../../../server/src/jobs/bullmq-queue';
import { JOB_KINDS, Job } from '../../../server/src/jobs/job';
import { silentLogger } from '../../../server/src/observability/log';
import { ConnectionPurpose, openConnection } from '../../../server/src/store/redis/open';

async function main(url: string, prefix: string): Promise<void> {
	const settings = { url, prefix, retentionMs: 3_600_000, commandTimeoutMs: 2_000 };
	const opened: Redis[] = [];
	const connect = (purpose: ConnectionPurpose) => {
		const c = openConnection(settings, purpose, silentLogger);
		opened.push(c);
		return c;
	};
	const queue = new BullJobQueue(connect, systemClock, silentLogger, {
		prefix: `{${prefix}:bull}`,
	});
	const ran = new Set<string>();
	let allRan: () => void = () => undefined;
	const done = new Promise<void>((resolve) => (allRan = resolve));
	for (const kind of JOB_KINDS)
		queue.register(kind, async (job) => {
			ran.add(job.id);
			if (ran.size === JOB_KINDS.length) allRan();
		});
	queue.start();
	await queue.enqueue(
		JOB_KINDS.map(
			(kind, i) =>
				({ id: `life_${i}`, kind, payload: {}, runAt: Date.now(), attempts: 0 }) as unknown as Job,
		),
	);
	await done;
	await queue.close();
	await Promise.all(opened.map((c) => c.quit()));
	process.stdout.write(`ran ${ran.size}\n`);
}

main(process.argv[2], process.argv[3]).catch((error: unknown) => {
	process.stderr.write(`${String(error)}\n`);
	process.exitCode = 1;
});
