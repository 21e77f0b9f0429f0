import * as crypto from 'node:crypto';
import {
	parseSignatureHeader,
	signatureHeader,
	signatureV1,
	verifySignature,
} from '../../../server/src/domain/signature';

const VECTOR = {
	secret: '4140db9a5fa04fe3208183ceb1d659cafbfa23ff3f31e7cc3777fd3062e60992',
	t: 1768483312,
	body: '{"message_id":"msg_xxxxxxxxxxxx","channel_id":"ch_xxxxxxxxxxxx","timestamp":"2026-01-12T20:18:13Z","triggered_by":"approve","responses":{"rating":"good","comment":"User entered text"}}',
	v1: '159071bf947be9d96c90947ed03bb565f6ab702c2cf8c1a680a3d70e74c1f727',
};

/** A receiver written from docs/api.md's words alone, sharing no code with the server. */
function independentVerify(
	header: string,
	secret: string,
	rawBody: string,
	nowSeconds: number,
): boolean {
	const fields = new Map(header.split(',').map((kv) => kv.split('=') as [string, string]));
	const t = fields.get('t');
	const v1 = fields.get('v1');
	if (!t || !v1 || Math.abs(nowSeconds - Number(t)) > 300) return false;
	const mac = crypto.createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
	const given = Buffer.from(v1, 'hex');
	return given.length === mac.length && crypto.timingSafeEqual(given, mac);
}

describe('X-Ping-Signature', () => {
	test('the documented test vector signs to the documented v1', () => {
		expect(signatureV1(VECTOR.secret, VECTOR.t, VECTOR.body)).toBe(VECTOR.v1);
		expect(signatureHeader(VECTOR.secret, VECTOR.body, VECTOR.t * 1000 + 999)).toBe(
			`t=${VECTOR.t},v1=${VECTOR.v1}`,
		);
	});

	test('the documented vector verifies within 300 s and is refused as stale after', () => {
		const header = `t=${VECTOR.t},v1=${VECTOR.v1}`;
		expect(
			verifySignature(header, VECTOR.secret, VECTOR.body, (VECTOR.t + 300) * 1000),
		).toMatchObject({ ok: true });
		expect(
			verifySignature(header, VECTOR.secret, VECTOR.body, (VECTOR.t - 300) * 1000),
		).toMatchObject({ ok: true });
		expect(
			verifySignature(header, VECTOR.secret, VECTOR.body, (VECTOR.t + 301) * 1000),
		).toMatchObject({ ok: false, reason: 'stale' });
	});

	test('the key is the secret as text, not its hex-decoded bytes', () => {
		const decodedKey = crypto
			.createHmac('sha256', Buffer.from(VECTOR.secret, 'hex'))
			.update(`${VECTOR.t}.${VECTOR.body}`)
			.digest('hex');
		expect(decodedKey).not.toBe(VECTOR.v1);
		expect(signatureV1(VECTOR.secret, VECTOR.t, VECTOR.body)).not.toBe(decodedKey);
	});

	test('a signature made by the server verifies with an independent implementation', () => {
		const secret = crypto.randomBytes(32).toString('hex');
		const body = JSON.stringify({
			message_id: 'msg_abcdefghijkl',
			responses: { note: 'naïve ✓ "quoted"' },
		});
		const now = Date.UTC(2026, 5, 1, 12);
		const header = signatureHeader(secret, body, now);
		expect(independentVerify(header, secret, body, now / 1000)).toBe(true);
		expect(independentVerify(header, secret, `${body} `, now / 1000)).toBe(false);
		expect(
			independentVerify(header, crypto.randomBytes(32).toString('hex'), body, now / 1000),
		).toBe(false);
	});

	test('a signature made independently verifies with the server code, and tampering is detected', () => {
		const secret = crypto.randomBytes(32).toString('hex');
		const body = '{"message_id":"msg_123456789012","triggered_by":"ok","responses":{}}';
		const t = 1_800_000_000;
		const v1 = crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
		expect(verifySignature(`t=${t},v1=${v1}`, secret, body, t * 1000)).toMatchObject({
			ok: true,
			ageSeconds: 0,
		});
		expect(
			verifySignature(`t=${t},v1=${v1}`, secret, body.replace('ok', 'no'), t * 1000),
		).toMatchObject({
			ok: false,
			reason: 'mismatch',
		});
		expect(verifySignature(`t=${t + 1},v1=${v1}`, secret, body, t * 1000)).toMatchObject({
			ok: false,
			reason: 'mismatch',
		});
		expect(verifySignature(undefined, secret, body, t * 1000)).toMatchObject({
			ok: false,
			reason: 'missing',
		});
		expect(verifySignature('v1=abc', secret, body, t * 1000)).toMatchObject({
			ok: false,
			reason: 'malformed',
		});
	});

	test('several v1 values are accepted when one matches (secret rotation)', () => {
		const parsed = parseSignatureHeader(`t=5, v1=${'0'.repeat(64)}, v0=zzz, v1=${VECTOR.v1}`);
		expect(parsed).toEqual({ t: 5, v1: ['0'.repeat(64), VECTOR.v1] });
		const header = `t=${VECTOR.t},v1=${'a'.repeat(64)},v1=${VECTOR.v1}`;
		expect(verifySignature(header, VECTOR.secret, VECTOR.body, VECTOR.t * 1000)).toMatchObject({
			ok: true,
		});
	});
});
