import { badRequest } from '../domain/errors';
import { JsonObject, isObject, optionalString, requiredString } from '../domain/fields';
import { parseIsoInstant } from '../domain/time';
import { newChannelId, newWebhookSecret, newWebhookToken, sha256Hex } from '../domain/ids';
import { Channel } from '../domain/types';
import { ChannelPatch } from '../store/store';
import { ownChannel } from './auth';
import { AppContext } from './context';
import { presentChannel } from './present';
import { ApiRequest, Reply, json } from './route';

const NAME_MAX = 50;
const COLOR_PATTERN = /^#[0-9A-Fa-f]{6}$/;

function parseColor(body: JsonObject): string | null | undefined {
	const color = optionalString(body, 'color', 'color', 7);
	if (color === undefined) return body.color === null ? null : undefined;
	if (!COLOR_PATTERN.test(color)) throw badRequest('color must be a hex colour like #1A2B3C');
	return color;
}

function parseMutedUntil(body: JsonObject): number | null | undefined {
	if (!('muted_until' in body)) return undefined;
	const raw = body.muted_until;
	if (raw === null) return null;
	const ms = typeof raw === 'string' ? parseIsoInstant(raw) : null;
	if (ms === null) throw badRequest('muted_until must be an ISO-8601 time or null (null unmutes)');
	return ms;
}

/** The changeable fields of a channel (name, icon, color, muted_until), checked; 400 naming the field. */
export function parseChannelPatch(body: JsonObject): ChannelPatch {
	const patch: ChannelPatch = {};
	if (body.name !== undefined) patch.name = requiredString(body, 'name', 'name', NAME_MAX);
	const icon = optionalString(body, 'icon', 'icon', 50);
	if (icon !== undefined || body.icon === null) patch.icon = icon ?? null;
	const color = parseColor(body);
	if (color !== undefined) patch.color = color;
	const mutedUntil = parseMutedUntil(body);
	if (mutedUntil !== undefined) patch.mutedUntil = mutedUntil;
	return patch;
}

const SIGNATURE = { algorithm: 'HMAC-SHA256', header_name: 'X-Ping-Signature' };

const webhookUrl = (ctx: AppContext, token: string) => `${ctx.publicUrl}/v1/send/${token}`;

export async function createChannel(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	if (!isObject(req.body)) throw badRequest('request body must be a JSON object');
	const { channel, token } = await makeChannel(ctx, req.accountId, req.body);
	return json(
		{
			ok: true,
			channel: presentChannel(channel, ctx.clock.now()),
			webhook_token: token,
			webhook_url: webhookUrl(ctx, token),
			webhook_secret: channel.webhookSecret,
		},
		201,
	);
}

/** Stores a new channel of the account (the API and the console); its token, in clear only here. */
export async function makeChannel(
	ctx: AppContext,
	accountId: string,
	body: JsonObject,
): Promise<{ channel: Channel; token: string }> {
	const name = requiredString(body, 'name', 'name', NAME_MAX);
	const patch = parseChannelPatch(body);
	const now = ctx.clock.now();
	const token = newWebhookToken();
	const channel: Channel = {
		id: newChannelId(),
		accountId,
		name,
		icon: patch.icon ?? null,
		color: patch.color ?? null,
		mutedUntil: patch.mutedUntil ?? null,
		tokenHash: sha256Hex(token),
		webhookSecret: newWebhookSecret(),
		createdAt: now,
		updatedAt: now,
	};
	await ctx.store.ensureAccount(channel.accountId, now);
	await ctx.store.insertChannel(channel);
	return { channel, token };
}

export async function listChannels(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	const now = ctx.clock.now();
	const channels = await ctx.store.listChannels(req.accountId);
	return json({ ok: true, channels: channels.map((c) => presentChannel(c, now)) });
}

export async function getChannel(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	const channel = await ownChannel(ctx, req.accountId, req.params.id);
	return json({ ok: true, channel: presentChannel(channel, ctx.clock.now()) });
}

export async function updateChannel(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	if (!isObject(req.body)) throw badRequest('request body must be a JSON object');
	const channel = await ownChannel(ctx, req.accountId, req.params.id);
	const now = ctx.clock.now();
	const updated = await ctx.store.updateChannel(channel.id, parseChannelPatch(req.body), now);
	return json({ ok: true, channel: presentChannel(updated ?? channel, now) });
}

export async function deleteChannel(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	const channel = await ownChannel(ctx, req.accountId, req.params.id);
	await ctx.store.deleteChannel(channel.id);
	return json({ ok: true });
}

/** A new webhook token; the old one stops working at once. */
export async function regenerateToken(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	const channel = await ownChannel(ctx, req.accountId, req.params.id);
	const token = await regenerateChannelToken(ctx, channel);
	return json({ ok: true, webhook_token: token, webhook_url: webhookUrl(ctx, token) });
}

/** A new webhook token for the channel (the old one dies at once), in clear only here. */
export async function regenerateChannelToken(ctx: AppContext, channel: Channel): Promise<string> {
	const token = newWebhookToken();
	await ctx.store.updateChannel(channel.id, { tokenHash: sha256Hex(token) }, ctx.clock.now());
	return token;
}

export async function getSecret(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	const channel = await ownChannel(ctx, req.accountId, req.params.id);
	return json({ ok: true, webhook_secret: channel.webhookSecret, ...SIGNATURE });
}

export async function rotateSecret(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	const channel = await ownChannel(ctx, req.accountId, req.params.id);
	const secret = newWebhookSecret();
	await ctx.store.updateChannel(channel.id, { webhookSecret: secret }, ctx.clock.now());
	return json({ ok: true, webhook_secret: secret, ...SIGNATURE });
}
