import {
	createECDH,
	createDecipheriv,
	createHmac,
	createPublicKey,
	ECDH,
	randomBytes,
	verify,
} from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import { certificate } from './fake-apns';

/**
 * A fake Web Push service (RFC 8030) over HTTPS on 127.0.0.1, with a certificate made at test
 * time, as strict as a real one where a sender could get it wrong:
 * - the VAPID JWT (RFC 8292): `Authorization: vapid t=<JWT>, k=<public key>`, ES256 signature
 *   checked with `k`, `aud` = this endpoint's origin, `exp` in the future and at most 24 h
 *   ahead, `sub` a `mailto:` or `https:` contact (401 otherwise), and `k` the key the
 *   subscription was made with (its own `applicationServerKey`, else the service's;
 *   403 otherwise, as push services refuse a key mismatch);
 * - `Content-Encoding: aes128gcm` (415 otherwise), at most 4096 bytes (413), a `TTL` header
 *   (400 without), `Urgency` and `Topic` well-formed (400);
 * - the body is decrypted here (RFC 8291 + RFC 8188, written out below with node:crypto, not
 *   with the sender's library) with the private key and auth secret of the subscription the
 *   test made, so tests assert the exact payload.
 * Answers are programmable per subscription (201 by default; 404, 410, 429 with Retry-After,
 * 500…); every accepted push is recorded with its headers.
 *
 * Imports only node builtins and the shared test certificate: the benchmark loads this file too.
 */

export interface TestSubscription {
	/** What a browser's `PushSubscription.toJSON()` gives, flattened as the server stores it. */
	endpoint: string;
	p256dh: string;
	auth: string;
	/** The path segment that names it in records. */
	id: string;
	/** The VAPID public key it was made with (`applicationServerKey`); null: the service's. */
	applicationServerKey: string | null;
}

export interface ReceivedPush {
	subscriptionId: string;
	/** The decrypted text. */
	text: string;
	/** The decrypted text as JSON (null when it is not JSON). */
	json: any;
	/** Encrypted body size in bytes, as received. */
	bytes: number;
	ttl: number;
	urgency: string | null;
	topic: string | null;
	/** The verified VAPID JWT claims. */
	claims: { aud: string; exp: number; sub: string };
	vapidKey: string;
	at: number;
}

/** A programmed answer, consumed in order; `times` repeats it. */
export interface PushAnswer {
	status: number;
	retryAfter?: string;
	body?: string;
	times?: number;
}

export interface RefusedPush {
	subscriptionId: string;
	status: number;
	why: string;
}

const MAX_BODY = 4096;
const URGENCIES = ['very-low', 'low', 'normal', 'high'];
const MAX_JWT_LIFETIME_S = 24 * 3600;

interface Keys {
	ecdh: ECDH;
	publicKey: Buffer;
	auth: Buffer;
	applicationServerKey: string | null;
}

export class FakePushService {
	readonly received: ReceivedPush[] = [];
	/** Requests refused by a check (bad JWT, encoding, headers), with why. */
	readonly refused: RefusedPush[] = [];
	/** Every request that reached the service, answered or not. */
	requests = 0;
	/** Stop keeping decrypted payloads (a benchmark of many pushes keeps counts only). */
	recordPayloads = true;
	/** The VAPID public key subscriptions are made with (`applicationServerKey`); null: any. */
	vapidPublicKey: string | null = null;

	private readonly keys = new Map<string, Keys>();
	private readonly programmed = new Map<string, PushAnswer[]>();
	private readonly verifiedTokens = new Set<string>();
	private counter = 0;

	private constructor(
		private readonly server: https.Server,
		readonly port: number,
		readonly caPem: string,
		readonly caFile: string,
	) {}

