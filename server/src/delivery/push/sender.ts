import { ClientHttp2Session } from 'node:http2';
import { Clock } from '../../domain/time';
import { ApnsEnvironment } from '../../domain/types';
import { Logger } from '../../observability/log';
import { ApnsConfig } from '../../config/apns';
import { ApnsConnection, ApnsRequest, ApnsResponse } from './apns-connection';
import { PushNotification } from './payload';
import { PushMetrics } from './push-metrics';

export interface PushTarget {
	token: string;
	environment: ApnsEnvironment;
	topic: string;
}

/**
 * How one push to one device ended, for the delivery layer to record:
 * `sent` (on `environment`, which differs from the device's when the other one took it),
 * `unregistered` (410: the token is gone since `timestamp`), `retry` (try again later, after
 * `retryAfterMs` when the server said so), `failed` (no point trying again).
 */
export type PushOutcome =
	| { kind: 'sent'; apnsId: string | null; environment: ApnsEnvironment }
	| { kind: 'unregistered'; reason: string; timestamp: number | null }
	| { kind: 'retry'; reason: string; retryAfterMs: number | null }
	| { kind: 'failed'; reason: string };

const otherEnvironment = (e: ApnsEnvironment): ApnsEnvironment =>
	e === 'sandbox' ? 'production' : 'sandbox';

/** Worth another try later: rate limits, Apple's own trouble, and a provider token node-apn just renewed. */
function retryable(status: number, reason: string): boolean {
	return status === 429 || status >= 500 || (status === 403 && reason === 'ExpiredProviderToken');
}

/**
 * Sends notifications to devices, one connection (node-apn Client) per APNs environment.
 * Rules:
 * - REFUSED_STREAM / GOAWAY: the server did not process the stream; re-send once at once on a
 *   fresh connection. Refused again: a retry for later.
 * - 400 BadDeviceToken is not a blind delete: the token may belong to the other environment
 *   (a debug build registered as production, or the reverse). Try it once there; if that one
 *   accepts, the push is sent and the caller corrects the device's environment; if not, the
 *   push fails with BadDeviceToken and the device stays (its next registration fixes it).
 * - 429, 5xx and ExpiredProviderToken: retry later, honouring `retry-after`.
 * - 410: reported with Apple's timestamp; the caller removes the device only if it has not
 *   registered again since.
 * - Any other 4xx: failed with Apple's reason (a bad topic or payload does not heal by retrying).
 */
export class PushSender {
	private readonly connections = new Map<ApnsEnvironment, ApnsConnection>();

	constructor(
		private readonly config: ApnsConfig,
		private readonly clock: Clock,
		private readonly log: Logger,
		private readonly metrics: PushMetrics,
	) {}

	get defaultTopic(): string {
		return this.config.topic;
	}

	/** Requests in flight at most over both environments' connections (PING_APNS_MAX_IN_FLIGHT each). */
	get windowSize(): number {
		return this.config.maxInFlight * 2;
	}

	async send(
		target: PushTarget,
		notification: PushNotification,
		apnsId: string,
	): Promise<PushOutcome> {
		const headers: Record<string, string | number> = {
			'apns-topic': target.topic,
			'apns-push-type': 'alert',
			'apns-priority': notification.priority,
			'apns-id': apnsId,
			'apns-collapse-id': notification.collapseId,
		};
		if (notification.expiration !== null) headers['apns-expiration'] = notification.expiration;
		const request: ApnsRequest = { token: target.token, headers, payload: notification.payload };

		const first = await this.attempt(target.environment, request);
		if (first.kind === 'rejected' && first.status === 400 && first.reason === 'BadDeviceToken') {
			const other = otherEnvironment(target.environment);
			const second = await this.attempt(other, request);
			if (second.kind === 'accepted')
				return { kind: 'sent', apnsId: second.apnsId, environment: other };
			if (second.kind === 'rejected' && second.reason === 'BadDeviceToken')
				return { kind: 'failed', reason: 'BadDeviceToken' };
			return this.outcome(second, other);
		}
		return this.outcome(first, target.environment);
	}

	async close(): Promise<void> {
		await Promise.all([...this.connections.values()].map((c) => c.close()));
		this.connections.clear();
	}

	private outcome(response: ApnsResponse, environment: ApnsEnvironment): PushOutcome {
		switch (response.kind) {
			case 'accepted':
				return { kind: 'sent', apnsId: response.apnsId, environment };
			case 'rejected':
				if (response.status === 410)
					return { kind: 'unregistered', reason: response.reason, timestamp: response.timestamp };
				if (retryable(response.status, response.reason)) {
					return { kind: 'retry', reason: response.reason, retryAfterMs: response.retryAfterMs };
				}
				return { kind: 'failed', reason: response.reason };
			case 'refused':
			case 'connection':
				return { kind: 'retry', reason: response.reason, retryAfterMs: null };
		}
	}

	/** One request, re-sent once on a fresh connection if the server did not process it. */
	private async attempt(environment: ApnsEnvironment, request: ApnsRequest): Promise<ApnsResponse> {
		const connection = this.connection(environment);
		const now = () => this.clock.now();
		const first = await connection.send(request, now);
		if (first.kind !== 'refused') return first;
		this.metrics.resent.inc({ reason: first.reason });
		return connection.send(request, now, first.session as ClientHttp2Session | undefined);
	}

	private connection(environment: ApnsEnvironment): ApnsConnection {
		let connection = this.connections.get(environment);
		if (!connection) {
			connection = new ApnsConnection(environment, this.config, {
				inFlight: (delta) => this.metrics.inFlight.inc({}, delta),
				queued: (delta) => this.metrics.queued.inc({}, delta),
				log: (event, fields) => this.log.info(event, fields),
			});
			this.connections.set(environment, connection);
		}
		return connection;
	}
}
