import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import { SIGNATURE_HEADER, verifySignature } from './signature';
import type { PingApiCredentials } from './transport';
import type { CallbackBody, ExpiryEvent } from './types';

/** A verified delivery: an answer, or (when the message asked for it) its expiry event. */
export type ReceivedCallback =
	| { accepted: true; kind: 'answer'; body: CallbackBody }
	| { accepted: true; kind: 'expired'; event: ExpiryEvent }
	| { accepted: false; response: IWebhookResponseData };

/**
 * The exact bytes Ping signed. n8n keeps them as `rawBody` on webhook requests; should a
 * host ever not, Ping's body is compact `JSON.stringify` output, and re-serialising the parsed
 * object gives the same bytes back (key order survives JSON.parse).
 */
function rawBodyOf(ctx: IWebhookFunctions): Buffer | string {
	const request = ctx.getRequestObject() as unknown as { rawBody?: Buffer | string };
	if (request.rawBody !== undefined && request.rawBody !== null && request.rawBody.length > 0)
		return request.rawBody;
	return JSON.stringify(ctx.getBodyData());
}

/** Answers the request itself and starts or resumes nothing. */
export function refuseCallback(
	ctx: IWebhookFunctions,
	status: number,
	error: string,
): IWebhookResponseData {
	const res = ctx.getResponseObject();
	res.status(status).json({ ok: false, error });
	return { noWebhookResponse: true };
}

function refuse(ctx: IWebhookFunctions, status: number, error: string): ReceivedCallback {
	return { accepted: false, response: refuseCallback(ctx, status, error) };
}

function isCallbackBody(value: unknown): value is CallbackBody {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
	const body = value as IDataObject;
	return (
		typeof body.message_id === 'string' &&
		typeof body.triggered_by === 'string' &&
		(body.responses === undefined ||
			(typeof body.responses === 'object' &&
				body.responses !== null &&
				!Array.isArray(body.responses)))
	);
}

function isExpiryEvent(value: unknown): value is ExpiryEvent {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
	const body = value as IDataObject;
	return (
		body.event === 'expired' &&
		typeof body.message_id === 'string' &&
		body.triggered_by === undefined
	);
}

/**
 * Verifies `X-Ping-Signature` over the raw body with the credential's webhook secret and the
 * 300 s window before anything else happens. A missing, forged or stale signature is answered
 * 401 here and nothing starts or resumes; so is a valid signature over a body that is not a
 * Ping callback (400).
 */
export async function receiveSignedCallback(
	ctx: IWebhookFunctions,
	nowMs: number = Date.now(),
): Promise<ReceivedCallback> {
	const credentials = await ctx.getCredentials<PingApiCredentials>('pingApi');
	const headers = ctx.getHeaderData();
	const raw = rawBodyOf(ctx);
	const check = verifySignature(
		headers[SIGNATURE_HEADER.toLowerCase()],
		String(credentials.webhookSecret ?? ''),
		raw,
		nowMs,
	);
	if (!check.ok) return refuse(ctx, 401, `callback refused (${check.reason}): ${check.message}`);

	let parsed: unknown;
	try {
		parsed = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : raw);
	} catch {
		parsed = undefined;
	}
	if (isExpiryEvent(parsed)) return { accepted: true, kind: 'expired', event: parsed };
	if (!isCallbackBody(parsed))
		return refuse(
			ctx,
			400,
			'callback body is not a Ping answer (message_id, triggered_by, responses)',
		);
	return { accepted: true, kind: 'answer', body: { ...parsed, responses: parsed.responses ?? {} } };
}
