import {
	DEFAULT_APPROVAL_TTL_MS,
	ApprovalStatus,
	approvalActions,
	approvalStatus,
	isApproval,
} from '../domain/approval';
import { ApiError, badRequest } from '../domain/errors';
import { SendRequest, parseSendRequest } from '../domain/message';
import { Channel, MessageRecord, Priority } from '../domain/types';
import { CancelOutcome, cancelMessage } from '../http/cancel';
import { AppContext } from '../http/context';
import { sendOnChannel } from '../http/send';
import { DEFAULT_CHECK_WAIT_MS } from './tools';

/**
 * What each MCP tool does for the account whose API key called `/mcp`. Every message goes
 * through the same validation and the same send as `POST /v1/send`; a caller's mistake is an
 * ApiError whose message names the argument.
 */
export class PingTools {
	constructor(
		private readonly ctx: AppContext,
		private readonly accountId: string,
	) {}

	async listChannels(): Promise<{ channels: { id: string; name: string }[] }> {
		const channels = await this.ctx.store.listChannels(this.accountId);
		return { channels: channels.map((c) => ({ id: c.id, name: c.name })) };
	}

	async send(args: {
		channel?: string;
		title: string;
		body?: string;
		priority?: Priority;
	}): Promise<{ message_id: string; answer_url?: string }> {
		const channel = await this.channel(args.channel);
		const request = parseSendRequest({
			title: args.title,
			body: args.body,
			priority: args.priority,
		});
		const sent = await sendOnChannel(this.ctx, channel, request);
		return { message_id: sent.id, ...answerUrl(sent) };
	}

	async requestApproval(args: {
		channel?: string;
		title: string;
		body?: string;
		ttl_ms?: number;
	}): Promise<{ approval_id: string; expires_at: string; answer_url?: string }> {
		const channel = await this.channel(args.channel);
		const parsed = parseSendRequest({ title: args.title, body: args.body });
		// An agent is blocked until the person answers: the push is time-sensitive.
		const request: SendRequest = {
			...parsed,
			priority: 'high',
			actions: approvalActions(),
			expiresInSeconds: (args.ttl_ms ?? DEFAULT_APPROVAL_TTL_MS) / 1000,
		};
		const sent = await sendOnChannel(this.ctx, channel, request);
		return { approval_id: sent.id, expires_at: sent.expires_at as string, ...answerUrl(sent) };
	}

	/**
	 * Long-polls like `?wait=`: wakes on the same answer events (pub/sub in Redis mode, so an
	 * answer on any instance counts) and at the approval's expiry; reads, never consumes.
	 */
	async checkApproval(
		args: { approval_id: string; max_wait_ms?: number },
		signal?: AbortSignal,
	): Promise<ApprovalStatus> {
		const deadline = Date.now() + (args.max_wait_ms ?? DEFAULT_CHECK_WAIT_MS);
		for (;;) {
			const record = await this.approval(args.approval_id);
			const now = this.ctx.clock.now();
			const status = approvalStatus(record, now);
			const remaining = deadline - Date.now();
			if (status.status !== 'pending' || remaining <= 0 || signal?.aborted) return status;
			const untilExpiry = record.expiresAt === null ? Infinity : record.expiresAt - now;
			await this.ctx.events.wait(record.id, Math.min(remaining, untilExpiry), signal);
		}
	}

	async cancelApproval(args: { approval_id: string }): Promise<{ status: CancelOutcome }> {
		const record = await this.approval(args.approval_id);
		const status = await cancelMessage(this.ctx, record.id);
		if (status === null) throw notFound(args.approval_id);
		return { status };
	}

	/** The named channel (id first, then name), or the account's oldest one. */
	private async channel(wanted: string | undefined): Promise<Channel> {
		const channels = await this.ctx.store.listChannels(this.accountId);
		if (channels.length === 0)
			throw badRequest('this account has no channel yet: create one (POST /v1/channels) first');
		if (wanted === undefined || wanted === '') return channels[0];
		const found =
			channels.find((c) => c.id === wanted) ??
			channels.find((c) => c.name === wanted) ??
			channels.find((c) => c.name.toLowerCase() === wanted.toLowerCase());
		if (!found)
			throw badRequest(
				`channel "${wanted}" is not a channel of this account (ping_list_channels lists them)`,
			);
		return found;
	}

	/** An approval of this account; anything else looks missing, so ids cannot be probed. */
	private async approval(id: string): Promise<MessageRecord> {
		const record = await this.ctx.store.getMessage(id);
		if (!record || !isApproval(record)) throw notFound(id);
		const channel = await this.ctx.store.getChannel(record.channelId);
		if (!channel || channel.accountId !== this.accountId) throw notFound(id);
		return record;
	}
}

const notFound = (id: string) =>
	new ApiError(404, `approval_id "${id}" is not an approval of this account`);

/** The answer link, when this server gives messages one. */
function answerUrl(sent: object): { answer_url?: string } {
	const url = (sent as { answer_url?: unknown }).answer_url;
	return typeof url === 'string' ? { answer_url: url } : {};
}
