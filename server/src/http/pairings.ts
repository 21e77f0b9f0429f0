import { createPairing } from '../app/pairing';
import { badRequest } from '../domain/errors';
import { isObject, optionalString } from '../domain/fields';
import { AppContext } from './context';
import { iso } from '../domain/message';
import { ApiRequest, Reply, json } from './route';

/** A device may be scoped to at most this many channels (more: leave channel_ids out for all). */
const MAX_SCOPED_CHANNELS = 100;

/**
 * `channel_ids` of a pairing or a paired browser: absent or null for every channel of the
 * account, else a non-empty list of the account's own channel ids (another account's channel is
 * refused like a missing one).
 */
export async function parseChannelScope(
	ctx: AppContext,
	accountId: string,
	value: unknown,
): Promise<string[] | null> {
	if (value === undefined || value === null) return null;
	if (!Array.isArray(value) || value.length === 0)
		throw badRequest('channel_ids must be a non-empty array of channel ids, or null for all');
	if (value.length > MAX_SCOPED_CHANNELS)
		throw badRequest(`channel_ids may list at most ${MAX_SCOPED_CHANNELS} channels`);
	const own = new Set((await ctx.store.listChannels(accountId)).map((c) => c.id));
	const ids: string[] = [];
	value.forEach((id, i) => {
		if (typeof id !== 'string') throw badRequest(`channel_ids[${i}] must be a string`);
		if (!own.has(id)) throw badRequest(`channel_ids[${i}]: channel ${id} not found`);
		if (!ids.includes(id)) ids.push(id);
	});
	return ids;
}

/** `POST /v1/devices/pairings` `{channel_ids?, name?}` → a single-use pairing link and its QR code. */
export async function createPairingLink(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	if (!isObject(req.body)) throw badRequest('request body must be a JSON object');
	const name = optionalString(req.body, 'name', 'name', 100) ?? null;
	const channelIds = await parseChannelScope(ctx, req.accountId, req.body.channel_ids);
	const pairing = await createPairing(ctx, req.accountId, channelIds, name);
	return json(
		{
			ok: true,
			pair_url: pairing.pairUrl,
			expires_at: iso(pairing.expiresAt),
			channel_ids: channelIds,
			name,
			qr_svg: pairing.qrSvg,
		},
		201,
	);
}
