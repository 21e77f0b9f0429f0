/**
 * Cases both signature checkers must agree on: the server's `callbacks/signature.ts` and the
 * nodes' `nodes/shared/signature.ts`. They are twins on purpose (the nodes may not import the
 * server); `twins.test.ts` runs every case through both, so neither can drift.
 * Expected results are written out by hand, never computed by either side.
 */

/** The documented test vector (`docs/api.md#signatures`). */
export const VECTOR = {
	secret: '4140db9a5fa04fe3208183ceb1d659cafbfa23ff3f31e7cc3777fd3062e60992',
	t: 1768483312,
	body: '{"message_id":"msg_xxxxxxxxxxxx","channel_id":"ch_xxxxxxxxxxxx","timestamp":"2026-01-12T20:18:13Z","triggered_by":"approve","responses":{"rating":"good","comment":"User entered text"}}',
	v1: '159071bf947be9d96c90947ed03bb565f6ab702c2cf8c1a680a3d70e74c1f727',
};

const header = `t=${VECTOR.t},v1=${VECTOR.v1}`;
const at = (secondsAfterT: number) => (VECTOR.t + secondsAfterT) * 1000;
const OTHER_SECRET = 'f'.repeat(64);

export interface SignatureV1Case {
	name: string;
	secret: string;
	t: number;
	body: string | Buffer;
	v1: string;
}

export const signatureV1Cases: SignatureV1Case[] = [
	{
		name: 'the documented vector',
		secret: VECTOR.secret,
		t: VECTOR.t,
		body: VECTOR.body,
		v1: VECTOR.v1,
	},
	{
		name: 'the documented vector, body as bytes',
		secret: VECTOR.secret,
		t: VECTOR.t,
		body: Buffer.from(VECTOR.body, 'utf8'),
		v1: VECTOR.v1,
	},
];

export interface ParseCase {
	name: string;
	header: string;
	expected: { t: number; v1: string[] } | null;
}

export const parseCases: ParseCase[] = [
	{ name: 'one v1', header, expected: { t: VECTOR.t, v1: [VECTOR.v1] } },
	{
		name: 'several v1 (secret rotation), spaces and unknown schemes',
		header: `t=5, v1=${'0'.repeat(64)}, v0=zzz, v1=${VECTOR.v1.toUpperCase()}`,
		expected: { t: 5, v1: ['0'.repeat(64), VECTOR.v1] },
	},
	{ name: 'no t', header: `v1=${VECTOR.v1}`, expected: null },
	{ name: 'no v1', header: `t=${VECTOR.t}`, expected: null },
	{ name: 'a v1 that is not 64 hex', header: `t=${VECTOR.t},v1=abc`, expected: null },
	{ name: 'a t that is not a number', header: `t=soon,v1=${VECTOR.v1}`, expected: null },
	{ name: 'not a signature at all', header: 'Bearer abc', expected: null },
];

export type ExpectedCheck =
	| { ok: true; t: number; ageSeconds: number }
	| {
			ok: false;
			reason: 'missing' | 'no_secret' | 'malformed' | 'mismatch' | 'stale';
			message: string;
			t?: number;
			ageSeconds?: number;
	  };

export interface VerifyCase {
	name: string;
	header: string | string[] | undefined;
	secret: string;
	rawBody: string | Buffer;
	nowMs: number;
	toleranceSeconds?: number;
	expected: ExpectedCheck;
}

const MISMATCH = 'HMAC does not match (wrong secret, or the body was changed)';
const MALFORMED = 'X-Ping-Signature is not "t=<unix seconds>,v1=<64 hex>"';

