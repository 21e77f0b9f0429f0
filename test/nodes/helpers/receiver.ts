import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedRequest {
	path: string;
	headers: IncomingHttpHeaders;
	/** The exact bytes received. */
	rawBody: Buffer;
}

/**
 * A local stand-in for n8n's webhook endpoints on 127.0.0.1: it records every request as
 * received (raw bytes and headers) and answers 200, so the real server's signed callbacks
 * can then be fed to the nodes' `webhook()` exactly as n8n would pass them on.
 */
export async function startReceiver() {
	const received: ReceivedRequest[] = [];
	const waiters: Array<() => void> = [];
	const server: Server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			received.push({ path: req.url ?? '/', headers: req.headers, rawBody: Buffer.concat(chunks) });
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end('{"ok":true}');
			waiters.splice(0).forEach((wake) => wake());
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		received,
		/** Resolves with the request once `count` have arrived, or fails after `timeoutMs`. */
		async waitFor(count: number, timeoutMs = 5000): Promise<ReceivedRequest> {
			const deadline = Date.now() + timeoutMs;
			while (received.length < count) {
				const left = deadline - Date.now();
				if (left <= 0)
					throw new Error(
						`receiver: ${received.length} of ${count} requests after ${timeoutMs} ms`,
					);
				await new Promise<void>((resolve) => {
					const timer = setTimeout(resolve, left);
					waiters.push(() => {
						clearTimeout(timer);
						resolve();
					});
				});
			}
			return received[count - 1];
		},
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

/** Headers as n8n's `getHeaderData()` gives them: lower-case names, string values. */
export function plainHeaders(headers: IncomingHttpHeaders): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers)) {
		if (value !== undefined)
			out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
	}
	return out;
}
