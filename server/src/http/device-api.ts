import { answerMessage } from '../app/answer-message';
import { deviceMessage, listDeviceMessages } from '../app/device-inbox';
import { callbackBody, deviceResponder } from '../domain/answer';
import { AnswerLinks } from '../domain/answer-link';
import { badRequest } from '../domain/errors';
import { isObject } from '../domain/fields';
import { iso } from '../domain/message';
import { parseWebPushSubscription } from '../domain/web-push-subscription';
import { Channel, MessageRecord } from '../domain/types';
import { AppContext } from './context';
import { notPaired } from './device-auth';
import { decodeCursor, encodeCursor, parseLimit } from './messages';
import { messageState, presentDevice } from './present';
import { ApiRequest, Reply, json } from './route';

/**
 * The device API (docs/api.md#paired-browsers): what a paired browser may do with its device
 * key, and nothing more: read itself, list and answer its channels' messages, and manage its
 * own push subscription. Authenticated once per request by the route table (`device`).
 */

type DeviceRequest = ApiRequest<'device'>;

/**
 * A message as a paired browser sees it: what a person needs to answer it, and who answered.
 * Never its `callback_url` (often a resume URL with a signature) or delivery details.
 */
function presentDeviceMessage(
	message: MessageRecord,
	channel: Channel,
	now: number,
	links: AnswerLinks,
) {
	return {
		id: message.id,
		channel_id: message.channelId,
		channel_name: channel.name,
		title: message.title,
		body: message.body,
		priority: message.priority,
		actions: message.actions,
		created_at: iso(message.createdAt),
		expires_at: message.expiresAt === null ? null : iso(message.expiresAt),
		answer_url: links.urlFor(message),
		state: messageState(message, now),
		answer: message.answer ? callbackBody(message, message.answer) : null,
	};
}

/** `GET /v1/device`: the device itself, and the key its browser subscribes to pushes with. */
export function getOwnDevice(ctx: AppContext, req: DeviceRequest): Reply {
	return json({
		ok: true,
		device: presentDevice(req.device),
		web_push_public_key: ctx.config.webPush?.publicKey ?? null,
	});
}

/** `GET /v1/device/messages?limit=&cursor=`: its channels' messages, newest first. */
export async function listOwnMessages(ctx: AppContext, req: DeviceRequest): Promise<Reply> {
	const limit = parseLimit(req.query.get('limit') ?? undefined);
	const rawCursor = req.query.get('cursor');
	const before = rawCursor === null ? undefined : decodeCursor(rawCursor);
	const page = await listDeviceMessages(ctx, req.device, { limit, before });
	const now = ctx.clock.now();
	const last = page.messages[page.messages.length - 1];
	return json({
		ok: true,
		messages: page.messages.map(({ message, channel }) =>
			presentDeviceMessage(message, channel, now, ctx.links),
		),
		next_cursor: page.more && last ? encodeCursor(last.message) : null,
	});
}

/**
 * `POST /v1/device/messages/{id}/respond`: the body and rules of `/v1/messages/{id}/respond`,
 * through the one answer path; the answer records the device as its responder.
 */
export async function respondAsDevice(ctx: AppContext, req: DeviceRequest): Promise<Reply> {
	const body = req.body;
	if (!isObject(body)) throw badRequest('request body must be a JSON object');
	if (body.responder !== undefined)
		throw badRequest(
			'responder is set by the server for a paired browser: {"via":"device","device_id","name"}',
		);
	const { message, channel } = await deviceMessage(ctx, req.device, req.params.id);
	const { body: answer } = await answerMessage(ctx, message, channel, {
		triggeredBy: body.triggered_by,
		responses: body.responses,
		timestamp: body.timestamp,
		responder: deviceResponder(req.device),
	});
	return json({ ok: true, answer });
}

/** `PUT /v1/device/subscription` `{endpoint, keys: {p256dh, auth}}`: where pushes reach this browser. */
export async function putSubscription(ctx: AppContext, req: DeviceRequest): Promise<Reply> {
	const subscription = parseWebPushSubscription(req.body);
	const device = await ctx.store.updateDevice(req.device.id, { subscription });
	// Revoked between authentication and now: as if it had been a moment earlier.
	if (!device) throw notPaired('device key is not valid: this browser is not paired (any more)');
	ctx.log.info('device.subscribed', { device_id: device.id });
	return json({ ok: true, device: presentDevice(device) });
}

/** `DELETE /v1/device/subscription`: no more pushes to this browser (it stays paired). */
export async function deleteSubscription(ctx: AppContext, req: DeviceRequest): Promise<Reply> {
	await ctx.store.updateDevice(req.device.id, { subscription: null });
	ctx.log.info('device.unsubscribed', { device_id: req.device.id });
	return json({ ok: true });
}
