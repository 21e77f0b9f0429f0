import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../../server/src/domain/time';
import { SqliteStore } from '../../../../server/src/store/sqlite/sqlite-store';
import { FakeReceiver } from '../../../fakes/callback-receiver';
import { drainJobs, messageDetail } from '../../../helpers/callbacks';
import {
	TestChannel,
	TestServer,
	createChannel,
	respond,
	sendMessage,
	startTestServer,
} from '../../../helpers/server';

const START = Date.UTC(2026, 0, 1, 9, 0, 0);
const APPROVE = [{ type: 'button', label: 'Approve', key: 'approve' }];

/**
 * SQLite mode: a callback attempt, the callback's state and its job's outcome (the row deleted,
 * or due again) are one commit. The queue's own outcome write (`completeJob` / `retryJob`) is
 * made to fail here, as a crash between two commits would leave it: with the outcome in the
 * attempt's commit the queue never makes that write, and nothing runs a second time.
 */
describe("a callback job's outcome is committed with its attempt (SQLite)", () => {
	let clock: ManualClock;
	let receiver: FakeReceiver;
	let server: TestServer | null = null;
	let channel: TestChannel;
	let dir: string;
	/** The queue's separate outcome writes that were tried (each one failed). */
	let queueOutcomeWrites: string[];

	/** A server on `dir` whose store refuses the queue's separate outcome writes. */
	async function start(injectFailure: boolean): Promise<TestServer> {
		const store = new SqliteStore(join(dir, 'ping.db'));
		if (injectFailure) {
			store.completeJob = async (id) => {
				queueOutcomeWrites.push(`complete ${id}`);
				throw new Error('injected: the job outcome write failed');
			};
			store.retryJob = async (id) => {
				queueOutcomeWrites.push(`retry ${id}`);
				throw new Error('injected: the job outcome write failed');
			};
		}
		server = await startTestServer({
			clock,
			dir,
			store,
			env: { PING_STORE: 'sqlite', PING_CALLBACK_ALLOW: '127.0.0.1/32' },
		});
		// The queue is driven by hand on the manual clock, so nothing races the test.
		await server.jobs.stop();
		return server;
	}

	/** Stops the server, keeps its file, and starts it again (a restart with no failures). */
	async function restart(): Promise<TestServer> {
		await server?.stop({ keepFiles: true });
		return start(false);
	}

	beforeEach(async () => {
		clock = new ManualClock(START);
		receiver = await new FakeReceiver().start();
		dir = mkdtempSync(join(tmpdir(), 'ping-outcome-'));
		queueOutcomeWrites = [];
		channel = await createChannel((await start(true)).url);
	});

	afterEach(async () => {
		await server?.stop();
		await receiver.stop();
	});

	async function answered(extra: Record<string, unknown> = {}): Promise<string> {
		const running = server as TestServer;
		const id = await sendMessage(running.url, channel.token, {
			title: 'Deploy?',
			callback_url: receiver.url,
			actions: APPROVE,
			...extra,
		});
		expect((await respond(running.url, id, { triggered_by: 'approve' })).status).toBe(200);
		return id;
	}

	test('delivered: the job is gone with the attempt, and a restart does not deliver (or record) it again', async () => {
		const id = await answered();
		expect(await server?.jobs.runDue()).toBe(1);
		expect(receiver.received).toHaveLength(1);

		const restarted = await restart();
		expect(await drainJobs(restarted, clock)).toBe(0);
		expect(receiver.received).toHaveLength(1);
		const detail = await messageDetail(restarted, id);
		expect(detail.callback_state).toBe('delivered');
		expect(detail.callback_attempts.map((a) => [a.attempt, a.outcome])).toEqual([[1, 'delivered']]);
		expect(queueOutcomeWrites).toEqual([]);
	});

	test('retrying: the job is due at the next attempt the attempt records, not leased, in the same commit', async () => {
		receiver.reply = () => ({ status: receiver.received.length === 1 ? 500 : 200 });
		const id = await answered();
		expect(await server?.jobs.runDue()).toBe(1);
		const [first] = (await messageDetail(server as TestServer, id)).callback_attempts;
		expect(first.outcome).toBe('retrying');
		const nextAttemptAt = Date.parse(first.next_attempt_at ?? '');
		// Not the lease's end (a claim's 120 s): the job row says what the attempt says.
		expect(await server?.jobs.nextDueAt()).toBe(nextAttemptAt);
		expect(queueOutcomeWrites).toEqual([]);

		const restarted = await restart();
		await drainJobs(restarted, clock);
		expect(receiver.received).toHaveLength(2);
		expect(receiver.received[1].headers['x-ping-idempotency-key']).toBe(
			receiver.received[0].headers['x-ping-idempotency-key'],
		);
		const detail = await messageDetail(restarted, id);
		expect(detail.callback_state).toBe('delivered');
		expect(detail.callback_attempts.map((a) => [a.attempt, a.outcome])).toEqual([
			[1, 'retrying'],
			[2, 'delivered'],
		]);
		expect(await restarted.jobs.nextDueAt()).toBeNull();
	});

	test('an expiry event: delivered once, its job gone with the attempt', async () => {
		const id = await sendMessage((server as TestServer).url, channel.token, {
			title: 'Deploy?',
			callback_url: receiver.url,
			actions: APPROVE,
			expires_in: 60,
			expiry_callback: true,
		});
		clock.set(START + 60_000);
		expect(await server?.jobs.runDue()).toBe(1);
		expect(receiver.received.map((c) => c.body.event)).toEqual(['expired']);
		expect(queueOutcomeWrites).toEqual([]);
		expect(await server?.jobs.nextDueAt()).toBeNull();

		const restarted = await restart();
		expect(await drainJobs(restarted, clock)).toBe(0);
		expect(receiver.received).toHaveLength(1);
		expect((await messageDetail(restarted, id)).callback_attempts.map((a) => a.outcome)).toEqual([
			'delivered',
		]);
	});

	test("a job that ends without an attempt (its channel deleted) is still the queue's to complete", async () => {
		await answered();
		// Nothing to sign with: the job is dropped without a POST, so there is no attempt to
		// carry its outcome and the queue writes it (here, the injected failure shows it tried).
		await (server as TestServer).ctx.store.deleteChannel(channel.id);
		expect(await server?.jobs.runDue()).toBe(1);
		expect(receiver.received).toHaveLength(0);
		expect(queueOutcomeWrites).toHaveLength(1);
		expect(queueOutcomeWrites[0]).toMatch(/^complete /);
	});
});
