/**
 * Every setting of the server, in one table. `loadConfig` takes defaults and bounds from it,
 * `ping-server --help` prints it, and server/README.md shows it (a test keeps that copy equal
 * to `settingsTable()`). A new setting is one entry here and one line in `loadConfig`.
 */
export interface Setting {
	name: string;
	group: 'Server' | 'Redis mode' | 'Callbacks' | 'APNs push' | 'Web Push';
	/** The value used when the variable is unset; null when unset means "none" or is described by `unsetMeans`. */
	default: string | null;
	/** What an unset variable means, when that is not a plain value. */
	unsetMeans?: string;
	/** Whole-number settings: the smallest and largest accepted value. */
	range?: readonly [number, number];
	description: string;
}

export const SETTINGS: readonly Setting[] = [
	{
		name: 'PING_PORT',
		group: 'Server',
		default: '8080',
		range: [0, 65535],
		description: 'Port to listen on.',
	},
	{
		name: 'PING_HOST',
		group: 'Server',
		default: '127.0.0.1',
		description: 'Address to listen on; `0.0.0.0` accepts remote clients.',
	},
	{
		name: 'PING_DATABASE',
		group: 'Server',
		default: './data/ping.db',
		description: 'SQLite file; it and its folder are created when missing.',
	},
	{
		name: 'PING_ADMIN_KEY',
		group: 'Server',
		default: null,
		description:
			'An admin API key (`pk_live_` + 32 letters/digits), accepted as is. Without it, the first start prints a generated one once.',
	},
	{
		name: 'PING_RESPONSE_TTL_SECONDS',
		group: 'Server',
		default: '600',
		range: [1, 30 * 24 * 3600],
		description: 'How long an unread answer stays pollable, in seconds.',
	},
	{
		name: 'PING_PUBLIC_URL',
		group: 'Server',
		default: null,
		unsetMeans: 'http://HOST:PORT',
		description:
			'Base URL of `webhook_url` and of every answer link (`answer_url`): the address people and clients reach, e.g. `https://ping.example.com` behind a reverse proxy. Must be an http(s) URL.',
	},
	{
		name: 'PING_LINK_SECRET',
		group: 'Server',
		default: null,
		unsetMeans: 'generated once, kept in the store',
		description:
			'Key of the answer links (at least 32 characters, e.g. `openssl rand -hex 32`). Set it to keep the key out of the database; changing it makes the server unable to show old links again (they still open).',
	},
	{
		name: 'PING_MAX_BODY_BYTES',
		group: 'Server',
		default: '102400',
		range: [1024, 10 * 1024 * 1024],
		description: 'Largest accepted request body in bytes (413 above it).',
	},
	{
		name: 'PING_LOG_LEVEL',
		group: 'Server',
		default: 'info',
		description:
			'`debug`, `info`, `warn`, `error` or `silent`. Logs are JSON lines without tokens, keys or secrets.',
	},
	{
		name: 'PING_STORE',
		group: 'Server',
		default: 'sqlite',
		description:
			'`sqlite` (one file, one process) or `redis` (several instances behind one Redis).',
	},
	{
		name: 'PING_RETENTION_DAYS',
		group: 'Server',
		default: '30',
		range: [1, 3650],
		description:
			'How long messages are kept, with their answers, push deliveries and callback attempts, in days (both stores); older ones are deleted.',
	},
	{
		name: 'PING_SQLITE_CACHE_MB',
		group: 'Server',
		default: '64',
		range: [2, 65_536],
		description:
			"SQLite mode: SQLite's page cache in MiB, filled only as pages are used. 64 keeps the indexes that every send and poll touches in memory up to about a million stored messages.",
	},
	{
		name: 'PING_SQLITE_MMAP_MB',
		group: 'Server',
		default: '256',
		range: [0, 1_048_576],
		description:
			"SQLite mode: how much of the database file is read through a memory map, in MiB (0 is off). Mapped pages are the system's file cache, not extra memory; reads skip a system call each.",
	},
	{
		name: 'PING_RATE_PER_TOKEN',
		group: 'Server',
		default: '600',
		range: [0, 1_000_000],
		description:
			'Send and poll requests one webhook token may make per minute (a long-poll counts once); 429 beyond, 0 turns it off.',
	},
	{
		name: 'PING_RATE_PER_KEY',
		group: 'Server',
		default: '600',
		range: [0, 1_000_000],
		description:
			'Account API requests one API key may make per minute; 429 beyond, 0 turns it off.',
	},
	{
		name: 'PING_RATE_PER_ADDRESS',
		group: 'Server',
		default: '1200',
		range: [0, 1_000_000],
		description:
			'Requests one client address may make per minute, counted before authentication; 429 beyond, 0 turns it off.',
	},
	{
		name: 'PING_TRUST_PROXY',
		group: 'Server',
		default: 'false',
		description:
			'`true` behind a reverse proxy: the client address is the first one in `X-Forwarded-For` (otherwise every client looks like the proxy).',
	},
	{
		name: 'PING_CONSOLE_SESSION_HOURS',
		group: 'Server',
		default: '12',
		range: [1, 720],
		description:
			'How long a sign-in to the console (`/console`) lasts, in hours. Signing out, or revoking the API key it was made with, ends it at once.',
	},
	{
		name: 'PING_REDIS_URL',
		group: 'Redis mode',
		default: null,
		description:
			'Required with `PING_STORE=redis`: `redis://[:password@]host:port[/db]` or `rediss://…`.',
	},
	{
		name: 'PING_REDIS_PREFIX',
		group: 'Redis mode',
		default: 'ping',
		description:
			'Prefix of every Redis key (1–64 letters, digits, `_`, `.`, `-`), so several deployments can share one Redis.',
	},
	{
		name: 'PING_REDIS_RETENTION_DAYS',
		group: 'Redis mode',
		default: null,
		range: [1, 3650],
		description: 'The older name of `PING_RETENTION_DAYS`, still read when that one is unset.',
	},
	{
		name: 'PING_REDIS_TIMEOUT_MS',
		group: 'Redis mode',
		default: '2000',
		range: [100, 60_000],
		description: 'A request whose Redis calls take longer than this, all together, answers 503.',
	},
	{
		name: 'PING_CALLBACK_ALLOW',
		group: 'Callbacks',
		default: null,
		description:
			'Comma-separated hosts, `*.domains`, addresses and CIDRs that callbacks may reach although they are not public, e.g. `10.0.0.0/8,n8n.internal`.',
	},
	{
		name: 'PING_CALLBACK_TIMEOUT_MS',
		group: 'Callbacks',
		default: '10000',
		range: [50, 120_000],
		description:
			"Limit of one callback attempt, from connecting to the end of the receiver's answer.",
	},
	{
		name: 'PING_APNS_KEY',
		group: 'APNs push',
		default: null,
		description:
			'APNs auth key (`.p8`, EC P-256): a file path or the PEM text (literal `\\n` allowed). Set it and the next three to turn pushes on.',
	},
	{
		name: 'PING_APNS_KEY_ID',
		group: 'APNs push',
		default: null,
		description: "The key's 10-character id from Apple.",
	},
	{
		name: 'PING_APNS_TEAM_ID',
		group: 'APNs push',
		default: null,
		description: 'Your 10-character Apple team id.',
	},
	{
		name: 'PING_APNS_TOPIC',
		group: 'APNs push',
		default: null,
		description: "The app's bundle id; a device may register its own `topic`.",
	},
	{
		name: 'PING_APNS_HOST',
		group: 'APNs push',
		default: null,
		unsetMeans: "Apple's hosts",
		description: "Send to this host instead (tests, proxies); `:authority` stays Apple's host.",
	},
	{
		name: 'PING_APNS_PORT',
		group: 'APNs push',
		default: '443',
		range: [1, 65535],
		description: 'APNs port (Apple also listens on 2197).',
	},
	{
		name: 'PING_APNS_CA',
		group: 'APNs push',
		default: null,
		description: "Extra CA certificate to trust (file or PEM), e.g. a fake APNs's certificate.",
	},
	{
		name: 'PING_APNS_MAX_IN_FLIGHT',
		group: 'APNs push',
		default: '500',
		range: [1, 1000],
		description:
			"Most APNs requests in flight per connection; the APNs server's stream limit lowers it further.",
	},
	{
		name: 'PING_APNS_TIMEOUT_MS',
		group: 'APNs push',
		default: '10000',
		range: [100, 120_000],
		description: 'Limit of one APNs request.',
	},
	{
		name: 'PING_WEBPUSH_PUBLIC_KEY',
		group: 'Web Push',
		default: null,
		description:
			'VAPID public key (base64url, from `ping-server webpush-keys`). Set it and the next two to push to paired browsers.',
	},
	{
		name: 'PING_WEBPUSH_PRIVATE_KEY',
		group: 'Web Push',
		default: null,
		description: 'VAPID private key (base64url), the pair of the public key. Keep it secret.',
	},
	{
		name: 'PING_WEBPUSH_SUBJECT',
		group: 'Web Push',
		default: null,
		description:
			'Who push services may contact about your pushes: a `mailto:` address or an `https:` URL.',
	},
	{
		name: 'PING_WEBPUSH_EXPIRY_DAYS',
		group: 'Web Push',
		default: '60',
		range: [1, 3650],
		description:
			'A paired browser not seen for this many days loses its push subscription (it is warned 5 days before).',
	},
];

