import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { Clock, systemClock } from '../../domain/time';
import {
	IDEMPOTENCY_HEADER,
	SIGNATURE_HEADER,
	SignatureCheck,
	verifySignature,
} from '../../domain/signature';

/**
 * A callback receiver for trying Ping out locally (`ping-server listen`), like the one Ping's
 * docs suggest: it prints every callback and whether its signature and
 * timestamp verify. It answers 200 to a verified callback (or to any callback when it has no
 * secret) and 401 to a forged, stale or unsigned one, so the sender's attempt log shows the
 * rejection and retries it, exactly as a real receiver that checks signatures would.
 */
export interface ReceiverOptions {
	port: number;
	host?: string;
	/** The channel's webhook secret; without it signatures are shown but not checked. */
	secret?: string | null;
	clock?: Clock;
	print?: (text: string) => void;
}

export interface RunningReceiver {
	url: string;
	port: number;
	close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

function describeCheck(check: SignatureCheck): string {
	if (check.ok) return `valid (t=${check.t}, ${check.ageSeconds} s old)`;
	return `INVALID: ${check.message}`;
}

function prettyBody(raw: string): string {
	try {
		return JSON.stringify(JSON.parse(raw), null, 2);
	} catch {
		return raw;
	}
}

export async function startCallbackReceiver(options: ReceiverOptions): Promise<RunningReceiver> {
	const clock = options.clock ?? systemClock;
	const print = options.print ?? ((text: string) => process.stdout.write(`${text}\n`));
	const secret = options.secret ?? null;

	const handle = (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
		const header = req.headers[SIGNATURE_HEADER.toLowerCase()];
		const signature = Array.isArray(header) ? header[0] : header;
		const idempotency = req.headers[IDEMPOTENCY_HEADER.toLowerCase()];
		const check = secret === null ? null : verifySignature(signature, secret, raw, clock.now());
		print(
			[
				`[${new Date(clock.now()).toISOString()}] ${req.method} ${req.url}`,
				`  ${IDEMPOTENCY_HEADER}: ${idempotency ?? '(none)'}`,
				`  signature: ${check === null ? `not checked (start with --secret to verify) ${signature ?? '(none)'}` : describeCheck(check)}`,
				prettyBody(raw.toString('utf8'))
					.split('\n')
					.map((line) => `  ${line}`)
					.join('\n'),
			].join('\n'),
		);
		const ok = check === null || check.ok;
		res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
		res.end(
			JSON.stringify(ok ? { ok: true } : { ok: false, error: `signature ${describeCheck(check)}` }),
		);
	};

	const server: Server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		let size = 0;
		req.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size > MAX_BODY_BYTES) {
				res.writeHead(413).end();
				req.destroy();
				return;
			}
			chunks.push(chunk);
		});
		req.on('end', () => {
			if (!res.headersSent) handle(req, res, Buffer.concat(chunks));
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
	});
	const port = (server.address() as AddressInfo).port;
	const host = options.host ?? '127.0.0.1';
	const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
	return {
		url,
		port,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}
