import { responderOf } from '../../domain/answer';
import { AnswerLinks } from '../../domain/answer-link';
import { deviceSeesChannel } from '../../domain/pairing';
import { Clock } from '../../domain/time';
import { Answer, DeviceDelivery, Message, MessageRecord, WebPushDevice } from '../../domain/types';
import { Job, JobResult, NewJob } from '../../jobs/job';
import { Logger } from '../../observability/log';
import { Store } from '../../store/store';
import { Delivery } from '../delivery';
import { MAX_PUSH_ATTEMPTS, pushBackoffMs } from '../push/push-delivery';
import { SubscriptionExpiry } from './expiry';
import { answeredNotification, messageNotification } from './payload';
import { WebPushOutcome, WebPushSender } from './sender';
import { WebPushMetrics } from './webpush-metrics';
import { deliveryRowsFor, inPool, messageAndDevices, triageRows } from '../device-deliveries';

/** Runs of one `answered` job at most: it only closes notifications, so it gives up sooner. */
export const MAX_ANSWERED_ATTEMPTS = 5;

export interface WebPushDeliveryDeps {
	store: Store;
	clock: Clock;
	log: Logger;
	metrics: WebPushMetrics;
	/** null when Web Push is not configured: messages are stored, nothing is pushed to browsers. */
	sender: WebPushSender | null;
	/** The message's answer link (`answer_url`) for the payload. */
	links?: AnswerLinks;
	/** The public base URL (`PING_PUBLIC_URL`, else the listening address), for `inbox_url`. */
	baseUrl: () => string;
	/** The subscription expiry sweep (running when Web Push is on); stopped by `close()`. */
	expiry?: SubscriptionExpiry | null;
}

type Browser = WebPushDevice & { subscription: NonNullable<WebPushDevice['subscription']> };

/** Paired browsers that get this message: they see its channel, are subscribed, and were paired before it was sent. */
function receivesMessage(device: WebPushDevice, message: Message): device is Browser {
	return (
		device.subscription !== null &&
		deviceSeesChannel(device, message.channelId) &&
		device.createdAt <= message.createdAt
	);
}

/** Who answered, as a closing notification may say it: the name given, else how (`link`, `api`…). */
function answeredBy(answer: Answer): string {
	const responder = responderOf(answer);
	return responder.name ?? responder.via;
}

/**
 * The paired browser that answered, when a browser did. It closes its own notification: the
 * worker on a notification button's answer, the inbox page (inbox.js) on an answer in the list.
 */
function answeringDevice(answer: Answer): string | null {
	const r = answer.responder;
	return r !== null && typeof r === 'object' && 'device_id' in r && typeof r.device_id === 'string'
		? r.device_id
		: null;
}

/**
 * Web Push delivery to paired browsers, with the APNs path's rules. `POST /v1/send` stores a
 * `webpush.message` job with the message; the job pushes it to every browser of the account
 * that sees the channel, is subscribed and was paired before the message, keeping one delivery
 * row per browser in the table APNs uses. 404/410 removes the subscription (the device stays,
 * its inbox still works); 429/5xx are retried with backoff, honouring `Retry-After`; other 4xx
 * fail with the reason. A browser revoked meanwhile gets nothing (its row says DeviceRemoved).
 * The first answer stores a `webpush.answered` job that tells the browsers the message reached
 * to close its notification (same `Topic`: a push still pending at the push service is
 * replaced rather than shown).
 */
export class WebPushDelivery implements Delivery {
	readonly handlers = {
		'webpush.message': (job: Job<'webpush.message'>) => this.runMessage(job),
		'webpush.answered': (job: Job<'webpush.answered'>) => this.runAnswered(job),
	};

	/** The subscription expiry sweep, null when Web Push is off (tests call its `sweep()`). */
	readonly expiry: SubscriptionExpiry | null;

