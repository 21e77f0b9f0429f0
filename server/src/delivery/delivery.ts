import { Answer, Channel, Message, MessageRecord } from '../domain/types';
import { JobHandlers, NewJob } from '../jobs/job';

/** What the sender asked for beyond the stored message (`POST /v1/send` options). */
export interface SendOptions {
	/** A signed `expired` event to `callback_url` when nobody answered by `expiresAt`. */
	expiryCallback: boolean;
}

/**
 * One way an answer or a message leaves the server (APNs pushes, signed callbacks), in one
 * shape. The jobs it asks for are stored in the same atomic step as the message or the
 * answer, so nothing acknowledged is lost; its handlers then run those jobs.
 */
export interface Delivery {
	/** Jobs to store with a new message; may refuse the message (an ApiError naming the field). */
	jobsForNewMessage(message: Message, channel: Channel, options: SendOptions): Promise<NewJob[]>;
	/** Jobs to store with the first answer to a message. */
	jobsForAnswer(message: MessageRecord, answer: Answer, channel: Channel): Promise<NewJob[]>;
	/** Extra fields of `GET /v1/messages/{id}` (per-device delivery state, callback attempts). */
	describeMessage(message: MessageRecord): Promise<Record<string, unknown>>;
	/** The handlers of the job kinds it queues. */
	readonly handlers: Partial<JobHandlers>;
	/** Closes its connections (after the job queue stopped). */
	close(): Promise<void>;
}

/** Several deliveries as one: jobs concatenated, descriptions merged, handlers joined. */
export function combineDeliveries(...list: Delivery[]): Delivery {
	return {
		jobsForNewMessage: async (m, c, o) =>
			(await Promise.all(list.map((d) => d.jobsForNewMessage(m, c, o)))).flat(),
		jobsForAnswer: async (m, a, c) =>
			(await Promise.all(list.map((d) => d.jobsForAnswer(m, a, c)))).flat(),
		describeMessage: async (m) =>
			Object.assign({}, ...(await Promise.all(list.map((d) => d.describeMessage(m))))),
		handlers: Object.assign({}, ...list.map((d) => d.handlers)),
		close: async () => void (await Promise.all(list.map((d) => d.close()))),
	};
}
