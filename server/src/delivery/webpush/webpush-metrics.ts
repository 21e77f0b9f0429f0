import { Counter, Gauge, Metrics } from '../../observability/metrics';

/** Every Web Push outcome as a Prometheus series, like the APNs ones (`ping_push_*`). */
export interface WebPushMetrics {
	enabled: Gauge;
	/** By `type`: `message`, `answered`, `expiring`. */
	sent: Counter;
	failed: Counter;
	retried: Counter;
	/** By `why`: `gone` (the push service's 404/410), `unused` (the expiry sweep). */
	subscriptionsRemoved: Counter;
	requestSeconds: Counter;
	requests: Counter;
}

export function webPushMetrics(metrics: Metrics): WebPushMetrics {
	return {
		enabled: metrics.gauge(
			'ping_webpush_enabled',
			'1 when VAPID keys are configured, 0 when browser pushes are off',
		),
		sent: metrics.counter(
			'ping_webpush_sent_total',
			'Pushes a push service accepted (2xx), by type (message, answered, expiring)',
		),
		failed: metrics.counter(
			'ping_webpush_failed_total',
			'Pushes given up on, by reason (HTTP status, AddressRefused, NotHttps, Expired, …)',
		),
		retried: metrics.counter(
			'ping_webpush_retried_total',
			'Pushes scheduled for a later attempt, by reason (429, 5xx, connection failures)',
		),
		subscriptionsRemoved: metrics.counter(
			'ping_webpush_subscriptions_removed_total',
			'Browser subscriptions removed, by why (gone: the push service said 404/410; unused: expired)',
		),
		requestSeconds: metrics.counter(
			'ping_webpush_request_seconds_total',
			'Time spent in requests to push services, in seconds (divide by ping_webpush_requests_total for the mean)',
		),
		requests: metrics.counter(
			'ping_webpush_requests_total',
			'Requests made to push services (any answer)',
		),
	};
}
