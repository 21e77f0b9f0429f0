import { Router } from 'express';
import { ApiError, conflict } from '../domain/errors';
import { isObject, optionalString } from '../domain/fields';
import { newApiKey, newKeyId, sha256Hex } from '../domain/ids';
import { ApiKey } from '../domain/types';
import { accountId, requireApiKey } from './auth';
import { AppContext } from './context';
import { presentKey } from './present';

export const MAX_ACTIVE_KEYS = 10;

/** Builds a key record; the clear key is returned once and never stored. */
export function makeApiKey(account: string, name: string | null, now: number): { key: ApiKey; secret: string } {
	const secret = newApiKey();
	return {
		secret,
		key: {
			id: newKeyId(),
			accountId: account,
			name,
			prefix: `${secret.slice(0, 12)}…`,
			keyHash: sha256Hex(secret),
			createdAt: now,
			lastUsedAt: null,
		},
	};
}

export function keysRouter(ctx: AppContext): Router {
	const router = Router();
	router.use('/v1/keys', requireApiKey(ctx));

	router.post('/v1/keys', async (req, res) => {
		const body = isObject(req.body) ? req.body : {};
		const name = optionalString(body, 'name', 'name', 100) ?? null;
		const { key, secret } = makeApiKey(accountId(res), name, ctx.clock.now());
		await ctx.store.ensureAccount(key.accountId, key.createdAt);
		if ((await ctx.store.insertApiKey(key, MAX_ACTIVE_KEYS)) === 'limit') {
			throw conflict(`an account may have at most ${MAX_ACTIVE_KEYS} active API keys; delete one first`);
		}
		res.status(201).json({ ok: true, key: presentKey(key), api_key: secret });
	});

	router.get('/v1/keys', async (_req, res) => {
		const keys = await ctx.store.listApiKeys(accountId(res));
		res.json({ ok: true, keys: keys.map(presentKey) });
	});

	router.delete('/v1/keys/:id', async (req, res) => {
		if (!(await ctx.store.deleteApiKey(accountId(res), req.params.id))) {
			throw new ApiError(404, `API key ${req.params.id} not found`);
		}
		res.json({ ok: true });
	});
	return router;
}
