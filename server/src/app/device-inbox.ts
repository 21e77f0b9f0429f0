import { createHash } from 'node:crypto';
import { ApiError } from '../domain/errors';
import { deviceSeesChannel } from '../domain/pairing';
import { Channel, MessageRecord, WebPushDevice } from '../domain/types';
import { AppContext } from '../http/context';
import { messageState } from '../http/present';

/**
 * What a paired browser sees: the messages of its channels, newest first, whether the API
 * (`/v1/device/messages`) or the inbox page (`/app/`) asks. A message of another channel or
 * account does not exist for it (404, like a missing one).
 */

export interface DeviceMessage {
	message: MessageRecord;
	channel: Channel;
}

export interface DevicePage {
	messages: DeviceMessage[];
	/** More (older) messages follow: continue before the last one. */
	more: boolean;
}

/** The device's channels: its scope, or every channel of its account; deleted ones drop out. */
async function deviceChannels(
	ctx: AppContext,
	device: WebPushDevice,
): Promise<Map<string, Channel>> {
	const channels = await ctx.store.listChannels(device.accountId);
	return new Map(channels.filter((c) => deviceSeesChannel(device, c.id)).map((c) => [c.id, c]));
}

const newestFirst = (a: MessageRecord, b: MessageRecord) =>
	b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * One page of the device's messages across its channels: each channel's own history (the
 * store's index, `limit + 1` before the cursor) merged newest first. A cursor is a time and an
 * id, as for a channel's history, so paging stays exact when messages keep arriving.
 */
export async function listDeviceMessages(
	ctx: AppContext,
	device: WebPushDevice,
	page: { limit: number; before?: { createdAt: number; id: string } },
): Promise<DevicePage> {
	const channels = await deviceChannels(ctx, device);
	const lists = await Promise.all(
		[...channels.keys()].map((id) =>
			ctx.store.listMessages(id, { limit: page.limit + 1, before: page.before }),
		),
	);
	const merged = lists.flat().sort(newestFirst);
	return {
		messages: merged.slice(0, page.limit).map((message) => ({
			message,
			channel: channels.get(message.channelId) as Channel,
		})),
		more: merged.length > page.limit,
	};
}

/** A message the device may see and answer, or 404 (out of scope looks like missing). */
export async function deviceMessage(
	ctx: AppContext,
	device: WebPushDevice,
	id: string,
): Promise<DeviceMessage> {
	const missing = () => new ApiError(404, `message ${id} not found`);
	const message = await ctx.store.getMessage(id);
	if (!message || !deviceSeesChannel(device, message.channelId)) throw missing();
	const channel = await ctx.store.getChannel(message.channelId);
	if (!channel || channel.accountId !== device.accountId) throw missing();
	return { message, channel };
}

/**
 * A short fingerprint of what a page shows (ids, states, answers): the inbox's ETag, so a live
 * update that finds nothing new costs the store reads and a 304, no rendering.
 */
export function pageVersion(page: DevicePage, now: number): string {
	const hash = createHash('sha256');
	for (const { message } of page.messages)
		hash.update(
			`${message.id}:${messageState(message, now)}:${message.answer?.submittedAt ?? ''};`,
		);
	hash.update(String(page.more));
	return hash.digest('base64url').slice(0, 22);
}
