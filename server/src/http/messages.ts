import { answerMessage } from '../app/answer-message';
import { retryCallbackDelivery } from '../app/retry-callback';
import { parseApiResponder } from '../domain/answer';
import { ApiError, badRequest } from '../domain/errors';
import { isObject } from '../domain/fields';
import { MessageRecord } from '../domain/types';
import { ownChannel } from './auth';
import { AppContext } from './context';
import { presentMessage } from './present';
import { ApiRequest, Reply, json } from './route';

const PAGE_DEFAULT = 50;
const PAGE_MAX = 100;

/** A page cursor: the last message's time and id (the device's merged list uses it too). */
export function encodeCursor(message: MessageRecord): string {
	return Buffer.from(`${message.createdAt}:${message.id}`).toString('base64url');
}

export function decodeCursor(raw: string): { createdAt: number; id: string } {
	const [createdAt, id] = Buffer.from(raw, 'base64url').toString('utf8').split(':');
	if (!/^\d+$/.test(createdAt ?? '') || !id)
		throw badRequest('cursor is not valid: use next_cursor from the previous page');
	return { createdAt: Number(createdAt), id };
}

export function parseLimit(raw: unknown): number {
	if (raw === undefined) return PAGE_DEFAULT;
	if (typeof raw !== 'string' || !/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > PAGE_MAX) {
		throw badRequest(`limit must be a whole number from 1 to ${PAGE_MAX}`);
	}
	return Number(raw);
}

/** The message, if it is on one of the caller's channels; otherwise 404. */
export async function ownMessage(ctx: AppContext, accountId: string, id: string) {
	const message = await ctx.store.getMessage(id);
	if (!message) throw new ApiError(404, `message ${id} not found`);
	// Another account's channel hides the message; storage being away stays a 503.
	const channel = await ownChannel(ctx, accountId, message.channelId).catch((error: unknown) => {
		throw error instanceof ApiError && error.status === 404
			? new ApiError(404, `message ${id} not found`)
			: error;
	});
	return { message, channel };
}

/** A channel's history, newest first, a page at a time (`?limit=`, `?cursor=`). */
export async function listMessages(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	const channel = await ownChannel(ctx, req.accountId, req.params.id);
	const limit = parseLimit(req.query.get('limit') ?? undefined);
	const rawCursor = req.query.get('cursor');
	const cursor = rawCursor === null ? undefined : decodeCursor(rawCursor);
	const messages = await ctx.store.listMessages(channel.id, { limit: limit + 1, before: cursor });
	const page = messages.slice(0, limit);
	const now = ctx.clock.now();
	return json({
		ok: true,
		messages: page.map((m) => presentMessage(m, now, ctx.links)),
		next_cursor: messages.length > limit ? encodeCursor(page[page.length - 1]) : null,
	});
}

/** A message with its per-device push state, its answer and its callback attempts. */
export async function getMessage(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	const { message } = await ownMessage(ctx, req.accountId, req.params.id);
	const details = await ctx.delivery.describeMessage(message);
	return json({
		ok: true,
		message: { ...presentMessage(message, ctx.clock.now(), ctx.links), ...details },
	});
}

/** What the phone app calls when the person taps: the shared answer path (`app/answer-message.ts`). */
export async function respondToMessage(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	const body = req.body;
	if (!isObject(body)) throw badRequest('request body must be a JSON object');
	const { message, channel } = await ownMessage(ctx, req.accountId, req.params.id);
	const { body: answer } = await answerMessage(ctx, message, channel, {
		triggeredBy: body.triggered_by,
		responses: body.responses,
		timestamp: body.timestamp,
		responder: parseApiResponder(body.responder),
	});
	return json({ ok: true, answer });
}

/** Extension: one more attempt of a callback delivery that failed for good (`app/retry-callback.ts`). */
export async function retryCallback(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	const { message } = await ownMessage(ctx, req.accountId, req.params.id);
	await retryCallbackDelivery(ctx, message, req.params.deliveryId);
	return json({ ok: true, delivery_id: req.params.deliveryId, queued: true });
}
