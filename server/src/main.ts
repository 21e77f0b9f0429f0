#!/usr/bin/env node
import { ConfigError, loadConfig } from './config/config';
import { settingsHelp } from './config/settings';

const HELP = `ping-server: the Ping-compatible push, answer and callback server.

Usage:
  ping-server [serve]     start the server (configuration from the environment)
  ping-server listen --port 3001 --secret <webhook secret> [--host 127.0.0.1]
                          a local callback receiver: prints each callback and whether its
                          signature and timestamp verify; answers 200, or 401 when they don't
  ping-server ask --title "Deploy?" [--approve | --buttons "yes,no" | --text] [--timeout 10m] [--json]
                          send a message and wait for the answer (PING_SERVER_URL, PING_WEBHOOK_TOKEN);
                          exits 0 approved/answered, 1 rejected, 2 expired, 3 error (ask --help)
  ping-server webpush-keys
                          print a new VAPID key pair for Web Push, as PING_WEBPUSH_* lines to paste
  ping-server --help      show this help

Settings (environment variables, defaults in brackets). APNs needs all four of KEY, KEY_ID,
TEAM_ID and TOPIC, or none: without them pushes are off and messages are still stored,
pollable and answerable.
${settingsHelp()}

Web Push (browsers paired with a link) needs PUBLIC_KEY, PRIVATE_KEY and SUBJECT, or none:
\`ping-server webpush-keys\` makes the key pair.

Prometheus metrics (push outcomes, in-flight, queued) are served at GET /metrics.
`;

// Each command loads only what it uses (serve does not need the ask client, nor ask the server).

async function serve(): Promise<void> {
	const { startServer } = await import('./app/server');
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
	if (!/^\d+$/.test(portText) || Number(portText) > 65535)
		throw new ConfigError(`--port must be a port number, got "${portText}"`);
	const secret = flag(args, '--secret') ?? null;
	if (secret !== null && !/^[0-9a-f]{64}$/.test(secret)) {
		throw new ConfigError(
			"--secret must be the channel's webhook secret: 64 lowercase hex characters",
		);
	}
	const { startCallbackReceiver } = await import('./delivery/callbacks/receiver');
	const receiver = await startCallbackReceiver({
		port: Number(portText),
		host: flag(args, '--host'),
		secret,
	});
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

async function ask(args: string[]): Promise<void> {
	const { runAsk } = await import('./cli/ask');
	let interrupts = 0;
	const code = await runAsk({
		argv: args,
		env: process.env,
		stdout: process.stdout,
		stderr: process.stderr,
		onInterrupt(listener) {
			// The first Ctrl-C cancels the message; a second one leaves without waiting for that.
			process.on('SIGINT', () => (++interrupts === 1 ? listener() : process.exit(130)));
		},
	});
	// Leave at once (idle keep-alive sockets would hold the process), once stdout is flushed.
	process.stdout.write('', () => process.exit(code));
}

/** A new VAPID key pair (P-256) as settings lines: the public point and the private scalar, base64url. */
async function webPushKeys(): Promise<void> {
	const { loadWebPush } = await import('./delivery/webpush/sender');
	const keys = (await loadWebPush()).generateVAPIDKeys();
	process.stdout.write(
		`PING_WEBPUSH_PUBLIC_KEY=${keys.publicKey}\n` +
			`PING_WEBPUSH_PRIVATE_KEY=${keys.privateKey}\n` +
			'# and who push services may contact about your pushes (a mailto: address or an https: URL):\n' +
			'# PING_WEBPUSH_SUBJECT=mailto:you@example.com\n',
	);
}

async function main(argv: string[]): Promise<void> {
	const [command = 'serve'] = argv;
	if (command === '--help' || command === '-h' || command === 'help') {
		process.stdout.write(HELP);
		return;
	}
	if (command === 'serve') return serve();
	if (command === 'listen') return listen(argv.slice(1));
	if (command === 'ask') return ask(argv.slice(1));
	if (command === 'webpush-keys') return webPushKeys();
	process.stderr.write(`unknown command "${command}"\n\n${HELP}`);
	process.exitCode = 2;
}

main(process.argv.slice(2)).catch((error: unknown) => {
	if (process.argv[2] === 'ask') {
		process.stderr.write(
			`ping-server ask: ${error instanceof Error ? error.message : String(error)}\n`,
		);
		process.exit(3);
	}
	if (error instanceof ConfigError) {
		process.stderr.write(`configuration error: ${error.message}\n`);
	} else {
		process.stderr.write(
			`ping-server failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
		);
	}
	process.exit(1);
});
