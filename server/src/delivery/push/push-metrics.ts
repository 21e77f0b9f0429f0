import { Counter, Gauge, Metrics } from '../../observability/metrics';

/** Every push outcome as a Prometheus series (gorush-style: a counter for each way it can end). */
export interface PushMetrics {
	enabled: Gauge;
	sent: Counter;
	failed: Counter;
	retried: Counter;
	resent: Counter;
	inFlight: Gauge;
	queued: Gauge;
	devicesRemoved: Counter;
	environmentSwitched: Counter;
}

export function pushMetrics(metrics: Metrics): PushMetrics {
	return {
		enabled: metrics.gauge(
			'ping_push_enabled',
			'1 when APNs credentials are configured, 0 when pushes are off',
		),
		sent: metrics.counter('ping_push_sent_total', 'Notifications APNs accepted (HTTP 200)'),
		failed: metrics.counter(
			'ping_push_failed_total',
			'Notifications given up on, by reason (Apple reason string or ours)',
		),
		retried: metrics.counter(
			'ping_push_retried_total',
			'Notifications scheduled for a later attempt, by reason (429, 5xx, timeouts)',
		),
		resent: metrics.counter(
			'ping_push_resent_total',
			'Notifications re-sent at once on a fresh connection after REFUSED_STREAM or GOAWAY, by reason',
		),
		inFlight: metrics.gauge('ping_push_in_flight', 'APNs requests in flight now'),
		queued: metrics.gauge(
			'ping_push_queued',
			'Notifications waiting for a free slot in the in-flight window',
		),
		devicesRemoved: metrics.counter(
			'ping_push_devices_removed_total',
			'Devices removed after 410 Unregistered',
		),
		environmentSwitched: metrics.counter(
			'ping_push_environment_switched_total',
			'Devices whose token was BadDeviceToken on their environment and accepted on the other one',
		),
	};
}