export function settingNamed(name: string): Setting {
	const setting = SETTINGS.find((s) => s.name === name);
	if (!setting) throw new Error(`no setting named ${name} in config/settings.ts`);
	return setting;
}

function describe(setting: Setting): string {
	return setting.range
		? `${setting.description} Whole number, ${setting.range[0]}–${setting.range[1]}.`
		: setting.description;
}

/** The Markdown table of server/README.md. */
export function settingsTable(): string {
	const rows = SETTINGS.map((s) => {
		const shown = s.default !== null ? `\`${s.default}\`` : (s.unsetMeans ?? '—');
		return `| \`${s.name}\` | ${shown} | ${describe(s)} |`;
	});
	return ['| Setting | Default | What it does |', '|---|---|---|', ...rows].join('\n');
}

/** The settings part of `ping-server --help`, grouped, with defaults in brackets. */
export function settingsHelp(): string {
	const width = Math.max(...SETTINGS.map((s) => s.name.length)) + 2;
	const lines: string[] = [];
	for (const group of [...new Set(SETTINGS.map((s) => s.group))]) {
		lines.push('', `${group}:`);
		for (const s of SETTINGS.filter((x) => x.group === group)) {
			const shown = s.default ?? s.unsetMeans;
			const text = describe(s).replace(/`/g, '') + (shown ? ` [${shown}]` : '');
			lines.push(`  ${s.name.padEnd(width)}${text}`);
		}
	}
	return lines.join('\n');
}