	static async start(options: { vapidPublicKey?: string } = {}): Promise<FakePushService> {
		const tls = certificate();
		let fake: FakePushService | null = null;
		const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) =>
			fake?.handle(req, res),
		);
		server.keepAliveTimeout = 5_000;
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		fake = new FakePushService(
			server,
			(server.address() as AddressInfo).port,
			tls.cert,
			tls.certFile,
		);
		fake.vapidPublicKey = options.vapidPublicKey ?? null;
		return fake;
	}

	get origin(): string {
		return `https://127.0.0.1:${this.port}`;
	}

	/**
	 * A new browser subscription: fresh P-256 keys and auth secret, kept here for decryption.
	 * `applicationServerKey` (base64url), as a browser's `PushManager.subscribe` passes it on:
	 * only pushes signed with that key are accepted for this subscription.
	 */
	subscribe(options: { applicationServerKey?: string } = {}): TestSubscription {
		const ecdh = createECDH('prime256v1');
		const publicKey = ecdh.generateKeys();
		const auth = randomBytes(16);
		const id = `sub${++this.counter}_${randomBytes(6).toString('hex')}`;
		const applicationServerKey = options.applicationServerKey ?? null;
		this.keys.set(id, { ecdh, publicKey, auth, applicationServerKey });
		return {
			id,
			endpoint: `${this.origin}/push/${id}`,
			p256dh: publicKey.toString('base64url'),
			auth: auth.toString('base64url'),
			applicationServerKey,
		};
	}

	/** Answers for this subscription's next pushes, in order (then 201 again). */
	program(subscriptionId: string, ...answers: PushAnswer[]): void {
		this.programmed.set(subscriptionId, [
			...(this.programmed.get(subscriptionId) ?? []),
			...answers,
		]);
	}

	/** What one subscription received, oldest first. */
	pushesTo(subscriptionId: string): ReceivedPush[] {
		return this.received.filter((p) => p.subscriptionId === subscriptionId);
	}

	reset(): void {
		this.received.length = 0;
		this.refused.length = 0;
		this.requests = 0;
		this.programmed.clear();
	}

	async close(): Promise<void> {
		await new Promise<void>((resolve) => {
			this.server.close(() => resolve());
			this.server.closeAllConnections();
		});
	}

	private handle(req: IncomingMessage, res: ServerResponse): void {
		this.requests += 1;
		const chunks: Buffer[] = [];
		let size = 0;
		req.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size <= MAX_BODY + 1) chunks.push(chunk);
		});
		req.on('end', () => {
			const m = /^\/push\/([A-Za-z0-9_]+)$/.exec(req.url ?? '');
			const id = m?.[1] ?? '';
			const refuse = (status: number, why: string) => {
				this.refused.push({ subscriptionId: id, status, why });
				res.writeHead(status, { 'content-type': 'text/plain' }).end(why);
			};
			const keys = this.keys.get(id);
			if (req.method !== 'POST' || !keys) return refuse(404, 'no such subscription');
			if (size > MAX_BODY) return refuse(413, 'payload too large');

			const vapid = this.checkVapid(req.headers.authorization);
			if (typeof vapid === 'string') return refuse(401, vapid);
			const expectedKey = keys.applicationServerKey ?? this.vapidPublicKey;
			if (expectedKey !== null && vapid.key !== expectedKey)
				return refuse(403, 'VAPID key does not match the subscription');
			if (req.headers['content-encoding'] !== 'aes128gcm')
				return refuse(415, 'Content-Encoding must be aes128gcm');
			const ttlText = req.headers.ttl;
			if (typeof ttlText !== 'string' || !/^\d+$/.test(ttlText))
				return refuse(400, 'TTL header missing or not a number');
			const urgency = (req.headers.urgency as string | undefined) ?? null;
			if (urgency !== null && !URGENCIES.includes(urgency))
				return refuse(400, `bad Urgency ${urgency}`);
			const topic = (req.headers.topic as string | undefined) ?? null;
			if (topic !== null && !/^[A-Za-z0-9_-]{1,32}$/.test(topic))
				return refuse(400, `bad Topic ${topic}`);
			let text: string;
			try {
				text = decrypt(Buffer.concat(chunks), keys);
			} catch (error) {
				return refuse(400, `cannot decrypt: ${(error as Error).message}`);
			}

			const queue = this.programmed.get(id);
			const answer = queue?.[0];
			if (answer && queue) {
				if (answer.times !== undefined && answer.times > 1) answer.times -= 1;
				else queue.shift();
				const headers: Record<string, string> = {};
				if (answer.retryAfter !== undefined) headers['retry-after'] = answer.retryAfter;
				if (answer.status < 200 || answer.status > 299) {
					res.writeHead(answer.status, headers).end(answer.body ?? '');
					return;
				}
			}
			let json: unknown = null;
			try {
				json = JSON.parse(text);
			} catch {
				// recorded as text only
			}
			this.received.push({
				subscriptionId: id,
				text: this.recordPayloads ? text : '',
				json: this.recordPayloads ? json : null,
				bytes: size,
				ttl: Number(ttlText),
				urgency,
				topic,
				claims: vapid.claims,
				vapidKey: vapid.key,
				at: Date.now(),
			});
			res.writeHead(201, { location: `${this.origin}/message/${this.received.length}` }).end();
		});
	}

	/** The VAPID header's claims and key when they hold, else why not. */
	private checkVapid(
		header: string | undefined,
	): string | { key: string; claims: ReceivedPush['claims'] } {
		const m =
			/^vapid t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+), ?k=([A-Za-z0-9_-]+)$/.exec(
				header ?? '',
			);
		if (!m) return 'Authorization must be "vapid t=<JWT>, k=<key>"';
		const [, jwt, key] = m;
		const [headerPart, claimsPart, signature] = jwt.split('.');
		let jwtHeader: { alg?: string; typ?: string };
		let claims: { aud?: unknown; exp?: unknown; sub?: unknown };
		try {
			jwtHeader = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8'));
			claims = JSON.parse(Buffer.from(claimsPart, 'base64url').toString('utf8'));
		} catch {
			return 'JWT is not readable';
		}
		if (jwtHeader.alg !== 'ES256') return 'JWT alg must be ES256';
		// A token already verified is not verified again (as push services cache them); its claims still are.
		if (!this.verifiedTokens.has(`${jwt} ${key}`)) {
			const why = this.checkSignature(headerPart, claimsPart, signature, key);
			if (why) return why;
			if (this.verifiedTokens.size > 1000) this.verifiedTokens.clear();
			this.verifiedTokens.add(`${jwt} ${key}`);
		}
		if (claims.aud !== this.origin)
			return `JWT aud must be ${this.origin}, got ${String(claims.aud)}`;
		const now = Math.floor(Date.now() / 1000);
		if (typeof claims.exp !== 'number' || claims.exp <= now) return 'JWT exp is not in the future';
		if (claims.exp > now + MAX_JWT_LIFETIME_S) return 'JWT exp is more than 24 hours ahead';
		if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub))
			return 'JWT sub must be a mailto: or https: contact';
		return { key, claims: { aud: claims.aud, exp: claims.exp, sub: claims.sub } };
	}

	/** Null when the ES256 signature verifies with `key`, else why not. */
	private checkSignature(
		headerPart: string,
		claimsPart: string,
		signature: string,
		key: string,
	): string | null {
		const point = Buffer.from(key, 'base64url');
		if (point.length !== 65 || point[0] !== 4) return 'k must be an uncompressed P-256 point';
		const publicKey = createPublicKey({
			format: 'jwk',
			key: {
				kty: 'EC',
				crv: 'P-256',
				x: point.subarray(1, 33).toString('base64url'),
				y: point.subarray(33).toString('base64url'),
			},
		});
		const signed = verify(
			'sha256',
			Buffer.from(`${headerPart}.${claimsPart}`),
			{ key: publicKey, dsaEncoding: 'ieee-p1363' },
			Buffer.from(signature, 'base64url'),
		);
		return signed ? null : 'JWT signature does not verify with k';
	}
}

