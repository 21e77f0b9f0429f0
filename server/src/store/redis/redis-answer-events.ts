import type { Redis } from 'ioredis';
import { AnswerEvents } from '../answer-events';
import { Logger, errorMessage } from '../../observability/log';

/**
 * Long-poll wake-ups across instances: `notify` publishes the message id on a Redis channel
 * and every instance (this one included) wakes its local waiters when it arrives. A wake-up
 * lost while Redis was away costs at most `recheckMs`: waits are cut to that, and the poll
 * loop looks at the store again.
 */
export class RedisAnswerEvents extends AnswerEvents {
	constructor(
		private readonly publisher: Redis,
		private readonly subscriber: Redis,
		private readonly channel: string,
		private readonly log: Logger,
		private readonly recheckMs = 2_000,
	) {
		super();
		subscriber.on('message', (from: string, messageId: string) => {
			if (from === this.channel) super.notify(messageId);
		});
	}

	async listen(): Promise<void> {
		await this.subscriber.subscribe(this.channel);
	}

	override wait(messageId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
		return super.wait(messageId, Math.min(timeoutMs, this.recheckMs), signal);
	}

	override notify(messageId: string): void {
		super.notify(messageId);
		this.publisher.publish(this.channel, messageId).catch((error) => {
			this.log.warn('events.publish_failed', { message_id: messageId, error: errorMessage(error) });
		});
	}
}
