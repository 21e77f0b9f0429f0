import { AnswerEvents } from '../../store/answer-events';
import { Clock } from '../../domain/time';
import { CallbackAttempt } from '../../domain/types';
import { Logger } from '../../observability/log';
import { CallbackJobPayload, JobHandler, NewJob } from '../../jobs/job';
import { Store } from '../../store/store';
import { CallbackPoster } from './http-post';
import { isNotYetFailure, nextRetryDelayMs } from './schedule';
import { signatureHeader } from '../../domain/signature';

/** One callback delivery (one answer to one target), due now, retried until done. */
export function callbackJob(payload: CallbackJobPayload, now: number): NewJob<'callback.deliver'> {
	return { kind: 'callback.deliver', payload, runAt: now };
}

export interface DeliveryDeps {
	store: Store;
	clock: Clock;
	log: Logger;
	events: AnswerEvents;
	poster: CallbackPoster;
	random?: () => number;
}

/** Only scheme, host and path go to logs: a query string or user info may hold credentials. */
function safeUrl(raw: string): string {
	try {
		const url = new URL(raw);
		return `${url.protocol}//${url.host}${url.pathname}`;
	} catch {
		return '(invalid URL)';
	}
}

/**
 * The job handler: one signed POST per run (a fresh `t` each time, the same idempotency key),
 * every attempt recorded. Any 2xx ends the delivery; anything else schedules the next retry
 * until the schedule runs out, then the message's callback is `failed` (polls hand out the
 * answer once instead).
 */
export function deliverCallback(deps: DeliveryDeps): JobHandler<'callback.deliver'> {
	const { store, log, events } = deps;
	return async (job) => {
		const p = job.payload;
		if (
			p.target === 'webhook' &&
			(p.webhookId === null || !(await store.getWebhook(p.webhookId)))
		) {
			log.info('callback.dropped', {
				message_id: p.messageId,
				delivery_id: p.deliveryId,
				reason: 'webhook removed',
			});
			return;
		}

		const settlesCallbackState = p.target === 'callback_url';
		const result = await attemptDelivery(deps, job, job.attempts + (p.attemptsBefore ?? 0), p, {
			settlesCallbackState,
		});
		// Polls waiting on a failed callback get the answer now.
		if (settlesCallbackState && result.retryAt === undefined) events.notify(p.messageId);
		return result;
	};
}

/** One signed delivery as the attempt logic sees it: a callback or an expiry event. */
export interface SignedDelivery {
	messageId: string;
	deliveryId: string;
	target: CallbackAttempt['target'];
	webhookId: string | null;
	url: string;
	body: string;
}

/**
 * One attempt of a signed delivery, the run of `job`: POST with a fresh signature (the channel's
 * secret as it is now), the attempt recorded, then done or the next retry of the schedule.
 * The attempt's store write also writes the job's outcome where the store keeps the jobs
 * (SQLite: one commit, see `JobSettlement`); the result says so to the queue. With
 * `settlesCallbackState`, a final outcome (`delivered`, `failed`) becomes the message's callback
 * state in that same write.
 */
export async function attemptDelivery(
	deps: DeliveryDeps,
	job: { id: string },
	previousAttempts: number,
	p: SignedDelivery,
	options: { settlesCallbackState: boolean },
): Promise<{ retryAt?: number; outcomeSaved: boolean }> {
	const { store, clock, log, poster } = deps;
	const secret = await store.getSigningSecret(p.messageId);
	if (secret === null) {
		log.info('callback.dropped', {
			message_id: p.messageId,
			delivery_id: p.deliveryId,
			reason: 'message or channel deleted',
		});
		return { outcomeSaved: false };
	}
	const attempt = previousAttempts + 1;
	const attemptedAt = clock.now();
	const outcome = await poster.post({
		url: p.url,
		body: p.body,
		signature: signatureHeader(secret, p.body, attemptedAt),
		idempotencyKey: p.deliveryId,
		now: attemptedAt,
	});
	const delay = outcome.delivered
		? null
		: nextRetryDelayMs(attempt, outcome.retryAfterMs, deps.random, isNotYetFailure(outcome));
	const nextAttemptAt = delay === null ? null : clock.now() + delay;
	const record: CallbackAttempt = {
		messageId: p.messageId,
		deliveryId: p.deliveryId,
		target: p.target,
		webhookId: p.webhookId,
		attempt,
		attemptedAt,
		statusCode: outcome.statusCode,
		error: outcome.error,
		latencyMs: outcome.latencyMs,
		outcome: outcome.delivered ? 'delivered' : nextAttemptAt === null ? 'failed' : 'retrying',
		nextAttemptAt,
	};
	const final = record.outcome === 'retrying' ? undefined : record.outcome;
	const outcomeSaved = await store.recordCallbackAttempt(
		record,
		options.settlesCallbackState ? final : undefined,
		{ jobId: job.id, retryAt: nextAttemptAt },
	);
	const fields = {
		message_id: p.messageId,
		delivery_id: p.deliveryId,
		target: p.target,
		webhook_id: p.webhookId ?? undefined,
		url: safeUrl(p.url),
		attempt,
		status_code: outcome.statusCode,
		latency_ms: outcome.latencyMs,
	};

	if (record.outcome === 'delivered') {
		log.debug('callback.delivered', fields);
		return { outcomeSaved };
	}
	if (record.outcome === 'failed') {
		log.warn('callback.failed', { ...fields, error: outcome.error });
		return { outcomeSaved };
	}
	log.info('callback.retrying', {
		...fields,
		error: outcome.error,
		next_attempt_at: new Date(nextAttemptAt as number).toISOString(),
	});
	return { retryAt: nextAttemptAt as number, outcomeSaved };
}