	constructor(private readonly deps: WebPushDeliveryDeps) {
		deps.metrics.enabled.set(deps.sender ? 1 : 0);
		this.expiry = deps.expiry ?? null;
	}

	async jobsForNewMessage(message: Message): Promise<NewJob[]> {
		if (!this.deps.sender || message.muted) return [];
		return [
			{ kind: 'webpush.message', payload: { message_id: message.id }, runAt: message.createdAt },
		];
	}

	async jobsForAnswer(message: MessageRecord, answer: Answer): Promise<NewJob[]> {
		if (!this.deps.sender || message.muted) return [];
		return [
			{
				kind: 'webpush.answered',
				payload: {
					message_id: message.id,
					answered_by: answeredBy(answer),
					except_device_id: answeringDevice(answer),
				},
				runAt: answer.submittedAt,
			},
		];
	}

	/** Nothing of its own: its rows share the table with APNs, whose delivery lists them all. */
	async describeMessage(): Promise<Record<string, unknown>> {
		return {};
	}

	async close(): Promise<void> {
		await this.expiry?.stop();
		this.deps.sender?.close();
	}

	async runMessage(job: Job<'webpush.message'>): Promise<JobResult> {
		const { store, log, sender, metrics } = this.deps;
		const messageId = job.payload.message_id;
		if (!sender) {
			log.warn('webpush.job_dropped', { message_id: messageId, why: 'Web Push is not configured' });
			return;
		}
		const found = await messageAndDevices(store, messageId);
		if (!found || found.message.muted) return;
		const { message, devices } = found;
		const browsers = devices.filter(
			(d): d is Browser => d.kind === 'webpush' && receivesMessage(d, message),
		);
		const byId = new Map(browsers.map((d) => [d.id, d]));
		const paired = new Set(devices.filter((d) => d.kind === 'webpush').map((d) => d.id));
		// The Web Push rows only: those of APNs devices are the APNs delivery's.
		const rows = await deliveryRowsFor(
			store,
			this.deps.clock.now(),
			job.attempts,
			message.id,
			'webpush',
			browsers.map((d) => d.id),
		);

		const now = this.deps.clock.now();
		const notification = messageNotification(
			message,
			{ answerUrl: this.deps.links?.urlFor(message) ?? null, baseUrl: this.deps.baseUrl() },
			now,
		);
		if (notification?.truncated) log.info('webpush.body_truncated', { message_id: message.id });
		const triage = triageRows<Browser>(rows, now, metrics.failed, (row) => {
			const device = byId.get(row.deviceId);
			// Revoked, unsubscribed or moved out of the channel since the row was made: nothing is sent.
			if (!paired.has(row.deviceId)) return { fail: 'DeviceRemoved' };
			if (!device) return { fail: 'NoSubscription' };
			if (notification === null) return { fail: 'Expired' };
			if (message.answer !== null) return { fail: 'Answered' };
			return { device };
		});
		const { pending, updates } = triage;
		let nextRun = triage.nextRun;

		if (notification !== null && pending.length > 0) {
			await inPool(pending, sender.windowSize, async ({ row, device }) => {
				const outcome = await sender.send(device.subscription, notification);
				const next = await this.record(message.id, row, device, outcome);
				if (next.state === 'retrying' && next.nextAttemptAt !== null)
					nextRun = Math.min(nextRun ?? Infinity, next.nextAttemptAt);
				updates.push(next);
			});
		}
		if (updates.length > 0) await store.saveDeliveries(updates);
		return nextRun === null ? undefined : { retryAt: nextRun };
	}

