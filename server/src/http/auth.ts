import { IncomingMessage } from 'node:http';
import { ApiError } from '../domain/errors';
import { constantTimeEqual, sha256Hex } from '../domain/ids';
import { ADMIN_ACCOUNT_ID } from '../domain/keys';
import { Channel } from '../domain/types';
import { AppContext } from './context';

/** `last_used_at` is written at most this often per key, to keep reads read-only. */
const TOUCH_INTERVAL_MS = 60_000;

/** The API key a request presents: its id (`admin` for PING_ADMIN_KEY) and its account. */
export interface PresentedKey {
	keyId: string;
	accountId: string;
}

/** `Authorization: Bearer pk_live_…` → the key and its account, or 401. */
export async function authenticateApiKey(
	ctx: AppContext,
	req: IncomingMessage,
): Promise<PresentedKey> {
	const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
	if (!match)
		throw new ApiError(
			401,
			'missing API key: send Authorization: Bearer pk_live_…',
			'missing_api_key',
		);
	const found = await findPresentedKey(ctx, match[1]);
	if (!found) throw new ApiError(401, 'API key is not valid');
	return found;
}

/**
 * The key a caller presents (in a header, or in the console's sign-in form), or null when it
 * is not a valid key: PING_ADMIN_KEY, compared in constant time, or a stored key found by its
 * SHA-256. Marks the key used.
 */
export async function findPresentedKey(
	ctx: AppContext,
	presented: string,
): Promise<PresentedKey | null> {
	if (ctx.config.adminKey !== null && constantTimeEqual(presented, ctx.config.adminKey)) {
		return { keyId: 'admin', accountId: ADMIN_ACCOUNT_ID };
	}
	// Lookup by SHA-256 of the key: the stored hash is the only copy, and the comparison
	// the database makes is on a hash the caller cannot steer byte by byte.
	const hash = sha256Hex(presented);
	const key = await ctx.store.findApiKeyByHash(hash);
	if (!key || !constantTimeEqual(key.keyHash, hash)) return null;
	const now = ctx.clock.now();
	if (key.lastUsedAt === null || now - key.lastUsedAt >= TOUCH_INTERVAL_MS)
		await ctx.store.touchApiKey(key.id, now);
	return { keyId: key.id, accountId: key.accountId };
}

/** The channel whose webhook token is in the path, or 401. */
export async function channelForToken(ctx: AppContext, token: string): Promise<Channel> {
	const hash = sha256Hex(token);
	const channel = await ctx.store.findChannelByTokenHash(hash);
	if (!channel || !constantTimeEqual(channel.tokenHash, hash))
		throw new ApiError(401, 'webhook token is not valid', 'invalid_token');
	return channel;
}

/** The account's own channel, or 404 (another account's channel looks like a missing one). */
export async function ownChannel(ctx: AppContext, accountId: string, id: string): Promise<Channel> {
	const channel = await ctx.store.getChannel(id);
	if (!channel || channel.accountId !== accountId)
		throw new ApiError(404, `channel ${id} not found`);
	return channel;
}
