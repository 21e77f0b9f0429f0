import { callbackJob } from '../delivery/callbacks/deliver';
import { callbackBody } from '../domain/answer';
import { conflict, notFound } from '../domain/errors';
import { iso } from '../domain/message';
import { MessageRecord } from '../domain/types';
import { AppContext } from '../http/context';

/**
 * "Retry now" for an answer's callback delivery that failed for good (the console's button and
 * `POST /v1/messages/{id}/callbacks/{delivery_id}/retry`): one more attempt, queued at once as a
 * durable job with the same idempotency key and the same bytes, so a receiver that already got
 * it drops the copy. The attempt count continues from the last one, which is past the schedule:
 * if this attempt fails too, the delivery is `failed` again (no new 22-hour schedule), and
 * the button is there again.
 *
 * Refused (409) while the delivery is still being retried or once it was delivered, and for an
 * expiry event (it is not an answer); 404 for a delivery the message never had.
 */
export async function retryCallbackDelivery(
	ctx: AppContext,
	message: MessageRecord,
	deliveryId: string,
): Promise<void> {
	const attempts = (await ctx.store.listCallbackAttempts(message.id)).filter(
		(a) => a.deliveryId === deliveryId,
	);
	const last = attempts[attempts.length - 1];
	if (!last) throw notFound(`delivery ${deliveryId} not found on message ${message.id}`);
	if (last.outcome === 'delivered')
		throw conflict(`delivery ${deliveryId} was delivered; there is nothing to retry`);
	if (last.outcome === 'retrying')
		throw conflict(
			`delivery ${deliveryId} is still being retried (next attempt at ${iso(last.nextAttemptAt ?? ctx.clock.now())})`,
		);
	if (!message.answer)
		throw conflict(`delivery ${deliveryId} is an expiry event; only answers are retried`);
	let url = message.callbackUrl;
	if (last.target === 'webhook') {
		const webhook = last.webhookId ? await ctx.store.getWebhook(last.webhookId) : null;
		url = webhook?.url ?? null;
		if (!url) throw conflict(`the webhook of delivery ${deliveryId} was removed`);
	}
	if (!url) throw conflict(`message ${message.id} has no callback_url`);
	const job = callbackJob(
		{
			messageId: message.id,
			deliveryId,
			target: last.target,
			webhookId: last.webhookId,
			url,
			// The same bytes as the first attempt: the body is a pure function of the stored answer.
			body: JSON.stringify(callbackBody(message, message.answer)),
			attemptsBefore: last.attempt,
		},
		ctx.clock.now(),
	);
	if (!(await ctx.store.queueMessageJobs(message.id, [job])))
		throw notFound(`message ${message.id} not found`);
	ctx.log.info('callback.retry_queued', {
		message_id: message.id,
		delivery_id: deliveryId,
		target: last.target,
	});
}