	async runAnswered(job: Job<'webpush.answered'>): Promise<JobResult> {
		const { store, sender, log } = this.deps;
		const { message_id: messageId, answered_by: by, except_device_id: except } = job.payload;
		if (!sender) return;
		const found = await messageAndDevices(store, messageId);
		if (!found) return;
		// The browsers the message reached; the others never showed it (their push, if still
		// pending, is skipped now that the message is answered).
		const reached = new Set(
			(await store.listDeliveries(messageId, 'webpush'))
				.filter((r) => r.state === 'sent')
				.map((r) => r.deviceId),
		);
		const browsers = found.devices.filter(
			(d): d is Browser =>
				d.kind === 'webpush' && d.subscription !== null && reached.has(d.id) && d.id !== except,
		);
		if (browsers.length === 0) return;
		const notification = answeredNotification(messageId, by);
		let retryAt: number | null = null;
		await inPool(browsers, sender.windowSize, async (device) => {
			const outcome = await sender.send(device.subscription, notification);
			if (outcome.kind === 'retry' && job.attempts + 1 < MAX_ANSWERED_ATTEMPTS) {
				this.deps.metrics.retried.inc({ reason: outcome.reason });
				const at =
					this.deps.clock.now() + (outcome.retryAfterMs ?? pushBackoffMs(job.attempts + 1));
				retryAt = Math.max(retryAt ?? 0, at);
				return;
			}
			await this.settle(messageId, device, outcome, 'answered');
		});
		// A re-run sends to every browser again: closing a notification twice is harmless.
		if (retryAt !== null) log.debug('webpush.answered_retry', { message_id: messageId });
		return retryAt === null ? undefined : { retryAt };
	}

	/**
	 * The subscription hygiene and the log/metrics of one outcome that is not retried: a dead
	 * subscription (404/410) is removed, if it is still the one that failed.
	 */
	private async settle(
		messageId: string,
		device: Browser,
		outcome: WebPushOutcome,
		type: 'message' | 'answered',
	): Promise<void> {
		const { store, log, metrics } = this.deps;
		const ids = { message_id: messageId, device_id: device.id, type };
		switch (outcome.kind) {
			case 'sent':
				metrics.sent.inc({ type });
				return;
			case 'gone': {
				metrics.failed.inc({ reason: outcome.reason });
				const removed = await store.removeSubscription(device.id, device.subscription.endpoint);
				if (removed) metrics.subscriptionsRemoved.inc({ why: 'gone' });
				log.info('webpush.subscription_removed', { ...ids, reason: outcome.reason, removed });
				return;
			}
			case 'retry':
			case 'failed':
				metrics.failed.inc({ reason: outcome.reason });
				log.info('webpush.failed', {
					...ids,
					reason: outcome.reason,
					detail: outcome.kind === 'failed' ? outcome.detail : undefined,
				});
		}
	}

	/** The browser's row after one attempt of a message push. */
	private async record(
		messageId: string,
		row: DeviceDelivery,
		device: Browser,
		outcome: WebPushOutcome,
	): Promise<DeviceDelivery> {
		const { log, metrics } = this.deps;
		const now = this.deps.clock.now();
		const attempts = row.attempts + 1;
		const after = (
			state: DeviceDelivery['state'],
			reason: string | null,
			nextAttemptAt: number | null,
		): DeviceDelivery => ({ ...row, state, reason, attempts, nextAttemptAt, updatedAt: now });
		if (outcome.kind === 'retry' && attempts < MAX_PUSH_ATTEMPTS) {
			metrics.retried.inc({ reason: outcome.reason });
			const delay = outcome.retryAfterMs ?? pushBackoffMs(attempts);
			log.debug('webpush.retry_scheduled', {
				message_id: messageId,
				device_id: device.id,
				reason: outcome.reason,
				delay_ms: delay,
			});
			return after('retrying', outcome.reason, now + delay);
		}
		await this.settle(messageId, device, outcome, 'message');
		switch (outcome.kind) {
			case 'sent':
				return after('sent', null, null);
			case 'gone':
				return after('failed', outcome.reason, null);
			case 'retry':
				log.warn('webpush.gave_up', { message_id: messageId, device_id: device.id, attempts });
				return after('failed', outcome.reason, null);
			case 'failed':
				return after('failed', outcome.detail ?? outcome.reason, null);
		}
	}
}
