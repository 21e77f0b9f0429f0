import { ManualClock } from '../../../server/src/domain/time';
import { newChannelId, newDeviceId, newKeyId, newMessageId } from '../../../server/src/domain/ids';
import { PollOutcome, pollOutcome } from '../../../server/src/domain/polling';
import {
	Answer,
	ApiKey,
	Channel,
	ConsoleSession,
	DeviceDelivery,
	ApnsDevice,
	Message,
	Pairing,
	WebPushDevice,
} from '../../../server/src/domain/types';
import { JobQueue } from '../../../server/src/jobs/queue';
import { CallbackJobPayload, Job } from '../../../server/src/jobs/job';
import { Store } from '../../../server/src/store/store';
import { callbackStoreContract } from '../../helpers/callback-store-contract';

/**
 * THE store contract: every driver runs exactly these tests (store.sqlite.test.ts,
 * store.redis.test.ts). A driver factory gives a fresh, empty store plus the job queue that
 * goes with it (one per simulated server instance).
 */
export interface StoreDriver {
	store: Store;
	clock: ManualClock;
	/** A new job queue on this store, as one server instance would run it (not started). */
	newQueue(): JobQueue;
	/** The process running `queue` dies: it finishes nothing and releases nothing. */
	crash(queue: JobQueue): Promise<void>;
	/** Time passes until the jobs of a crashed queue are handed out again. */
	lapseLeases(): Promise<void>;
	close(): Promise<void>;
}

export type StoreDriverFactory = () => Promise<StoreDriver>;

const T0 = Date.UTC(2026, 0, 1, 12);
const TTL_MS = 10 * 60_000;

let seq = 0;
const unique = (p: string) => `${p}${(++seq).toString().padStart(6, '0')}`;

export function apiKeyFixture(over: Partial<ApiKey> = {}): ApiKey {
	return {
		id: newKeyId(),
		accountId: 'usr_contract',
		name: 'a key',
		prefix: 'pk_live_abcd',
		keyHash: unique('keyhash'),
		createdAt: T0,
		lastUsedAt: null,
		...over,
	};
}

export function channelFixture(over: Partial<Channel> = {}): Channel {
	return {
		id: newChannelId(),
		accountId: 'usr_contract',
		name: 'Deploys',
		icon: null,
		color: '#ff0000',
		mutedUntil: null,
		tokenHash: unique('tokenhash'),
		webhookSecret: 'a'.repeat(64),
		createdAt: T0,
		updatedAt: T0,
		...over,
	};
}

export function deviceFixture(over: Partial<ApnsDevice> = {}): ApnsDevice {
	return {
		id: newDeviceId(),
		kind: 'apns',
		accountId: 'usr_contract',
		token: unique('ab'),
		environment: 'sandbox',
		topic: 'com.example.ping',
		name: null,
		createdAt: T0,
		registeredAt: T0,
		lastSeenAt: null,
		...over,
	};
}

export function browserFixture(over: Partial<WebPushDevice> = {}): WebPushDevice {
	return {
		id: newDeviceId(),
		kind: 'webpush',
		accountId: 'usr_contract',
		name: 'Pixel',
		keyHash: unique('keyhash'),
		channelIds: ['ch_one', 'ch_two'],
		subscription: null,
		createdAt: T0,
		registeredAt: T0,
		lastSeenAt: T0,
		...over,
	};
}

export function messageFixture(channelId: string, over: Partial<Message> = {}): Message {
	return {
		id: newMessageId(),
		channelId,
		title: 'Deploy?',
		body: '**now**',
		priority: 'high',
		callbackUrl: null,
		actions: [
			{ type: 'button', label: 'Yes', key: 'yes', style: 'primary' },
			{ type: 'text', label: 'Why', key: 'why', multiline: false, max_length: 1000 },
		],
		createdAt: T0,
		expiresAt: null,
		muted: false,
		answerTokenHash: unique('answer-token-hash'),
		...over,
	};
}

export function answerFixture(over: Partial<Answer> = {}): Answer {
	return {
		triggeredBy: 'yes',
		responses: { why: 'ok' },
		timestamp: new Date(T0).toISOString(),
		submittedAt: T0,
		responder: null,
		...over,
	};
}

/** A callback job's payload, told apart by its delivery id. */
function callbackPayload(messageId: string, deliveryId: string): CallbackJobPayload {
	return {
		messageId,
		deliveryId,
		target: 'callback_url',
		webhookId: null,
		url: 'https://example.com/hook',
		body: '{}',
	};
}

/** Polls until `check` stops throwing (jobs run on their own schedule), or fails with its error. */
export async function eventually(
	check: () => void | Promise<void>,
	timeoutMs = 8_000,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		try {
			await check();
			return;
		} catch (error) {
			if (Date.now() > deadline) throw error;
			await new Promise((r) => setTimeout(r, 20));
		}
	}
}

const poll = (store: Store, id: string, now: number) =>
	store.pollAnswer(id, (record): PollOutcome => pollOutcome(record, now, TTL_MS), now);