const hmac = (key: Buffer, data: Buffer) => createHmac('sha256', key).update(data).digest();

/**
 * RFC 8291 (Message Encryption for Web Push) on top of RFC 8188 (aes128gcm), as the browser
 * does it: header salt(16) | rs(4) | idlen(1) | keyid = the sender's public key; HKDF with
 * the auth secret over the ECDH secret, then the content key and nonce from the salt.
 */
function decrypt(body: Buffer, keys: Keys): string {
	if (body.length < 21) throw new Error('body shorter than the aes128gcm header');
	const salt = body.subarray(0, 16);
	const rs = body.readUInt32BE(16);
	const idlen = body[20];
	const senderKey = body.subarray(21, 21 + idlen);
	if (idlen !== 65) throw new Error('key id must be the 65-byte sender public key');
	const records = body.subarray(21 + idlen);
	if (rs < 18 || records.length > rs) throw new Error('only a single record is expected');
	const ecdhSecret = keys.ecdh.computeSecret(senderKey);
	// HKDF-Extract(auth, ecdh) then Expand with "WebPush: info" || 0 || ua_public || as_public.
	const prkKey = hmac(keys.auth, ecdhSecret);
	const keyInfo = Buffer.concat([
		Buffer.from('WebPush: info\0'),
		keys.publicKey,
		senderKey,
		Buffer.from([1]),
	]);
	const ikm = hmac(prkKey, keyInfo);
	const prk = hmac(salt, ikm);
	const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01')).subarray(0, 16);
	const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01')).subarray(0, 12);
	const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
	decipher.setAuthTag(records.subarray(records.length - 16));
	const padded = Buffer.concat([
		decipher.update(records.subarray(0, records.length - 16)),
		decipher.final(),
	]);
	// The last record ends with the delimiter 0x02, then zero padding.
	let end = padded.length - 1;
	while (end >= 0 && padded[end] === 0) end -= 1;
	if (end < 0 || padded[end] !== 2) throw new Error('missing the last-record padding delimiter');
	return padded.subarray(0, end).toString('utf8');
}
