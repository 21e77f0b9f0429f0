import {
	IncomingHttpHeaders,
	IncomingMessage,
	Server,
	ServerResponse,
	createServer,
} from 'node:http';
import { AddressInfo } from 'node:net';

/** One request the fake receiver got. */
export interface ReceivedCallback {
	method: string;
	path: string;
	headers: IncomingHttpHeaders;
	/** The raw body bytes as text (what the signature covers). */
	raw: string;
	/** The parsed JSON body; `{}` when it was not a JSON object. */
	body: Record<string, unknown>;
}

export interface Reply {
	status?: number;
	headers?: Record<string, string>;
	/** Wait this long before answering (a slow receiver). */
	delayMs?: number;
}

/**
 * A real HTTP server on 127.0.0.1 that records every callback and answers as the test says
 * (`reply`), so delivery is tested over real sockets, never with HTTP mocks.
 */
export class FakeReceiver {
	readonly received: ReceivedCallback[] = [];
	reply: (callback: ReceivedCallback) => Reply = () => ({ status: 200 });
	private server: Server | null = null;
	private waiters: (() => void)[] = [];
	port = 0;

	get url(): string {
		return `http://127.0.0.1:${this.port}/hook`;
	}

	/** Starts listening (on `port`, or on the previous port after `stop`, or a free one). */
	async start(port = this.port): Promise<this> {
		const server = createServer((req, res) => this.handle(req, res));
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(port, '127.0.0.1', () => resolve());
		});
		this.server = server;
		this.port = (server.address() as AddressInfo).port;
		return this;
	}

	/** Stops listening; the port stays reserved in `port` for a later `start()`. */
	async stop(): Promise<void> {
		const server = this.server;
		this.server = null;
		if (!server) return;
		await new Promise<void>((resolve) => {
			server.close(() => resolve());
			server.closeAllConnections();
		});
	}

	/** Resolves once `count` callbacks were received in all. */
	async waitFor(count: number, timeoutMs = 5_000): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (this.received.length < count) {
			if (Date.now() > deadline)
				throw new Error(`expected ${count} callbacks, got ${this.received.length}`);
			await new Promise<void>((resolve) => {
				this.waiters.push(resolve);
				setTimeout(resolve, 50);
			});
		}
	}

	private handle(req: IncomingMessage, res: ServerResponse): void {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const raw = Buffer.concat(chunks).toString('utf8');
			let body: Record<string, unknown> = {};
			try {
				const parsed: unknown = JSON.parse(raw);
				if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
					body = parsed as Record<string, unknown>;
			} catch {
				// not JSON: left as {}
			}
			const callback: ReceivedCallback = {
				method: req.method ?? '',
				path: req.url ?? '',
				headers: req.headers,
				raw,
				body,
			};
			this.received.push(callback);
			for (const wake of this.waiters.splice(0)) wake();
			const reply = this.reply(callback);
			const send = () => {
				if (res.destroyed) return;
				res.writeHead(reply.status ?? 200, {
					'content-type': 'application/json',
					...reply.headers,
				});
				res.end('{"ok":true}');
			};
			if (reply.delayMs) setTimeout(send, reply.delayMs);
			else send();
		});
	}
}

/** A port nothing listens on (a receiver that is down): bound once, then released. */
export async function freePort(): Promise<number> {
	const r = await new FakeReceiver().start(0);
	await r.stop();
	return r.port;
}
