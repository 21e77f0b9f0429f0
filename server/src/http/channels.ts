import { Router } from 'express';
import { badRequest } from '../domain/errors';
import { JsonObject, isObject, optionalString, requiredString } from '../domain/fields';
import { newChannelId, newWebhookSecret, newWebhookToken, sha256Hex } from '../domain/ids';
import { ChannelPatch } from '../store/store';
import { accountId, ownChannel, requireApiKey } from './auth';
import { AppContext } from './context';
import { presentChannel } from './present';

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
	const ms = typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(raw) ? Date.parse(raw) : NaN;
	if (!Number.isFinite(ms)) throw badRequest('muted_until must be an ISO-8601 time or null (null unmutes)');
	return ms;
}

function parsePatch(body: JsonObject): ChannelPatch {
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

export function channelsRouter(ctx: AppContext): Router {
	const router = Router();
	router.use('/v1/channels', requireApiKey(ctx));
	const webhookUrl = (token: string) => `${ctx.publicUrl}/v1/send/${token}`;

	router.post('/v1/channels', async (req, res) => {
		if (!isObject(req.body)) throw badRequest('request body must be a JSON object');
		const name = requiredString(req.body, 'name', 'name', NAME_MAX);
		const patch = parsePatch(req.body);
		const now = ctx.clock.now();
		const token = newWebhookToken();
		const channel = {
			id: newChannelId(),
			accountId: accountId(res),
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
		res.status(201).json({
			ok: true,
			channel: presentChannel(channel, now),
			webhook_token: token,
			webhook_url: webhookUrl(token),
			webhook_secret: channel.webhookSecret,
		});
	});

	router.get('/v1/channels', async (_req, res) => {
		const now = ctx.clock.now();
		const channels = await ctx.store.listChannels(accountId(res));
		res.json({ ok: true, channels: channels.map((c) => presentChannel(c, now)) });
	});

	router.get('/v1/channels/:id', async (req, res) => {
		const channel = await ownChannel(ctx, res, req.params.id);
		res.json({ ok: true, channel: presentChannel(channel, ctx.clock.now()) });
	});

	router.patch('/v1/channels/:id', async (req, res) => {
		if (!isObject(req.body)) throw badRequest('request body must be a JSON object');
		const channel = await ownChannel(ctx, res, req.params.id);
		const now = ctx.clock.now();
		const updated = await ctx.store.updateChannel(channel.id, parsePatch(req.body), now);
		res.json({ ok: true, channel: presentChannel(updated ?? channel, now) });
	});

	router.delete('/v1/channels/:id', async (req, res) => {
		const channel = await ownChannel(ctx, res, req.params.id);
		await ctx.store.deleteChannel(channel.id);
		res.json({ ok: true });
	});

	router.post('/v1/channels/:id/regenerate', async (req, res) => {
		const channel = await ownChannel(ctx, res, req.params.id);
		const token = newWebhookToken();
		await ctx.store.updateChannel(channel.id, { tokenHash: sha256Hex(token) }, ctx.clock.now());
		res.json({ ok: true, webhook_token: token, webhook_url: webhookUrl(token) });
	});

	router.get('/v1/channels/:id/secret', async (req, res) => {
		const channel = await ownChannel(ctx, res, req.params.id);
		res.json({ ok: true, webhook_secret: channel.webhookSecret, ...SIGNATURE });
	});

	router.post('/v1/channels/:id/secret/rotate', async (req, res) => {
		const channel = await ownChannel(ctx, res, req.params.id);
		const secret = newWebhookSecret();
		await ctx.store.updateChannel(channel.id, { webhookSecret: secret }, ctx.clock.now());
		res.json({ ok: true, webhook_secret: secret, ...SIGNATURE });
	});
	return router;
}
