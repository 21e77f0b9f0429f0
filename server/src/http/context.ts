import { AnswerMetrics } from '../app/answer-metrics';
import { Config } from '../config/config';
import { AddressGuard } from '../delivery/callbacks/address-guard';
import { Delivery } from '../delivery/delivery';
import { AnswerLinks } from '../domain/answer-link';
import { Clock } from '../domain/time';
import { Logger } from '../observability/log';
import { Metrics } from '../observability/metrics';
import { AnswerEvents } from '../store/answer-events';
import { Store } from '../store/store';
import { RateLimits } from './rate-limits';

/** Everything a handler needs, passed in by startServer (no globals). */
export interface AppContext {
	config: Config;
	store: Store;
	clock: Clock;
	log: Logger;
	events: AnswerEvents;
	/** Pushes and callbacks: the jobs a new message or an answer queues, and message details. */
	delivery: Delivery;
	/** Judges callback and webhook URLs (server-side request forgery). */
	guard: AddressGuard;
	/** Request budgets per client address, webhook token and API key. */
	rateLimits: RateLimits;
	/** The answer counters of `/metrics`, registered once. */
	answerMetrics: AnswerMetrics;
	/** Counters and gauges for `GET /metrics`. */
	metrics: Metrics;
	/** Base URL of this server as clients reach it (PING_PUBLIC_URL, else the listening address). */
	publicUrl: string;
	/** Answer links (`/a/<token>`) and the answer page's form tokens. */
	links: AnswerLinks;
}
