import { Router } from 'express';
import { AddressGuard } from '../delivery/callbacks/address-guard';
import { ApiError, badRequest, conflict } from '../domain/errors';
import { httpUrl, isObject, optionalString, requiredString } from '../domain/fields';
import { newWebhookId } from '../domain/ids';
import { CALLBACK_URL_MAX, iso } from '../domain/message';
import { ChannelWebhook } from '../domain/types';
import { ownChannel, requireApiKey } from './auth';
import { AppContext } from './context';

/** A channel may have at most this many webhooks (each answer fans out to all of them). */
export const MAX_WEBHOOKS_PER_CHANNEL = 20;
const DESCRIPTION_MAX = 200;

export function presentWebhook(webhook: ChannelWebhook) {
	return { id: webhook.id, url: webhook.url, description: webhook.description, created_at: iso(webhook.createdAt) };
}

/**
 * `/v1/channels/{id}/webhooks` [ext]: subscriptions that receive every answer on the channel,
 * signed like the message callback (the Callback Trigger node registers itself here).
 */
export function webhooksRouter(ctx: AppContext): Router {
	const router = Router();
	const auth = requireApiKey(ctx);
	const guard = new AddressGuard(ctx.config.callbackAllow);

	router.post('/v1/channels/:id/webhooks', auth, async (req, res) => {
		if (!isObject(req.body)) throw badRequest('request body must be a JSON object');
		const channel = await ownChannel(ctx, res, String(req.params.id));
		const url = httpUrl(requiredString(req.body, 'url', 'url', CALLBACK_URL_MAX), 'url');
		const description = optionalString(req.body, 'description', 'description', DESCRIPTION_MAX) ?? null;
		const refused = await guard.refusalForUrl(new URL(url));
		if (refused) throw badRequest(`url is not allowed: ${refused.message}`);
		const webhook: ChannelWebhook = { id: newWebhookId(), channelId: channel.id, url, description, createdAt: ctx.clock.now() };
		if ((await ctx.store.insertWebhook(webhook, MAX_WEBHOOKS_PER_CHANNEL)) === 'limit') {
			throw conflict(`channel ${channel.id} already has ${MAX_WEBHOOKS_PER_CHANNEL} webhooks; delete one first`);
		}
		ctx.log.info('webhook.created', { channel_id: channel.id, webhook_id: webhook.id });
		res.status(201).json({ ok: true, webhook: presentWebhook(webhook) });
	});

	router.get('/v1/channels/:id/webhooks', auth, async (req, res) => {
		const channel = await ownChannel(ctx, res, String(req.params.id));
		const webhooks = await ctx.store.listWebhooks(channel.id);
		res.json({ ok: true, webhooks: webhooks.map(presentWebhook) });
	});

	router.delete('/v1/channels/:id/webhooks/:webhookId', auth, async (req, res) => {
		const channel = await ownChannel(ctx, res, String(req.params.id));
		const id = String(req.params.webhookId);
		if (!(await ctx.store.deleteWebhook(channel.id, id))) throw new ApiError(404, `webhook ${id} not found on channel ${channel.id}`);
		ctx.log.info('webhook.deleted', { channel_id: channel.id, webhook_id: id });
		res.json({ ok: true });
	});
	return router;
}
