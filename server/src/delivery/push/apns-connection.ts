import * as http2 from 'node:http2';
import clientFactory, { ApnClient, ApnClientResult } from '@parse/node-apn/lib/client';
import configFactory from '@parse/node-apn/lib/config';
import credentialsFactory from '@parse/node-apn/lib/credentials';
import { ApnsEnvironment } from '../../domain/types';
import { ApnsConfig } from '../../config/apns';
import { parseRetryAfter } from '../../domain/time';

/**
 * One HTTP/2 connection to one APNs environment, through @parse/node-apn's Client (provider
 * token signing and renewal, ExpiredProviderToken handling, request timeout, session set-up and
 * GOAWAY handling), with what node-apn lacks added around it:
 *
 * - a bounded in-flight window: at most `maxInFlight` requests, and never more than the
 *   server's SETTINGS_MAX_CONCURRENT_STREAMS (1 until the server has said);
 * - `retry-after`: node-apn reads `headers['Retry-After']`, but HTTP/2 header names are lower
 *   case, so it never sees it (and `write()` deletes it anyway). We hand the Client an `http2`
 *   whose sessions copy `retry-after` to the name node-apn reads, and call its `request()`
 *   (below `write()`, which also retries 429/5xx at once, ignoring any delay);
 * - an address override (PING_APNS_HOST/PORT) that keeps Apple's host in `:authority`;
 * - a classification of every outcome, including REFUSED_STREAM and GOAWAY, which node-apn
 *   only reports as "apn write failed";
 * - a graceful GOAWAY really graceful (see `http2()` below).
 */

export const APNS_HOSTS: Record<ApnsEnvironment, string> = {
	production: 'api.push.apple.com',
	sandbox: 'api.sandbox.push.apple.com',
};

export interface ApnsRequest {
	token: string;
	headers: Record<string, string | number>;
	payload: string;
}

/**
 * What one request came to. `refused`: the server did not process it (REFUSED_STREAM, a stream
 * above the GOAWAY's last id, or a session already going away): safe to send again at once.
 * `connection`: timeout or lost connection; APNs may or may not have it.
 */
export type ApnsResponse =
	| { kind: 'accepted'; apnsId: string | null }
	| {
			kind: 'rejected';
			status: number;
			reason: string;
			timestamp: number | null;
			retryAfterMs: number | null;
	  }
	| { kind: 'refused'; reason: string }
	| { kind: 'connection'; reason: string };

type ApnLogger = ((message: string) => void) & { enabled: boolean };

export interface ConnectionEvents {
	/** In-flight count changed (+1 / -1), for the gauge. */
	inFlight(delta: number): void;
	/** Waiting-for-a-slot count changed (+1 / -1), for the gauge. */
	queued(delta: number): void;
	log(event: string, fields: Record<string, unknown>): void;
}

const quiet: ApnLogger = Object.assign(() => undefined, { enabled: false });

const credentials = credentialsFactory({ logger: quiet });
const buildConfig = configFactory({
	logger: quiet,
	prepareCertificate: credentials.certificate,
	prepareToken: credentials.token,
	prepareCA: credentials.ca,
});

/** The Error and its causes (VError keeps the cause in `jse_cause`). */
function causes(error: unknown): Array<Error & { code?: string }> {
	const list: Array<Error & { code?: string }> = [];
	let current = error as (Error & { code?: string; jse_cause?: unknown }) | undefined;
	while (current instanceof Error && list.length < 5) {
		list.push(current);
		current = current.jse_cause as typeof current;
	}
	return list;
}

const STREAM_WAS_NOT_PROCESSED = /REFUSED_STREAM/;
const SESSION_GONE = new Set([
	'ERR_HTTP2_GOAWAY_SESSION',
	'ERR_HTTP2_INVALID_SESSION',
	'ERR_HTTP2_STREAM_CANCEL',
]);

