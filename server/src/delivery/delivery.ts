import { Answer, Channel, Message, MessageRecord } from '../domain/types';
import { NewJob } from '../store/store';

/**
 * What the delivery parts (push, callbacks) add to the two writes that matter: the jobs are
 * stored in the same atomic step as the message or the answer, so nothing acknowledged is lost.
 */
export interface DeliveryHooks {
	jobsForNewMessage(message: Message, channel: Channel): Promise<NewJob[]>;
	jobsForAnswer(message: MessageRecord, answer: Answer, channel: Channel): Promise<NewJob[]>;
	/** Extra fields of `GET /v1/messages/{id}` (per-device delivery state, callback attempts). */
	describeMessage(message: MessageRecord): Promise<Record<string, unknown>>;
}

/** Runs several hook sets as one: jobs are concatenated, descriptions merged. */
export function combineHooks(...sets: DeliveryHooks[]): DeliveryHooks {
	return {
		jobsForNewMessage: async (m, c) => (await Promise.all(sets.map((s) => s.jobsForNewMessage(m, c)))).flat(),
		jobsForAnswer: async (m, a, c) => (await Promise.all(sets.map((s) => s.jobsForAnswer(m, a, c)))).flat(),
		describeMessage: async (m) => Object.assign({}, ...(await Promise.all(sets.map((s) => s.describeMessage(m))))),
	};
}
