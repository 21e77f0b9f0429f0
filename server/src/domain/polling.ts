import { CallbackBody, callbackBody } from './answer';
import { isExpired, iso } from './message';
import { MessageRecord } from './types';

/** What a poll reads of a message: no title, body or actions (stores read only these columns). */
export type PollRecord = Pick<
	MessageRecord,
	'id' | 'channelId' | 'expiresAt' | 'answer' | 'readAt' | 'callbackState'
>;

export type PollStatus = 'pending' | 'submitted' | 'already_read' | 'expired' | 'failed';

export interface PollOutcome {
	status: PollStatus;
	result?: CallbackBody;
	submitted_at?: string;
	/** True when this read hands out the answer and must mark it read (single read). */
	consumes: boolean;
}

/**
 * The polling state machine (docs/api.md#polling), as a pure function of the stored record.
 * A store applies it inside its own atomic read-and-mark, so two polls can't both consume.
 *
 * - no answer: `expired` once the message's `expires_in` passed, else `pending`;
 * - answer already consumed: `already_read`;
 * - callback failed for good: `failed` with the answer (once; no TTL, so it is never lost);
 * - answer older than the response TTL: `expired`;
 * - otherwise `submitted` with the answer.
 */
export function pollOutcome(record: PollRecord, now: number, responseTtlMs: number): PollOutcome {
	const answer = record.answer;
	if (!answer) return { status: isExpired(record, now) ? 'expired' : 'pending', consumes: false };
	if (record.readAt !== null) return { status: 'already_read', consumes: false };
	const withResult = {
		result: callbackBody(record, answer),
		submitted_at: iso(answer.submittedAt),
		consumes: true,
	};
	if (record.callbackState === 'failed') return { status: 'failed', ...withResult };
	if (now - answer.submittedAt >= responseTtlMs) return { status: 'expired', consumes: false };
	return { status: 'submitted', ...withResult };
}
