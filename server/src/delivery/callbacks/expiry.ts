import { Clock } from '../../domain/time';
import { iso } from '../../domain/message';
import { Message } from '../../domain/types';
import { newDeliveryId } from '../../domain/ids';
import { JobHandler, NewJob } from '../../jobs/job';
import { attemptDelivery, DeliveryDeps } from './deliver';

/**
 * Expiry events (an extension, `docs/api.md#expiry-events`): a message sent with
 * `expiry_callback` and left unanswered gets one signed `expired` event at its callback_url when
 * it expires, so a waiting receiver learns "nobody answered" from Ping instead of guessing from
 * its own timer. It has no `triggered_by`, so it can never be read as an answer.
 */
export interface ExpiryEvent {
	event: 'expired';
	message_id: string;
	channel_id: string;
	expired_at: string;
}

/** The event's bytes; field order is stable, like the callback body's. */
export function expiryEventBody(message: Message): string {
	const event: ExpiryEvent = {
		event: 'expired',
		message_id: message.id,
		channel_id: message.channelId,
		expired_at: iso(message.expiresAt as number),
	};
	return JSON.stringify(event);
}

/** Queued with the message, due at its expiry: durable, so it survives restarts. */
export function expiryJob(message: Message & { callbackUrl: string; expiresAt: number }): NewJob {
	return {
		kind: 'callback.expired',
		payload: {
			messageId: message.id,
			deliveryId: newDeliveryId(),
			url: message.callbackUrl,
			body: expiryEventBody(message),
		},
		runAt: message.expiresAt,
	};
}

/**
 * At the expiry: close the message to answers (atomically against an answer: of the two,
 * exactly one wins), then deliver the event with the retries of a callback. An answered
 * message gets no event. Closing again on a retry is a no-op, so the job may run twice.
 */
export function deliverExpiry(
	deps: DeliveryDeps & { clock: Clock },
): JobHandler<'callback.expired'> {
	const { store, clock, log } = deps;
	return async (job) => {
		const p = job.payload;
		const message = await store.getMessage(p.messageId);
		// A clock behind the one that scheduled the job (another instance): wait for the expiry.
		if (message?.expiresAt != null && clock.now() < message.expiresAt)
			return { retryAt: message.expiresAt };
		const closed = await store.expireMessage(p.messageId, clock.now());
		// Closed now, or before (a cancel, or this job's own run cut short): the event goes out.
		if (closed === 'answered' || closed === 'missing') {
			log.info('callback.dropped', {
				message_id: p.messageId,
				delivery_id: p.deliveryId,
				reason: closed === 'answered' ? 'answered before its expiry' : 'message deleted',
			});
			return;
		}
		return await attemptDelivery(
			deps,
			job,
			job.attempts,
			{ ...p, target: 'callback_url', webhookId: null },
			// The answer's callback_state is about answers; an expiry event leaves it as it is.
			{ settlesCallbackState: false },
		);
	};
}
