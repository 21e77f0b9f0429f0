import { Router } from 'express';
import { badRequest } from '../domain/errors';
import { isObject } from '../domain/fields';
import { iso, newMessage, parseSendRequest } from '../domain/message';
import { channelForToken } from './auth';
import { AppContext } from './context';

/** `POST /v1/send/{token}`: store a message for the token's channel and queue its push. */
export function sendRouter(ctx: AppContext): Router {
	const router = Router();
	router.post('/v1/send/:token', async (req, res) => {
		const channel = await channelForToken(ctx, req.params.token);
		if (!isObject(req.body)) throw badRequest('request body must be a JSON object');
		const request = parseSendRequest(req.body);
		const now = ctx.clock.now();
		const muted = channel.mutedUntil !== null && channel.mutedUntil > now;
		const message = newMessage(request, channel.id, muted, now);
		const jobs = await ctx.hooks.jobsForNewMessage(message, channel);
		await ctx.store.insertMessage(message, jobs);
		ctx.log.debug('message.created', { message_id: message.id, channel_id: channel.id, muted });
		res.json({
			ok: true,
			id: message.id,
			muted,
			channel_id: channel.id,
			created_at: iso(message.createdAt),
			expires_at: message.expiresAt === null ? null : iso(message.expiresAt),
		});
	});
	return router;
}
