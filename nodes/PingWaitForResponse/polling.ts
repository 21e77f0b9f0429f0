import type { IDataObject, IExecuteFunctions, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError, sleep } from 'n8n-workflow';
import { pingRequest } from '../shared/transport';
import type { PingApiCredentials } from '../shared/transport';
import type { CallbackBody } from '../shared/types';
import { checkAnswerFor } from './binding';

/** Ping's long-poll cap (`?wait=N`, N ≤ 50; `docs/api.md#polling`). */
export const MAX_LONG_POLL_SECONDS = 50;

export type PollOutcome =
	{ kind: 'answer'; answer: CallbackBody } | { kind: 'timeout'; reason: 'limit' | 'expired' };

export interface PollSettings {
	messageId: string;
	/** The message's channel as the send answered it; empty when the server did not say. */
	channelId: string;
	/** Epoch ms after which the node stops waiting; `Infinity` for no limit. */
	deadline: number;
	intervalMs: number;
}

/**
 * Polls `GET /v1/callback/{token}/{id}` until the answer is there, the message expired, or
 * the wait limit passed. It long-polls with `?wait=` (the request returns the moment the
 * answer arrives); a server that refuses the parameter (400) or ignores it (answers `pending`
 * at once) is polled every `intervalMs` instead. `submitted` and `failed` both carry the answer
 * (`failed` means a callback failed for good; polling still gets the answer, once).
 */
export async function pollForAnswer(
	ctx: IExecuteFunctions,
	credentials: PingApiCredentials,
	settings: PollSettings,
): Promise<PollOutcome> {
	const path = `/v1/callback/${encodeURIComponent(credentials.webhookToken)}/${encodeURIComponent(settings.messageId)}`;
	const signal =
		typeof ctx.getExecutionCancelSignal === 'function' ? ctx.getExecutionCancelSignal() : undefined;
	let longPoll = true;

	for (;;) {
		if (signal?.aborted)
			throw new NodeOperationError(
				ctx.getNode(),
				'The execution was cancelled while waiting for an answer',
			);
		const remaining = settings.deadline - Date.now();
		if (remaining <= 0) return { kind: 'timeout', reason: 'limit' };

		const waitSeconds = longPoll
			? Math.max(1, Math.min(MAX_LONG_POLL_SECONDS, Math.floor(remaining / 1000)))
			: 0;
		const started = Date.now();
		let poll: IDataObject;
		try {
			poll = await pingRequest(ctx, 'pingApi', credentials.serverUrl, {
				method: 'GET',
				path,
				qs: longPoll ? { wait: waitSeconds } : undefined,
				timeout: (waitSeconds + 15) * 1000,
			});
		} catch (error) {
			if (longPoll && error instanceof NodeApiError && error.httpCode === '400') {
				longPoll = false;
				continue;
			}
			if (error instanceof NodeApiError)
				throw new NodeApiError(ctx.getNode(), error as unknown as JsonObject);
			throw new NodeOperationError(ctx.getNode(), error as Error);
		}

		switch (poll.status) {
			case 'submitted':
			case 'failed':
				if (typeof poll.result !== 'object' || poll.result === null) {
					throw new NodeOperationError(
						ctx.getNode(),
						`The Ping server reported "${String(poll.status)}" without the answer`,
					);
				}
				return { kind: 'answer', answer: answerFor(ctx, settings, poll.result as IDataObject) };
			case 'expired':
				return { kind: 'timeout', reason: 'expired' };
			case 'already_read':
				throw new NodeOperationError(
					ctx.getNode(),
					'The answer to this message was already read by another poll (Ping hands each answer out once)',
				);
			case 'pending':
				break;
			default:
				throw new NodeOperationError(
					ctx.getNode(),
					`The Ping server answered an unknown poll status "${String(poll.status)}"`,
				);
		}

		// A server that ignores `?wait=` answers `pending` at once: poll on an interval from now on.
		if (longPoll && waitSeconds >= 2 && Date.now() - started < 1000) longPoll = false;
		if (!longPoll)
			await sleep(Math.max(0, Math.min(settings.intervalMs, settings.deadline - Date.now())));
	}
}

/**
 * The poll asks for one message by id, but the result is checked like a callback: an answer
 * to another message (or channel) than the one sent is refused, never handed on as this one's.
 */
function answerFor(
	ctx: IExecuteFunctions,
	settings: PollSettings,
	result: IDataObject,
): CallbackBody {
	const check = checkAnswerFor(
		{ messageId: settings.messageId, channelId: settings.channelId },
		{
			message_id: String(result.message_id ?? ''),
			channel_id: result.channel_id,
		},
	);
	if (!check.ok) {
		throw new NodeOperationError(
			ctx.getNode(),
			'The Ping server answered the poll with an answer to another message; it is refused',
			{
				description: `Polled message ${settings.messageId} (channel ${settings.channelId || 'not given'}), got the answer to message ${String(result.message_id)} (channel ${String(result.channel_id)}).`,
			},
		);
	}
	return result as unknown as CallbackBody;
}
