import { Clock } from '../../domain/time';
import { callbackBody } from '../../domain/answer';
import { badRequest } from '../../domain/errors';
import { newDeliveryId } from '../../domain/ids';
import { iso } from '../../domain/message';
import { CallbackAttempt } from '../../domain/types';
import { DeliveryHooks } from '../delivery';
import { NewJob, Store } from '../../store/store';
import { AddressGuard } from './address-guard';
import { callbackJob } from './deliver';

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
 * How callbacks plug into the core:
 * - a new message's `callback_url` is judged by the address guard (400 naming the setting
 *   that would allow it), so a refused URL never gets stored;
 * - an answer queues one delivery per target: the message's `callback_url`, and each of the
 *   channel's webhooks, atomically with the answer;
 * - `GET /v1/messages/{id}` lists every attempt as `callback_attempts`.
 */
export function callbackHooks(deps: { store: Store; clock: Clock; guard: AddressGuard }): DeliveryHooks {
	const { store, clock, guard } = deps;
	return {
		async jobsForNewMessage(message) {
			if (message.callbackUrl) {
				const refused = await guard.refusalForUrl(new URL(message.callbackUrl));
				if (refused) throw badRequest(`callback_url is not allowed: ${refused.message}`);
			}
			return [];
		},

		async jobsForAnswer(message, answer, channel) {
			const body = JSON.stringify(callbackBody(message, answer));
			const now = clock.now();
			const jobs: NewJob[] = [];
			if (message.callbackUrl) {
				jobs.push(
					callbackJob(
						{ messageId: message.id, deliveryId: newDeliveryId(), target: 'callback_url', webhookId: null, url: message.callbackUrl, body },
						now,
					),
				);
			}
			for (const webhook of await store.listWebhooks(channel.id)) {
				jobs.push(
					callbackJob(
						{ messageId: message.id, deliveryId: newDeliveryId(), target: 'webhook', webhookId: webhook.id, url: webhook.url, body },
						now,
					),
				);
			}
			return jobs;
		},

		async describeMessage(message) {
			const attempts = await store.listCallbackAttempts(message.id);
			return { callback_attempts: attempts.map(presentAttempt) };
		},
	};
}
