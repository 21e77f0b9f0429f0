import type { IExecuteFunctions, IWebhookFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/**
 * Binds a waiting execution to the one message it sent.
 *
 * A signed answer proves only that the Ping server sent it for some message of the channel.
 * Anyone who receives signed answers of that channel (a channel webhook, another message's
 * callback receiver, another workflow's trigger) could otherwise POST one of them to this
 * execution's resume URL within the signature window and resume it with an answer to a
 * message it never sent. So execute() keeps the id (and channel) of the message it sent with
 * the execution, and webhook() resumes only for an answer to that message.
 *
 * Where it is kept: n8n's execution custom data (`resultData.metadata` of the run data). It is
 * saved with the waiting execution and handed back to the resume webhook with it, so it
 * survives the wait, a restart of n8n, and a resume in another main or worker process.
 * n8n 2.x exposes it as `this.customData` on every node context; n8n 1.x has it only as
 * `$execution.customData` in expressions, which `evaluateExpression` reaches. Both are
 * feature-detected; execute() reads the value back and fails before waiting when neither
 * kept it (n8n drops custom data above 10 keys per execution), because a wait that nothing
 * can resume is worse than an error the user sees.
 */

/** What execute() keeps: the message this execution waits for. */
export interface SentMessageRef {
	messageId: string;
	/** Empty when the server did not say (a Ping-compatible server may omit it). */
	channelId: string;
}

interface CustomData {
	set(key: string, value: string): void;
	get(key: string): string | undefined;
}

/** n8n's custom data keys: letters, digits and underscores, at most 50 characters. */
export function messageKey(nodeId: string): string {
	return `ping_wait_${nodeId.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 50);
}

/** Ids as the API issues them (`msg_…`, `ch_…`): safe to keep and to put in an expression. */
const ID = /^[A-Za-z0-9_-]{1,100}$/;

function encode(ref: SentMessageRef): string {
	return ref.channelId === '' ? ref.messageId : `${ref.messageId} ${ref.channelId}`;
}

function decode(value: unknown): SentMessageRef | undefined {
	if (typeof value !== 'string' || value === '') return undefined;
	const parts = value.split(' ');
	if (parts.length > 2) return undefined;
	const [messageId, channelId = ''] = parts;
	if (!ID.test(messageId) || (channelId !== '' && !ID.test(channelId))) return undefined;
	return { messageId, channelId };
}

/** `this.customData` (n8n 2.x); its getter throws where the context has no run data. */
function nativeCustomData(ctx: IExecuteFunctions | IWebhookFunctions): CustomData | undefined {
	try {
		const data = (ctx as unknown as { customData?: Partial<CustomData> }).customData;
		if (data && typeof data.set === 'function' && typeof data.get === 'function')
			return data as CustomData;
	} catch {
		// no run data in this context: fall through to the expression path
	}
	return undefined;
}

/** `$execution.customData` through an expression (n8n 1.x); undefined when it fails. */
function viaExpression(ctx: IExecuteFunctions | IWebhookFunctions, call: string): unknown {
	if (typeof ctx.evaluateExpression !== 'function') return undefined;
	try {
		return ctx.evaluateExpression(`{{ $execution.customData.${call} }}`, 0);
	} catch {
		return undefined;
	}
}

function read(ctx: IExecuteFunctions | IWebhookFunctions, key: string): SentMessageRef | undefined {
	const native = nativeCustomData(ctx);
	if (native) {
		const value = decode(native.get(key));
		if (value) return value;
	}
	return decode(viaExpression(ctx, `get(${JSON.stringify(key)})`));
}

/** Keeps the sent message with the execution, or throws when this n8n cannot keep it. */
export function rememberSentMessage(ctx: IExecuteFunctions, ref: SentMessageRef): void {
	const node = ctx.getNode();
	const key = messageKey(node.id);
	if (!ID.test(ref.messageId) || (ref.channelId !== '' && !ID.test(ref.channelId))) {
		throw new NodeOperationError(
			node,
			`The Ping server returned a message id that cannot be kept: "${ref.messageId}"`,
		);
	}
	const value = encode(ref);
	const native = nativeCustomData(ctx);
	if (native) {
		try {
			native.set(key, value);
		} catch {
			// an n8n that refuses the value: the read-back below decides
		}
	}
	if (read(ctx, key)?.messageId !== ref.messageId)
		viaExpression(ctx, `set(${JSON.stringify(key)}, ${JSON.stringify(value)})`);
	if (read(ctx, key)?.messageId !== ref.messageId) {
		throw new NodeOperationError(
			node,
			'n8n could not keep the id of the sent message with the waiting execution',
			{
				description:
					"Signed-callback delivery resumes only for the answer to the message this execution sent, and n8n keeps that id in the execution's custom data. It has no room left (at most 10 keys per execution) or this n8n version does not offer it. Free a custom data key, or choose Polling delivery.",
			},
		);
	}
}

export type AnswerCheck = { ok: true } | { ok: false; message: string };

/**
 * Whether an answer belongs to the message this execution waits for. No stored id (an
 * execution put to wait before this check existed, or by a host that lost it) is a refusal:
 * nothing would bind the answer to this execution.
 */
export function checkAnswerFor(
	stored: SentMessageRef | undefined,
	answer: { message_id: string; channel_id?: unknown },
): AnswerCheck {
	if (!stored)
		return {
			ok: false,
			message: 'callback refused: this execution has no record of the message it waits for',
		};
	if (answer.message_id !== stored.messageId) {
		return {
			ok: false,
			message:
				'callback refused: the answer is for another message than the one this execution waits for',
		};
	}
	if (stored.channelId !== '' && answer.channel_id !== stored.channelId) {
		return {
			ok: false,
			message:
				'callback refused: the answer is for another channel than the one this execution waits for',
		};
	}
	return { ok: true };
}

/** The message the waiting execution sent, as execute() kept it. */
export function recallSentMessage(ctx: IWebhookFunctions): SentMessageRef | undefined {
	return read(ctx, messageKey(ctx.getNode().id));
}
