import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IDataObject,
	INodeCredentialTestResult,
} from 'n8n-workflow';
import { serverBase } from '../transport';

/** A message id that can't exist: polling it is harmless and tells a good token (404) from a bad one (401). */
export const PROBE_MESSAGE_ID = 'msg_000000000000';

export interface ProbeResponse {
	statusCode: number;
	body: unknown;
}

function isPingError(body: unknown): body is { ok: false; error: string } {
	return (
		typeof body === 'object' &&
		body !== null &&
		(body as IDataObject).ok === false &&
		typeof (body as IDataObject).error === 'string'
	);
}

function notPing(base: string, statusCode: number): INodeCredentialTestResult {
	return {
		status: 'Error',
		message: `Wrong Server URL: ${base} answered HTTP ${statusCode} without Ping's JSON, so it is not a Ping server. Check the Server URL (e.g. http://127.0.0.1:8080 or https://ping-api-production.up.railway.app).`,
	};
}

function unreachable(base: string, error: unknown): INodeCredentialTestResult {
	const reason =
		(error as { code?: string; message?: string })?.code ??
		(error as Error)?.message ??
		'no answer';
	return {
		status: 'Error',
		message: `Wrong Server URL: no server answered at ${base} (${reason}). Check the Server URL.`,
	};
}

/** How the answer to `GET /v1/callback/{token}/msg_000000000000` reads. */
export function classifyTokenProbe(
	base: string,
	response: ProbeResponse,
): INodeCredentialTestResult {
	const { statusCode, body } = response;
	if (statusCode === 404 && isPingError(body)) {
		return { status: 'OK', message: 'The Ping server accepted the webhook token' };
	}
	if (statusCode === 401 && isPingError(body)) {
		return {
			status: 'Error',
			message: `Wrong Webhook Token: the Ping server at ${base} refused it (${body.error}). Copy the token of the channel again.`,
		};
	}
	if (
		statusCode === 200 &&
		typeof body === 'object' &&
		body !== null &&
		typeof (body as IDataObject).status === 'string'
	) {
		return { status: 'OK', message: 'The Ping server accepted the webhook token' };
	}
	return notPing(base, statusCode);
}

/** How the answer to `GET /v1/channels` with the API key reads. */
export function classifyApiKeyProbe(
	base: string,
	response: ProbeResponse,
): INodeCredentialTestResult {
	const { statusCode, body } = response;
	if (
		statusCode === 200 &&
		typeof body === 'object' &&
		body !== null &&
		Array.isArray((body as IDataObject).channels)
	) {
		return { status: 'OK', message: 'The Ping server accepted the API key' };
	}
	if ((statusCode === 401 || statusCode === 403) && isPingError(body)) {
		return {
			status: 'Error',
			message: `Wrong API Key: the Ping server at ${base} refused it (${body.error}). Create a key with POST /v1/keys or copy it again.`,
		};
	}
	return notPing(base, statusCode);
}

async function probe(
	ctx: ICredentialTestFunctions,
	url: string,
	headers: IDataObject,
): Promise<ProbeResponse> {
	// Credential tests get only the `request` helper from n8n (ICredentialTestFunctions has no
	// httpRequest); `simple: false` keeps 401/404 as answers to read rather than exceptions.
	const response = (await ctx.helpers.request({
		method: 'GET',
		uri: url,
		headers: { accept: 'application/json', ...headers },
		json: true,
		simple: false,
		resolveWithFullResponse: true,
		timeout: 10_000,
	})) as { statusCode: number; body: unknown };
	return { statusCode: response.statusCode, body: response.body };
}

/** The `pingApi` credential test: tells a wrong token (401 Ping JSON) from a wrong URL. */
export async function testPingApiCredential(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = (credential.data ?? {}) as IDataObject;
	const base = serverBase(String(data.serverUrl ?? ''));
	const token = String(data.webhookToken ?? '');
	if (!/^https?:\/\//.test(base))
		return { status: 'Error', message: 'Wrong Server URL: it must start with http:// or https://' };
	if (token === '') return { status: 'Error', message: 'Wrong Webhook Token: it is empty' };
	let response: ProbeResponse;
	try {
		response = await probe(
			this,
			`${base}/v1/callback/${encodeURIComponent(token)}/${PROBE_MESSAGE_ID}`,
			{},
		);
	} catch (error) {
		return unreachable(base, error);
	}
	return classifyTokenProbe(base, response);
}

/** The `pingAccountApi` credential test: tells a wrong API key (401 Ping JSON) from a wrong URL. */
export async function testPingAccountCredential(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = (credential.data ?? {}) as IDataObject;
	const base = serverBase(String(data.serverUrl ?? ''));
	if (!/^https?:\/\//.test(base))
		return { status: 'Error', message: 'Wrong Server URL: it must start with http:// or https://' };
	let response: ProbeResponse;
	try {
		response = await probe(this, `${base}/v1/channels`, {
			authorization: `Bearer ${String(data.apiKey ?? '')}`,
		});
	} catch (error) {
		return unreachable(base, error);
	}
	return classifyApiKeyProbe(base, response);
}
