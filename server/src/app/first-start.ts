import { Config } from '../config/config';
import { ADMIN_ACCOUNT_ID, makeApiKey } from '../domain/keys';
import { Clock } from '../domain/time';
import { Store } from '../store/store';

/**
 * A first start with no API key and no PING_ADMIN_KEY creates an admin key and prints it once,
 * so the operator gets in without touching the database.
 */
export async function ensureWayIn(
	config: Config,
	store: Store,
	clock: Clock,
	announce: (text: string) => void,
): Promise<void> {
	const now = clock.now();
	await store.ensureAccount(ADMIN_ACCOUNT_ID, now);
	if (config.adminKey !== null || (await store.countApiKeys()) > 0) return;
	const { key, secret } = makeApiKey(ADMIN_ACCOUNT_ID, 'first-start admin key', now);
	await store.insertApiKey(key, Number.MAX_SAFE_INTEGER);
	announce(
		[
			'',
			'No API key exists yet, so one admin key was created. It is shown only this once:',
			`    ${secret}`,
			'Sign in with it at /console (the console sets up channels, phones and keys), or use it',
			'as "Authorization: Bearer <key>" with the API (POST /v1/channels).',
			'Alternatively set PING_ADMIN_KEY to a key of your own choosing (pk_live_ + 32 letters/digits).',
			'',
		].join('\n'),
	);
}
