import { Router } from 'express';
import { ApiError, badRequest } from '../domain/errors';
import { PollOutcome, pollOutcome } from '../domain/polling';
import { channelForToken } from './auth';
import { AppContext } from './context';

/** [ext] `?wait=N` long-polls for at most this many seconds. */
export const MAX_WAIT_SECONDS = 50;

function parseWait(raw: unknown): number {
	if (raw === undefined) return 0;
	if (typeof raw !== 'string' || !/^\d+$/.test(raw) || Number(raw) > MAX_WAIT_SECONDS) {
		throw badRequest(`wait must be a whole number of seconds from 0 to ${MAX_WAIT_SECONDS}`);
	}
	return Number(raw);
}

/** `GET /v1/callback/{token}/{message_id}`: the polling API of the seed, with single read. */
export function pollRouter(ctx: AppContext): Router {
	const router = Router();
	const ttlMs = ctx.config.responseTtlSeconds * 1000;

	router.get('/v1/callback/:token/:messageId', async (req, res) => {
		const channel = await channelForToken(ctx, req.params.token);
		const waitSeconds = parseWait(req.query.wait);
		const messageId = req.params.messageId;
		const deadline = Date.now() + waitSeconds * 1000;
		let closed = false;
		req.on('close', () => (closed = true));

		for (;;) {
			const now = ctx.clock.now();
			const polled = await ctx.store.pollAnswer(
				messageId,
				// Another channel's message must look missing and must never be consumed.
				(record): PollOutcome =>
					record.channelId === channel.id ? pollOutcome(record, now, ttlMs) : { status: 'pending', consumes: false },
				now,
			);
			if (!polled || polled.record.channelId !== channel.id) {
				throw new ApiError(404, `message ${messageId} not found for this token`);
			}
			const { outcome, record } = polled;
			const remaining = deadline - Date.now();
			if (outcome.status !== 'pending' || remaining <= 0 || closed) {
				const { consumes: _consumes, ...body } = outcome;
				res.json(body);
				return;
			}
			const untilExpiry = record.expiresAt === null ? Infinity : record.expiresAt - now;
			await ctx.events.wait(messageId, Math.min(remaining, untilExpiry));
		}
	});
	return router;
}
