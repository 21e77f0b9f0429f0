import { ApiError, badRequest } from '../domain/errors';
import { PollOutcome, pollOutcome } from '../domain/polling';
import { Channel } from '../domain/types';
import { AppContext } from './context';
import { ApiRequest, Reply, json } from './route';

/** `?wait=N` long-polls for at most this many seconds (an extension: docs/api.md#polling). */
export const MAX_WAIT_SECONDS = 50;

export function parseWait(raw: string | null): number {
	if (raw === null) return 0;
	if (!/^\d+$/.test(raw) || Number(raw) > MAX_WAIT_SECONDS) {
		throw badRequest(`wait must be a whole number of seconds from 0 to ${MAX_WAIT_SECONDS}`);
	}
	return Number(raw);
}

/** `GET /v1/callback/{token}/{message_id}[?wait=N]`: the poll, with single read. */
export async function pollRoute(ctx: AppContext, req: ApiRequest<'token'>): Promise<Reply> {
	// A long-poll stops waiting once its client has gone.
	const clientGone = () => req.raw.socket.destroyed;
	return json(
		await pollMessage(
			ctx,
			req.channel,
			req.params.messageId,
			parseWait(req.query.get('wait')),
			clientGone,
		),
	);
}

/**
 * The status of a message for its channel's token (docs/api.md#polling); consumes a
 * submitted answer. With `waitSeconds` > 0 it returns as soon as the status leaves
 * `pending`, or then.
 */
export async function pollMessage(
	ctx: AppContext,
	channel: Channel,
	messageId: string,
	waitSeconds: number,
	isClosed: () => boolean,
): Promise<Omit<PollOutcome, 'consumes'>> {
	const ttlMs = ctx.config.responseTtlSeconds * 1000;
	const deadline = Date.now() + waitSeconds * 1000;
	for (;;) {
		const now = ctx.clock.now();
		const polled = await ctx.store.pollAnswer(
			messageId,
			// Another channel's message must look missing and must never be consumed.
			(record): PollOutcome =>
				record.channelId === channel.id
					? pollOutcome(record, now, ttlMs)
					: { status: 'pending', consumes: false },
			now,
		);
		if (!polled || polled.record.channelId !== channel.id) {
			throw new ApiError(404, `message ${messageId} not found for this token`);
		}
		const { outcome, record } = polled;
		const remaining = deadline - Date.now();
		if (outcome.status !== 'pending' || remaining <= 0 || isClosed()) {
			const { consumes: _consumes, ...body } = outcome;
			return body;
		}
		const untilExpiry = record.expiresAt === null ? Infinity : record.expiresAt - now;
		await ctx.events.wait(messageId, Math.min(remaining, untilExpiry));
	}
}
