import { isExpired, iso } from './message';
import { Action, Message, MessageRecord } from './types';

/** The button keys of an approval: what `triggered_by` says when the person taps. */
export const APPROVE_KEY = 'approve';
export const REJECT_KEY = 'reject';

/**
 * How long an approval can be answered when the agent gives no `ttl_ms`: one hour. Long enough
 * for a person to see a lock-screen push during a working session and come back to it; short
 * enough that a forgotten request cannot approve, hours later, an action whose context (the
 * diff, the deploy, the branch) has moved on. The agent may ask for up to 30 days.
 */
export const DEFAULT_APPROVAL_TTL_MS = 3_600_000;
export const MIN_APPROVAL_TTL_MS = 1_000;
export const MAX_APPROVAL_TTL_MS = 30 * 24 * 3_600_000;

/** An approval is a message with exactly these two buttons. */
export function approvalActions(): Action[] {
	return [
		{ type: 'button', label: 'Approve', key: APPROVE_KEY, style: 'primary' },
		{ type: 'button', label: 'Reject', key: REJECT_KEY, style: 'destructive' },
	];
}

export function isApproval(message: Message): boolean {
	const keys = message.actions.map((a) => (a.type === 'button' ? a.key : undefined));
	return keys.length === 2 && keys[0] === APPROVE_KEY && keys[1] === REJECT_KEY;
}

export type ApprovalStatus =
	| { status: 'approved'; value: string; answered_at: string }
	| { status: 'rejected'; value: string; answered_at: string }
	| { status: 'pending'; expires_at: string | null }
	| { status: 'expired' };

/**
 * Where an approval stands, read from its record without consuming anything (unlike the
 * single-read poll), so asking twice gives the same answer. An answer stands for as long as
 * the record is kept; no answer by the expiry (or a cancel) is `expired`, which the agent must
 * treat as a denial.
 */
export function approvalStatus(record: MessageRecord, now: number): ApprovalStatus {
	const answer = record.answer;
	if (answer) {
		const answered_at = iso(answer.submittedAt);
		return answer.triggeredBy === APPROVE_KEY
			? { status: 'approved', value: answer.triggeredBy, answered_at }
			: { status: 'rejected', value: answer.triggeredBy, answered_at };
	}
	if (isExpired(record, now)) return { status: 'expired' };
	return {
		status: 'pending',
		expires_at: record.expiresAt === null ? null : iso(record.expiresAt),
	};
}
