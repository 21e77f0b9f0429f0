import { ApiError } from '../domain/errors';
import { isExpired } from '../domain/message';
import { AppContext } from './context';
import { ApiRequest, Reply, json } from './route';

export type CancelOutcome = 'cancelled' | 'already_resolved';

/**
 * Closes a message that has no answer yet (it expires now): polls and long-polls say `expired`
 * at once, on every instance, and a later tap is refused (409). A message already answered or
 * expired stays as it is. Null when the message does not exist.
 */
export async function cancelMessage(
	ctx: AppContext,
	messageId: string,
): Promise<CancelOutcome | null> {
	const now = ctx.clock.now();
	// Past its expiry it is resolved already (expired), even if nothing closed it yet.
	const message = await ctx.store.getMessage(messageId);
	if (!message) return null;
	if (isExpired(message, now)) return 'already_resolved';
	const result = await ctx.store.expireMessage(messageId, now);
	if (result === 'missing') return null;
	if (result !== 'expired') return 'already_resolved';
	ctx.events.notify(messageId);
	ctx.log.info('message.cancelled', { message_id: messageId });
	return 'cancelled';
}

/**
 * `POST /v1/callback/{token}/{message_id}/cancel` (extension): what `ping-server ask` sends on
 * Ctrl-C. The webhook token is the credential, as for the poll; another channel's message is a 404.
 */
export async function cancelRoute(ctx: AppContext, req: ApiRequest<'token'>): Promise<Reply> {
	const id = req.params.messageId;
	const message = await ctx.store.getMessage(id);
	const notFound = new ApiError(404, `message ${id} not found for this token`);
	if (!message || message.channelId !== req.channel.id) throw notFound;
	const status = await cancelMessage(ctx, id);
	if (status === null) throw notFound;
	return json({ ok: true, status });
}
