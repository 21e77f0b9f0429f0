import { newApiKey, newKeyId, sha256Hex } from './ids';
import { ApiKey } from './types';

/** The account the admin key (PING_ADMIN_KEY, or the key printed at first start) belongs to. */
export const ADMIN_ACCOUNT_ID = 'usr_admin';
/** Active API keys an account may have at once. */
export const MAX_ACTIVE_KEYS = 10;
/** How much of a key is shown in lists: `pk_live_` and its first four characters (`pk_live_xxxx`). */
export const KEY_PREFIX_LENGTH = 12;

/** A new API key: the record to store (hash only) and the clear key, shown once and never stored. */
export function makeApiKey(
	account: string,
	name: string | null,
	now: number,
): { key: ApiKey; secret: string } {
	const secret = newApiKey();
	return {
		secret,
		key: {
			id: newKeyId(),
			accountId: account,
			name,
			prefix: secret.slice(0, KEY_PREFIX_LENGTH),
			keyHash: sha256Hex(secret),
			createdAt: now,
			lastUsedAt: null,
		},
	};
}
