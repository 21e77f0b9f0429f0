import { Clock } from '../../domain/time';
import { callbackBody } from '../../domain/answer';
import { badRequest } from '../../domain/errors';
import { newDeliveryId } from '../../domain/ids';
import { iso } from '../../domain/message';
import { CallbackAttempt, CallbackTarget } from '../../domain/types';
import { Logger } from '../../observability/log';
import { AnswerEvents } from '../../store/answer-events';
import { Delivery } from '../delivery';
import { NewJob } from '../../jobs/job';
import { Store } from '../../store/store';
import { AddressGuard } from './address-guard';
import { callbackJob, deliverCallback } from './deliver';
import { deliverExpiry, expiryJob } from './expiry';
import { CallbackPoster } from './http-post';

export function presentAttempt(a: CallbackAttempt) {
	return {
		delivery_id: a.deliveryId,
		target: a.target,
		webhook_id: a.webhookId,
		attempt: a.attempt,
		attempted_at: iso(a.attemptedAt),
		status_code: a.statusCode,
		error: a.error,
		latency_ms: a.latencyMs,
		outcome: a.outcome,
		next_attempt_at: a.nextAttemptAt === null ? null : iso(a.nextAttemptAt),
	};
}

/**
 * Signed callbacks as a delivery:
 * - a new message's `callback_url` is judged by the address guard (400 naming the setting
 *   that would allow it), so a refused URL never gets stored;
 * - an answer queues one delivery per target: the message's `callback_url`, and each of the
 *   channel's webhooks, atomically with the answer;
 * - a message sent with `expiry_callback` queues its `expired` event, due at its expiry;
 * - `GET /v1/messages/{id}` lists every attempt as `callback_attempts`.
 */
export function createCallbackDelivery(deps: {
	store: Store;
	clock: Clock;
	log: Logger;
	events: AnswerEvents;
	guard: AddressGuard;
	timeoutMs: number;
}): Delivery {
	const { store, clock, guard } = deps;
	const poster = new CallbackPoster(guard, deps.timeoutMs);
	return {
		async jobsForNewMessage(message, _channel, options) {
			if (!message.callbackUrl) return [];
			const refused = await guard.refusalForUrl(new URL(message.callbackUrl));
			if (refused) throw badRequest(`callback_url is not allowed: ${refused.message}`);
			if (!options.expiryCallback || message.expiresAt === null) return [];
			return [
				expiryJob({ ...message, callbackUrl: message.callbackUrl, expiresAt: message.expiresAt }),
			];
		},

		async jobsForAnswer(message, answer, channel) {
			const body = JSON.stringify(callbackBody(message, answer));
			const now = clock.now();
			const jobs: NewJob[] = [];
			const deliver = (target: CallbackTarget, webhookId: string | null, url: string) =>
				jobs.push(
					callbackJob(
						{ messageId: message.id, deliveryId: newDeliveryId(), target, webhookId, url, body },
						now,
					),
				);
			if (message.callbackUrl) deliver('callback_url', null, message.callbackUrl);
			for (const webhook of await store.listWebhooks(channel.id))
				deliver('webhook', webhook.id, webhook.url);
			return jobs;
		},

		async describeMessage(message) {
			const attempts = await store.listCallbackAttempts(message.id);
			return { callback_attempts: attempts.map(presentAttempt) };
		},

		handlers: {
			'callback.deliver': deliverCallback({ ...deps, poster }),
			'callback.expired': deliverExpiry({ ...deps, poster }),
		},

		async close() {
			poster.close();
		},
	};
}
