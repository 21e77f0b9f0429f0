import { Worker } from 'node:worker_threads';
import { Logger } from '../../observability/log';

export interface CheckpointOptions {
	/** How often the worker copies the WAL's new pages into the database file. */
	everyMs: number;
	/**
	 * WAL size (pages) above which the store is asked to start the WAL over. Under a steady
	 * stream of writes a background checkpoint never finds a moment when every page is copied
	 * and no write came in since, which is when SQLite starts the WAL from its beginning; without
	 * this the WAL would grow for as long as the stream lasts.
	 */
	restartAbovePages: number;
}

export const CHECKPOINT_DEFAULTS: CheckpointOptions = {
	everyMs: 200,
	restartAbovePages: 4_096, // 16 MiB of 4 KiB pages
};

/**
 * The worker's source, plain JavaScript run with `eval`, so the same code runs from the build
 * and from the TypeScript sources (tests). It opens its own connection to the file and does
 * nothing but checkpoints.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 0');
const checkpoint = () => {
	try {
		let [state] = db.pragma('wal_checkpoint(PASSIVE)');
		if (state.log <= workerData.restartAbovePages) return;
		// Copy what was written during that checkpoint too, until little is left, so that the
		// restart on the main thread has only a few pages to copy (it holds up every request).
		for (let round = 0; round < 8; round++) {
			const before = state.log;
			[state] = db.pragma('wal_checkpoint(PASSIVE)');
			if (state.log - before < 64) break;
		}
		parentPort.postMessage({ restart: state.log });
	} catch (error) {
		// Busy now: the next round tries again. Anything else is reported once per round.
		if (error.code !== 'SQLITE_BUSY') parentPort.postMessage({ error: String(error.message) });
	}
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', (message) => {
	if (message !== 'stop') return;
	clearInterval(timer);
	db.close();
	parentPort.close();
});
`;

/**
 * WAL checkpoints on a thread of their own. SQLite's automatic checkpoint runs inside the
 * commit that crosses its threshold, on the one thread that serves every request, and its
 * fsync of the database file stalled that request and everything queued behind it (tens of
 * ms: a send's p99 grew with the database, a write's p99 during a retention purge was 40×).
 * Here the main connection never checkpoints (`wal_autocheckpoint = 0`); this worker copies
 * the WAL into the database file in the background (a PASSIVE checkpoint waits for no one and
 * makes no one wait).
 */
export class Checkpointer {
	private readonly worker: Worker;
	private readonly exited: Promise<void>;

	/**
	 * @param restart called when the WAL has grown past `restartAbovePages`, right after a
	 *   background checkpoint copied nearly all of it: the store then restarts the WAL on its own
	 *   connection, one short stall per that many pages written
	 */
	constructor(
		file: string,
		log: Logger | null,
		restart: () => void,
		options: CheckpointOptions = CHECKPOINT_DEFAULTS,
	) {
		this.worker = new Worker(WORKER_SOURCE, {
			eval: true,
			workerData: { file, driver: require.resolve('better-sqlite3'), ...options },
		});
		this.worker.unref();
		this.worker.on('message', (message: { error?: string; restart?: number }) => {
			if (message.error) log?.error('sqlite.checkpoint_failed', { error: message.error });
			if (message.restart) restart();
		});
		this.worker.on('error', (error) =>
			log?.error('sqlite.checkpoint_failed', { error: error.message }),
		);
		this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
	}

	/**
	 * Stops the worker and closes its connection (before the store closes its own). A worker
	 * that has not gone within a second (stuck in a checkpoint on a very slow disk) is
	 * terminated: its connection only ever copies pages the WAL still holds.
	 */
	async stop(): Promise<void> {
		this.worker.postMessage('stop');
		let timer: NodeJS.Timeout | undefined;
		const late = new Promise<'late'>((resolve) => {
			timer = setTimeout(() => resolve('late'), 1_000);
		});
		if ((await Promise.race([this.exited, late])) === 'late') await this.worker.terminate();
		clearTimeout(timer);
	}
}
