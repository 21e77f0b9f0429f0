import { AnswerEvents } from '../answer-events';
import { Clock } from '../clock';
import { Config } from '../config';
import { DeliveryHooks } from '../hooks';
import { Logger } from '../log';
import { Metrics } from '../metrics';
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
