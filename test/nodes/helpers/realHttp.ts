import type { IDataObject, IHttpRequestOptions } from 'n8n-workflow';
import type { Credentials, FullResponse, HttpHandler } from './context';

/**
 * What n8n's `httpRequestWithAuthentication` does for these nodes, over real HTTP (fetch):
 * applies the credential's authentication (`pingAccountApi`: Bearer key; `pingApi` has none,
 * its token is in the path), sends JSON, and returns the full response. No HTTP mock: the
 * requests reach the real server started by the test.
 */
export function realHttp(credentials: Credentials): HttpHandler {
	return async (credentialType: string, options: IHttpRequestOptions): Promise<FullResponse> => {
		const url = new URL(options.url);
		for (const [key, value] of Object.entries((options.qs ?? {}) as IDataObject))
			url.searchParams.set(key, String(value));
		const headers: Record<string, string> = { ...(options.headers as Record<string, string>) };
		if (credentialType === 'pingAccountApi')
			headers.authorization = `Bearer ${String(credentials.pingAccountApi.apiKey)}`;
		let body: string | undefined;
		if (options.body !== undefined) {
			body = JSON.stringify(options.body);
			headers['content-type'] = 'application/json';
		}
		const res = await fetch(url, {
			method: options.method ?? 'GET',
			headers,
			body,
			signal: options.timeout ? AbortSignal.timeout(options.timeout) : undefined,
		});
		const text = await res.text();
		let parsed: unknown = text;
		try {
			parsed = JSON.parse(text);
		} catch {
			parsed = text;
		}
		if (!options.ignoreHttpStatusErrors && (res.status < 200 || res.status > 299)) {
			throw Object.assign(new Error(`Request failed with status code ${res.status}`), {
				httpCode: String(res.status),
			});
		}
		return {
			statusCode: res.status,
			body: parsed,
			headers: Object.fromEntries(res.headers.entries()),
		};
	};
}
