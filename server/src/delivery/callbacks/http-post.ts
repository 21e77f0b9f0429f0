import http, { IncomingMessage } from 'node:http';
import https from 'node:https';
import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { AddressGuard, bareHost } from './address-guard';
import { CALLBACK_USER_AGENT, IDEMPOTENCY_HEADER, SIGNATURE_HEADER } from '../../domain/signature';
import { parseRetryAfter } from '../../domain/time';

/** What one callback POST came to. */
export interface PostOutcome {
	/** Any 2xx. */
	delivered: boolean;
	statusCode: number | null;
	error: string | null;
	/** From the receiver's `Retry-After`, if it sent one. */
	retryAfterMs: number | null;
	/** Nothing listened at the address (ECONNREFUSED): worth an early retry. */
	connectionRefused: boolean;
	latencyMs: number;
}

export interface CallbackRequest {
	url: string;
	body: string;
	signature: string;
	idempotencyKey: string;
	/** Epoch ms, for an HTTP-date `Retry-After`. */
	now: number;
}

/** Receivers' answers are read only this far; nothing in them is used. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Sends callback POSTs: connections only to addresses the guard accepts (its `lookup` is the
 * agents' resolver), redirects never followed, one deadline per attempt. Keep-alive agents
 * reuse connections to busy receivers (a reused socket was checked when it connected).
 */
export class CallbackPoster {
	private readonly httpAgent: http.Agent;
	private readonly httpsAgent: https.Agent;

	constructor(
		private readonly guard: AddressGuard,
		private readonly timeoutMs: number,
	) {
		// An idle connection is closed after 4 s, before the common 5 s keep-alive of receivers
		// and proxies, so a callback is never written into a socket the receiver is closing.
		const options = {
			keepAlive: true,
			maxSockets: 64,
			maxFreeSockets: 16,
			timeout: 4_000,
			lookup: guard.lookup,
		};
		this.httpAgent = new http.Agent(options);
		this.httpsAgent = new https.Agent(options);
	}

	post(request: CallbackRequest): Promise<PostOutcome> {
		const started = performance.now();
		const elapsed = () => Math.round(performance.now() - started);
		const failure = (
			error: string,
			statusCode: number | null = null,
			retryAfterMs: number | null = null,
			connectionRefused = false,
		): PostOutcome => ({
			delivered: false,
			statusCode,
			error,
			retryAfterMs,
			connectionRefused,
			latencyMs: elapsed(),
		});

		let url: URL;
		try {
			url = new URL(request.url);
		} catch {
			return Promise.resolve(failure('callback URL is not valid'));
		}
		const secure = url.protocol === 'https:';
		if (!secure && url.protocol !== 'http:')
			return Promise.resolve(failure('callback URL must be http or https'));
		// An IP literal never goes through `lookup`, so it is judged here (and again on connect).
		const host = bareHost(url.hostname);
		const refused = isIpLiteral(url) ? this.guard.refusal(host, host) : null;
		if (refused) return Promise.resolve(failure(`refused: ${refused.message}`));

		return new Promise<PostOutcome>((resolve) => {
			let settled = false;
			const finish = (outcome: PostOutcome) => {
				if (settled) return;
				settled = true;
				clearTimeout(timer);
				resolve(outcome);
			};
			// Written as a string: Node joins headers and body into one buffer, so the request goes out
			// in one system call (a writev whose second buffer is empty).
			const body = request.body;
			const req = (secure ? https : http).request(url, {
				method: 'POST',
				agent: secure ? this.httpsAgent : this.httpAgent,
				lookup: this.guard.lookup,
				headers: {
					'Content-Type': 'application/json',
					'Content-Length': String(Buffer.byteLength(body, 'utf8')),
					'User-Agent': CALLBACK_USER_AGENT,
					[SIGNATURE_HEADER]: request.signature,
					[IDEMPOTENCY_HEADER]: request.idempotencyKey,
				},
			});
			const timer = setTimeout(() => {
				req.destroy(new Error(`no response within ${this.timeoutMs} ms`));
			}, this.timeoutMs);
			req.on('socket', (socket: Socket) => this.guard.guardSocket(socket, host));
			req.on('error', (error: Error & { code?: string }) =>
				finish(failure(describeError(error), null, null, error.code === 'ECONNREFUSED')),
			);
			req.on('response', (res: IncomingMessage) => {
				const status = res.statusCode ?? 0;
				let read = 0;
				res.on('data', (chunk: Buffer) => {
					read += chunk.length;
					if (read > MAX_RESPONSE_BYTES) res.destroy();
				});
				const done = () => {
					if (status >= 200 && status < 300) {
						finish({
							delivered: true,
							statusCode: status,
							error: null,
							retryAfterMs: null,
							connectionRefused: false,
							latencyMs: elapsed(),
						});
						return;
					}
					const retryAfter = parseRetryAfter(headerText(res.headers['retry-after']), request.now);
					const why =
						status >= 300 && status < 400
							? `HTTP ${status}: redirects are not followed (callbacks must answer 2xx)`
							: `HTTP ${status}`;
					finish(failure(why, status, retryAfter));
				};
				res.on('end', done);
				res.on('close', done);
				res.on('error', () => done());
			});
			req.end(body);
		});
	}

	close(): void {
		this.httpAgent.destroy();
		this.httpsAgent.destroy();
	}
}

function isIpLiteral(url: URL): boolean {
	return /^\[.*\]$/.test(url.hostname) || /^[\d.]+$/.test(url.hostname);
}

function headerText(value: string | string[] | undefined): string | undefined {
	return Array.isArray(value) ? value[0] : value;
}

function describeError(error: Error & { code?: string }): string {
	if (error.code === 'ECALLBACKREFUSED') return `refused: ${error.message}`;
	if (error.code === 'ECONNREFUSED') return 'connection refused';
	if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return 'host name does not resolve';
	if (error.code === 'ECONNRESET') return 'connection reset by the receiver';
	return error.message || String(error.code ?? 'request failed');
}