export const verifyCases: VerifyCase[] = [
	{
		name: 'the vector, signed just now',
		header,
		secret: VECTOR.secret,
		rawBody: VECTOR.body,
		nowMs: at(0),
		expected: { ok: true, t: VECTOR.t, ageSeconds: 0 },
	},
	{
		name: 'the vector, body as bytes',
		header,
		secret: VECTOR.secret,
		rawBody: Buffer.from(VECTOR.body),
		nowMs: at(0),
		expected: { ok: true, t: VECTOR.t, ageSeconds: 0 },
	},
	{
		name: 'the vector, 300 s old (the limit)',
		header,
		secret: VECTOR.secret,
		rawBody: VECTOR.body,
		nowMs: at(300) + 999,
		expected: { ok: true, t: VECTOR.t, ageSeconds: 300 },
	},
	{
		name: 'the vector, 300 s ahead (the limit)',
		header,
		secret: VECTOR.secret,
		rawBody: VECTOR.body,
		nowMs: at(-300),
		expected: { ok: true, t: VECTOR.t, ageSeconds: -300 },
	},
	{
		name: 'the vector, 301 s old',
		header,
		secret: VECTOR.secret,
		rawBody: VECTOR.body,
		nowMs: at(301),
		expected: {
			ok: false,
			reason: 'stale',
			message: `timestamp t=${VECTOR.t} is 301 s from now (more than 300 s; a replay?)`,
			t: VECTOR.t,
			ageSeconds: 301,
		},
	},
	{
		name: 'the vector, 301 s ahead',
		header,
		secret: VECTOR.secret,
		rawBody: VECTOR.body,
		nowMs: at(-301),
		expected: {
			ok: false,
			reason: 'stale',
			message: `timestamp t=${VECTOR.t} is -301 s from now (more than 300 s; a replay?)`,
			t: VECTOR.t,
			ageSeconds: -301,
		},
	},
	{
		name: 'a tolerance of 10 s, 11 s old',
		header,
		secret: VECTOR.secret,
		rawBody: VECTOR.body,
		nowMs: at(11),
		toleranceSeconds: 10,
		expected: {
			ok: false,
			reason: 'stale',
			message: `timestamp t=${VECTOR.t} is 11 s from now (more than 10 s; a replay?)`,
			t: VECTOR.t,
			ageSeconds: 11,
		},
	},
	{
		name: 'the header as a list (first value counts)',
		header: [header, 'junk'],
		secret: VECTOR.secret,
		rawBody: VECTOR.body,
		nowMs: at(5),
		expected: { ok: true, t: VECTOR.t, ageSeconds: 5 },
	},
	{
		name: 'secret rotation: one of several v1 matches',
		header: `t=${VECTOR.t},v1=${'a'.repeat(64)},v1=${VECTOR.v1}`,
		secret: VECTOR.secret,
		rawBody: VECTOR.body,
		nowMs: at(0),
		expected: { ok: true, t: VECTOR.t, ageSeconds: 0 },
	},
	{
		name: 'v1 in upper case',
		header: `t=${VECTOR.t},v1=${VECTOR.v1.toUpperCase()}`,
		secret: VECTOR.secret,
		rawBody: VECTOR.body,
		nowMs: at(0),
		expected: { ok: true, t: VECTOR.t, ageSeconds: 0 },
	},
	{
		name: 'no header',
		header: undefined,
		secret: VECTOR.secret,
		rawBody: VECTOR.body,
		nowMs: at(0),
		expected: { ok: false, reason: 'missing', message: 'no X-Ping-Signature header' },
	},
	{
		name: 'an empty header',
		header: '',
		secret: VECTOR.secret,
		rawBody: VECTOR.body,
		nowMs: at(0),
		expected: { ok: false, reason: 'missing', message: 'no X-Ping-Signature header' },
	},
	{
		name: 'an empty header list',
		header: [],
		secret: VECTOR.secret,
		rawBody: VECTOR.body,
		nowMs: at(0),
		expected: { ok: false, reason: 'missing', message: 'no X-Ping-Signature header' },
	},
	{
		name: 'no secret to verify with (an empty key proves nothing)',
		header,
		secret: '',
		rawBody: VECTOR.body,
		nowMs: at(0),
		expected: {
			ok: false,
			reason: 'no_secret',
			message: 'no webhook secret to verify the signature with',
		},
	},
	{
		name: 'v1 only',
		header: `v1=${VECTOR.v1}`,
		secret: VECTOR.secret,
		rawBody: VECTOR.body,
		nowMs: at(0),
		expected: { ok: false, reason: 'malformed', message: MALFORMED },
	},
	{
		name: 'a short v1',
		header: 'v1=abc',
		secret: VECTOR.secret,
		rawBody: VECTOR.body,
		nowMs: at(0),
		expected: { ok: false, reason: 'malformed', message: MALFORMED },
	},
	{
		name: 't only',
		header: `t=${VECTOR.t}`,
		secret: VECTOR.secret,
		rawBody: VECTOR.body,
		nowMs: at(0),
		expected: { ok: false, reason: 'malformed', message: MALFORMED },
	},
	{
		name: 'another secret',
		header,
		secret: OTHER_SECRET,
		rawBody: VECTOR.body,
		nowMs: at(0),
		expected: { ok: false, reason: 'mismatch', message: MISMATCH, t: VECTOR.t, ageSeconds: 0 },
	},
	{
		name: 'the secret hex-decoded instead of as text',
		header,
		secret: Buffer.from(VECTOR.secret, 'hex').toString('latin1'),
		rawBody: VECTOR.body,
		nowMs: at(0),
		expected: { ok: false, reason: 'mismatch', message: MISMATCH, t: VECTOR.t, ageSeconds: 0 },
	},
	{
		name: 'a changed body',
		header,
		secret: VECTOR.secret,
		rawBody: VECTOR.body.replace('"approve"', '"decline"'),
		nowMs: at(0),
		expected: { ok: false, reason: 'mismatch', message: MISMATCH, t: VECTOR.t, ageSeconds: 0 },
	},
	{
		name: 'the body re-serialised with spaces',
		header,
		secret: VECTOR.secret,
		rawBody: JSON.stringify(JSON.parse(VECTOR.body), null, 1),
		nowMs: at(0),
		expected: { ok: false, reason: 'mismatch', message: MISMATCH, t: VECTOR.t, ageSeconds: 0 },
	},
	{
		name: 'another t with the same v1',
		header: `t=${VECTOR.t + 1},v1=${VECTOR.v1}`,
		secret: VECTOR.secret,
		rawBody: VECTOR.body,
		nowMs: at(1),
		expected: { ok: false, reason: 'mismatch', message: MISMATCH, t: VECTOR.t + 1, ageSeconds: 0 },
	},
	{
		name: 'a forged and stale signature is a mismatch first',
		header: `t=${VECTOR.t},v1=${'b'.repeat(64)}`,
		secret: VECTOR.secret,
		rawBody: VECTOR.body,
		nowMs: at(1000),
		expected: { ok: false, reason: 'mismatch', message: MISMATCH, t: VECTOR.t, ageSeconds: 1000 },
	},
];
