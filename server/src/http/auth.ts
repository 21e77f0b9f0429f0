import { NextFunction, Request, RequestHandler, Response } from 'express';
import { ApiError } from '../domain/errors';
import { constantTimeEqual, sha256Hex } from '../domain/ids';
import { Channel } from '../domain/types';
import { AppContext } from './context';

/** The account the admin key (PING_ADMIN_KEY, or the key printed at first start) belongs to. */
export const ADMIN_ACCOUNT_ID = 'usr_admin';
/** `last_used_at` is written at most this often per key, to keep reads read-only. */
const TOUCH_INTERVAL_MS = 60_000;

export function accountId(res: Response): string {
	return res.locals.accountId as string;
}

/** `Authorization: Bearer pk_live_…` → `res.locals.accountId`, or 401. */
export function requireApiKey(ctx: AppContext): RequestHandler {
	return async (req: Request, res: Response, next: NextFunction) => {
		const header = req.headers.authorization ?? '';
		const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
		if (!match) throw new ApiError(401, 'missing API key: send Authorization: Bearer pk_live_…');
		const presented = match[1];
		if (ctx.config.adminKey !== null && constantTimeEqual(presented, ctx.config.adminKey)) {
			res.locals.accountId = ADMIN_ACCOUNT_ID;
			return next();
		}
		// Lookup by SHA-256 of the key: the stored hash is the only copy, and the comparison
		// the database makes is on a hash the caller cannot steer byte by byte.
		const key = await ctx.store.findApiKeyByHash(sha256Hex(presented));
		if (!key || !constantTimeEqual(key.keyHash, sha256Hex(presented))) throw new ApiError(401, 'API key is not valid');
		const now = ctx.clock.now();
		if (key.lastUsedAt === null || now - key.lastUsedAt >= TOUCH_INTERVAL_MS) await ctx.store.touchApiKey(key.id, now);
		res.locals.accountId = key.accountId;
		next();
	};
}

/** The channel whose webhook token is in the path, or 401. */
export async function channelForToken(ctx: AppContext, token: string): Promise<Channel> {
	const hash = sha256Hex(token);
	const channel = await ctx.store.findChannelByTokenHash(hash);
	if (!channel || !constantTimeEqual(channel.tokenHash, hash)) throw new ApiError(401, 'webhook token is not valid');
	return channel;
}

/** The caller's own channel, or 404 (another account's channel looks like a missing one). */
export async function ownChannel(ctx: AppContext, res: Response, id: string): Promise<Channel> {
	const channel = await ctx.store.getChannel(id);
	if (!channel || channel.accountId !== accountId(res)) throw new ApiError(404, `channel ${id} not found`);
	return channel;
}
