import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { createApp } from '../http/app';
import { Clock, systemClock } from '../domain/time';
import { Config } from '../config/config';
import { AddressGuard, Resolver } from '../delivery/callbacks/address-guard';
import { CALLBACK_JOB_KIND, deliverCallback } from '../delivery/callbacks/deliver';
import { callbackHooks } from '../delivery/callbacks/callback-delivery';
import { CallbackPoster } from '../delivery/callbacks/http-post';
import { DeliveryHooks, combineHooks } from '../delivery/delivery';
import { ADMIN_ACCOUNT_ID } from '../http/auth';
import { AppContext } from '../http/context';
import { makeApiKey } from '../http/keys';
import { JobQueue } from '../jobs/queue';
import { Logger, createLogger } from '../observability/log';
import { Metrics } from '../observability/metrics';
import { PUSH_JOB, createPush } from '../delivery/push';
import { openStorage } from '../store/open';
import { Store } from '../store/store';

export interface RunningServer {
	url: string;
	port: number;
	ctx: AppContext;
	/** Runs the jobs of this instance: `register(kind, handler)`, `runDue()` in tests. */
	jobs: JobQueue;
	close(): Promise<void>;
}

export interface StartOptions {
	clock?: Clock;
	log?: Logger;
	/** Where the first-start admin key is printed (once); stderr by default. */
	announce?: (text: string) => void;
	/** A SQLite store to use instead of opening one from the config (tests). */
	store?: Store;
	/** Extra delivery hooks, run beside the built-in callback hooks. */
	hooks?: DeliveryHooks;
	/** The `/metrics` registry; a fresh one by default. */
	metrics?: Metrics;
	/** How callback host names are resolved (the system resolver by default; tests simulate DNS). */
	callbackResolver?: Resolver;
}

/**
 * A first start with no API key and no PING_ADMIN_KEY creates an admin key and prints it once,
 * so the operator gets in without touching the database.
 */
async function ensureWayIn(config: Config, store: Store, clock: Clock, announce: (text: string) => void): Promise<void> {
	const now = clock.now();
	await store.ensureAccount(ADMIN_ACCOUNT_ID, now);
	if (config.adminKey !== null || (await store.countApiKeys()) > 0) return;
	const { key, secret } = makeApiKey(ADMIN_ACCOUNT_ID, 'first-start admin key', now);
	await store.insertApiKey(key, Number.MAX_SAFE_INTEGER);
	announce(
		[
			'',
			'No API key exists yet, so one admin key was created. It is shown only this once:',
			`    ${secret}`,
			'Use it as "Authorization: Bearer <key>" to create channels (POST /v1/channels).',
			'Alternatively set PING_ADMIN_KEY to a key of your own choosing (pk_live_ + 32 letters/digits).',
			'',
		].join('\n'),
	);
}

/** Opens the store, starts the job runner and the HTTP listener; `close()` stops all of it cleanly. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
	const clock = options.clock ?? systemClock;
	const log = options.log ?? createLogger(config.logLevel);
	const storage = await openStorage(config, { clock, log, store: options.store });
	const { store, jobs, events } = storage;
	try {
		await ensureWayIn(config, store, clock, options.announce ?? ((text) => process.stderr.write(`${text}\n`)));
	} catch (error) {
		await storage.close();
		throw error;
	}

	const metrics = options.metrics ?? new Metrics();
	const push = createPush(config.apns, { store, clock, log, metrics });
	const guard = new AddressGuard(config.callbackAllow, options.callbackResolver);
	const poster = new CallbackPoster(guard, config.callbackTimeoutMs);
	const hooks = combineHooks(push.delivery.hooks, callbackHooks({ store, clock, guard }), ...(options.hooks ? [options.hooks] : []));
	const ctx: AppContext = { config, store, clock, log, events, hooks, metrics, publicUrl: config.publicUrl ?? '' };
	jobs.register(PUSH_JOB, push.delivery.run);
	jobs.register(CALLBACK_JOB_KIND, deliverCallback({ store, clock, log, events, poster }));
	jobs.start();

	const server: Server = createServer(createApp(ctx));
	server.keepAliveTimeout = 65_000;
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(config.port, config.host, () => resolve());
	});
	const port = (server.address() as AddressInfo).port;
	const host = config.host.includes(':') ? `[${config.host}]` : config.host;
	const url = `http://${host}:${port}`;
	ctx.publicUrl = config.publicUrl ?? url;
	log.info('server.started', { url, store: config.store, database: config.store === 'sqlite' ? config.databaseFile : undefined });

	let closing: Promise<void> | null = null;
	const close = () =>
		(closing ??= (async () => {
			events.releaseAll();
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeIdleConnections();
			});
			await jobs.stop();
			await push.close();
			poster.close();
			await storage.close();
			log.info('server.stopped', {});
		})());
	return { url, port, ctx, jobs, close };
}
