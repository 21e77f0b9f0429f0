import { ManualClock } from '../../../server/src/domain/time';
import { CallbackJobPayload, Job } from '../../../server/src/jobs/job';
import { SqliteJobQueue } from '../../../server/src/jobs/sqlite-queue';
import { silentLogger } from '../../../server/src/observability/log';
import { SqliteStore } from '../../../server/src/store/sqlite/sqlite-store';
import { channelFixture, messageFixture } from '../store/store-contract';

/** Each job kind runs with its own concurrency: slow callbacks never hold back pushes. */
test('callbacks stuck at their concurrency limit do not delay a push', async () => {
	const clock = new ManualClock();
	const now = clock.now();
	const store = new SqliteStore(':memory:');
	const queue = new SqliteJobQueue(store, clock, silentLogger, {
		concurrency: { 'callback.deliver': 2, 'push.message': 2 },
	});
	const release: Array<() => void> = [];
	const callbacksStarted: Job[] = [];
	const pushed: string[] = [];
	queue.register('callback.deliver', (job) => {
		callbacksStarted.push(job);
		return new Promise<void>((resolve) => release.push(resolve)); // a receiver that hangs
	});
	queue.register('push.message', async (job) => void pushed.push(job.payload.message_id));
	try {
		const channel = channelFixture();
		await store.ensureAccount(channel.accountId, now);
		await store.insertChannel(channel);
		const callback = (deliveryId: string): CallbackJobPayload => ({
			messageId: 'msg_x',
			deliveryId,
			target: 'callback_url',
			webhookId: null,
			url: 'https://example.com/hook',
			body: '{}',
		});
		const answered = messageFixture(channel.id);
		await store.insertMessage(answered, [
			{ kind: 'callback.deliver', payload: callback('d1'), runAt: now },
			{ kind: 'callback.deliver', payload: callback('d2'), runAt: now },
			{ kind: 'callback.deliver', payload: callback('d3'), runAt: now },
		]);
		queue.start();
		await waitUntil(() => callbacksStarted.length === 2);

		const sent = messageFixture(channel.id);
		await store.insertMessage(sent, [
			{ kind: 'push.message', payload: { message_id: sent.id }, runAt: now },
		]);
		queue.wake();
		await waitUntil(() => pushed.length === 1);
		expect(pushed).toEqual([sent.id]);
		// The third callback waits for a free callback slot, not for the push.
		expect(callbacksStarted).toHaveLength(2);
		release.shift()?.();
		await waitUntil(() => callbacksStarted.length === 3);
	} finally {
		for (const done of release) done();
		await queue.stop();
		await store.close();
	}
});

async function waitUntil(check: () => boolean, timeoutMs = 3_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error('condition not met in time');
		await new Promise((r) => setTimeout(r, 10));
	}
}
