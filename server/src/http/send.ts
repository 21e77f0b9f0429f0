import { badRequest } from '../domain/errors';
import { isObject } from '../domain/fields';
import { SendRequest, iso, newMessage, parseSendRequest } from '../domain/message';
import { Channel } from '../domain/types';
import { AppContext } from './context';
import { ApiRequest, Reply, json } from './route';

/** `POST /v1/send/{token}`: store a message for the token's channel, with its push queued. */
export async function sendMessage(ctx: AppContext, req: ApiRequest<'token'>): Promise<Reply> {
	const { channel, body } = req;
	if (!isObject(body)) throw badRequest('request body must be a JSON object');
	return json(await sendOnChannel(ctx, channel, parseSendRequest(body)));
}

/**
 * Stores a validated message on a channel with its pushes queued, and answers what the send
 * endpoint answers. The one way a message is made: the send endpoint and the MCP tools use it.
 */
export async function sendOnChannel(ctx: AppContext, channel: Channel, request: SendRequest) {
	const now = ctx.clock.now();
	const muted = channel.mutedUntil !== null && channel.mutedUntil > now;
	const made = newMessage(request, channel.id, muted, now);
	const message = { ...made, answerTokenHash: ctx.links.hashFor(made.id) };
	const jobs = await ctx.delivery.jobsForNewMessage(message, channel, {
		expiryCallback: request.expiryCallback,
	});
	await ctx.store.insertMessage(message, jobs);
	ctx.log.debug('message.created', { message_id: message.id, channel_id: channel.id, muted });
	return {
		ok: true as const,
		id: message.id,
		muted,
		channel_id: channel.id,
		created_at: iso(message.createdAt),
		expires_at: message.expiresAt === null ? null : iso(message.expiresAt),
		answer_url: ctx.links.urlFor(message),
	};
}
