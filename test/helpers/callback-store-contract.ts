import { CallbackAttempt, Channel, ChannelWebhook, Message } from '../../server/src/domain/types';
import { Store } from '../../server/src/store/store';

/**
 * What every Store driver must do for callbacks (attempt log) and channel webhooks.
 * Call it from a driver's test file with a factory for a fresh, empty store.
 */
export function callbackStoreContract(
	driver: string,
	open: () => Promise<Store>,
	close: (store: Store) => Promise<void>,
): void {
	describe(`${driver} store: callback attempts and channel webhooks`, () => {
		let store: Store;
		const now = Date.UTC(2026, 0, 1);
		const channel = (id: string): Channel => ({
			id,
			accountId: 'usr_contract',
			name: id,
			icon: null,
			color: null,
			mutedUntil: null,
			tokenHash: `hash-${id}`,
			webhookSecret: 'a'.repeat(64),
			createdAt: now,
			updatedAt: now,
		});
		const message = (id: string, channelId: string): Message => ({
			id,
			channelId,
			title: 't',
			body: null,
			priority: 'normal',
			callbackUrl: 'https://example.com/cb',
			actions: [],
			createdAt: now,
			expiresAt: null,
			muted: false,
		});
		const webhook = (id: string, channelId: string, createdAt = now): ChannelWebhook => ({
			id,
			channelId,
			url: `https://example.com/${id}`,
			description: id === 'wh_a' ? 'first' : null,
			createdAt,
		});
		const attempt = (
			messageId: string,
			n: number,
			extra: Partial<CallbackAttempt> = {},
		): CallbackAttempt => ({
			messageId,
			deliveryId: 'dlv_x',
			target: 'callback_url',
			webhookId: null,
			attempt: n,
			attemptedAt: now + n * 1000,
			statusCode: 500,
			error: 'HTTP 500',
			latencyMs: 12,
			outcome: 'retrying',
			nextAttemptAt: now + n * 1000 + 5000,
			...extra,
		});

		beforeEach(async () => {
			store = await open();
			await store.ensureAccount('usr_contract', now);
			await store.insertChannel(channel('ch_one'));
			await store.insertChannel(channel('ch_two'));
		});
		afterEach(() => close(store));

		test('webhooks are listed per channel, oldest first, and deleted only on their own channel', async () => {
			expect(await store.insertWebhook(webhook('wh_b', 'ch_one', now + 5), 5)).toBe('inserted');
			expect(await store.insertWebhook(webhook('wh_a', 'ch_one', now), 5)).toBe('inserted');
			expect(await store.insertWebhook(webhook('wh_c', 'ch_two'), 5)).toBe('inserted');
			expect((await store.listWebhooks('ch_one')).map((w) => w.id)).toEqual(['wh_a', 'wh_b']);
			expect(await store.getWebhook('wh_a')).toEqual(webhook('wh_a', 'ch_one'));
			expect(await store.getWebhook('wh_zzz')).toBeNull();
			expect(await store.deleteWebhook('ch_two', 'wh_a')).toBe(false);
			expect(await store.deleteWebhook('ch_one', 'wh_a')).toBe(true);
			expect(await store.deleteWebhook('ch_one', 'wh_a')).toBe(false);
			expect((await store.listWebhooks('ch_one')).map((w) => w.id)).toEqual(['wh_b']);
		});

		test('what an answer reads (its channel, the webhooks) is current after every change, read before it too', async () => {
			expect(await store.listWebhooks('ch_one')).toEqual([]);
			const before = await store.getChannel('ch_one');
			await store.insertWebhook(webhook('wh_a', 'ch_one'), 5);
			expect((await store.listWebhooks('ch_one')).map((w) => w.id)).toEqual(['wh_a']);
			await store.insertWebhook(webhook('wh_b', 'ch_one', now + 5), 5);
			expect((await store.listWebhooks('ch_one')).map((w) => w.id)).toEqual(['wh_a', 'wh_b']);
			expect(await store.deleteWebhook('ch_one', 'wh_a')).toBe(true);
			expect((await store.listWebhooks('ch_one')).map((w) => w.id)).toEqual(['wh_b']);
			// A rotated secret signs the next callback.
			await store.updateChannel('ch_one', { webhookSecret: 'f'.repeat(64) }, now + 9);
			expect(await store.getChannel('ch_one')).toEqual({
				...before,
				webhookSecret: 'f'.repeat(64),
				updatedAt: now + 9,
			});
			expect(await store.deleteChannel('ch_one')).toBe(true);
			expect(await store.getChannel('ch_one')).toBeNull();
			expect(await store.listWebhooks('ch_one')).toEqual([]);
		});

		test('the per-channel webhook limit holds, also under concurrent inserts', async () => {
			const results = await Promise.all(
				Array.from({ length: 8 }, (_, i) => store.insertWebhook(webhook(`wh_${i}`, 'ch_one'), 3)),
			);
			expect(results.filter((r) => r === 'inserted')).toHaveLength(3);
			expect(await store.listWebhooks('ch_one')).toHaveLength(3);
			expect(await store.insertWebhook(webhook('wh_other', 'ch_two'), 3)).toBe('inserted');
		});

		test('callback attempts come back per message, oldest first, every field intact', async () => {
			await store.insertMessage(message('msg_one', 'ch_one'), []);
			await store.insertMessage(message('msg_two', 'ch_one'), []);
			const last = attempt('msg_one', 2, {
				statusCode: null,
				error: 'connection refused',
				outcome: 'failed',
				nextAttemptAt: null,
			});
			await store.recordCallbackAttempt(last);
			await store.recordCallbackAttempt(attempt('msg_one', 1));
			await store.recordCallbackAttempt(
				attempt('msg_two', 1, {
					target: 'webhook',
					webhookId: 'wh_a',
					statusCode: 200,
					error: null,
					outcome: 'delivered',
					nextAttemptAt: null,
				}),
			);
			expect(await store.listCallbackAttempts('msg_one')).toEqual([attempt('msg_one', 1), last]);
			expect(await store.listCallbackAttempts('msg_two')).toEqual([
				expect.objectContaining({ target: 'webhook', webhookId: 'wh_a', outcome: 'delivered' }),
			]);
			expect(await store.listCallbackAttempts('msg_none')).toEqual([]);
		});

		test("deleting a channel removes its webhooks and its messages' attempts", async () => {
			await store.insertWebhook(webhook('wh_a', 'ch_one'), 5);
			await store.insertMessage(message('msg_one', 'ch_one'), []);
			await store.recordCallbackAttempt(attempt('msg_one', 1));
			await store.insertMessage(message('msg_keep', 'ch_two'), []);
			await store.recordCallbackAttempt(attempt('msg_keep', 1));
			expect(await store.deleteChannel('ch_one')).toBe(true);
			expect(await store.listWebhooks('ch_one')).toEqual([]);
			expect(await store.getWebhook('wh_a')).toBeNull();
			expect(await store.listCallbackAttempts('msg_one')).toEqual([]);
			expect(await store.listCallbackAttempts('msg_keep')).toHaveLength(1);
		});
	});
}
