#!/usr/bin/env node
/* eslint-disable */
// Redis vs SQLite, and two instances vs one, on loopback, measured in the same run.
//   npm run build && node bench/redis-vs-sqlite.js [--seconds 3] [--rounds 2] [--connections 32]
// Starts its own redis-server (temp folder, no persistence) and ping-server processes from
// server/dist, drives them with autocannon, prints each figure next to its baseline and the
// ratio, then `redis-benchmark -q -t get,set` on the same Redis as the one-round-trip ceiling.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync, existsSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir, cpus } = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
	const i = args.indexOf(`--${name}`);
	return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SECONDS = Math.min(opt('seconds', 3), 30);
const ROUNDS = Math.min(opt('rounds', 2), 5);
const CONNECTIONS = Math.min(opt('connections', 32), 256);
const ADMIN_KEY = 'pk_live_BenchAdminKey0123456789abcdefghi';
const MAIN = join(__dirname, '..', 'server', 'dist', 'main.js');

const children = [];
const dirs = [];
function cleanup() {
	for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
	for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
	return new Promise((resolve, reject) => {
		const s = createServer();
		s.once('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

async function waitFor(check, what, timeoutMs = 15000) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await check().catch(() => false)) return;
		await sleep(50);
	}
	throw new Error(`${what} did not come up`);
}

async function startRedis() {
	const dir = mkdtempSync(join(tmpdir(), 'ping-bench-redis-'));
	dirs.push(dir);
	const port = await freePort();
	const child = spawn(
		'redis-server',
		[
			'--port',
			String(port),
			'--bind',
			'127.0.0.1',
			'--dir',
			dir,
			'--save',
			'',
			'--appendonly',
			'no',
			'--loglevel',
			'warning',
		],
		{ stdio: 'ignore' },
	);
	children.push(child);
	await waitFor(
		async () =>
			spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() ===
			'PONG',
		'redis-server',
	);
	return { port, url: `redis://127.0.0.1:${port}` };
}

async function startServer(env) {
	const port = await freePort();
	const child = spawn(process.execPath, [MAIN], {
		env: {
			PATH: process.env.PATH,
			PING_PORT: String(port),
			PING_HOST: '127.0.0.1',
			PING_ADMIN_KEY: ADMIN_KEY,
			PING_LOG_LEVEL: 'error',
			PING_RATE_PER_TOKEN: '0',
			PING_RATE_PER_KEY: '0',
			PING_RATE_PER_ADDRESS: '0',
			...env,
		},
		stdio: ['ignore', 'ignore', 'ignore'],
	});
	children.push(child);
	const url = `http://127.0.0.1:${port}`;
	await waitFor(async () => (await fetch(`${url}/health`)).ok, `ping-server on ${port}`);
	return { url, child };
}

async function json(url, method, path, body, key) {
	const headers = { 'content-type': 'application/json' };
	if (key) headers.authorization = `Bearer ${key}`;
	const res = await fetch(`${url}${path}`, {
		method,
		headers,
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	return res.json();
}

async function prepare(url) {
	const created = await json(url, 'POST', '/v1/channels', { name: 'bench' }, ADMIN_KEY);
	const token = created.webhook_token;
	const sent = await json(url, 'POST', `/v1/send/${token}`, { title: 'polled while pending' });
	return { token, messageId: sent.id };
}

function load(url, request) {
	return autocannon({
		url: `${url}${request.path}`,
		method: request.method,
		body: request.body,
		headers: request.headers,
		connections: CONNECTIONS,
		duration: SECONDS,
	});
}

/** Requests per second over one or more instances at once (load split evenly). */
async function measure(urls, request) {
	const results = await Promise.all(urls.map((u) => load(u, request)));
	const bad = results.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
	if (bad > 0) throw new Error(`${bad} failed requests during ${request.method} ${request.path}`);
	return results.reduce((n, r) => n + r.requests.average, 0);
}

const sendRequest = (token) => ({
	method: 'POST',
	path: `/v1/send/${token}`,
	body: JSON.stringify({ title: 'bench', body: 'throughput' }),
	headers: { 'content-type': 'application/json' },
});
const pollRequest = (token, id) => ({ method: 'GET', path: `/v1/callback/${token}/${id}` });

const fmt = (n) => Math.round(n).toLocaleString('en-US').padStart(9);
const ratio = (a, b) => `${(a / b).toFixed(2)}×`;

async function main() {
	if (!existsSync(MAIN)) throw new Error('server/dist is missing: run `npm run build` first');
	if (spawnSync('redis-server', ['--version']).status !== 0)
		throw new Error('redis-server is not installed (apt-get install -y redis-server)');
	console.log(
		`redis-vs-sqlite: best of ${ROUNDS} interleaved ${SECONDS}s runs, ${CONNECTIONS} connections per instance, ${cpus().length} CPU(s), loopback`,
	);

	const redis = await startRedis();
	const sqliteDir = mkdtempSync(join(tmpdir(), 'ping-bench-sqlite-'));
	dirs.push(sqliteDir);

	const redisEnv = { PING_STORE: 'redis', PING_REDIS_URL: redis.url };
	const [sqlite, r1, r2] = await Promise.all([
		startServer({ PING_STORE: 'sqlite', PING_DATABASE: join(sqliteDir, 'ping.db') }),
		startServer(redisEnv),
		startServer(redisEnv),
	]);
	const s = await prepare(sqlite.url);
	const r = await prepare(r1.url);
	// The machine is shared: every figure is the best of ROUNDS runs, interleaved, so a burst of
	// outside load hits all configurations alike instead of one.
	const runs = {
		sqliteSend: () => measure([sqlite.url], sendRequest(s.token)),
		sqlitePoll: () => measure([sqlite.url], pollRequest(s.token, s.messageId)),
		redisSend: () => measure([r1.url], sendRequest(r.token)),
		redisPoll: () => measure([r1.url], pollRequest(r.token, r.messageId)),
		twoSend: () => measure([r1.url, r2.url], sendRequest(r.token)),
		twoPoll: () => measure([r1.url, r2.url], pollRequest(r.token, r.messageId)),
	};
	const best = {};
	for (let round = 0; round < ROUNDS; round++) {
		for (const [name, run] of Object.entries(runs))
			best[name] = Math.max(best[name] ?? 0, await run());
	}
	const { sqliteSend, sqlitePoll, redisSend, redisPoll, twoSend, twoPoll } = best;

	const rb = spawnSync(
		'redis-benchmark',
		['-p', String(redis.port), '-q', '-t', 'get,set', '-n', '100000', '-c', String(CONNECTIONS)],
		{ encoding: 'utf8', timeout: 60000 },
	);
	const rps = (cmd) => {
		const m = new RegExp(`${cmd}: ([\\d.]+) requests per second`).exec(
			rb.stdout.replace(/\r/g, '\n'),
		);
		return m ? Number(m[1]) : NaN;
	};
	const ceilingGet = rps('GET');
	const ceilingSet = rps('SET');

	console.log('');
	console.log('                                   req/s   baseline (req/s)          ratio');
	console.log(
		`send, Redis vs SQLite          ${fmt(redisSend)}   SQLite ${fmt(sqliteSend)}        ${ratio(redisSend, sqliteSend)}`,
	);
	console.log(
		`poll, Redis vs SQLite          ${fmt(redisPoll)}   SQLite ${fmt(sqlitePoll)}        ${ratio(redisPoll, sqlitePoll)}`,
	);
	console.log(
		`send, 2 Redis instances vs 1   ${fmt(twoSend)}   1 inst ${fmt(redisSend)}        ${ratio(twoSend, redisSend)}`,
	);
	console.log(
		`poll, 2 Redis instances vs 1   ${fmt(twoPoll)}   1 inst ${fmt(redisPoll)}        ${ratio(twoPoll, redisPoll)}`,
	);
	console.log(
		`poll (1 inst) vs Redis GET     ${fmt(redisPoll)}   GET    ${fmt(ceilingGet)}        ${ratio(redisPoll, ceilingGet)}`,
	);
	console.log(
		`send (1 inst) vs Redis SET     ${fmt(redisSend)}   SET    ${fmt(ceilingSet)}        ${ratio(redisSend, ceilingSet)}`,
	);
	console.log('');
	console.log('redis-benchmark -q -t get,set (same Redis, the one-round-trip ceiling):');
	console.log(
		rb.stdout
			.replace(/\r/g, '\n')
			.split('\n')
			.filter((l) => /requests per second/.test(l))
			.map((l) => `  ${l.trim()}`)
			.join('\n'),
	);
	console.log('');
	console.log(
		'A poll is 2 Redis round trips (channel by token in one script, then the message); a send is 2',
	);
	console.log(
		'(channel, then history + message pipelined), plus the hand-over to BullMQ when it queues jobs.',
	);
	console.log(
		'Two instances share the same CPUs here; on separate machines the second instance adds CPU too.',
	);
	for (const c of [sqlite, r1, r2]) c.child.kill('SIGTERM');
	await sleep(200);
}

main().then(
	() => process.exit(0),
	(error) => {
		console.error(`redis-vs-sqlite failed: ${error.message}`);
		process.exit(1);
	},
);
