import * as crypto from 'node:crypto';
import { ManualClock } from '../../server/src/domain/time';
import { ReceivedCallback } from '../fakes/callback-receiver';
import { ADMIN_KEY, TestServer, api } from './server';

/**
 * Runs the job queue by hand on a manual clock: jumps to the next due job and runs it, until
 * nothing is queued or `maxRuns` rounds passed. Returns how many rounds ran.
 */
export async function drainJobs(
	server: TestServer,
	clock: ManualClock,
	maxRuns = 100,
): Promise<number> {
	let rounds = 0;
	for (; rounds < maxRuns; rounds++) {
		const next = await server.jobs.nextDueAt();
		if (next === null) break;
		if (next > clock.now()) clock.set(next);
		await server.jobs.runDue();
	}
	return rounds;
}

/** Moves the clock to the next queued job and runs what is due then (one retry round). */
export async function runNextRetry(server: TestServer, clock: ManualClock): Promise<number> {
	const next = await server.jobs.nextDueAt();
	if (next === null) return 0;
	if (next > clock.now()) clock.set(next);
	return server.jobs.runDue();
}

/** One entry of `callback_attempts` in `GET /v1/messages/{id}`. */
export interface AttemptView {
	delivery_id: string;
	target: 'callback_url' | 'webhook';
	webhook_id: string | null;
	attempt: number;
	attempted_at: string;
	status_code: number | null;
	error: string | null;
	latency_ms: number;
	outcome: 'delivered' | 'retrying' | 'failed';
	next_attempt_at: string | null;
}

export interface MessageView {
	callback_state: 'none' | 'pending' | 'delivered' | 'failed';
	callback_attempts: AttemptView[];
	[field: string]: unknown;
}

export async function messageDetail(server: TestServer, id: string): Promise<MessageView> {
	const res = await api<{ message: MessageView }>(server.url, 'GET', `/v1/messages/${id}`, {
		key: ADMIN_KEY,
	});
	if (res.status !== 200)
		throw new Error(`GET message failed: ${res.status} ${JSON.stringify(res.body)}`);
	return res.body.message;
}

/** A receiver's check written from docs/api.md#signatures alone (no server code): HMAC over `<t>.<raw body>`, 300 s window. */
export function verifiedIndependently(
	callback: ReceivedCallback,
	secret: string,
	nowMs: number,
): boolean {
	const header = String(callback.headers['x-ping-signature'] ?? '');
	const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
	if (!match) return false;
	const [, t, v1] = match;
	if (Math.abs(nowMs / 1000 - Number(t)) > 300) return false;
	const expected = crypto.createHmac('sha256', secret).update(`${t}.${callback.raw}`).digest();
	return crypto.timingSafeEqual(expected, Buffer.from(v1, 'hex'));
}

export const signatureTime = (callback: ReceivedCallback) =>
	Number(/t=(\d+)/.exec(String(callback.headers['x-ping-signature']))?.[1]);
