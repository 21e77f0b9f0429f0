import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Config } from '../config/config';
import { AddressGuard, Resolver } from '../delivery/callbacks/address-guard';
import { createCallbackDelivery } from '../delivery/callbacks/callback-delivery';
import { combineDeliveries } from '../delivery/delivery';
import { createPushDelivery } from '../delivery/push';
import { createWebPushDelivery } from '../delivery/webpush';
import { WebPushDelivery } from '../delivery/webpush/webpush-delivery';
import { AnswerLinks } from '../domain/answer-link';
import { Clock, systemClock } from '../domain/time';
import { createRequestHandler } from '../http/app';
import { answerClientError } from '../http/errors';
import { RateLimit, RateLimits } from '../http/rate-limits';
import { AppContext } from '../http/context';
import { JobHandler, JobKind } from '../jobs/job';
import { JobQueue } from '../jobs/queue';
import { Logger, createLogger } from '../observability/log';
import { Metrics } from '../observability/metrics';
import { openStore } from '../store/open';
import { Store } from '../store/store';
import { answerMetrics } from './answer-metrics';
import { ensureWayIn } from './first-start';

/** Name of the answer link key among the store's server secrets (when PING_LINK_SECRET is unset). */
export const LINK_KEY_NAME = 'answer-links';

export interface RunningServer {
	url: string;
	port: number;
	ctx: AppContext;
	/** Runs the jobs of this instance: `runDue()` in tests with a manual clock. */
	jobs: JobQueue;
	/** The Web Push delivery (tests run its subscription expiry sweep by hand). */
	webPush: WebPushDelivery;
	close(): Promise<void>;
}

export interface StartOptions {
	clock?: Clock;
	log?: Logger;
	/** Where the first-start admin key is printed (once); stderr by default. */
	announce?: (text: string) => void;
	/** A SQLite store to use instead of opening one from the config (tests). */
	store?: Store;
	/** The `/metrics` registry; a fresh one by default. */
	metrics?: Metrics;
	/** How callback host names are resolved (the system resolver by default; tests simulate DNS). */
	callbackResolver?: Resolver;
	/**
	 * Certificates to trust for Web Push endpoints besides the system's: tests only (a fake push
	 * service's self-signed certificate). A server process can use NODE_EXTRA_CA_CERTS instead.
	 */
	webPushCa?: string | Buffer;
}

/** Opens the store, starts the job queue and the HTTP listener; `close()` stops all of it cleanly. */
export async function startServer(
	config: Config,
	options: StartOptions = {},
): Promise<RunningServer> {
	const clock = options.clock ?? systemClock;
	const log = options.log ?? createLogger(config.logLevel);
	const opened = await openStore(config, { clock, log, store: options.store });
	const { store, jobs, events } = opened;
	let linkKey: string;
	try {
		await ensureWayIn(
			config,
			store,
			clock,
			options.announce ?? ((text) => process.stderr.write(`${text}\n`)),
		);
		linkKey =
			config.linkSecret ??
			(await store.ensureSecret(LINK_KEY_NAME, randomBytes(32).toString('base64url')));
	} catch (error) {
		await opened.close();
		throw error;
	}
	// The base URL is known once the server listens (a port 0 is picked by the system).
	let publicUrl = config.publicUrl ?? '';
	const links = new AnswerLinks(linkKey, () => publicUrl);

	const metrics = options.metrics ?? new Metrics();
	const guard = new AddressGuard(config.callbackAllow, options.callbackResolver);
	let webPush: WebPushDelivery;
	try {
		webPush = await createWebPushDelivery(config.webPush, {
			store,
			clock,
			log,
			metrics,
			guard,
			links,
			baseUrl: () => publicUrl,
			trustedCa: options.webPushCa,
		});
	} catch (error) {
		await opened.close();
		throw error;
	}
	const delivery = combineDeliveries(
		await createPushDelivery(config.apns, { store, clock, log, metrics, links }),
		webPush,
		createCallbackDelivery({
			store,
			clock,
			log,
			events,
			guard,
			timeoutMs: config.callbackTimeoutMs,
		}),
	);
	const rateLimits: RateLimits = {
		address: new RateLimit('client address', config.rates.perAddress, opened.rateCounter, log),
		token: new RateLimit('webhook token', config.rates.perToken, opened.rateCounter, log),
		key: new RateLimit('API key', config.rates.perKey, opened.rateCounter, log),
		device: new RateLimit('device key', config.rates.perKey, opened.rateCounter, log),
	};
	const ctx: AppContext = {
		config,
		store,
		clock,
		log,
		events,
		delivery,
		guard,
		rateLimits,
		metrics,
		answerMetrics: answerMetrics(metrics),
		publicUrl,
		links,
	};
	for (const [kind, handler] of Object.entries(delivery.handlers))
		jobs.register(kind as JobKind, handler as JobHandler);
	jobs.start();

	const server: Server = createServer(createRequestHandler(ctx));
	server.keepAliveTimeout = 65_000;
	server.on('clientError', answerClientError);
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(config.port, config.host, () => resolve());
	});
	const port = (server.address() as AddressInfo).port;
	const host = config.host.includes(':') ? `[${config.host}]` : config.host;
	const url = `http://${host}:${port}`;
	publicUrl = config.publicUrl ?? url;
	ctx.publicUrl = publicUrl;
	log.info('server.started', {
		url,
		store: config.store,
		database: config.store === 'sqlite' ? config.databaseFile : undefined,
	});

	let closing: Promise<void> | null = null;
	const close = () =>
		(closing ??= (async () => {
			events.releaseAll();
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeIdleConnections();
			});
			await jobs.stop();
			await delivery.close();
			await opened.close();
			log.info('server.stopped', {});
		})());
	return { url, port, ctx, jobs, webPush, close };
}
