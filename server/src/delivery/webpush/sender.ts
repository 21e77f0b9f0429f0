import https from 'node:https';
import { performance } from 'node:perf_hooks';
import type { RequestOptions, WebPushError } from 'web-push';
import { WebPushConfig } from '../../config/webpush';
import { Clock, parseRetryAfter } from '../../domain/time';
import { WebPushSubscription } from '../../domain/types';
import { AddressGuard } from '../callbacks/address-guard';
import { WebPushNotification } from './payload';
import { WebPushMetrics } from './webpush-metrics';

/** The `web-push` package, loaded only when Web Push is configured (see index.ts). */
export type WebPushLibrary = typeof import('web-push');

/** Loads `web-push` on first use, so a server without Web Push never does. */
export async function loadWebPush(): Promise<WebPushLibrary> {
	const loaded = (await import('web-push')) as WebPushLibrary & { default?: WebPushLibrary };
	// An ES import of this CommonJS package (tsx, Node's own loader) has its exports under `default`.
	return loaded.default ?? loaded;
}

/**
 * How one push to one browser ended: `sent` (2xx); `gone` (404/410: the subscription is dead);
 * `retry` (429, 5xx, no answer: again later, after `retryAfterMs` when the service said so);
 * `failed` (any other 4xx, or an endpoint we may not reach: trying again will not help).
 * `reason` is short and bounded (a metric label); `detail` says more for the delivery row.
 */
export type WebPushOutcome =
	| { kind: 'sent' }
	| { kind: 'gone'; reason: string }
	| { kind: 'retry'; reason: string; retryAfterMs: number | null }
	| { kind: 'failed'; reason: string; detail?: string };

export interface WebPushSenderOptions {
	config: WebPushConfig;
	/** The callbacks' address guard: endpoints come from browsers, so they are user input. */
	guard: AddressGuard;
	clock: Clock;
	metrics: WebPushMetrics;
	/** Certificates to trust for push services besides the system's (tests: a fake's self-signed one). */
	trustedCa?: string | Buffer;
	/** No answer within this long: retried later. */
	timeoutMs?: number;
}

/** Push services' error bodies are read this far into a failed delivery's reason. */
const DETAIL_MAX = 200;
/**
 * A VAPID JWT is reused for one push service this long. web-push signs each with a 12-hour
 * `exp`; signing costs about 4 ms of CPU, two thirds of a push's own work, and RFC 8292 lets a
 * sender reuse a token until it expires. An hour leaves 11 hours of margin for clock skew.
 */
const VAPID_REUSE_MS = 3600_000;

/**
 * Sends Web Push requests with `web-push` (RFC 8291 aes128gcm encryption, RFC 8292 VAPID JWT)
 * over one keep-alive HTTPS agent. Only to `https:` endpoints the address guard allows: an IP
 * literal is judged before any request, a host name on connect (the agent's `lookup` drops
 * refused addresses, so DNS rebinding cannot slip through).
 */
export class WebPushSender {
	/** Pushes in flight at most per job: the agent's sockets per push service. */
	readonly windowSize = 64;
	private readonly agent: https.Agent;
	/** Signed `Authorization` headers by push service origin, with when they were made (real time). */
	private readonly vapid = new Map<string, { header: string; madeAt: number }>();

	constructor(
		private readonly lib: WebPushLibrary,
		private readonly options: WebPushSenderOptions,
	) {
		this.agent = new https.Agent({
			keepAlive: true,
			maxSockets: this.windowSize,
			maxFreeSockets: 16,
			lookup: options.guard.lookup,
			...(options.trustedCa ? { ca: options.trustedCa } : {}),
		});
	}

	async send(
		subscription: WebPushSubscription,
		notification: WebPushNotification,
	): Promise<WebPushOutcome> {
		let url: URL;
		try {
			url = new URL(subscription.endpoint);
		} catch {
			return { kind: 'failed', reason: 'InvalidEndpoint', detail: 'endpoint is not a URL' };
		}
		if (url.protocol !== 'https:')
			return {
				kind: 'failed',
				reason: 'NotHttps',
				detail: `push endpoints must be https, got ${url.protocol}`,
			};
		const refused = await this.options.guard.refusalForUrl(url);
		if (refused) return { kind: 'failed', reason: 'AddressRefused', detail: refused.message };

		const { metrics } = this.options;
		const requestOptions: RequestOptions = {
			TTL: notification.ttlSeconds,
			urgency: notification.urgency,
			topic: notification.topic,
			contentEncoding: 'aes128gcm',
			// No vapidDetails: the JWT is signed here, once per push service and hour, rather than
			// by web-push on every push.
			headers: { Authorization: this.vapidHeader(url.origin) },
			agent: this.agent,
			timeout: this.options.timeoutMs ?? 30_000,
		};
		const started = performance.now();
		try {
			await this.lib.sendNotification(
				{
					endpoint: subscription.endpoint,
					keys: { p256dh: subscription.p256dh, auth: subscription.auth },
				},
				notification.payload,
				requestOptions,
			);
			return { kind: 'sent' };
		} catch (error) {
			return this.outcomeOf(error);
		} finally {
			metrics.requests.inc();
			metrics.requestSeconds.inc({}, (performance.now() - started) / 1000);
		}
	}

	/** The VAPID `Authorization` for a push service (`aud` = its origin), reused for an hour. */
	private vapidHeader(origin: string): string {
		// Real time, not the injected clock: the push service judges `exp` by its own real clock.
		const now = Date.now();
		const cached = this.vapid.get(origin);
		if (cached && now - cached.madeAt < VAPID_REUSE_MS) return cached.header;
		const { config } = this.options;
		const header = this.lib.getVapidHeaders(
			origin,
			config.subject,
			config.publicKey,
			config.privateKey,
			'aes128gcm',
		).Authorization as string;
		this.vapid.set(origin, { header, madeAt: now });
		return header;
	}

	close(): void {
		this.agent.destroy();
	}

	private outcomeOf(error: unknown): WebPushOutcome {
		if (error instanceof this.lib.WebPushError) {
			const e = error as WebPushError;
			const status = e.statusCode;
			const reason = `HTTP ${status}`;
			if (status === 404 || status === 410) return { kind: 'gone', reason };
			if (status === 429 || status >= 500) {
				const header = e.headers?.['retry-after'];
				return {
					kind: 'retry',
					reason,
					retryAfterMs: parseRetryAfter(
						Array.isArray(header) ? header[0] : header,
						this.options.clock.now(),
					),
				};
			}
			const body = typeof e.body === 'string' ? e.body.trim().slice(0, DETAIL_MAX) : '';
			return { kind: 'failed', reason, detail: body ? `${reason}: ${body}` : reason };
		}
		const e = error as Error & { code?: string };
		if (e.code === 'ECALLBACKREFUSED')
			return { kind: 'failed', reason: 'AddressRefused', detail: e.message };
		if (e.message === 'Socket timeout')
			return { kind: 'retry', reason: 'Timeout', retryAfterMs: null };
		// web-push throws plain errors for input it cannot encrypt to (a malformed p256dh or auth).
		if (!e.code && /p256dh|auth|subscription/i.test(e.message ?? ''))
			return { kind: 'failed', reason: 'InvalidSubscription', detail: e.message };
		return { kind: 'retry', reason: 'ConnectionFailed', retryAfterMs: null };
	}
}
