import { execFileSync } from 'node:child_process';
import { KeyObject, createPublicKey, generateKeyPairSync, randomUUID, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http2 from 'node:http2';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fake APNs provider API, as strict as Apple's where our sender could get it wrong:
 * HTTP/2 over TLS (ALPN h2) on 127.0.0.1 with a certificate made at test time, only
 * `POST /3/device/<hex token>`, ES256 provider tokens checked against a test key (kid, iss,
 * signature, age), the apns-* headers, the 4096-byte payload limit, and Apple's status codes
 * and reason strings. Tests program failures per device token (410 with timestamp,
 * BadDeviceToken, 429 with retry-after, 500/503), GOAWAY every N streams, slow answers and a
 * stream limit; every accepted notification is recorded, so tests can count exactly-once.
 *
 * Imports only node builtins: the benchmark loads this file too (transpiled on the fly).
 */

export type ApnsEnvironment = 'sandbox' | 'production';

export const APNS_HOSTS: Record<ApnsEnvironment, string> = {
	production: 'api.push.apple.com',
	sandbox: 'api.sandbox.push.apple.com',
};

export interface AcceptedNotification {
	token: string;
	environment: ApnsEnvironment;
	apnsId: string;
	topic: string;
	pushType: string;
	priority: number;
	collapseId: string | null;
	expiration: number | null;
	payload: string;
	/** Payload bytes as received. */
	bytes: number;
	at: number;
}

/** One programmed answer for a device token, consumed in order; `times` repeats it. */
export interface ProgrammedAnswer {
	status: number;
	reason: string;
	/** 410 only: when APNs learned the token is invalid (epoch ms). */
	timestamp?: number;
	/** `retry-after` header value (seconds). */
	retryAfter?: number;
	/** Only answer like this on that environment (e.g. a sandbox token sent to production). */
	environment?: ApnsEnvironment;
	times?: number;
}

export interface AnswerRecord {
	token: string;
	environment: ApnsEnvironment;
	status: number;
	reason: string | null;
	at: number;
}

export interface FakeApnsOptions {
	teamId: string;
	keyId: string;
	/** The public half of the provider's signing key. */
	publicKey: KeyObject | string;
	/** Topics (bundle ids) this "team" may push to. */
	topics: string[];
	/** SETTINGS_MAX_CONCURRENT_STREAMS announced to clients. Apple uses 1000 once the token is accepted. */
	maxConcurrentStreams?: number;
}

/** A provider key like Apple's `.p8` (PKCS#8 EC P-256), made fresh for a test run. */
export function generateProviderKey(): { privateKeyPem: string; publicKey: KeyObject } {
	const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
	return {
		privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
		publicKey,
	};
}

export interface TlsMaterial {
	key: string;
	cert: string;
	/** The certificate as a file (PING_APNS_CA takes a path). */
	certFile: string;
}

let tlsMaterial: TlsMaterial | null = null;

/**
 * A self-signed certificate for 127.0.0.1, localhost and Apple's two host names, via the openssl
 * CLI (the fake push service uses it too).
 */
export function certificate(): TlsMaterial {
	if (tlsMaterial) return tlsMaterial;
	const dir = mkdtempSync(join(tmpdir(), 'fake-apns-'));
	const keyFile = join(dir, 'key.pem');
	const certFile = join(dir, 'cert.pem');
	execFileSync(
		'openssl',
		[
			'req',
			'-x509',
			'-newkey',
			'ec',
			'-pkeyopt',
			'ec_paramgen_curve:prime256v1',
			'-nodes',
			'-keyout',
			keyFile,
			'-out',
			certFile,
			'-days',
			'2',
			'-subj',
			'/CN=fake-apns',
			'-addext',
			`subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:${APNS_HOSTS.production},DNS:${APNS_HOSTS.sandbox}`,
		],
		{ stdio: 'ignore' },
	);
	tlsMaterial = {
		key: readFileSync(keyFile, 'utf8'),
		cert: readFileSync(certFile, 'utf8'),
		certFile,
	};
	process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
	return tlsMaterial;
}

const PUSH_TYPES = [
	'alert',
	'background',
	'location',
	'voip',
	'complication',
	'fileprovider',
	'mdm',
	'liveactivity',
	'pushtotalk',
];
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const TOKEN_MAX_AGE_S = 3600;
const MAX_PAYLOAD = 4096;

type Failure = { status: number; reason: string };

export class FakeApns {
	readonly accepted: AcceptedNotification[] = [];
	readonly answers: AnswerRecord[] = [];
	/** Send GOAWAY on a connection after this many streams (null: never). */
	goawayEvery: number | null = null;
	/** Wait this long before answering each request. */
	delayMs = 0;
	/** Added to the fake's clock when judging a provider token's age (tests of ExpiredProviderToken). */
	clockSkewMs = 0;
	/** Connections opened so far and GOAWAYs sent (the GOAWAY test checks they happened). */
	connections = 0;
	goaways = 0;
	/** Most streams seen open at once on one connection. */
	maxConcurrentSeen = 0;
	/** Stop recording payload text (a benchmark of many pushes keeps only counts and keys). */
	recordPayloads = true;

	private readonly programmed = new Map<string, ProgrammedAnswer[]>();
	private readonly verifiedTokens = new Map<string, number>();
	private readonly sessions = new Set<http2.ServerHttp2Session>();
	private readonly publicKey: KeyObject;

	private constructor(
		private readonly server: http2.Http2SecureServer,
		readonly port: number,
		readonly caFile: string,
		readonly caPem: string,
		private readonly options: FakeApnsOptions,
	) {
		this.publicKey =
			typeof options.publicKey === 'string'
				? createPublicKey(options.publicKey)
				: options.publicKey;
	}

	static async start(options: FakeApnsOptions): Promise<FakeApns> {
		const tls = certificate();
		const server = http2.createSecureServer({
			key: tls.key,
			cert: tls.cert,
			allowHTTP1: false,
			settings: { maxConcurrentStreams: options.maxConcurrentStreams ?? 1000 },
		});
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(0, '127.0.0.1', () => resolve());
		});
		const fake = new FakeApns(
			server,
			(server.address() as AddressInfo).port,
			tls.certFile,
			tls.cert,
			options,
		);
		server.on('session', (session) => fake.onSession(session));
		return fake;
	}

	/** Programs the next answer(s) for a device token; later calls queue behind earlier ones. */
	program(token: string, answer: ProgrammedAnswer): void {
		const list = this.programmed.get(token) ?? [];
		list.push({ times: 1, ...answer });
		this.programmed.set(token, list);
	}

	/** A token that only exists on one environment: the other answers 400 BadDeviceToken, always. */
	onlyOn(token: string, environment: ApnsEnvironment): void {
		const other: ApnsEnvironment = environment === 'sandbox' ? 'production' : 'sandbox';
		this.program(token, {
			status: 400,
			reason: 'BadDeviceToken',
			environment: other,
			times: Infinity,
		});
	}

	/** A token APNs says is gone since `timestamp`: 410 Unregistered, always. */
	unregister(token: string, timestamp: number): void {
		this.program(token, { status: 410, reason: 'Unregistered', timestamp, times: Infinity });
	}

	acceptedFor(token: string): AcceptedNotification[] {
		return this.accepted.filter((n) => n.token === token);
	}

	answersFor(token: string): AnswerRecord[] {
		return this.answers.filter((a) => a.token === token);
	}

	reset(): void {
		this.accepted.length = 0;
		this.answers.length = 0;
		this.programmed.clear();
		this.goawayEvery = null;
		this.delayMs = 0;
		this.clockSkewMs = 0;
		this.goaways = 0;
		this.maxConcurrentSeen = 0;
	}

	async close(): Promise<void> {
		for (const session of this.sessions) session.destroy();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	private onSession(session: http2.ServerHttp2Session): void {
		this.connections += 1;
		this.sessions.add(session);
		let streams = 0;
		let open = 0;
		let lastStreamId: number | null = null;
		session.on('close', () => this.sessions.delete(session));
		session.on('error', () => undefined);
		session.on('stream', (stream, headers) => {
			if (lastStreamId !== null && (stream.id ?? 0) > lastStreamId) {
				// Above the GOAWAY's last stream id: not processed, exactly as the client is told.
				stream.on('error', () => undefined);
				stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
				return;
			}
			streams += 1;
			open += 1;
			this.maxConcurrentSeen = Math.max(this.maxConcurrentSeen, open);
			stream.on('close', () => {
				open -= 1;
			});
			stream.on('error', () => undefined);
			if (lastStreamId === null && this.goawayEvery !== null && streams >= this.goawayEvery) {
				// Like APNs rotating connections: streams up to this one are still answered, later ones
				// are refused (the client sees REFUSED_STREAM) and must go to a new connection.
				lastStreamId = stream.id ?? 0;
				this.goaways += 1;
				session.goaway(http2.constants.NGHTTP2_NO_ERROR, lastStreamId);
				setImmediate(() => session.close());
			}
			this.onStream(stream, headers);
		});
	}

	private onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
		const chunks: Buffer[] = [];
		let size = 0;
		stream.on('data', (chunk: Buffer) => {
			size += chunk.length;
			// Keep a little past the limit: enough to know it is too large, not a whole flood.
			if (size <= MAX_PAYLOAD + 1) chunks.push(chunk);
		});
		stream.on('end', () => {
			const body = Buffer.concat(chunks);
			const answer = () => this.answer(stream, headers, body, size);
			if (this.delayMs > 0) setTimeout(answer, this.delayMs);
			else answer();
		});
	}

	private environmentOf(headers: http2.IncomingHttpHeaders): ApnsEnvironment {
		return headers[':authority'] === APNS_HOSTS.sandbox ? 'sandbox' : 'production';
	}

	private answer(
		stream: http2.ServerHttp2Stream,
		headers: http2.IncomingHttpHeaders,
		body: Buffer,
		size: number,
	): void {
		if (stream.destroyed || stream.closed) return;
		const environment = this.environmentOf(headers);
		const path = String(headers[':path'] ?? '');
		const token = /^\/3\/device\/([^/?]*)$/.exec(path)?.[1] ?? '';
		const apnsId = typeof headers['apns-id'] === 'string' ? headers['apns-id'] : randomUUID();
		const fail = (
			f: Failure,
			extra: Record<string, unknown> = {},
			responseHeaders: Record<string, string> = {},
		) => {
			this.answers.push({ token, environment, status: f.status, reason: f.reason, at: Date.now() });
			stream.respond({
				':status': f.status,
				'apns-id': apnsId,
				'content-type': 'application/json',
				...responseHeaders,
			});
			stream.end(JSON.stringify({ reason: f.reason, ...extra }));
		};

		const problem = this.check(headers, token, body, size);
		if (problem) return fail(problem);

		const programmed = this.takeProgrammed(token, environment);
		if (programmed) {
			const extra =
				programmed.status === 410 ? { timestamp: programmed.timestamp ?? Date.now() } : {};
			const retry: Record<string, string> =
				programmed.retryAfter === undefined ? {} : { 'retry-after': String(programmed.retryAfter) };
			return fail(programmed, extra, retry);
		}

		const payload = body.toString('utf8');
		this.accepted.push({
			token,
			environment,
			apnsId,
			topic: String(headers['apns-topic']),
			pushType: String(headers['apns-push-type']),
			priority: Number(headers['apns-priority'] ?? 10),
			collapseId:
				typeof headers['apns-collapse-id'] === 'string' ? headers['apns-collapse-id'] : null,
			expiration:
				headers['apns-expiration'] === undefined ? null : Number(headers['apns-expiration']),
			payload: this.recordPayloads ? payload : '',
			bytes: size,
			at: Date.now(),
		});
		this.answers.push({ token, environment, status: 200, reason: null, at: Date.now() });
		stream.respond({ ':status': 200, 'apns-id': apnsId });
		stream.end();
	}

	/** Apple's request checks, in roughly Apple's order. */
	private check(
		headers: http2.IncomingHttpHeaders,
		token: string,
		body: Buffer,
		size: number,
	): Failure | null {
		if (headers[':method'] !== 'POST') return { status: 405, reason: 'MethodNotAllowed' };
		if (!/^\/3\/device\//.test(String(headers[':path']))) return { status: 404, reason: 'BadPath' };
		if (token === '') return { status: 400, reason: 'MissingDeviceToken' };
		if (!/^[0-9a-fA-F]{64,200}$/.test(token)) return { status: 400, reason: 'BadDeviceToken' };
		const auth = this.checkProviderToken(headers.authorization);
		if (auth) return auth;
		const topic = headers['apns-topic'];
		if (typeof topic !== 'string' || topic === '') return { status: 400, reason: 'MissingTopic' };
		if (!this.options.topics.includes(topic)) return { status: 400, reason: 'TopicDisallowed' };
		const pushType = headers['apns-push-type'];
		if (typeof pushType !== 'string' || !PUSH_TYPES.includes(pushType))
			return { status: 400, reason: 'InvalidPushType' };
		const priority = headers['apns-priority'];
		if (priority !== undefined && !['1', '5', '10'].includes(String(priority)))
			return { status: 400, reason: 'BadPriority' };
		if (pushType === 'background' && String(priority) === '10')
			return { status: 400, reason: 'BadPriority' };
		const id = headers['apns-id'];
		if (id !== undefined && (typeof id !== 'string' || !UUID.test(id)))
			return { status: 400, reason: 'BadMessageId' };
		const expiration = headers['apns-expiration'];
		if (expiration !== undefined && !/^\d+$/.test(String(expiration)))
			return { status: 400, reason: 'BadExpirationDate' };
		const collapseId = headers['apns-collapse-id'];
		if (collapseId !== undefined && Buffer.byteLength(String(collapseId)) > 64)
			return { status: 400, reason: 'BadCollapseId' };
		if (size === 0) return { status: 400, reason: 'PayloadEmpty' };
		if (size > MAX_PAYLOAD) return { status: 413, reason: 'PayloadTooLarge' };
		try {
			const json = JSON.parse(body.toString('utf8'));
			if (
				pushType === 'alert' &&
				(typeof json !== 'object' || json === null || typeof json.aps !== 'object')
			) {
				return { status: 400, reason: 'PayloadEmpty' };
			}
		} catch {
			return { status: 400, reason: 'BadPayload' };
		}
		return null;
	}

	/** `authorization: bearer <ES256 JWT>` with the right kid and iss, signed by the test key, not older than an hour. */
	private checkProviderToken(header: string | undefined): Failure | null {
		const match = /^bearer (.+)$/i.exec(header ?? '');
		if (!match) return { status: 403, reason: 'MissingProviderToken' };
		const jwt = match[1];
		let iat = this.verifiedTokens.get(jwt);
		if (iat === undefined) {
			const parts = jwt.split('.');
			if (parts.length !== 3) return { status: 403, reason: 'InvalidProviderToken' };
			try {
				const head = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
				const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
				if (
					head.alg !== 'ES256' ||
					head.kid !== this.options.keyId ||
					claims.iss !== this.options.teamId
				) {
					return { status: 403, reason: 'InvalidProviderToken' };
				}
				if (typeof claims.iat !== 'number') return { status: 403, reason: 'InvalidProviderToken' };
				const signed = verify(
					'sha256',
					Buffer.from(`${parts[0]}.${parts[1]}`),
					{ key: this.publicKey, dsaEncoding: 'ieee-p1363' },
					Buffer.from(parts[2], 'base64url'),
				);
				if (!signed) return { status: 403, reason: 'InvalidProviderToken' };
				iat = claims.iat as number;
			} catch {
				return { status: 403, reason: 'InvalidProviderToken' };
			}
			// Apple checks a token once per connection too; caching keeps the fake fast under load.
			this.verifiedTokens.set(jwt, iat);
		}
		if ((Date.now() + this.clockSkewMs) / 1000 - iat > TOKEN_MAX_AGE_S)
			return { status: 403, reason: 'ExpiredProviderToken' };
		return null;
	}

	private takeProgrammed(token: string, environment: ApnsEnvironment): ProgrammedAnswer | null {
		const list = this.programmed.get(token);
		if (!list) return null;
		const index = list.findIndex(
			(a) => a.environment === undefined || a.environment === environment,
		);
		if (index < 0) return null;
		const answer = list[index];
		answer.times = (answer.times ?? 1) - 1;
		if (answer.times <= 0) list.splice(index, 1);
		return answer;
	}
}

/** Writes text to a temp file (PING_APNS_KEY and PING_APNS_CA also accept paths). */
export function tempFile(name: string, text: string): string {
	const dir = mkdtempSync(join(tmpdir(), 'fake-apns-file-'));
	const file = join(dir, name);
	writeFileSync(file, text);
	process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
	return file;
}
