import { ManualClock } from '../../../../server/src/domain/time';
import { silentLogger } from '../../../../server/src/observability/log';
import { RetentionSweeper } from '../../../../server/src/store/sqlite/retention';
import { SqliteStore } from '../../../../server/src/store/sqlite/sqlite-store';
import { channelFixture, messageFixture } from '../store-contract';

const DAY = 24 * 3600_000;

test('messages past retention are deleted in small batches, with their attempts and deliveries; newer ones stay', async () => {
	const clock = new ManualClock(Date.UTC(2026, 0, 1));
	const store = new SqliteStore(':memory:');
	const sweeper = new RetentionSweeper(store, clock, silentLogger, {
		retentionMs: 30 * DAY,
		everyMs: 60_000,
		batch: 2,
		pauseMs: 0,
	});
	try {
		const channel = channelFixture();
		await store.ensureAccount(channel.accountId, clock.now());
		await store.insertChannel(channel);
		const old = [];
		for (let i = 0; i < 5; i++) {
			const message = messageFixture(channel.id, { createdAt: clock.now() + i });
			await store.insertMessage(message, []);
			await store.recordCallbackAttempt({
				messageId: message.id,
				deliveryId: `dlv_${i}`,
				target: 'callback_url',
				webhookId: null,
				attempt: 1,
				attemptedAt: clock.now(),
				statusCode: 200,
				error: null,
				latencyMs: 5,
				outcome: 'delivered',
				nextAttemptAt: null,
			});
			await store.addDeliveries(message.id, 'apns', ['dev_a'], clock.now());
			old.push(message.id);
		}
		clock.advance(20 * DAY);
		const recent = messageFixture(channel.id, { createdAt: clock.now() });
		await store.insertMessage(recent, []);

		clock.advance(10 * DAY + 1_000); // the first five are now past 30 days, the last one is not
		expect(await sweeper.sweep()).toBe(5);
		for (const id of old) {
			expect(await store.getMessage(id)).toBeNull();
			expect(await store.listCallbackAttempts(id)).toEqual([]);
			expect(await store.listDeliveries(id)).toEqual([]);
		}
		expect(await store.getMessage(recent.id)).not.toBeNull();
		expect(await sweeper.sweep()).toBe(0);
	} finally {
		await sweeper.stop();
		await store.close();
	}
});
