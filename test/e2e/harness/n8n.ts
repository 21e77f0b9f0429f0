import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { N8nInstallation } from './n8n-cache';
import { freePort } from './ports';
import { ManagedProcess, startProcess, tail } from './processes';
import { GiveUp, waitFor } from './wait';

/** The owner account n8n creates from environment variables on its first start. */
export const OWNER = { email: 'owner@e2e.test', password: 'E2e-Owner-Password-1' };
/** Fixed so that credentials stay readable across restarts of the same user folder. */
const ENCRYPTION_KEY = 'ping-e2e-fixed-encryption-key-0123456789';

export interface HttpResult<T = any> {
	status: number;
	body: T;
	text: string;
}

export interface N8n {
	baseUrl: string;
	port: number;
	process: ManagedProcess;
	/** n8n's public API (`/api/v1`), authenticated with an API key created for the owner. */
	publicApi<T = any>(method: string, path: string, body?: unknown): Promise<HttpResult<T>>;
	/** n8n's internal REST API (`/rest`), authenticated as the logged-in owner. */
	rest<T = any>(method: string, path: string, body?: unknown): Promise<HttpResult<T>>;
	/** Any other path on n8n with the owner's session (e.g. `/types/nodes.json`). */
	get<T = any>(path: string): Promise<HttpResult<T>>;
	/** Production webhook URL for a Webhook node path. */
	webhookUrl(path: string): string;
	stop(): Promise<void>;
}

export const N8N_START_TIMEOUT_MS = 4 * 60_000;

/**
 * Starts n8n headless on 127.0.0.1 and a free port, with its data in `userFolder`, and
 * returns once it is healthy, its owner is logged in and a public-API key exists.
 */
export async function startN8n(installation: N8nInstallation, userFolder: string): Promise<N8n> {
	const port = await freePort();
	const brokerPort = await freePort();
	const baseUrl = `http://127.0.0.1:${port}`;
	// n8n wants the owner's password as a bcrypt hash; n8n's own bcryptjs makes one.
	const { hashSync } = (await import(join(installation.dir, 'node_modules', 'bcryptjs'))) as {
		hashSync(password: string, rounds: number): string;
	};
	const env: NodeJS.ProcessEnv = {
		PATH: `${join(installation.node, '..')}:${process.env.PATH ?? ''}`,
		HOME: userFolder,
		TZ: 'UTC',
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PORT: String(port),
		N8N_PROTOCOL: 'http',
		N8N_WEBHOOK_URL: `${baseUrl}/`,
		N8N_SECURE_COOKIE: 'false',
		DB_TYPE: 'sqlite',
		// No calls home, no banners, no onboarding: the run is offline and headless.
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
		N8N_AI_ENABLED: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		// Task runners (code nodes) stay internal, with their broker on a free loopback port so
		// parallel runs and other n8n instances on this machine don't collide on 5679.
		N8N_RUNNERS_MODE: 'internal',
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_INSTANCE_OWNER_MANAGED_BY_ENV: 'true',
		N8N_INSTANCE_OWNER_EMAIL: OWNER.email,
		N8N_INSTANCE_OWNER_PASSWORD_HASH: hashSync(OWNER.password, 10),
		N8N_LOG_LEVEL: process.env.PING_E2E_N8N_LOG_LEVEL || 'info',
		N8N_LOG_OUTPUT: 'console',
	};
	const child = startProcess({
		name: 'n8n',
		command: installation.node,
		args: [installation.n8nBin, 'start'],
		env,
		cwd: userFolder,
		logFile: join(userFolder, 'n8n.log'),
	});

	const describeLog = () => `n8n log tail:\n${tail(child.log(), 3000)}`;
	await waitFor(
		`n8n to answer /healthz/readiness on ${baseUrl}`,
		async () => {
			if (child.hasExited())
				throw new GiveUp(
					`n8n exited with ${await child.exited} before becoming ready\n${describeLog()}`,
				);
			const res = await fetch(`${baseUrl}/healthz/readiness`).catch(() => undefined);
			return res?.status === 200 ? true : undefined;
		},
		{ timeoutMs: N8N_START_TIMEOUT_MS, intervalMs: 500 },
		describeLog,
	);

	const browserId = randomUUID();
	let cookie = '';
	const request = async (
		method: string,
		url: string,
		body: unknown,
		headers: Record<string, string>,
	) => {
		const res = await fetch(url, {
			method,
			headers: {
				...(body === undefined ? {} : { 'content-type': 'application/json' }),
				...headers,
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await res.text();
		let parsed: unknown = text;
		try {
			parsed = JSON.parse(text);
		} catch {
			// Not JSON: keep the text.
		}
		return { status: res.status, body: parsed as any, text, headers: res.headers };
	};
	const session = () => ({ cookie, 'browser-id': browserId });

	// The owner row is written during start-up; login proves it is there.
	const login = await waitFor(
		'the n8n owner (from N8N_INSTANCE_OWNER_*) to be able to log in',
		async () => {
			const res = await request(
				'POST',
				`${baseUrl}/rest/login`,
				{ emailOrLdapLoginId: OWNER.email, password: OWNER.password },
				{ 'browser-id': browserId },
			);
			if (res.status !== 200)
				throw new Error(`POST /rest/login → ${res.status} ${res.text.slice(0, 300)}`);
			return res;
		},
		{ timeoutMs: 30_000, intervalMs: 500 },
	);
	const setCookie = login.headers.get('set-cookie') ?? '';
	cookie = setCookie
		.split(/,(?=\s*[^;,]+=)/)
		.map((part) => part.split(';')[0].trim())
		.filter((pair) => pair.startsWith('n8n-auth='))
		.join('; ');
	if (!cookie)
		throw new Error(
			`n8n login returned no n8n-auth cookie (set-cookie: ${setCookie.slice(0, 200)})`,
		);

	const rest = async (method: string, path: string, body?: unknown) =>
		request(method, `${baseUrl}/rest${path}`, body, session());
	const scopes = await rest('GET', '/api-keys/scopes');
	if (scopes.status !== 200)
		throw new Error(`GET /rest/api-keys/scopes → ${scopes.status} ${scopes.text.slice(0, 300)}`);
	const created = await rest('POST', '/api-keys', {
		label: 'ping e2e',
		scopes: scopes.body.data,
		expiresAt: null,
	});
	const apiKey: string | undefined = created.body?.data?.rawApiKey;
	if (created.status !== 200 || !apiKey)
		throw new Error(
			`creating an n8n API key failed: ${created.status} ${created.text.slice(0, 300)}`,
		);

	return {
		baseUrl,
		port,
		process: child,
		publicApi: (method, path, body) =>
			request(method, `${baseUrl}/api/v1${path}`, body, { 'x-n8n-api-key': apiKey }),
		rest,
		get: (path) => request('GET', `${baseUrl}${path}`, undefined, session()),
		webhookUrl: (path) => `${baseUrl}/webhook/${path.replace(/^\/+/, '')}`,
		stop: () => child.stop(20_000),
	};
}
