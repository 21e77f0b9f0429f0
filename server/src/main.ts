#!/usr/bin/env node
import { startCallbackReceiver } from './delivery/callbacks/receiver';
import { ConfigError, loadConfig } from './config/config';
import { startServer } from './app/server';

const HELP = `ping-server: the Ping-compatible push, answer and callback server.

Usage:
  ping-server [serve]     start the server (configuration from the environment)
  ping-server listen --port 3001 --secret <webhook secret> [--host 127.0.0.1]
                          a local callback receiver: prints each callback and whether its
                          signature and timestamp verify; answers 200, or 401 when they don't
  ping-server --help      show this help

Environment (defaults in brackets):
  PING_PORT                   port to listen on [8080]
  PING_HOST                   address to listen on [127.0.0.1]
  PING_DATABASE               SQLite file [./data/ping.db]
  PING_ADMIN_KEY              an admin API key (pk_live_ + 32 letters/digits) accepted as is
  PING_RESPONSE_TTL_SECONDS   how long an unread answer stays pollable [600]
  PING_PUBLIC_URL             base URL shown in webhook URLs [http://HOST:PORT]
  PING_MAX_BODY_BYTES         largest accepted request body [102400]
  PING_LOG_LEVEL              debug | info | warn | error | silent [info]
  PING_STORE                  sqlite | redis: where messages, answers and jobs live [sqlite]
  PING_REDIS_URL              Redis to use with PING_STORE=redis (redis://[:password@]host:port[/db])
  PING_REDIS_PREFIX           prefix of every Redis key, to share one Redis between deployments [ping]
  PING_REDIS_RETENTION_DAYS   how long Redis keeps a message and its answer (Redis TTL) [30]
  PING_REDIS_TIMEOUT_MS       a request waiting on Redis longer than this answers 503 [2000]
  PING_CALLBACK_ALLOW         hosts and CIDRs callbacks may reach although they are not public,
                              comma-separated, e.g. 10.0.0.0/8,n8n.internal [none]
  PING_CALLBACK_TIMEOUT_MS    limit of one callback attempt [10000]

APNs push (all four of KEY, KEY_ID, TEAM_ID, TOPIC, or none: without them pushes are off,
messages are still stored, pollable and answerable):
  PING_APNS_KEY               the .p8 auth key: a file path, or the PEM text itself
  PING_APNS_KEY_ID            its 10-character key id
  PING_APNS_TEAM_ID           your 10-character Apple team id
  PING_APNS_TOPIC             the app's bundle id (devices may register their own topic)
  PING_APNS_HOST              send to this host instead of Apple's (tests, proxies) [Apple's]
  PING_APNS_PORT              APNs port (Apple also listens on 2197) [443]
  PING_APNS_CA                extra CA certificate to trust (file or PEM), e.g. a fake APNs
  PING_APNS_MAX_IN_FLIGHT     most requests in flight per connection, 1-1000; the server's
                              stream limit lowers it further [500]
  PING_APNS_TIMEOUT_MS        per-request timeout [10000]

Prometheus metrics (push outcomes, in-flight, queued) are served at GET /metrics.
`;

async function serve(): Promise<void> {
	const server = await startServer(loadConfig());
	let stopping = false;
	const stop = (signal: string) => {
		if (stopping) return;
		stopping = true;
		process.stderr.write(`${signal} received, stopping…\n`);
		server.close().then(
			() => process.exit(0),
			() => process.exit(1),
		);
	};
	process.on('SIGTERM', () => stop('SIGTERM'));
	process.on('SIGINT', () => stop('SIGINT'));
}

function flag(args: string[], name: string): string | undefined {
	const i = args.indexOf(name);
	if (i < 0) return undefined;
	const value = args[i + 1];
	if (value === undefined || value.startsWith('--')) throw new ConfigError(`${name} needs a value`);
	return value;
}

async function listen(args: string[]): Promise<void> {
	const portText = flag(args, '--port') ?? '3001';
	if (!/^\d+$/.test(portText) || Number(portText) > 65535) throw new ConfigError(`--port must be a port number, got "${portText}"`);
	const secret = flag(args, '--secret') ?? null;
	if (secret !== null && !/^[0-9a-f]{64}$/.test(secret)) {
		throw new ConfigError('--secret must be the channel\'s webhook secret: 64 lowercase hex characters');
	}
	const receiver = await startCallbackReceiver({ port: Number(portText), host: flag(args, '--host'), secret });
	process.stdout.write(
		`Callback receiver listening on ${receiver.url}\n` +
			(secret === null
				? 'No --secret given: signatures are shown but not verified.\n'
				: 'Verifying X-Ping-Signature with the given secret (timestamps within 300 s).\n'),
	);
	const stop = () => void receiver.close().then(() => process.exit(0));
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
}

async function main(argv: string[]): Promise<void> {
	const [command = 'serve'] = argv;
	if (command === '--help' || command === '-h' || command === 'help') {
		process.stdout.write(HELP);
		return;
	}
	if (command === 'serve') return serve();
	if (command === 'listen') return listen(argv.slice(1));
	process.stderr.write(`unknown command "${command}"\n\n${HELP}`);
	process.exitCode = 2;
}

main(process.argv.slice(2)).catch((error: unknown) => {
	if (error instanceof ConfigError) {
		process.stderr.write(`configuration error: ${error.message}\n`);
	} else {
		process.stderr.write(`ping-server failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
	}
	process.exit(1);
});