export function classify(result: ApnClientResult | Error, now: number): ApnsResponse {
	if (result instanceof Error) {
		// Thrown by session.request() itself: the stream was never opened.
		const code = (result as { code?: string }).code ?? result.name;
		return { kind: 'refused', reason: code };
	}
	if (result.status === undefined && result.error === undefined)
		return { kind: 'accepted', apnsId: result['apns-id'] ?? null };
	const status = Number(result.status);
	if (Number.isInteger(status) && status >= 400) {
		const reason =
			result.response?.reason ??
			(status === 500 ? 'InternalServerError' : (result.error?.message ?? `HTTP ${status}`));
		const timestamp =
			typeof result.response?.timestamp === 'number' ? result.response.timestamp : null;
		return {
			kind: 'rejected',
			status,
			reason,
			timestamp,
			retryAfterMs: parseRetryAfter(result.retryAfter, now),
		};
	}
	const chain = causes(result.error);
	if (chain.some((e) => STREAM_WAS_NOT_PROCESSED.test(e.message)))
		return { kind: 'refused', reason: 'REFUSED_STREAM' };
	const gone = chain.find((e) => e.code !== undefined && SESSION_GONE.has(e.code));
	if (gone) return { kind: 'refused', reason: gone.code as string };
	// Short, bounded reasons: they end up as metric labels.
	const message = chain[0]?.message ?? '';
	if (/timeout/i.test(message)) return { kind: 'connection', reason: 'Timeout' };
	if (/aborted/i.test(message)) return { kind: 'connection', reason: 'Aborted' };
	if (/ended unexpectedly/i.test(message)) return { kind: 'connection', reason: 'NoResponse' };
	const coded = chain.find((e) => typeof e.code === 'string');
	return { kind: 'connection', reason: coded?.code ?? 'ConnectionError' };
}

export class ApnsConnection {
	private readonly client: ApnClient;
	private inFlight = 0;
	/** FIFO of callers waiting for a slot; `head` instead of shift(), which is O(n) on a long queue. */
	private waiting: Array<() => void> = [];
	private head = 0;
	/** The server's stream limit, as last announced (1 until a server has spoken, like Apple at first). */
	private serverLimit = 1;
	private closed = false;
	private readonly sessions = new Set<http2.ClientHttp2Session>();

	constructor(
		readonly environment: ApnsEnvironment,
		private readonly config: ApnsConfig,
		private readonly events: ConnectionEvents,
	) {
		const Client = clientFactory({
			logger: quiet,
			errorLogger: quiet,
			config: buildConfig,
			http2: this.http2(),
		});
		const client = new Client({
			token: { key: config.key, keyId: config.keyId, teamId: config.teamId },
			production: environment === 'production',
			address: APNS_HOSTS[environment],
			port: config.port,
			ca: config.ca ?? null,
			requestTimeout: config.requestTimeoutMs,
			heartBeat: 60_000,
		});
		// node-apn answers every GOAWAY with close-then-destroy, and when the session is already
		// closing (the second GOAWAY of a graceful shutdown, RFC 9113 §6.8) it destroys it at once,
		// killing streams the server is still answering: those pushes were delivered but look
		// failed, and would be sent twice. A closing session is left to Node instead, which
		// destroys it itself when its last stream ends.
		const destroySession = client.destroySession.bind(client);
		client.destroySession = (session) => {
			if (session && session.closed && !session.destroyed) return;
			destroySession(session);
		};
		this.client = client;
	}

	/** Requests in flight right now (tests check the window). */
	get active(): number {
		return this.inFlight;
	}

	/** Sends one notification; `avoid` is a session that just refused us: use a new one. */
	async send(
		request: ApnsRequest,
		now: () => number,
		avoid?: http2.ClientHttp2Session,
	): Promise<ApnsResponse & { session?: http2.ClientHttp2Session }> {
		await this.slot();
		let session: http2.ClientHttp2Session | undefined;
		try {
			if (this.closed) return { kind: 'connection', reason: 'SenderStopped' };
			session = await this.session(avoid);
			const result = await this.client
				.request(
					session,
					APNS_HOSTS[this.environment],
					{ headers: request.headers, body: request.payload },
					`/3/device/${request.token}`,
					'POST',
				)
				.catch((error: ApnClientResult | Error) => error);
			return { ...classify(result, now()), session };
		} catch (error) {
			return {
				...classify(error instanceof Error ? error : new Error(String(error)), now()),
				session,
			};
		} finally {
			this.release();
		}
	}

