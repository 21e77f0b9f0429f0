import { AnswerEvents } from '../store/answer-events';
import { Clock } from '../domain/time';
import { Config } from '../config/config';
import { DeliveryHooks } from '../delivery/delivery';
import { Logger } from '../observability/log';
import { Metrics } from '../observability/metrics';
import { Store } from '../store/store';

/** Everything a router needs, passed in by createApp (no globals). */
export interface AppContext {
	config: Config;
	store: Store;
	clock: Clock;
	log: Logger;
	events: AnswerEvents;
	hooks: DeliveryHooks;
	/** Counters and gauges for `GET /metrics`. */
	metrics: Metrics;
	/** Base URL of this server as clients reach it (PING_PUBLIC_URL, else the listening address). */
	publicUrl: string;
}
