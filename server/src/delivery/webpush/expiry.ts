import { Clock } from '../../domain/time';
import { WebPushDevice } from '../../domain/types';
import { Logger, errorMessage } from '../../observability/log';
import { Store } from '../../store/store';
import { EXPIRY_WARNING_DAYS, expiringNotification } from './payload';
import { WebPushSender } from './sender';
import { WebPushMetrics } from './webpush-metrics';

const DAY_MS = 24 * 3600 * 1000;

export interface SubscriptionExpiryDeps {
	store: Store;
	clock: Clock;
	log: Logger;
	metrics: WebPushMetrics;
	sender: WebPushSender;
	/** PING_WEBPUSH_EXPIRY_DAYS: a browser unseen this long loses its subscription. */
	expiryDays: number;
	baseUrl: () => string;
}

/**
 * Expires the subscriptions of paired browsers nobody opened for `expiryDays` (as ntfy does:
 * a push service keeps accepting pushes for a browser that was thrown away long ago), and warns
 * each one `EXPIRY_WARNING_DAYS` before with one `expiring` push asking the person to open the
 * inbox (any call with the device key counts as seen). The device itself stays: opening the
 * inbox again subscribes anew.
 *
 * A timer on every instance, like the retention sweeper, for both stores: every step is a
 * conditional write in the store, so sweeps racing on several instances warn once and expire
 * once. A warning that could not be sent (429, 5xx, no answer) is released for the next sweep.
 */
export class SubscriptionExpiry {
	private timer: NodeJS.Timeout | null = null;
	private sweeping: Promise<{ warned: number; expired: number }> | null = null;

	constructor(private readonly deps: SubscriptionExpiryDeps) {}

	start(everyMs: number): void {
		this.timer = setInterval(() => void this.sweep(), everyMs);
		this.timer.unref();
		void this.sweep();
	}

	async stop(): Promise<void> {
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
		await this.sweeping?.catch(() => undefined);
	}

	/**
	 * Warns and expires what is due now (after a sweep still running, never beside it); how many
	 * browsers it warned and expired.
	 */
	sweep(): Promise<{ warned: number; expired: number }> {
		const sweep = (this.sweeping ?? Promise.resolve())
			.then(() => this.run())
			.catch((error) => {
				this.deps.log.error('webpush.expiry_sweep_failed', { error: errorMessage(error) });
				return { warned: 0, expired: 0 };
			})
			.finally(() => {
				if (this.sweeping === sweep) this.sweeping = null;
			});
		this.sweeping = sweep;
		return sweep;
	}

	private async run(): Promise<{ warned: number; expired: number }> {
		const { store, clock, expiryDays } = this.deps;
		const now = clock.now();
		// Unseen for a whole `expiryDays` (to the millisecond) expires: last seen at or before this.
		const expireBefore = now - expiryDays * DAY_MS + 1;
		// A lifetime of 5 days or less leaves no room for a warning.
		const warnBefore =
			expiryDays > EXPIRY_WARNING_DAYS
				? now - (expiryDays - EXPIRY_WARNING_DAYS) * DAY_MS + 1
				: null;
		let warned = 0;
		let expired = 0;
		for (const device of await store.listBrowsersUnseenSince(warnBefore ?? expireBefore)) {
			const seen = device.lastSeenAt ?? device.createdAt;
			if (seen < expireBefore) {
				if (await store.expireSubscription(device.id, expireBefore)) {
					expired += 1;
					this.deps.metrics.subscriptionsRemoved.inc({ why: 'unused' });
					this.deps.log.info('webpush.subscription_expired', {
						device_id: device.id,
						days_unseen: Math.floor((now - seen) / DAY_MS),
					});
				}
			} else if (warnBefore !== null && (await this.warn(device, warnBefore, now))) {
				warned += 1;
			}
		}
		return { warned, expired };
	}

	/** Sends the one warning of this absence, if this sweep is the one that claims it. */
	private async warn(device: WebPushDevice, warnBefore: number, now: number): Promise<boolean> {
		const { store, sender, metrics, log } = this.deps;
		if (!device.subscription || !(await store.claimExpiryWarning(device.id, warnBefore, now)))
			return false;
		const seen = device.lastSeenAt ?? device.createdAt;
		const daysLeft = Math.max(1, Math.ceil((seen + this.deps.expiryDays * DAY_MS - now) / DAY_MS));
		const outcome = await sender.send(
			device.subscription,
			expiringNotification(daysLeft, this.deps.baseUrl()),
		);
		const ids = { device_id: device.id, days_left: daysLeft };
		switch (outcome.kind) {
			case 'sent':
				metrics.sent.inc({ type: 'expiring' });
				log.info('webpush.expiry_warned', ids);
				return true;
			case 'retry':
				metrics.retried.inc({ reason: outcome.reason });
				await store.releaseExpiryWarning(device.id, now);
				return false;
			case 'gone':
				metrics.failed.inc({ reason: outcome.reason });
				if (await store.removeSubscription(device.id, device.subscription.endpoint))
					metrics.subscriptionsRemoved.inc({ why: 'gone' });
				log.info('webpush.subscription_removed', { ...ids, reason: outcome.reason });
				return false;
			case 'failed':
				metrics.failed.inc({ reason: outcome.reason });
				log.info('webpush.failed', { ...ids, type: 'expiring', reason: outcome.reason });
				return false;
		}
	}
}
