import { AnswerLinks } from '../../domain/answer-link';
import { Clock } from '../../domain/time';
import { iso } from '../../domain/message';
import { ApnsDevice, DeviceDelivery, Message, MessageRecord } from '../../domain/types';
import { Delivery } from '../delivery';
import {
	deliveryRowsFor,
	describeDeviceDeliveries,
	inPool,
	messageAndDevices,
	triageRows,
} from '../device-deliveries';
import { Logger } from '../../observability/log';
import { Job, JobResult, NewJob } from '../../jobs/job';
import { Store } from '../../store/store';
import { buildNotification, notificationId } from './payload';
import { PushMetrics } from './push-metrics';
import type { PushOutcome, PushSender } from './sender';

/** Attempts per device before a retryable failure (429, 5xx, timeouts) becomes `failed`. */
export const MAX_PUSH_ATTEMPTS = 8;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 10 * 60_000;
/** Outcomes are written in batches: one transaction per this many, not one per device. */
const FLUSH_EVERY = 500;

/** Exponential backoff with ±20% jitter, for retries the server gave no delay for. */
export function pushBackoffMs(attempt: number, random: () => number = Math.random): number {
	const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
	return Math.round(base * (0.8 + random() * 0.4));
}

export interface PushDeliveryDeps {
	store: Store;
	clock: Clock;
	log: Logger;
	metrics: PushMetrics;
	/** null when APNs is not configured: messages are stored, nothing is pushed. */
	sender: PushSender | null;
	/** Puts the message's answer link (`answer_url`) in the payload, for apps that open it. */
	links?: AnswerLinks;
}

/**
 * Push delivery for new messages (APNs). `POST /v1/send` stores one `push.message` job with
 * the message, atomically, so the answer never waits on Apple and a crash right after it still
 * pushes (the job's lease runs out and it runs again). The job fans the message out to every
 * device of the channel's account that existed when it was sent, through the sender's
 * in-flight window, and keeps one delivery row per device. A run that leaves devices waiting
 * for a retry asks the runner to come back at the earliest one; devices already `sent` or
 * `failed` are never pushed again, so re-runs only touch what is left (at least once: a crash
 * between Apple's 200 and the row's write re-sends that one, with the same apns-id and
 * collapse-id, so the phone shows it once).
 */
export class PushDelivery implements Delivery {
	readonly handlers = { 'push.message': (job: Job<'push.message'>) => this.run(job) };

	constructor(private readonly deps: PushDeliveryDeps) {
		deps.metrics.enabled.set(deps.sender ? 1 : 0);
	}

	async jobsForNewMessage(message: Message): Promise<NewJob[]> {
		if (!this.deps.sender || message.muted) return [];
		return [
			{ kind: 'push.message', payload: { message_id: message.id }, runAt: message.createdAt },
		];
	}

	async jobsForAnswer(): Promise<NewJob[]> {
		return [];
	}

	/** Lists every device's row, APNs and Web Push alike (each with its kind): they share the table. */
	async describeMessage(message: MessageRecord): Promise<Record<string, unknown>> {
		return { deliveries: await describeDeviceDeliveries(this.deps.store, message) };
	}

	async close(): Promise<void> {
		await this.deps.sender?.close();
	}

	async run(job: Job<'push.message'>): Promise<JobResult> {
		const { store, log, sender, metrics } = this.deps;
		const messageId = job.payload.message_id;
		if (!sender) {
			log.warn('push.job_dropped', { message_id: messageId, why: 'APNs is not configured' });
			return;
		}
		const found = await messageAndDevices(store, messageId);
		if (!found || found.message.muted) return;
		const { message, devices: all } = found;

		// APNs devices only (paired browsers get Web Push); those that registered after the
		// message was sent don't get it.
		const devices = all.filter(
			(d): d is ApnsDevice => d.kind === 'apns' && d.createdAt <= message.createdAt,
		);
		const byId = new Map(devices.map((d) => [d.id, d]));
		// The APNs rows only: those of paired browsers are the Web Push delivery's.
		const rows = await deliveryRowsFor(
			store,
			this.deps.clock.now(),
			job.attempts,
			message.id,
			'apns',
			devices.map((d) => d.id),
		);

		const now = this.deps.clock.now();
		const expired = message.expiresAt !== null && now >= message.expiresAt;
		const triage = triageRows<ApnsDevice>(rows, now, metrics.failed, (row) => {
			const device = byId.get(row.deviceId);
			if (!device) return { fail: 'DeviceRemoved' };
			return expired ? { fail: 'Expired' } : { device };
		});
		const { pending, updates } = triage;
		let nextRun = triage.nextRun;

		if (pending.length > 0) {
			const notification = buildNotification(message, this.deps.links?.urlFor(message) ?? null);
			if (notification.truncated) log.info('push.body_truncated', { message_id: message.id });
			const pushOne = async ({ row, device }: { row: DeviceDelivery; device: ApnsDevice }) => {
				const apnsId = notificationId(message.id, device.id);
				const outcome = await sender.send(
					{
						token: device.token,
						environment: device.environment,
						topic: device.topic ?? sender.defaultTopic,
					},
					notification,
					apnsId,
				);
				// Most outcomes are recorded without touching the store; only token hygiene needs it.
				const next = this.needsStore(device, outcome)
					? await this.recordWithStore(message, row, device, apnsId, outcome)
					: this.record(message, row, device, apnsId, outcome);
				if (next.state === 'retrying' && next.nextAttemptAt !== null)
					nextRun = Math.min(nextRun ?? Infinity, next.nextAttemptAt);
				updates.push(next);
				if (updates.length >= FLUSH_EVERY) await store.saveDeliveries(updates.splice(0));
			};
			await inPool(pending, sender.windowSize, pushOne);
		}
		if (updates.length > 0) await store.saveDeliveries(updates);
		return nextRun === null ? undefined : { retryAt: nextRun };
	}

