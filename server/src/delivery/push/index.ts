import { AnswerLinks } from '../../domain/answer-link';
import { Clock } from '../../domain/time';
import { ApnsConfig } from '../../config/apns';
import { Logger } from '../../observability/log';
import { Metrics } from '../../observability/metrics';
import { Store } from '../../store/store';
import { PushDelivery } from './push-delivery';
import { pushMetrics } from './push-metrics';

/**
 * Sets up push delivery from the APNs settings. Without them the server still runs (messages
 * are stored, pollable and answerable) and says so once, loudly, at start-up.
 * The sender (and with it the APNs client library) is loaded only when APNs is configured.
 */
export async function createPushDelivery(
	apns: ApnsConfig | null,
	deps: { store: Store; clock: Clock; log: Logger; metrics: Metrics; links?: AnswerLinks },
): Promise<PushDelivery> {
	const metrics = pushMetrics(deps.metrics);
	const sender = apns
		? new (await import('./sender')).PushSender(apns, deps.clock, deps.log, metrics)
		: null;
	if (apns) {
		deps.log.info('push.enabled', {
			topic: apns.topic,
			key_id: apns.keyId,
			team_id: apns.teamId,
			host: apns.host ?? 'api.push.apple.com / api.sandbox.push.apple.com',
			port: apns.port,
			max_in_flight: apns.maxInFlight,
		});
	} else {
		deps.log.warn('push.disabled', {
			message:
				'APNs is not configured: pushes are OFF. Messages are still stored, pollable and answerable. ' +
				'Set PING_APNS_KEY, PING_APNS_KEY_ID, PING_APNS_TEAM_ID and PING_APNS_TOPIC to send pushes.',
		});
	}
	return new PushDelivery({ ...deps, metrics, sender });
}
