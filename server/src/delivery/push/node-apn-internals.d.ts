/**
 * Types for the lower layers of @parse/node-apn 8 that the sender uses (the package's own
 * typings cover only Provider/Notification). These factories are how node-apn assembles its
 * Provider (see its index.js); taking them directly lets us hand the Client our own `http2`.
 */
declare module '@parse/node-apn/lib/credentials' {
	type Logger = ((message: string) => void) & { enabled: boolean };
	interface Credentials {
		certificate: unknown;
		token: unknown;
		ca: unknown;
	}
	function credentials(dependencies: { logger: Logger }): Credentials;
	export = credentials;
}

declare module '@parse/node-apn/lib/config' {
	type Logger = ((message: string) => void) & { enabled: boolean };
	type Config = (options: Record<string, unknown>) => Record<string, unknown>;
	function config(dependencies: {
		logger: Logger;
		prepareCertificate: unknown;
		prepareToken: unknown;
		prepareCA: unknown;
	}): Config;
	export = config;
}

declare module '@parse/node-apn/lib/client' {
	import type { ClientHttp2Session } from 'node:http2';
	type Logger = ((message: string) => void) & { enabled: boolean };

	/** What `request` resolves with (200) or rejects with (everything else). */
	interface ApnClientResult {
		'apns-id'?: string;
		status?: number | string;
		retryAfter?: string;
		response?: { reason?: string; timestamp?: number };
		error?: Error;
	}

	interface ApnClient {
		session: ClientHttp2Session | null | undefined;
		config: {
			address: string;
			requestTimeout: number;
			token: { current: string; generation: number } | null;
		};
		connect(): Promise<void>;
		request(
			session: ClientHttp2Session,
			address: string,
			notification: { headers: Record<string, string | number>; body: string },
			path: string,
			httpMethod: string,
		): Promise<ApnClientResult>;
		closeAndDestroySession(session: ClientHttp2Session | null | undefined): Promise<void>;
		destroySession(session: ClientHttp2Session | null | undefined): void;
		shutdown(callback?: () => void): Promise<void>;
	}

	interface ApnClientConstructor {
		new (options: Record<string, unknown>): ApnClient;
	}

	namespace client {
		export { ApnClient, ApnClientResult };
	}
	function client(dependencies: {
		logger: Logger;
		errorLogger?: Logger;
		config: unknown;
		http2: {
			connect: typeof import('node:http2').connect;
			constants: typeof import('node:http2').constants;
		};
	}): ApnClientConstructor;
	export = client;
}