	/** Whether recording this outcome touches the store: a 410, or a corrected environment. */
	private needsStore(device: ApnsDevice, outcome: PushOutcome): boolean {
		return (
			outcome.kind === 'unregistered' ||
			(outcome.kind === 'sent' && outcome.environment !== device.environment)
		);
	}

	/** The token-hygiene outcomes. */
	private async recordWithStore(
		message: MessageRecord,
		row: DeviceDelivery,
		device: ApnsDevice,
		apnsId: string,
		outcome: PushOutcome,
	): Promise<DeviceDelivery> {
		const { store, log, metrics } = this.deps;
		const ids = { message_id: message.id, device_id: device.id };
		if (outcome.kind === 'sent') {
			// BadDeviceToken on its own environment, accepted on the other: the device said the wrong one.
			await store.updateDevice(device.id, { environment: outcome.environment });
			metrics.environmentSwitched.inc();
			log.info('push.device_environment_corrected', { ...ids, environment: outcome.environment });
			return this.record(message, row, device, apnsId, outcome);
		}
		if (outcome.kind !== 'unregistered') return this.record(message, row, device, apnsId, outcome);
		const now = this.deps.clock.now();
		// Apple's timestamp says since when the token is invalid; a registration after that is newer news.
		const since = outcome.timestamp ?? now;
		const removed = await store.deleteDeviceRegisteredBefore(device.id, since);
		if (removed) metrics.devicesRemoved.inc();
		log.info(removed ? 'push.device_removed' : 'push.device_kept', {
			...ids,
			reason: outcome.reason,
			unregistered_at: iso(since),
			registered_at: iso(device.registeredAt),
		});
		metrics.failed.inc({ reason: outcome.reason });
		return {
			...row,
			state: 'failed',
			reason: outcome.reason,
			apnsId,
			attempts: row.attempts + 1,
			nextAttemptAt: null,
			updatedAt: now,
		};
	}

	/** Turns an outcome into the device's new delivery row; no store access (the common case). */
	private record(
		message: MessageRecord,
		row: DeviceDelivery,
		device: ApnsDevice,
		apnsId: string,
		outcome: PushOutcome,
	): DeviceDelivery {
		const { log, metrics } = this.deps;
		const now = this.deps.clock.now();
		const attempts = row.attempts + 1;
		/** The row after this attempt. */
		const after = (
			state: DeviceDelivery['state'],
			reason: string | null,
			nextAttemptAt: number | null,
		): DeviceDelivery => ({
			...row,
			state,
			reason,
			apnsId,
			attempts,
			nextAttemptAt,
			updatedAt: now,
		});
		switch (outcome.kind) {
			case 'sent':
				metrics.sent.inc();
				return { ...after('sent', null, null), apnsId: outcome.apnsId ?? apnsId };
			case 'retry': {
				if (attempts >= MAX_PUSH_ATTEMPTS) {
					metrics.failed.inc({ reason: outcome.reason });
					log.warn('push.gave_up', {
						message_id: message.id,
						device_id: device.id,
						reason: outcome.reason,
						attempts,
					});
					return after('failed', outcome.reason, null);
				}
				metrics.retried.inc({ reason: outcome.reason });
				const delay = outcome.retryAfterMs ?? pushBackoffMs(attempts);
				log.debug('push.retry_scheduled', {
					message_id: message.id,
					device_id: device.id,
					reason: outcome.reason,
					delay_ms: delay,
				});
				return after('retrying', outcome.reason, now + delay);
			}
			case 'failed':
			case 'unregistered':
				metrics.failed.inc({ reason: outcome.reason });
				log.info('push.failed', {
					message_id: message.id,
					device_id: device.id,
					reason: outcome.reason,
				});
				return after('failed', outcome.reason, null);
		}
	}
}
