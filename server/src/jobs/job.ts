import { CallbackTarget } from '../domain/types';

/**
 * Durable follow-up work that a store write queues (a push to send, a callback to deliver),
 * as one discriminated union: each kind names its payload, so a handler reads typed fields
 * instead of casting. A new kind is one entry in `JobPayloads` and one handler (see
 * docs/architecture.md).
 */
export interface JobPayloads {
	/** Push one message to every device of its channel's account. */
	'push.message': PushJobPayload;
	/** Deliver one answer to one target (a message's callback_url or a channel webhook). */
	'callback.deliver': CallbackJobPayload;
	/**
	 * At a message's expiry: close it to answers unless it was answered, then deliver its signed
	 * `expired` event to its callback_url (only for messages sent with `expiry_callback`).
	 */
	'callback.expired': ExpiryJobPayload;
	/** Push one message to every paired browser that sees its channel (Web Push). */
	'webpush.message': PushJobPayload;
	/** Tell the browsers a message went to that it was answered, so they close its notification. */
	'webpush.answered': WebPushAnsweredJobPayload;
}

export type JobKind = keyof JobPayloads;
export const JOB_KINDS: readonly JobKind[] = [
	'push.message',
	'callback.deliver',
	'callback.expired',
	'webpush.message',
	'webpush.answered',
];

/** Field names are stored as they are: jobs queued by an earlier version keep working. */
export interface PushJobPayload {
	message_id: string;
}

export interface WebPushAnsweredJobPayload {
	message_id: string;
	/** Who answered, as the notification may say it (the responder's name, else how: `link`, `api`…). */
	answered_by: string;
	/** The browser that answered, if one did: it closes its own notification. */
	except_device_id: string | null;
}

/** Stored with the job, so a delivery survives restarts with everything it needs. */
export interface CallbackJobPayload {
	messageId: string;
	/** Idempotency key: the same on every retry of this delivery. */
	deliveryId: string;
	target: CallbackTarget;
	webhookId: string | null;
	url: string;
	/** The exact bytes POSTed (and signed) on every attempt. */
	body: string;
	/**
	 * Attempts made before this job (a delivery retried by hand after it failed): the attempt
	 * numbers continue, and the schedule, already used up, adds no further retries.
	 */
	attemptsBefore?: number;
}

/** Built when the message is sent: the event's bytes are known then (`docs/api.md#expiry-events`). */
export interface ExpiryJobPayload {
	messageId: string;
	/** Idempotency key: the same on every retry. */
	deliveryId: string;
	url: string;
	body: string;
}

/** A job to queue: its kind, its payload and when it is due (epoch ms by the injected clock). */
export type NewJob<K extends JobKind = JobKind> = K extends JobKind
	? { kind: K; payload: JobPayloads[K]; runAt: number }
	: never;

/** A queued job as a handler sees it. */
export type Job<K extends JobKind = JobKind> = NewJob<K> & {
	id: string;
	/** How many times this job was started before, 0 on the first run. */
	attempts: number;
};

/**
 * What a handler says about its job: done (nothing / void, or no `retryAt`), or run again at
 * `retryAt`. `outcomeSaved`: the handler's last store write already wrote this outcome to the
 * job's own row, in the same transaction as its result (see `JobSettlement`), so the queue
 * writes nothing more for this run.
 */
export type JobResult = { retryAt?: number; outcomeSaved?: boolean } | void;

/**
 * A job's outcome, handed to the store write that ends its run, so that the result of the run
 * (a callback attempt) and the job's deletion or next run time are one commit: a crash leaves
 * both or neither, never an attempt recorded with its job still due (which would be attempted,
 * and recorded, again). Only a store that keeps the jobs itself (SQLite) can write it; in Redis
 * mode BullMQ keeps them and its queue settles the job as before.
 */
export interface JobSettlement {
	jobId: string;
	/** When the job runs again; null when it is done (its row is deleted). */
	retryAt: number | null;
}
export type JobHandler<K extends JobKind = JobKind> = (job: Job<K>) => Promise<JobResult>;
/** One handler per kind: the type checker sees to it that no kind is left without one. */
export type JobHandlers = { [K in JobKind]: JobHandler<K> };

/**
 * How many jobs of each kind one server instance runs at once, each kind on its own, in both
 * modes (the SQLite queue and BullMQ's per-kind queues read this one table): slow callback
 * receivers (up to their 10 s timeout each) never hold back pushes, and the other way round.
 * A push job fans one message out to every device through its own in-flight window, so a few
 * at once keep APNs busy; a callback job is one POST that may wait on a slow receiver. A new
 * kind needs its entry here (the type checker says so) and nothing else.
 */
export const JOB_CONCURRENCY: Readonly<Record<JobKind, number>> = {
	'push.message': 16,
	'callback.deliver': 32,
	'callback.expired': 8,
	'webpush.message': 16,
	'webpush.answered': 8,
};
