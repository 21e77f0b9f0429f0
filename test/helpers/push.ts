import { FakeApns, FakeApnsOptions, generateProviderKey } from '../fakes/fake-apns';
import { ADMIN_KEY, api } from './server';

export const TEAM_ID = 'TEAM123456';
export const KEY_ID = 'KEY1234567';
export const TOPIC = 'com.example.ping';

export interface PushTestbed {
	fake: FakeApns;
	/** PING_APNS_* for a server that pushes to the fake. */
	env: Record<string, string>;
	privateKeyPem: string;
	close(): Promise<void>;
}

/** A fake APNs with a fresh provider key, and the settings that point a server at it. */
export async function startPushTestbed(
	options: Partial<FakeApnsOptions> = {},
	env: Record<string, string> = {},
): Promise<PushTestbed> {
	const key = generateProviderKey();
	const fake = await FakeApns.start({
		teamId: TEAM_ID,
		keyId: KEY_ID,
		publicKey: key.publicKey,
		topics: [TOPIC],
		...options,
	});
	return {
		fake,
		privateKeyPem: key.privateKeyPem,
		env: {
			PING_APNS_KEY: key.privateKeyPem,
			PING_APNS_KEY_ID: KEY_ID,
			PING_APNS_TEAM_ID: TEAM_ID,
			PING_APNS_TOPIC: TOPIC,
			PING_APNS_HOST: '127.0.0.1',
			PING_APNS_PORT: String(fake.port),
			PING_APNS_CA: fake.caFile,
			...env,
		},
		close: () => fake.close(),
	};
}

let tokenCounter = 0;
/** A distinct 64-hex device token per call. */
export function deviceToken(): string {
	tokenCounter += 1;
	return (tokenCounter.toString(16).padStart(8, '0') + 'ab').repeat(7).slice(0, 64);
}

export async function registerDevice(
	baseUrl: string,
	token: string,
	environment: 'sandbox' | 'production' = 'production',
	extra: Record<string, unknown> = {},
) {
	const res = await api(baseUrl, 'POST', '/v1/devices', {
		key: ADMIN_KEY,
		body: { token, environment, ...extra },
	});
	if (res.status !== 201 && res.status !== 200)
		throw new Error(`device registration failed: ${res.status} ${JSON.stringify(res.body)}`);
	return res.body.device as { id: string; environment: string; registered_at: string };
}

/** Polls `check` (real time, short steps) until it holds; fails with `what` after `ms`. */
export async function waitFor(
	check: () => boolean | Promise<boolean>,
	what: string,
	ms = 5000,
): Promise<void> {
	const until = Date.now() + ms;
	while (!(await check())) {
		if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 10));
	}
}

export async function deliveriesOf(baseUrl: string, messageId: string) {
	const res = await api(baseUrl, 'GET', `/v1/messages/${messageId}`, { key: ADMIN_KEY });
	return res.body.message.deliveries as Array<{
		device_id: string;
		device_kind: 'apns' | 'webpush';
		state: string;
		reason: string | null;
		apns_id: string | null;
		attempts: number;
		next_attempt_at: string | null;
		updated_at: string;
	}>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
