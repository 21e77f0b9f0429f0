import type {
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
	IWebhookFunctions,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

export type PingContext =
	IExecuteFunctions | IHookFunctions | ILoadOptionsFunctions | IWebhookFunctions;

/** `pingApi`: what sending, polling and verifying callbacks need. */
export interface PingApiCredentials {
	serverUrl: string;
	webhookToken: string;
	webhookSecret: string;
}

/** `pingAccountApi`: the account API (channels, channel webhooks). */
export interface PingAccountCredentials {
	serverUrl: string;
	apiKey: string;
}

export type PingCredentialType = 'pingApi' | 'pingAccountApi';

/** The server URL without trailing slashes, so paths can be appended. */
export function serverBase(serverUrl: string): string {
	return String(serverUrl ?? '')
		.trim()
		.replace(/\/+$/, '');
}

export interface PingRequest {
	method: IHttpRequestMethods;
	/** Path below the server URL, starting with `/`. */
	path: string;
	body?: IDataObject;
	qs?: IDataObject;
	/** Milliseconds; long-polls need more than the default. */
	timeout?: number;
}

function isObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One request to the Ping server through n8n's `httpRequestWithAuthentication` (so proxies,
 * TLS settings and the credential's own authentication apply). Any non-2xx answer becomes a
 * `NodeApiError` whose message is the server's `error` text (every Ping error names the field,
 * see `docs/api.md`), with the HTTP status as its code.
 */
export async function pingRequest(
	ctx: PingContext,
	credentialType: PingCredentialType,
	serverUrl: string,
	request: PingRequest,
	itemIndex?: number,
): Promise<IDataObject> {
	const base = serverBase(serverUrl);
	const options: IHttpRequestOptions = {
		method: request.method,
		url: `${base}${request.path}`,
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		headers: { accept: 'application/json' },
	};
	if (request.body !== undefined) options.body = request.body;
	if (request.qs !== undefined) options.qs = request.qs;
	if (request.timeout !== undefined) options.timeout = request.timeout;

	let response: IN8nHttpFullResponse;
	try {
		response = (await ctx.helpers.httpRequestWithAuthentication.call(
			ctx,
			credentialType,
			options,
		)) as IN8nHttpFullResponse;
	} catch (error) {
		throw new NodeApiError(ctx.getNode(), error as JsonObject, {
			message: `Could not reach the Ping server at ${base}`,
			description: (error as Error).message,
			itemIndex,
		});
	}

	const status = response.statusCode;
	const body = response.body;
	if (status >= 200 && status < 300 && isObject(body)) return body;

	const serverMessage = isObject(body) && typeof body.error === 'string' ? body.error : undefined;
	throw new NodeApiError(
		ctx.getNode(),
		(isObject(body) ? body : { body: String(body ?? '') }) as JsonObject,
		{
			message:
				serverMessage ??
				`The Ping server answered HTTP ${status} without a Ping error (is ${base} a Ping server?)`,
			description: serverMessage
				? `HTTP ${status} from ${request.method} ${base}${redactToken(request.path)}`
				: undefined,
			httpCode: String(status),
			itemIndex,
		},
	);
}

/** Paths carry the webhook token (it is the credential): never show it in an error. */
export function redactToken(path: string): string {
	return path.replace(/^\/v1\/(send|callback)\/[^/]+/, '/v1/$1/***');
}

/** One request to the account API (channels, channel webhooks) with the `pingAccountApi` credential. */
export async function pingAccountRequest(
	ctx: PingContext,
	method: 'GET' | 'POST' | 'DELETE',
	path: string,
	body?: IDataObject,
): Promise<IDataObject> {
	const credentials = await ctx.getCredentials<PingAccountCredentials>('pingAccountApi');
	return await pingRequest(ctx, 'pingAccountApi', credentials.serverUrl, { method, path, body });
}
