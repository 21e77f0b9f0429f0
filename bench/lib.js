// Shared bits of the benchmarks: child processes, free ports, autocannon runs, ratio printing.
'use strict';
const { fork, spawn } = require('node:child_process');
const http = require('node:http');
const { mkdtempSync, rmSync } = require('node:fs');
const net = require('node:net');
const { tmpdir } = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');

const ROOT = path.join(__dirname, '..');
const SERVER_MAIN = path.join(ROOT, 'server', 'dist', 'main.js');
const ADMIN_KEY = 'pk_live_BenchAdminKey0123456789abcdefghi';

function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
		srv.on('error', reject);
	});
}

async function waitForHttp(url, deadlineMs = 15000) {
	const until = Date.now() + deadlineMs;
	for (;;) {
		try {
			const res = await fetch(url);
			if (res.status < 500) return;
		} catch {
			/* not up yet */
		}
		if (Date.now() > until) throw new Error(`${url} did not come up within ${deadlineMs} ms`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

/** Starts `node server/dist/main.js` on a temp SQLite file; returns { url, pid, stop }. */
async function startPingServer(extraEnv = {}) {
	const dir = mkdtempSync(path.join(tmpdir(), 'ping-bench-'));
	const port = await freePort();
	const child = spawn(process.execPath, [SERVER_MAIN], {
		env: {
			...process.env,
			PING_PORT: String(port),
			PING_HOST: '127.0.0.1',
			PING_DATABASE: path.join(dir, 'ping.db'),
			PING_ADMIN_KEY: ADMIN_KEY,
			PING_LOG_LEVEL: 'warn',
			// Load from one address and one token is the point here, not something to refuse.
			PING_RATE_PER_TOKEN: '0',
			PING_RATE_PER_KEY: '0',
			PING_RATE_PER_ADDRESS: '0',
			...extraEnv,
		},
		stdio: ['ignore', 'inherit', 'inherit'],
	});
	const url = `http://127.0.0.1:${port}`;
	const exited = new Promise((_, reject) =>
		child.once('exit', (code) => reject(new Error(`ping-server exited with ${code}`))),
	);
	await Promise.race([waitForHttp(`${url}/health`), exited]);
	exited.catch(() => undefined);
	return {
		url,
		pid: child.pid,
		async stop() {
			if (child.exitCode === null) {
				child.kill('SIGTERM');
				await new Promise((r) => child.once('exit', r));
			}
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/** The ceiling: a bare node:http server answering a constant JSON, in its own process. */
async function startBareServer() {
	const port = await freePort();
	const code = `require('node:http').createServer((req, res) => {
		req.resume();
		req.on('end', () => { const b = '{"status":"pending"}'; res.writeHead(200, {'content-type':'application/json','content-length':b.length}); res.end(b); });
	}).listen(${port}, '127.0.0.1');`;
	const child = spawn(process.execPath, ['-e', code], { stdio: 'inherit' });
	const url = `http://127.0.0.1:${port}`;
	await waitForHttp(url);
	return {
		url,
		async stop() {
			child.kill('SIGTERM');
			await new Promise((r) => child.once('exit', r));
		},
	};
}

/** One bounded autocannon run; returns requests/s, p99 latency (ms) and non-2xx count. */
function load(options) {
	return new Promise((resolve, reject) => {
		autocannon({ connections: 32, duration: 5, ...options }, (err, result) => {
			if (err) return reject(err);
			resolve({
				rps: result.requests.average,
				p99: result.latency.p99,
				non2xx: result.non2xx,
				errors: result.errors + result.timeouts,
			});
		});
	});
}

async function api(url, method, pathName, body, key) {
	const headers = { 'content-type': 'application/json' };
	if (key) headers.authorization = `Bearer ${key}`;
	const res = await fetch(`${url}${pathName}`, {
		method,
		headers,
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const json = await res.json();
	if (!res.ok) throw new Error(`${method} ${pathName}: ${res.status} ${JSON.stringify(json)}`);
	return json;
}

function row(name, result, baseline) {
	const ratio = baseline ? ` ${(result.rps / baseline.rps).toFixed(2)}x` : '';
	const problems =
		result.non2xx || result.errors ? `  (non-2xx ${result.non2xx}, errors ${result.errors})` : '';
	return `${name.padEnd(34)} ${result.rps.toFixed(0).padStart(8)} req/s  p99 ${String(result.p99).padStart(4)} ms${ratio}${problems}`;
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once. */
async function pool(count, concurrency, task) {
	let next = 0;
	const worker = async () => {
		while (next < count) await task(next++);
	};
	await Promise.all(Array.from({ length: concurrency }, worker));
}

/** The `p`th percentile (0–100) of an ascending list. */
const percentile = (sorted, p) =>
	sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/**
 * A fake service (fake APNs, fake push service) in a child process, driven by messages:
 * `ask(cmd, event, extra)` sends a command and resolves with the child's `event` reply;
 * `expect(count)` arms the child to report when `count` requests reached it; `stats` and `stop`.
 */
function forkFake(script) {
	const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
	const waiters = [];
	child.on('message', (msg) => {
		const i = waiters.findIndex((w) => w.event === msg.event);
		if (i >= 0) waiters.splice(i, 1)[0].resolve(msg);
	});
	const next = (event) => new Promise((resolve) => waiters.push({ event, resolve }));
	const ask = (cmd, event, extra = {}) => {
		const reply = next(event);
		child.send({ cmd, ...extra });
		return reply;
	};
	return {
		ask,
		async expect(count) {
			const reached = next('reached');
			await ask('expect', 'expecting', { count });
			return { reached };
		},
		stats: () => ask('stats', 'stats'),
		async stop() {
			child.send({ cmd: 'stop' });
			await new Promise((r) => child.once('exit', r));
		},
	};
}

/**
 * A local receiver of signed callbacks: answers every POST 200 at once. `arrival(id)` resolves
 * with the `performance.now()` at which the callback of message `id` arrived (ask before the
 * answer that causes it); POSTs to `/bare` are the baseline round trip and wake nobody.
 */
async function startCallbackReceiver() {
	const waiting = new Map();
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const arrived = performance.now();
			res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
			if (req.url === '/bare') return;
			const resolve = waiting.get(JSON.parse(Buffer.concat(chunks).toString()).message_id);
			if (resolve) resolve(arrived);
		});
	});
	server.keepAliveTimeout = 60_000;
	await new Promise((r) => server.listen(0, '127.0.0.1', r));
	return {
		url: `http://127.0.0.1:${server.address().port}`,
		arrival: (id) =>
			new Promise((resolve) =>
				waiting.set(id, (at) => {
					waiting.delete(id);
					resolve(at);
				}),
			),
		close: () => new Promise((r) => server.close(r)),
	};
}

module.exports = {
	ADMIN_KEY,
	ROOT,
	api,
	forkFake,
	freePort,
	load,
	percentile,
	pool,
	row,
	startBareServer,
	startCallbackReceiver,
	startPingServer,
	waitForHttp,
};