export function storeContract(driverName: string, factory: StoreDriverFactory): void {
	describe(`Store contract: ${driverName}`, () => {
		let d: StoreDriver;
		let store: Store;
		let queues: JobQueue[] = [];
		const queue = () => {
			const q = d.newQueue();
			queues.push(q);
			return q;
		};

		beforeEach(async () => {
			d = await factory();
			store = d.store;
			d.clock.set(T0);
			queues = [];
			// Keys, channels and devices belong to an existing account (SQLite enforces it).
			for (const account of ['usr_contract', 'usr_a', 'usr_b'])
				await store.ensureAccount(account, T0);
		});
		afterEach(async () => {
			await Promise.all(queues.map((q) => q.stop().catch(() => undefined)));
			await d.close();
		});

		describe('accounts and API keys', () => {
			test('ensureAccount creates once and keeps the first creation time', async () => {
				expect(await store.ensureAccount('usr_new', T0 + 1)).toEqual({
					id: 'usr_new',
					createdAt: T0 + 1,
				});
				expect(await store.ensureAccount('usr_new', T0 + 5_000)).toEqual({
					id: 'usr_new',
					createdAt: T0 + 1,
				});
			});

			test('keys are found by hash, listed per account in creation order, counted across accounts', async () => {
				const a1 = apiKeyFixture({ accountId: 'usr_a', createdAt: T0 + 2 });
				const a2 = apiKeyFixture({ accountId: 'usr_a', createdAt: T0 + 1 });
				const b1 = apiKeyFixture({ accountId: 'usr_b' });
				for (const k of [a1, a2, b1]) expect(await store.insertApiKey(k, 10)).toBe('inserted');
				expect(await store.countApiKeys()).toBe(3);
				expect(await store.findApiKeyByHash(a1.keyHash)).toEqual(a1);
				expect(await store.findApiKeyByHash('unknown')).toBeNull();
				expect((await store.listApiKeys('usr_a')).map((k) => k.id)).toEqual([a2.id, a1.id]);
				expect((await store.listApiKeys('usr_b')).map((k) => k.id)).toEqual([b1.id]);
			});

			test('the per-account key limit holds, also under concurrency, and a delete frees a slot', async () => {
				const results = await Promise.all(
					Array.from({ length: 8 }, () =>
						store.insertApiKey(apiKeyFixture({ accountId: 'usr_a' }), 3),
					),
				);
				expect(results.filter((r) => r === 'inserted')).toHaveLength(3);
				expect(await store.insertApiKey(apiKeyFixture({ accountId: 'usr_b' }), 3)).toBe('inserted');
				const [first] = await store.listApiKeys('usr_a');
				expect(await store.deleteApiKey('usr_a', first.id)).toBe(true);
				expect(await store.insertApiKey(apiKeyFixture({ accountId: 'usr_a' }), 3)).toBe('inserted');
			});

			test('a key is deleted only by its own account, and its hash stops working', async () => {
				const key = apiKeyFixture({ accountId: 'usr_a' });
				await store.insertApiKey(key, 10);
				expect(await store.deleteApiKey('usr_b', key.id)).toBe(false);
				expect(await store.findApiKeyByHash(key.keyHash)).not.toBeNull();
				expect(await store.deleteApiKey('usr_a', key.id)).toBe(true);
				expect(await store.deleteApiKey('usr_a', key.id)).toBe(false);
				expect(await store.findApiKeyByHash(key.keyHash)).toBeNull();
				expect(await store.listApiKeys('usr_a')).toEqual([]);
				expect(await store.countApiKeys()).toBe(0);
			});

			test('touchApiKey records the last use; touching a deleted key does not bring it back', async () => {
				const key = apiKeyFixture();
				await store.insertApiKey(key, 10);
				await store.touchApiKey(key.id, T0 + 60_000);
				expect((await store.findApiKeyByHash(key.keyHash))?.lastUsedAt).toBe(T0 + 60_000);
				await store.deleteApiKey(key.accountId, key.id);
				await store.touchApiKey(key.id, T0 + 120_000);
				expect(await store.findApiKeyByHash(key.keyHash)).toBeNull();
				expect(await store.listApiKeys(key.accountId)).toEqual([]);
			});
		});

		describe('channels', () => {
			test('insert, get, find by token hash, list per account in creation order', async () => {
				const c1 = channelFixture({ accountId: 'usr_a', createdAt: T0 + 5 });
				const c2 = channelFixture({ accountId: 'usr_a', createdAt: T0 + 1 });
				const other = channelFixture({ accountId: 'usr_b' });
				for (const c of [c1, c2, other]) await store.insertChannel(c);
				expect(await store.getChannel(c1.id)).toEqual(c1);
				expect(await store.getChannel('ch_unknown00000')).toBeNull();
				expect(await store.findChannelByTokenHash(c2.tokenHash)).toEqual(c2);
				expect(await store.findChannelByTokenHash('nope')).toBeNull();
				expect((await store.listChannels('usr_a')).map((c) => c.id)).toEqual([c2.id, c1.id]);
				expect(await store.listChannels('usr_nobody')).toEqual([]);
			});

			test('updateChannel applies the patch and the time; a new token hash replaces the old one at once', async () => {
				const c = channelFixture({ mutedUntil: T0 + 1_000 });
				await store.insertChannel(c);
				const updated = await store.updateChannel(
					c.id,
					{ name: 'Renamed', mutedUntil: null, tokenHash: 'new-hash', icon: '🚀' },
					T0 + 9,
				);
				expect(updated).toEqual({
					...c,
					name: 'Renamed',
					mutedUntil: null,
					tokenHash: 'new-hash',
					icon: '🚀',
					updatedAt: T0 + 9,
				});
				expect(await store.getChannel(c.id)).toEqual(updated);
				expect(await store.findChannelByTokenHash(c.tokenHash)).toBeNull();
				expect(await store.findChannelByTokenHash('new-hash')).toEqual(updated);
				expect(await store.updateChannel('ch_unknown00000', { name: 'x' }, T0)).toBeNull();
			});

			test('concurrent patches of different fields are all kept', async () => {
				const c = channelFixture();
				await store.insertChannel(c);
				await Promise.all([
					store.updateChannel(c.id, { name: 'N' }, T0 + 1),
					store.updateChannel(c.id, { color: '#00ff00' }, T0 + 2),
					store.updateChannel(c.id, { webhookSecret: 'b'.repeat(64) }, T0 + 3),
				]);
				expect(await store.getChannel(c.id)).toMatchObject({
					name: 'N',
					color: '#00ff00',
					webhookSecret: 'b'.repeat(64),
				});
			});

			test('deleteChannel removes the channel, its token, its messages; other channels keep theirs', async () => {
				const c = channelFixture();
				const keep = channelFixture();
				await store.insertChannel(c);
				await store.insertChannel(keep);
				const gone = messageFixture(c.id);
				const kept = messageFixture(keep.id);
				await store.insertMessage(gone, []);
				await store.insertMessage(kept, []);
				expect(await store.deleteChannel(c.id)).toBe(true);
				expect(await store.deleteChannel(c.id)).toBe(false);
				expect(await store.getChannel(c.id)).toBeNull();
				expect(await store.findChannelByTokenHash(c.tokenHash)).toBeNull();
				expect(await store.listChannels(c.accountId)).toEqual([await store.getChannel(keep.id)]);
				expect(await store.getMessage(gone.id)).toBeNull();
				expect(await store.listMessages(c.id, { limit: 10 })).toEqual([]);
				expect((await store.getMessage(kept.id))?.id).toBe(kept.id);
			});
		});

		describe('devices', () => {
			test('insert, get, find by token within the account, list, update, delete', async () => {
				const d1 = deviceFixture({ accountId: 'usr_a', createdAt: T0 + 2 });
				const d2 = deviceFixture({ accountId: 'usr_a', createdAt: T0 + 1 });
				await store.insertDevice(d1);
				await store.insertDevice(d2);
				expect(await store.getDevice(d1.id)).toEqual(d1);
				expect(await store.findDeviceByToken('usr_a', d1.token)).toEqual(d1);
				expect(await store.findDeviceByToken('usr_b', d1.token)).toBeNull();
				expect((await store.listDevices('usr_a')).map((x) => x.id)).toEqual([d2.id, d1.id]);

				const updated = await store.updateDevice(d1.id, {
					token: 'cafe01',
					environment: 'production',
					registeredAt: T0 + 50,
				});
				expect(updated).toEqual({
					...d1,
					token: 'cafe01',
					environment: 'production',
					registeredAt: T0 + 50,
				});
				expect(await store.findDeviceByToken('usr_a', d1.token)).toBeNull();
				expect(await store.findDeviceByToken('usr_a', 'cafe01')).toEqual(updated);
				expect(await store.updateDevice('dev_unknown0000', { name: 'x' })).toBeNull();

				expect(await store.deleteDevice(d1.id)).toBe(true);
				expect(await store.deleteDevice(d1.id)).toBe(false);
				expect(await store.getDevice(d1.id)).toBeNull();
				expect(await store.findDeviceByToken('usr_a', 'cafe01')).toBeNull();
				expect((await store.listDevices('usr_a')).map((x) => x.id)).toEqual([d2.id]);
			});

			test('a device is removed after a 410 only if it registered before the 410 timestamp', async () => {
				const d = deviceFixture({ accountId: 'usr_a', registeredAt: T0 });
				await store.insertDevice(d);
				expect(await store.deleteDeviceRegisteredBefore(d.id, T0)).toBe(false); // same instant: not older
				expect(await store.getDevice(d.id)).toEqual(d);
				expect(await store.deleteDeviceRegisteredBefore(d.id, T0 + 1)).toBe(true);
				expect(await store.getDevice(d.id)).toBeNull();
				expect(await store.findDeviceByToken('usr_a', d.token)).toBeNull();
				expect(await store.listDevices('usr_a')).toEqual([]);
				expect(await store.deleteDeviceRegisteredBefore(d.id, T0 + 1)).toBe(false);
			});
		});

		describe('paired browsers and pairings', () => {
			const subscription = {
				endpoint: 'https://push.example/send/abc',
				p256dh: 'BPublicKey',
				auth: 'authsecret',
			};

			test('a paired browser is found by its key hash, listed beside APNs devices, patched by kind', async () => {
				const phone = deviceFixture({ accountId: 'usr_b', createdAt: T0 });
				const browser = browserFixture({ accountId: 'usr_b', createdAt: T0 + 1 });
				await store.insertDevice(phone);
				await store.insertDevice(browser);
				expect(await store.getDevice(browser.id)).toEqual(browser);
				expect(await store.findDeviceByKeyHash(browser.keyHash)).toEqual(browser);
				expect(await store.findDeviceByKeyHash('unknown')).toBeNull();
				expect(await store.listDevices('usr_b')).toEqual([phone, browser]);

				// APNs fields do not stick to a browser, nor browser fields to a phone.
				const patched = await store.updateDevice(browser.id, {
					subscription,
					lastSeenAt: T0 + 9,
					name: 'Kitchen tablet',
					channelIds: null,
					token: 'cafe',
				});
				expect(patched).toEqual({
					...browser,
					subscription,
					lastSeenAt: T0 + 9,
					name: 'Kitchen tablet',
					channelIds: null,
				});
				expect(await store.getDevice(browser.id)).toEqual(patched);
				expect(await store.updateDevice(phone.id, { subscription, lastSeenAt: T0 + 3 })).toEqual({
					...phone,
					lastSeenAt: T0 + 3,
				});

				expect(await store.deleteDevice(browser.id)).toBe(true);
				expect(await store.findDeviceByKeyHash(browser.keyHash)).toBeNull();
				expect((await store.listDevices('usr_b')).map((d) => d.id)).toEqual([phone.id]);
			});

			test('a subscription is removed after a 404/410 only while it is still the one that failed', async () => {
				const browser = browserFixture({ accountId: 'usr_a', subscription });
				await store.insertDevice(browser);
				expect(await store.removeSubscription(browser.id, 'https://push.example/other')).toBe(
					false,
				);
				expect(await store.getDevice(browser.id)).toEqual(browser);
				expect(await store.removeSubscription(browser.id, subscription.endpoint)).toBe(true);
				// The device stays (its inbox still works); only the subscription goes.
				expect(await store.getDevice(browser.id)).toEqual({ ...browser, subscription: null });
				expect(await store.removeSubscription(browser.id, subscription.endpoint)).toBe(false);
				const phone = deviceFixture({ accountId: 'usr_a' });
				await store.insertDevice(phone);
				expect(await store.removeSubscription(phone.id, subscription.endpoint)).toBe(false);
				expect(await store.removeSubscription('dev_unknown0000', subscription.endpoint)).toBe(
					false,
				);
			});

			test('unused subscriptions: listed by last sight, warned once per absence, expired unless seen again', async () => {
				const old = browserFixture({ accountId: 'usr_a', subscription, lastSeenAt: T0 });
				const never = browserFixture({
					accountId: 'usr_b',
					subscription,
					createdAt: T0 + 1,
					lastSeenAt: null,
				});
				const recent = browserFixture({ accountId: 'usr_a', subscription, lastSeenAt: T0 + 50 });
				const unsubscribed = browserFixture({ accountId: 'usr_a', lastSeenAt: T0 });
				for (const d of [recent, never, old, unsubscribed, deviceFixture({ accountId: 'usr_a' })])
					await store.insertDevice(d);
				const cutoff = T0 + 10;
				expect((await store.listBrowsersUnseenSince(cutoff)).map((d) => d.id)).toEqual([
					old.id,
					never.id,
				]);

				// Two sweeps racing: exactly one warns.
				const claims = await Promise.all([
					store.claimExpiryWarning(old.id, cutoff, T0 + 100),
					store.claimExpiryWarning(old.id, cutoff, T0 + 100),
				]);
				expect(claims.filter(Boolean)).toHaveLength(1);
				expect(await store.getDevice(old.id)).toEqual({ ...old, expiryWarnedAt: T0 + 100 });
				expect(await store.claimExpiryWarning(old.id, cutoff, T0 + 200)).toBe(false);
				expect(await store.claimExpiryWarning(recent.id, cutoff, T0 + 100)).toBe(false);
				expect(await store.claimExpiryWarning(unsubscribed.id, cutoff, T0 + 100)).toBe(false);
				// A warning that could not be sent is released, and claimed again later.
				await store.releaseExpiryWarning(old.id, T0 + 999);
				expect(await store.claimExpiryWarning(old.id, cutoff, T0 + 200)).toBe(false);
				await store.releaseExpiryWarning(old.id, T0 + 100);
				expect(await store.getDevice(old.id)).toEqual(old);
				expect(await store.claimExpiryWarning(old.id, cutoff, T0 + 200)).toBe(true);
				// Seen again after the warning: the next absence is warned again.
				await store.updateDevice(old.id, { lastSeenAt: T0 + 300 });
				expect(await store.claimExpiryWarning(old.id, T0 + 400, T0 + 400)).toBe(true);

				expect(await store.expireSubscription(recent.id, cutoff)).toBe(false);
				expect(await store.expireSubscription(never.id, cutoff)).toBe(true);
				expect(await store.expireSubscription(never.id, cutoff)).toBe(false);
				expect(await store.getDevice(never.id)).toEqual({ ...never, subscription: null });
				expect((await store.listBrowsersUnseenSince(cutoff)).map((d) => d.id)).toEqual([]);
				expect((await store.listBrowsersUnseenSince(T0 + 1000)).map((d) => d.id)).toEqual([
					recent.id,
					old.id,
				]);
				// A revoked browser is no longer swept.
				await store.deleteDevice(recent.id);
				expect((await store.listBrowsersUnseenSince(T0 + 1000)).map((d) => d.id)).toEqual([old.id]);
			});

			test('a pairing is claimed once, becomes the device in the same step, and expires', async () => {
				const pairing: Pairing = {
					codeHash: unique('code'),
					accountId: 'usr_pair',
					channelIds: ['ch_x'],
					name: 'Ops phone',
					createdAt: T0,
					expiresAt: T0 + 600_000,
				};
				await store.ensureAccount('usr_pair', T0);
				await store.insertPairing(pairing);
				// Reading the pairing (the pair page does) uses nothing up.
				expect(await store.findPairing(pairing.codeHash, T0 + 1000)).toEqual(pairing);
				expect(await store.findPairing(pairing.codeHash, T0 + 1000)).toEqual(pairing);
				expect(await store.findPairing(pairing.codeHash, pairing.expiresAt)).toBeNull();
				expect(await store.findPairing(unique('code'), T0)).toBeNull();
				const seen: Pairing[] = [];
				const make = (p: Pairing) => {
					seen.push(p);
					return browserFixture({ accountId: p.accountId, channelIds: p.channelIds, name: p.name });
				};
				const claims = await Promise.all([
					store.claimPairing(pairing.codeHash, T0 + 1000, make),
					store.claimPairing(pairing.codeHash, T0 + 1000, make),
				]);
				const winners = claims.filter((d) => d !== null);
				expect(winners).toHaveLength(1);
				expect(seen[0]).toEqual(pairing);
				const device = winners[0] as WebPushDevice;
				expect(await store.findDeviceByKeyHash(device.keyHash)).toEqual(device);
				expect((await store.listDevices('usr_pair')).map((d) => d.id)).toEqual([device.id]);
				// A claimed browser is seen by the subscription expiry sweep once it subscribes.
				await store.updateDevice(device.id, { subscription });
				expect(
					(await store.listBrowsersUnseenSince(device.lastSeenAt! + 1)).map((d) => d.id),
				).toContain(device.id);
				expect(await store.claimPairing(pairing.codeHash, T0 + 2000, make)).toBeNull();
				expect(await store.findPairing(pairing.codeHash, T0 + 2000)).toBeNull();

				const late: Pairing = { ...pairing, codeHash: unique('code') };
				await store.insertPairing(late);
				expect(await store.claimPairing(late.codeHash, late.expiresAt, make)).toBeNull();
				expect(await store.claimPairing(unique('code'), T0, make)).toBeNull();
				expect(await store.listDevices('usr_pair')).toHaveLength(1);
			});
		});

		describe('push deliveries', () => {
			const row = (deviceId: string, over: Partial<DeviceDelivery> = {}): DeviceDelivery => ({
				messageId: 'msg_deliveries01',
				deviceId,
				kind: 'apns',
				state: 'queued',
				reason: null,
				apnsId: null,
				attempts: 0,
				nextAttemptAt: null,
				updatedAt: T0,
				...over,
			});

			test('rows are added once, saved in batches, listed by device', async () => {
				expect(await store.listDeliveries('msg_deliveries01')).toEqual([]);
				await store.addDeliveries('msg_deliveries01', 'apns', ['dev_b', 'dev_a'], T0);
				expect(await store.listDeliveries('msg_deliveries01')).toEqual([
					row('dev_a'),
					row('dev_b'),
				]);
				const sent = row('dev_a', {
					state: 'sent',
					apnsId: '123e4567-e89b-12d3-a456-426614174000',
					attempts: 1,
					updatedAt: T0 + 5,
				});
				const retrying = row('dev_b', {
					state: 'retrying',
					reason: 'TooManyRequests',
					attempts: 1,
					nextAttemptAt: T0 + 30_000,
					updatedAt: T0 + 5,
				});
				await store.saveDeliveries([sent, retrying]);
				// Adding again (a later run of the job) keeps what is there and adds only new devices.
				await store.addDeliveries('msg_deliveries01', 'apns', ['dev_a', 'dev_c'], T0 + 9);
				expect(await store.listDeliveries('msg_deliveries01')).toEqual([
					sent,
					retrying,
					row('dev_c', { updatedAt: T0 + 9 }),
				]);
				expect(await store.listDeliveries('msg_other000000')).toEqual([]);
			});

			test('rows of each kind are listed only for their kind, and all together without one', async () => {
				await store.addDeliveries('msg_deliveries01', 'apns', ['dev_c', 'dev_a'], T0);
				await store.addDeliveries('msg_deliveries01', 'webpush', ['dev_b'], T0);
				const browserSent = row('dev_d', { kind: 'webpush', state: 'sent', attempts: 1 });
				await store.saveDeliveries([browserSent]);
				expect(await store.listDeliveries('msg_deliveries01', 'apns')).toEqual([
					row('dev_a'),
					row('dev_c'),
				]);
				expect(await store.listDeliveries('msg_deliveries01', 'webpush')).toEqual([
					row('dev_b', { kind: 'webpush' }),
					browserSent,
				]);
				expect(await store.listDeliveries('msg_deliveries01')).toEqual([
					row('dev_a'),
					row('dev_b', { kind: 'webpush' }),
					row('dev_c'),
					browserSent,
				]);
				expect(await store.listDeliveries('msg_other000000', 'webpush')).toEqual([]);
			});

			test("a removed device's row stays with its kind, and is settled there", async () => {
				const phone = deviceFixture({ accountId: 'usr_a' });
				const browser = browserFixture({ accountId: 'usr_a' });
				await store.insertDevice(phone);
				await store.insertDevice(browser);
				await store.addDeliveries('msg_deliveries01', 'apns', [phone.id], T0);
				await store.addDeliveries('msg_deliveries01', 'webpush', [browser.id], T0);
				expect(await store.deleteDevice(phone.id)).toBe(true);
				expect(await store.deleteDevice(browser.id)).toBe(true);

				const [phoneRow] = await store.listDeliveries('msg_deliveries01', 'apns');
				const [browserRow] = await store.listDeliveries('msg_deliveries01', 'webpush');
				expect(phoneRow).toEqual(row(phone.id));
				expect(browserRow).toEqual(row(browser.id, { kind: 'webpush' }));
				const removed = { state: 'failed', reason: 'DeviceRemoved', updatedAt: T0 + 1 } as const;
				await store.saveDeliveries([{ ...browserRow, ...removed }]);
				expect(await store.listDeliveries('msg_deliveries01', 'webpush')).toEqual([
					row(browser.id, { kind: 'webpush', ...removed }),
				]);
				expect(await store.listDeliveries('msg_deliveries01', 'apns')).toEqual([phoneRow]);
			});
		});

		describe('server secrets', () => {
			test('the first candidate is kept; later ones get the stored secret; names are apart', async () => {
				expect(await store.ensureSecret('answer-links', 'first-secret')).toBe('first-secret');
				expect(await store.ensureSecret('answer-links', 'second-secret')).toBe('first-secret');
				expect(await store.ensureSecret('other', 'x')).toBe('x');
			});

			test('of simultaneous first calls exactly one candidate wins, and all of them get it', async () => {
				const got = await Promise.all(
					Array.from({ length: 10 }, (_, i) => store.ensureSecret('race', `candidate-${i}`)),
				);
				expect(new Set(got).size).toBe(1);
			});
		});

		describe('console sessions', () => {
			const session = (over: Partial<ConsoleSession> = {}): ConsoleSession => ({
				idHash: unique('sessionhash'),
				accountId: 'usr_contract',
				keyId: 'key_abc',
				keyHash: 'keyhash-of-the-key',
				createdAt: T0,
				expiresAt: T0 + 3_600_000,
				...over,
			});

			test("a session is found by its id hash until its expiry by the caller's clock", async () => {
				const s = session();
				await store.insertConsoleSession(s);
				expect(await store.findConsoleSession(s.idHash, T0 + 1)).toEqual(s);
				expect(await store.findConsoleSession(s.idHash, T0 + 3_599_999)).toEqual(s);
				expect(await store.findConsoleSession(s.idHash, T0 + 3_600_000)).toBeNull();
				expect(await store.findConsoleSession('unknown', T0)).toBeNull();
			});

			test('a deleted session is gone at once; other sessions stay', async () => {
				const a = session();
				const b = session();
				await store.insertConsoleSession(a);
				await store.insertConsoleSession(b);
				await store.deleteConsoleSession(a.idHash);
				expect(await store.findConsoleSession(a.idHash, T0)).toBeNull();
				expect(await store.findConsoleSession(b.idHash, T0)).toEqual(b);
				await store.deleteConsoleSession(a.idHash); // twice is fine
			});
		});

		describe('messages', () => {
			let channel: Channel;
			beforeEach(async () => {
				channel = channelFixture();
				await store.insertChannel(channel);
			});

			test('a message round-trips with every field; no answer, unread, no callback yet', async () => {
				const m = messageFixture(channel.id, {
					body: null,
					callbackUrl: 'https://example.com/cb?x=1',
					expiresAt: T0 + 60_000,
					muted: true,
				});
				await store.insertMessage(m, []);
				expect(await store.getMessage(m.id)).toEqual({
					...m,
					answer: null,
					readAt: null,
					callbackState: 'none',
				});
				expect(await store.getMessage('msg_000000000000')).toBeNull();
			});

			test("the signing secret is the message's channel secret as it is now; none once message or channel is gone", async () => {
				const m = messageFixture(channel.id);
				await store.insertMessage(m, []);
				expect(await store.getSigningSecret(m.id)).toBe(channel.webhookSecret);
				await store.updateChannel(channel.id, { webhookSecret: 'f'.repeat(64) }, T0 + 1);
				expect(await store.getSigningSecret(m.id)).toBe('f'.repeat(64));
				expect(await store.getSigningSecret('msg_000000000000')).toBeNull();
				await store.deleteChannel(channel.id);
				expect(await store.getSigningSecret(m.id)).toBeNull();
			});

			test("a message keeps its answer token's hash; new messages are not found through the legacy index", async () => {
				const a = messageFixture(channel.id);
				const old = messageFixture(channel.id, { answerTokenHash: null });
				for (const m of [a, old]) await store.insertMessage(m, []);
				expect(await store.getMessage(a.id)).toMatchObject({ answerTokenHash: a.answerTokenHash });
				expect(await store.getMessage(old.id)).toMatchObject({ answerTokenHash: null });
				// A link made now names its message and is found by the id; only links made before
				// tokens named their message are looked up by hash (test/server/store/sqlite, redis).
				expect(await store.findMessageByLegacyAnswerTokenHash(a.answerTokenHash!)).toBeNull();
				expect(await store.findMessageByLegacyAnswerTokenHash('0'.repeat(64))).toBeNull();
			});

			test('a deleted channel takes its messages, and so the answer links, with it', async () => {
				const m = messageFixture(channel.id);
				await store.insertMessage(m, []);
				await store.deleteChannel(channel.id);
				expect(await store.getMessage(m.id)).toBeNull();
			});

			test('history is newest first, ties broken by id, paginated with a cursor, per channel', async () => {
				const other = channelFixture();
				await store.insertChannel(other);
				const ids: string[] = [];
				for (let i = 0; i < 7; i++) {
					const m = messageFixture(channel.id, { createdAt: T0 + Math.floor(i / 2) * 1000 });
					ids.push(m.id);
					await store.insertMessage(m, []);
				}
				await store.insertMessage(messageFixture(other.id), []);
				const all = await store.listMessages(channel.id, { limit: 100 });
				const expected = [...ids]
					.map((id, i) => ({ id, createdAt: T0 + Math.floor(i / 2) * 1000 }))
					.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
					.map((x) => x.id);
				expect(all.map((m) => m.id)).toEqual(expected);

				const pages: string[] = [];
				let before: { createdAt: number; id: string } | undefined;
				for (;;) {
					const page = await store.listMessages(channel.id, { limit: 3, before });
					pages.push(...page.map((m) => m.id));
					if (page.length < 3) break;
					const last = page[page.length - 1];
					before = { createdAt: last.createdAt, id: last.id };
				}
				expect(pages).toEqual(expected);
				expect((await store.listMessages(other.id, { limit: 10 })).length).toBe(1);
			});

			test('the first answer wins; a second is a conflict that changes nothing; unknown ids are missing', async () => {
				const m = messageFixture(channel.id);
				await store.insertMessage(m, []);
				const first = answerFixture({ triggeredBy: 'yes' });
				expect(await store.saveAnswer(m.id, first, 'pending', [])).toBe('saved');
				expect(await store.saveAnswer(m.id, answerFixture({ triggeredBy: 'no' }), 'none', [])).toBe(
					'conflict',
				);
				expect(await store.getMessage(m.id)).toMatchObject({
					answer: first,
					callbackState: 'pending',
					readAt: null,
				});
				expect(await store.saveAnswer('msg_000000000000', first, 'none', [])).toBe('missing');
			});

			test('of 20 concurrent answers exactly one is saved, and it is the stored one', async () => {
				const m = messageFixture(channel.id);
				await store.insertMessage(m, []);
				const answers = Array.from({ length: 20 }, (_, i) =>
					answerFixture({ responses: { why: `answer ${i}` } }),
				);
				const results = await Promise.all(
					answers.map((a) => store.saveAnswer(m.id, a, 'none', [])),
				);
				expect(results.filter((r) => r === 'saved')).toHaveLength(1);
				expect(results.filter((r) => r === 'conflict')).toHaveLength(19);
				expect((await store.getMessage(m.id))?.answer).toEqual(answers[results.indexOf('saved')]);
			});

			test('expireMessage closes an unanswered message: no answer is saved after it; closing again is a no-op', async () => {
				const m = messageFixture(channel.id);
				await store.insertMessage(m, []);
				expect(await store.expireMessage(m.id, T0)).toBe('expired');
				expect(await store.expireMessage(m.id, T0 + 1)).toBe('already_expired');
				expect(await store.saveAnswer(m.id, answerFixture(), 'pending', [])).toBe('expired');
				expect((await store.getMessage(m.id))?.answer).toBeNull();
				expect(await store.expireMessage('msg_000000000000', T0)).toBe('missing');
			});

			test('expireMessage after an answer: the answer stands and the message is not closed', async () => {
				const m = messageFixture(channel.id);
				await store.insertMessage(m, []);
				const first = answerFixture();
				expect(await store.saveAnswer(m.id, first, 'none', [])).toBe('saved');
				expect(await store.expireMessage(m.id, T0)).toBe('answered');
				expect((await store.getMessage(m.id))?.answer).toEqual(first);
				expect(await store.saveAnswer(m.id, answerFixture(), 'none', [])).toBe('conflict');
			});

			test('an answer racing the expiry: exactly one of them wins, and the record agrees', async () => {
				for (let round = 0; round < 10; round++) {
					const m = messageFixture(channel.id);
					await store.insertMessage(m, []);
					const [saved, closed] = await Promise.all([
						store.saveAnswer(m.id, answerFixture(), 'none', []),
						store.expireMessage(m.id, T0),
					]);
					const record = await store.getMessage(m.id);
					if (saved === 'saved') {
						expect(closed).toBe('answered');
						expect(record?.answer).not.toBeNull();
					} else {
						expect([saved, closed]).toEqual(['expired', 'expired']);
						expect(record?.answer).toBeNull();
					}
				}
			});

			test('pollAnswer: unknown is null; a non-consuming decision marks nothing; a consuming one marks read at now', async () => {
				const m = messageFixture(channel.id);
				await store.insertMessage(m, []);
				expect(await poll(store, 'msg_000000000000', T0)).toBeNull();
				const pending = await poll(store, m.id, T0);
				expect(pending?.outcome.status).toBe('pending');
				expect(pending?.record.id).toBe(m.id);
				await store.saveAnswer(m.id, answerFixture(), 'none', []);
				const submitted = await poll(store, m.id, T0 + 1_000);
				expect(submitted?.outcome).toMatchObject({
					status: 'submitted',
					consumes: true,
					result: { message_id: m.id, triggered_by: 'yes' },
				});
				expect((await store.getMessage(m.id))?.readAt).toBe(T0 + 1_000);
				expect((await poll(store, m.id, T0 + 2_000))?.outcome.status).toBe('already_read');
				expect((await store.getMessage(m.id))?.readAt).toBe(T0 + 1_000);
			});

			test('of 20 concurrent polls exactly one is submitted, the rest already_read', async () => {
				const m = messageFixture(channel.id);
				await store.insertMessage(m, []);
				await store.saveAnswer(m.id, answerFixture(), 'none', []);
				const outcomes = await Promise.all(
					Array.from({ length: 20 }, () => poll(store, m.id, T0 + 10)),
				);
				const statuses = outcomes.map((o) => o?.outcome.status);
				expect(statuses.filter((s) => s === 'submitted')).toHaveLength(1);
				expect(statuses.filter((s) => s === 'already_read')).toHaveLength(19);
			});

			test("TTL by the caller's clock: an unread answer expires after the response TTL, a message after expires_in", async () => {
				const answered = messageFixture(channel.id);
				const unanswered = messageFixture(channel.id, { expiresAt: T0 + 120_000 });
				await store.insertMessage(answered, []);
				await store.insertMessage(unanswered, []);
				await store.saveAnswer(answered.id, answerFixture({ submittedAt: T0 }), 'none', []);
				expect((await poll(store, unanswered.id, T0 + 119_999))?.outcome.status).toBe('pending');
				expect((await poll(store, unanswered.id, T0 + 120_000))?.outcome.status).toBe('expired');
				expect((await poll(store, answered.id, T0 + TTL_MS))?.outcome.status).toBe('expired');
				// Expired is not a read: the record stays unread.
				expect((await store.getMessage(answered.id))?.readAt).toBeNull();
			});

			test("a failed callback's answer does not expire unread: polled once as failed with the answer, then already_read", async () => {
				const m = messageFixture(channel.id, { callbackUrl: 'https://example.com/cb' });
				await store.insertMessage(m, []);
				await store.saveAnswer(m.id, answerFixture({ submittedAt: T0 }), 'pending', []);
				await store.setCallbackState(m.id, 'failed');
				expect((await store.getMessage(m.id))?.callbackState).toBe('failed');
				const late = T0 + 24 * 3600_000;
				const first = await poll(store, m.id, late);
				expect(first?.outcome).toMatchObject({ status: 'failed', result: { message_id: m.id } });
				expect((await poll(store, m.id, late))?.outcome.status).toBe('already_read');
			});

			test('expireMessage closes an unanswered message now: polls say expired, a later answer is a conflict', async () => {
				const m = messageFixture(channel.id, { expiresAt: T0 + 3_600_000 });
				await store.insertMessage(m, []);
				expect(await store.expireMessage(m.id, T0 + 5_000)).toBe('expired');
				expect((await store.getMessage(m.id))?.expiresAt).toBe(T0 + 5_000);
				expect((await poll(store, m.id, T0 + 5_000))?.outcome.status).toBe('expired');
				expect(
					await store.saveAnswer(m.id, answerFixture({ submittedAt: T0 + 6_000 }), 'none', []),
				).toBe('expired');
				expect((await store.getMessage(m.id))?.answer).toBeNull();
				expect(await store.expireMessage(m.id, T0 + 7_000)).toBe('already_expired');
				expect((await store.getMessage(m.id))?.expiresAt).toBe(T0 + 5_000);
			});

			test('expireMessage leaves answered and unknown messages as they are, and closes a lapsed one at its own expiry', async () => {
				const answered = messageFixture(channel.id);
				const lapsed = messageFixture(channel.id, { expiresAt: T0 + 1_000 });
				await store.insertMessage(answered, []);
				await store.insertMessage(lapsed, []);
				const answer = answerFixture({ submittedAt: T0 });
				await store.saveAnswer(answered.id, answer, 'none', []);
				expect(await store.expireMessage(answered.id, T0 + 2_000)).toBe('answered');
				expect(await store.getMessage(answered.id)).toMatchObject({ answer, expiresAt: null });
				expect(await store.expireMessage(lapsed.id, T0 + 2_000)).toBe('expired');
				expect((await store.getMessage(lapsed.id))?.expiresAt).toBe(T0 + 1_000);
				expect(await store.expireMessage(lapsed.id, T0 + 3_000)).toBe('already_expired');
				expect(await store.expireMessage('msg_000000000000', T0)).toBe('missing');
				expect(await store.getMessage('msg_000000000000')).toBeNull();
			});

			test('an answer and an expiry racing: exactly one wins, every time', async () => {
				for (let round = 0; round < 10; round++) {
					const m = messageFixture(channel.id);
					await store.insertMessage(m, []);
					const [expired, saved] = await Promise.all([
						store.expireMessage(m.id, T0 + 1_000),
						store.saveAnswer(m.id, answerFixture({ submittedAt: T0 + 1_000 }), 'none', []),
					]);
					const record = await store.getMessage(m.id);
					if (saved === 'saved') {
						expect(expired).toBe('answered');
						expect(record?.expiresAt).toBeNull();
					} else {
						expect([expired, saved]).toEqual(['expired', 'expired']);
						expect(record?.answer).toBeNull();
					}
				}
			});

			test('setCallbackState on an unknown message creates nothing', async () => {
				await store.setCallbackState('msg_000000000000', 'delivered');
				expect(await store.getMessage('msg_000000000000')).toBeNull();
			});
		});

		describe('jobs stored with writes', () => {
			let channel: Channel;
			beforeEach(async () => {
				channel = channelFixture();
				await store.insertChannel(channel);
			});

			const recorder = () => {
				const seen: Job[] = [];
				return { seen, handler: async (job: Job) => void seen.push(job) };
			};

			test('jobs written with a message run with their kind and payload, once', async () => {
				const q = queue();
				const { seen, handler } = recorder();
				q.register('push.message', handler);
				q.start();
				const m = messageFixture(channel.id);
				await store.insertMessage(m, [
					{ kind: 'push.message', payload: { message_id: m.id }, runAt: T0 },
				]);
				await q.runDue();
				await eventually(() => expect(seen).toHaveLength(1));
				expect(seen[0]).toMatchObject({
					kind: 'push.message',
					payload: { message_id: m.id },
					attempts: 0,
				});
				await q.runDue();
				expect(seen).toHaveLength(1);
			});

			test("only the winning answer's jobs are kept: 20 concurrent answers → one callback job", async () => {
				const q = queue();
				const { seen, handler } = recorder();
				q.register('callback.deliver', handler);
				q.start();
				const m = messageFixture(channel.id);
				await store.insertMessage(m, []);
				const results = await Promise.all(
					Array.from({ length: 20 }, (_, i) =>
						store.saveAnswer(m.id, answerFixture({ responses: { why: `a${i}` } }), 'pending', [
							{ kind: 'callback.deliver', payload: callbackPayload(m.id, `n${i}`), runAt: T0 },
						]),
					),
				);
				const winner = results.indexOf('saved');
				await q.runDue();
				await eventually(() => expect(seen).toHaveLength(1));
				expect(seen[0].payload).toMatchObject({ deliveryId: `n${winner}` });
				await new Promise((r) => setTimeout(r, 100));
				await q.runDue();
				expect(seen).toHaveLength(1);
			});

			test('an expiry job written with its message waits for the expiry by the clock, then runs once', async () => {
				const q = queue();
				const { seen, handler } = recorder();
				q.register('callback.expired', handler);
				q.start();
				const m = messageFixture(channel.id);
				const payload = { messageId: m.id, deliveryId: 'e1', url: 'http://x/h', body: '{}' };
				await store.insertMessage(m, [{ kind: 'callback.expired', payload, runAt: T0 + 60_000 }]);
				await eventually(async () => expect(await q.nextDueAt()).toBe(T0 + 60_000));
				d.clock.advance(59_999);
				await q.runDue();
				expect(seen).toHaveLength(0);
				d.clock.advance(1);
				await q.runDue();
				await eventually(() => expect(seen).toHaveLength(1));
				expect(seen[0]).toMatchObject({ kind: 'callback.expired', payload, attempts: 0 });
				await new Promise((r) => setTimeout(r, 100));
				await q.runDue();
				expect(seen).toHaveLength(1);
			});

			test('a retry waits for its time by the clock, then runs again with attempts counted', async () => {
				const q = queue();
				const seen: Job[] = [];
				q.register('callback.deliver', async (job) => {
					seen.push(job);
					return seen.length === 1 ? { retryAt: d.clock.now() + 30_000 } : undefined;
				});
				q.start();
				const m = messageFixture(channel.id);
				await store.insertMessage(m, []);
				await store.saveAnswer(m.id, answerFixture(), 'pending', [
					{ kind: 'callback.deliver', payload: callbackPayload(m.id, 'x1'), runAt: T0 },
				]);
				await q.runDue();
				await eventually(() => expect(seen).toHaveLength(1));
				await eventually(async () => expect(await q.nextDueAt()).toBe(T0 + 30_000));
				d.clock.advance(29_000);
				await q.runDue();
				expect(seen).toHaveLength(1);
				d.clock.advance(1_000);
				await q.runDue();
				await eventually(() => expect(seen).toHaveLength(2));
				expect(seen[1]).toMatchObject({
					id: seen[0].id,
					payload: { deliveryId: 'x1' },
					attempts: 1,
				});
				await eventually(async () => expect(await q.nextDueAt()).toBeNull());
				d.clock.advance(3_600_000);
				await q.runDue();
				expect(seen).toHaveLength(2);
			});

			test('queueMessageJobs queues jobs for an existing message (a retried callback), once; none for a missing one', async () => {
				const q = queue();
				const { seen, handler } = recorder();
				q.register('callback.deliver', handler);
				q.start();
				const m = messageFixture(channel.id);
				await store.insertMessage(m, []);
				await store.saveAnswer(m.id, answerFixture(), 'pending', []);
				expect(
					await store.queueMessageJobs(m.id, [
						{ kind: 'callback.deliver', payload: callbackPayload(m.id, 'again'), runAt: T0 },
					]),
				).toBe(true);
				expect(
					await store.queueMessageJobs('msg_missing00000', [
						{
							kind: 'callback.deliver',
							payload: callbackPayload('msg_missing00000', 'no'),
							runAt: T0,
						},
					]),
				).toBe(false);
				await q.runDue();
				await eventually(() => expect(seen).toHaveLength(1));
				expect(seen[0]).toMatchObject({ payload: { deliveryId: 'again' }, attempts: 0 });
				await new Promise((r) => setTimeout(r, 100));
				await q.runDue();
				expect(seen).toHaveLength(1);
			});

			test('a handler that throws is tried again a minute later, not lost', async () => {
				const q = queue();
				const seen: Job[] = [];
				q.register('push.message', async (job) => {
					seen.push(job);
					if (seen.length === 1) throw new Error('APNs exploded');
				});
				q.start();
				await store.insertMessage(messageFixture(channel.id), [
					{ kind: 'push.message', payload: { message_id: 'p1' }, runAt: T0 },
				]);
				await q.runDue();
				await eventually(() => expect(seen).toHaveLength(1));
				d.clock.advance(59_000);
				await q.runDue();
				expect(seen).toHaveLength(1);
				d.clock.advance(1_000);
				await q.runDue();
				await eventually(() => expect(seen).toHaveLength(2));
				expect(seen[1]).toMatchObject({ payload: { message_id: 'p1' }, attempts: 1 });
			});

			test('jobs are durable: queued while no instance runs, they run when one starts', async () => {
				const m = messageFixture(channel.id);
				await store.insertMessage(m, [
					{ kind: 'push.message', payload: { message_id: 'later' }, runAt: T0 },
				]);
				const first = queue();
				await first.stop();
				const q = queue();
				const { seen, handler } = recorder();
				q.register('push.message', handler);
				q.start();
				await q.runDue();
				await eventually(() =>
					expect(seen.map((j) => j.payload)).toEqual([{ message_id: 'later' }]),
				);
			});

			test('a job runs once even with two instances taking jobs at the same time', async () => {
				const counts = new Map<string, number>();
				const handler = async (job: Job<'push.message'>) => {
					const n = job.payload.message_id;
					counts.set(n, (counts.get(n) ?? 0) + 1);
					await new Promise((r) => setTimeout(r, 5));
				};
				const a = queue();
				const b = queue();
				a.register('push.message', handler);
				b.register('push.message', handler);
				a.start();
				b.start();
				await Promise.all(
					Array.from({ length: 20 }, (_, n) =>
						store.insertMessage(messageFixture(channel.id), [
							{ kind: 'push.message', payload: { message_id: `n${n}` }, runAt: T0 },
						]),
					),
				);
				await Promise.all([a.runDue(), b.runDue()]);
				await eventually(() => expect(counts.size).toBe(20));
				await new Promise((r) => setTimeout(r, 100));
				expect([...counts.values()].every((c) => c === 1)).toBe(true);
			});

			test('the job of an instance that died mid-run comes back to another instance (lease)', async () => {
				const dying = queue();
				let started = 0;
				dying.register('callback.deliver', () => {
					started++;
					return new Promise(() => undefined); // hangs: the process dies before finishing
				});
				dying.start();
				const m = messageFixture(channel.id);
				await store.insertMessage(m, []);
				await store.saveAnswer(m.id, answerFixture(), 'pending', [
					{ kind: 'callback.deliver', payload: callbackPayload(m.id, 'm'), runAt: T0 },
				]);
				void dying.runDue();
				await eventually(() => expect(started).toBe(1));
				await d.crash(dying);
				queues = queues.filter((q) => q !== dying);

				const survivor = queue();
				const { seen, handler } = recorder();
				survivor.register('callback.deliver', handler);
				survivor.start();
				await d.lapseLeases();
				await eventually(async () => {
					await survivor.runDue();
					expect(seen).toHaveLength(1);
				}, 10_000);
				expect(seen[0]).toMatchObject({ payload: { deliveryId: 'm' }, attempts: 1 });
			});
		});
	});

	// The callback part of the contract (attempt log, channel webhooks), on the same driver.
	const open = new Map<Store, StoreDriver>();
	callbackStoreContract(
		driverName,
		async () => {
			const driver = await factory();
			open.set(driver.store, driver);
			return driver.store;
		},
		async (store) => {
			await open.get(store)?.close();
			open.delete(store);
		},
	);
}
