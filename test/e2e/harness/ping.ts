import { createHmac } from 'node:crypto';
import { ADMIN_KEY, api } from '../../helpers/server';
import { Stack } from './stack';
import { waitFor } from './wait';

/** What the Ping server knows about a message (`GET /v1/messages/{id}`). */
export interface StoredMessage {
	id: string;
	channel_id: string;
	title: string;
	body: string;
	priority: string;
	callback_url: string | null;
	actions: Array<Record<string, unknown>>;
	state: string;
	answer: Record<string, unknown> | null;
	callback_state: string;
	[more: string]: unknown;
}

export async function getMessage(stack: Stack, id: string): Promise<StoredMessage> {
	const res = await api(stack.ping.url, 'GET', `/v1/messages/${id}`, { key: ADMIN_KEY });
	if (res.status !== 200)
		throw new Error(`GET /v1/messages/${id} → ${res.status} ${JSON.stringify(res.body)}`);
	return res.body.message;
}

/** Waits for the message a workflow sent, recognised by its (unique) title. */
export async function waitForMessageTitled(
	stack: Stack,
	title: string,
	timeoutMs = 30_000,
): Promise<StoredMessage> {
	return waitFor(
		`a message titled "${title}" on the Ping server`,
		async () => {
			const res = await api(
				stack.ping.url,
				'GET',
				`/v1/channels/${stack.channel.id}/messages?limit=100`,
				{ key: ADMIN_KEY },
			);
			if (res.status !== 200) throw new Error(`listing messages → ${res.status}`);
			return (res.body.messages as StoredMessage[]).find((message) => message.title === title);
		},
		{ timeoutMs },
	);
}

/** The phone's answer, as the app sends it. */
export async function answer(
	stack: Stack,
	messageId: string,
	triggeredBy: string,
	responses: Record<string, unknown> = {},
) {
	const res = await api(stack.ping.url, 'POST', `/v1/messages/${messageId}/respond`, {
		key: ADMIN_KEY,
		body: { triggered_by: triggeredBy, responses },
	});
	if (res.status !== 200)
		throw new Error(`answering ${messageId} → ${res.status} ${JSON.stringify(res.body)}`);
	return res.body.answer as Record<string, unknown>;
}

export async function channelWebhooks(stack: Stack): Promise<Array<{ id: string; url: string }>> {
	const res = await api(stack.ping.url, 'GET', `/v1/channels/${stack.channel.id}/webhooks`, {
		key: ADMIN_KEY,
	});
	if (res.status !== 200)
		throw new Error(`listing channel webhooks → ${res.status} ${JSON.stringify(res.body)}`);
	return res.body.webhooks;
}

/** Waits until the Ping server has received a callback answer for the message and settled it. */
export async function waitForCallbackDelivered(
	stack: Stack,
	messageId: string,
	timeoutMs = 30_000,
): Promise<StoredMessage> {
	let last: StoredMessage | undefined;
	return waitFor(
		`the Ping server to deliver the callback of ${messageId}`,
		async () => {
			last = await getMessage(stack, messageId);
			return last.callback_state === 'delivered' ? last : undefined;
		},
		{ timeoutMs },
		() =>
			`callback_state ${last?.callback_state}, attempts ${JSON.stringify(last?.callback_attempts ?? null)}`,
	);
}

/**
 * A callback an attacker could send: a well-formed Ping body, signed with a secret that is
 * not the channel's. It must neither start nor resume anything.
 */
export async function postForgedCallback(
	url: string,
	body: Record<string, unknown>,
): Promise<{ status: number; text: string }> {
	const raw = JSON.stringify(body);
	const t = Math.floor(Date.now() / 1000);
	const v1 = createHmac('sha256', 'f'.repeat(64)).update(`${t}.${raw}`).digest('hex');
	const res = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'x-ping-signature': `t=${t},v1=${v1}` },
		body: raw,
	});
	return { status: res.status, text: await res.text() };
}
