import { ApiError, badRequest, conflict } from '../domain/errors';
import { JsonObject, httpUrl, isObject, optionalString, requiredString } from '../domain/fields';
import { newWebhookId } from '../domain/ids';
import { CALLBACK_URL_MAX, iso } from '../domain/message';
import { Channel, ChannelWebhook } from '../domain/types';
import { ownChannel } from './auth';
import { AppContext } from './context';
import { ApiRequest, Reply, json } from './route';

/** A channel may have at most this many webhooks (each answer fans out to all of them). */
export const MAX_WEBHOOKS_PER_CHANNEL = 20;
const DESCRIPTION_MAX = 200;

export function presentWebhook(webhook: ChannelWebhook) {
	return {
		id: webhook.id,
		url: webhook.url,
		description: webhook.description,
		created_at: iso(webhook.createdAt),
	};
}

/**
 * `/v1/channels/{id}/webhooks`: subscriptions that receive every answer on the channel,
 * signed like the message callback (the Callback Trigger node registers itself here).
 */
export async function createWebhook(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	if (!isObject(req.body)) throw badRequest('request body must be a JSON object');
	const channel = await ownChannel(ctx, req.accountId, req.params.id);
	const webhook = await addWebhook(ctx, channel, req.body);
	return json({ ok: true, webhook: presentWebhook(webhook) }, 201);
}

/** Checks (`url` through the address guard) and stores a webhook of the channel (the API and the console). */
export async function addWebhook(
	ctx: AppContext,
	channel: Channel,
	body: JsonObject,
): Promise<ChannelWebhook> {
	const url = httpUrl(requiredString(body, 'url', 'url', CALLBACK_URL_MAX), 'url');
	const description = optionalString(body, 'description', 'description', DESCRIPTION_MAX) ?? null;
	const refused = await ctx.guard.refusalForUrl(new URL(url));
	if (refused) throw badRequest(`url is not allowed: ${refused.message}`);
	const webhook: ChannelWebhook = {
		id: newWebhookId(),
		channelId: channel.id,
		url,
		description,
		createdAt: ctx.clock.now(),
	};
	if ((await ctx.store.insertWebhook(webhook, MAX_WEBHOOKS_PER_CHANNEL)) === 'limit') {
		throw conflict(
			`channel ${channel.id} already has ${MAX_WEBHOOKS_PER_CHANNEL} webhooks; delete one first`,
		);
	}
	ctx.log.info('webhook.created', { channel_id: channel.id, webhook_id: webhook.id });
	return webhook;
}

export async function listWebhooks(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	const channel = await ownChannel(ctx, req.accountId, req.params.id);
	const webhooks = await ctx.store.listWebhooks(channel.id);
	return json({ ok: true, webhooks: webhooks.map(presentWebhook) });
}

export async function deleteWebhook(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	const channel = await ownChannel(ctx, req.accountId, req.params.id);
	const id = req.params.webhookId;
	if (!(await ctx.store.deleteWebhook(channel.id, id)))
		throw new ApiError(404, `webhook ${id} not found on channel ${channel.id}`);
	ctx.log.info('webhook.deleted', { channel_id: channel.id, webhook_id: id });
	return json({ ok: true });
}
