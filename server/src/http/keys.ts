import { ApiError, conflict } from '../domain/errors';
import { isObject, optionalString } from '../domain/fields';
import { MAX_ACTIVE_KEYS, makeApiKey } from '../domain/keys';
import { ApiKey } from '../domain/types';
import { AppContext } from './context';
import { presentKey } from './present';
import { ApiRequest, Reply, json } from './route';

/**
 * `POST /v1/keys`: a new key of the caller's account, in Ping's documented shape
 * (`{id, name, key, created_at}`, plus `prefix` and `last_used_at`); the clear key is in this
 * answer only.
 */
export async function createKey(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	const body = isObject(req.body) ? req.body : {};
	const name = optionalString(body, 'name', 'name', 100) ?? null;
	const { key, secret } = await addApiKey(ctx, req.accountId, name);
	return json({ ok: true, ...presentKey(key), key: secret }, 201);
}

/** Makes and stores a key of the account (the API and the console); 409 past the limit. */
export async function addApiKey(
	ctx: AppContext,
	accountId: string,
	name: string | null,
): Promise<{ key: ApiKey; secret: string }> {
	const made = makeApiKey(accountId, name, ctx.clock.now());
	await ctx.store.ensureAccount(accountId, made.key.createdAt);
	if ((await ctx.store.insertApiKey(made.key, MAX_ACTIVE_KEYS)) === 'limit') {
		throw conflict(
			`an account may have at most ${MAX_ACTIVE_KEYS} active API keys; delete one first`,
		);
	}
	return made;
}

export async function listKeys(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	const keys = await ctx.store.listApiKeys(req.accountId);
	return json({ ok: true, keys: keys.map(presentKey) });
}

export async function deleteKey(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	if (!(await ctx.store.deleteApiKey(req.accountId, req.params.id)))
		throw new ApiError(404, `API key ${req.params.id} not found`);
	return json({ ok: true, message: 'API key revoked' });
}
