import { parseAnswerInput } from '../domain/actions';
import { CallbackBody, callbackBody, tapTimestamp } from '../domain/answer';
import { ApiError, alreadyAnswered, messageExpired } from '../domain/errors';
import { isExpired } from '../domain/message';
import { Answer, Channel, MessageRecord, Responder } from '../domain/types';
import { AppContext } from '../http/context';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** An answer as it comes in, before validation against the message's actions. */
export interface AnswerInput {
	triggeredBy: unknown;
	responses: unknown;
	/** The tap time a client reports (ISO 8601, a 400 otherwise); the server's time when absent. */
	timestamp?: unknown;
	responder: Responder;
}

/**
 * The one way a message gets answered, whoever answers it: `POST /v1/messages/{id}/respond`
 * (an API client, the phone app) and `POST /a/<token>` (a person on the answer page).
 * Validates the answer against the message's actions (400 naming the field), refuses an
 * answered or expired message (409), stores the first answer atomically with its callback and
 * channel webhook deliveries (of simultaneous answers exactly one is saved, the others get
 * 409), and wakes the long-polls waiting for it.
 */
export async function answerMessage(
	ctx: AppContext,
	message: MessageRecord,
	channel: Channel,
	input: AnswerInput,
): Promise<{ answer: Answer; body: CallbackBody }> {
	const now = ctx.clock.now();
	if (message.answer) throw alreadyAnswered();
	if (isExpired(message, now)) throw messageExpired();
	const parsed = parseAnswerInput(message.actions, input.triggeredBy, input.responses);
	const answer: Answer = {
		...parsed,
		timestamp: tapTimestamp(input.timestamp, now),
		submittedAt: now,
		responder: input.responder,
	};
	const jobs = await ctx.delivery.jobsForAnswer(message, answer, channel);
	const callbackState = message.callbackUrl ? 'pending' : 'none';
	const saved = await ctx.store.saveAnswer(message.id, answer, callbackState, jobs);
	if (saved === 'missing') throw new ApiError(404, `message ${message.id} not found`);
	if (saved === 'conflict') throw alreadyAnswered();
	if (saved === 'expired') throw messageExpired();
	// The jobs this answer started (in SQLite mode its callback POSTs, handed over at the commit)
	// put their first bytes on the wire within this event-loop turn; the log line, the wake-ups
	// and the answerer's reply wait for the next one. Each of those writes is a system call of a
	// tenth to a quarter of a millisecond here, so the workflow waiting on the callback hears of
	// the answer that much sooner, and the answerer's reply comes as much later
	// (bench/README.md, "Answer → callback at concurrency 1").
	await nextTurn();
	ctx.events.notify(message.id);
	ctx.answerMetrics.answers.inc({ via: input.responder.via });
	ctx.log.info('message.answered', {
		message_id: message.id,
		channel_id: channel.id,
		triggered_by: answer.triggeredBy,
		via: input.responder.via,
	});
	return { answer, body: callbackBody(message, answer) };
}