	async close(): Promise<void> {
		this.closed = true;
		const waiting = this.waiting.slice(this.head);
		this.waiting = [];
		this.head = 0;
		for (const wake of waiting) wake();
		await this.client.shutdown();
		// Sessions still draining after a GOAWAY: the server is stopping, don't wait for them.
		for (const session of this.sessions) session.destroy();
	}

	private limit(): number {
		return Math.max(1, Math.min(this.config.maxInFlight, this.serverLimit));
	}

	private slot(): Promise<void> {
		if (this.inFlight < this.limit() || this.closed) {
			this.inFlight += 1;
			this.events.inFlight(1);
			return Promise.resolve();
		}
		this.events.queued(1);
		return new Promise((resolve) =>
			this.waiting.push(() => {
				this.events.queued(-1);
				this.inFlight += 1;
				this.events.inFlight(1);
				resolve();
			}),
		);
	}

	private release(): void {
		this.inFlight -= 1;
		this.events.inFlight(-1);
		this.pump();
	}

	private pump(): void {
		while (this.head < this.waiting.length && (this.inFlight < this.limit() || this.closed)) {
			const wake = this.waiting[this.head];
			this.head += 1;
			wake();
		}
		if (this.head > 1024 && this.head * 2 > this.waiting.length) {
			this.waiting = this.waiting.slice(this.head);
			this.head = 0;
		}
	}

	private async session(avoid?: http2.ClientHttp2Session): Promise<http2.ClientHttp2Session> {
		const current = this.client.session;
		if (current && current === avoid && !current.closed && !current.destroyed) {
			// It refused a stream without going away: let its open streams finish, start a new one.
			void this.client.closeAndDestroySession(current);
		}
		const usable = (s: http2.ClientHttp2Session | null | undefined) =>
			s && !s.closed && !s.destroyed && s !== avoid;
		if (!usable(this.client.session)) await this.client.connect();
		const session = this.client.session;
		if (!session) throw new Error('APNs session could not be opened');
		return session;
	}

	/** The `http2` node-apn's Client connects with: our address, our header fix, our window. */
	private http2() {
		// The port travels in node-apn's options (its `port` setting); only the host is ours to swap.
		const { host, port } = this.config;
		const target = (authority: string | URL) =>
			host === null ? authority : `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
		return {
			constants: http2.constants,
			connect: ((authority: string | URL, options?: http2.SecureClientSessionOptions) => {
				const session = http2.connect(target(authority), options);
				session.on('remoteSettings', (settings) => {
					this.serverLimit = settings.maxConcurrentStreams ?? this.serverLimit;
					this.pump();
				});
				session.on('error', (error: Error) =>
					this.events.log('push.connection_error', {
						environment: this.environment,
						error: error.message,
					}),
				);
				session.on('goaway', (code, lastStreamId) =>
					this.events.log('push.goaway', {
						environment: this.environment,
						code,
						last_stream_id: lastStreamId,
					}),
				);
				this.sessions.add(session);
				session.once('close', () => this.sessions.delete(session));
				const request = session.request.bind(session);
				session.request = ((
					headers?: http2.OutgoingHttpHeaders,
					opts?: http2.ClientSessionRequestOptions,
				) => {
					const stream = request(headers, opts);
					stream.prependListener(
						'response',
						(responseHeaders: http2.IncomingHttpHeaders & Record<string, unknown>) => {
							if (responseHeaders['retry-after'] !== undefined)
								responseHeaders['Retry-After'] = responseHeaders['retry-after'];
						},
					);
					return stream;
				}) as typeof session.request;
				return session;
			}) as typeof http2.connect,
		};
	}
}
