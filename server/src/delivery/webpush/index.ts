import { AnswerLinks } from '../../domain/answer-link';
import { Clock } from '../../domain/time';
import { WebPushConfig } from '../../config/webpush';
import { Logger } from '../../observability/log';
import { Metrics } from '../../observability/metrics';
import { Store } from '../../store/store';
import { AddressGuard } from '../callbacks/address-guard';
import { SubscriptionExpiry } from './expiry';
import { WebPushSender, loadWebPush } from './sender';
import { WebPushDelivery } from './webpush-delivery';
import { webPushMetrics } from './webpush-metrics';

/** How often the subscription expiry sweep runs (it only acts on days-old browsers). */
const EXPIRY_SWEEP_EVERY_MS = 3600_000;

export interface WebPushDeliveryOptions {
	store: Store;
	clock: Clock;
	log: Logger;
	metrics: Metrics;
	guard: AddressGuard;
	links?: AnswerLinks;
	baseUrl: () => string;
	/** Certificates to trust for push services besides the system's (tests only). */
	trustedCa?: string | Buffer;
}

/**
 * Sets up Web Push from the PING_WEBPUSH_* settings. Without them the server still runs
 * (paired browsers list and answer in the inbox) and says so once at start-up. The `web-push`
 * package is loaded here, and only when Web Push is configured.
 */
export async function createWebPushDelivery(
	config: WebPushConfig | null,
	options: WebPushDeliveryOptions,
): Promise<WebPushDelivery> {
	const { log } = options;
	const metrics = webPushMetrics(options.metrics);
	const deps = { ...options, metrics };
	if (!config) {
		log.warn('webpush.disabled', {
			message:
				'Web Push is not configured: paired browsers get no pushes (their inbox still lists and answers messages). ' +
				'Run `ping-server webpush-keys` and set PING_WEBPUSH_PUBLIC_KEY, PING_WEBPUSH_PRIVATE_KEY and PING_WEBPUSH_SUBJECT.',
		});
		return new WebPushDelivery({ ...deps, sender: null });
	}
	const lib = await loadWebPush();
	const sender = new WebPushSender(lib, {
		config,
		guard: options.guard,
		clock: options.clock,
		metrics,
		trustedCa: options.trustedCa,
	});
	log.info('webpush.enabled', {
		public_key: config.publicKey,
		subject: config.subject,
		expiry_days: config.expiryDays,
	});
	const expiry = new SubscriptionExpiry({ ...deps, sender, expiryDays: config.expiryDays });
	expiry.start(EXPIRY_SWEEP_EVERY_MS);
	return new WebPushDelivery({ ...deps, sender, expiry });
}
