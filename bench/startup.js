// Start-up and footprint of the Ping server (SQLite, pushes off) against a bare node:http
// server: the time from spawning the process to its first HTTP answer, and its resident
// memory (RSS) once idle, in interleaved rounds, medians compared.
// Usage: npm run build --workspace server && node bench/startup.js [rounds=7]
'use strict';
const { spawn } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const http = require('node:http');
const { tmpdir } = require('node:os');
const path = require('node:path');
const { ADMIN_KEY, freePort, percentile } = require('./lib');

const SERVER_MAIN = path.join(__dirname, '..', 'server', 'dist', 'main.js');
/** How long a process sits idle after its first answer before its RSS is read. */
const IDLE_MS = 1500;

const BARE = (port) =>
	`require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => { const b = '{"ok":true}'; res.writeHead(200, {'content-type':'application/json','content-length':b.length}); res.end(b); }); }).listen(${port}, '127.0.0.1');`;

/** One GET; resolves true on any HTTP answer, false when nobody listens yet. */
function tryGet(url) {
	return new Promise((resolve) => {
		const req = http.get(url, { agent: false }, (res) => {
			res.resume();
			res.on('end', () => resolve(true));
		});
		req.on('error', () => resolve(false));
	});
}

function rssMiB(pid) {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

/** Spawns a process, asks `url` every millisecond until it answers; ms to that answer and idle RSS. */
async function measure(args, env, url) {
	const started = performance.now();
	const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
	let exited = false;
	child.once('exit', () => (exited = true));
	const deadline = started + 15_000;
	while (!(await tryGet(url))) {
		if (exited || performance.now() > deadline) throw new Error(`${args.join(' ')} did not answer`);
		await new Promise((r) => setTimeout(r, 1));
	}
	const firstAnswerMs = performance.now() - started;
	await new Promise((r) => setTimeout(r, IDLE_MS));
	const rss = rssMiB(child.pid);
	child.kill('SIGTERM');
	if (!exited) await new Promise((r) => child.once('exit', r));
	return { firstAnswerMs, rss };
}

async function bareRound() {
	const port = await freePort();
	return measure(['-e', BARE(port)], process.env, `http://127.0.0.1:${port}/`);
}

async function pingRound() {
	const dir = mkdtempSync(path.join(tmpdir(), 'ping-bench-start-'));
	const port = await freePort();
	try {
		return await measure(
			[SERVER_MAIN],
			{
				...process.env,
				PING_PORT: String(port),
				PING_HOST: '127.0.0.1',
				PING_DATABASE: path.join(dir, 'ping.db'),
				PING_ADMIN_KEY: ADMIN_KEY,
				PING_LOG_LEVEL: 'warn',
			},
			`http://127.0.0.1:${port}/health`,
		);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

const median = (list) =>
	percentile(
		[...list].sort((a, b) => a - b),
		50,
	);

async function main() {
	const rounds = Number(process.argv[2] ?? 7);
	const bare = [];
	const ping = [];
	await pingRound(); // warm the file system cache for both
	await bareRound();
	for (let i = 0; i < rounds; i++) {
		bare.push(await bareRound());
		ping.push(await pingRound());
	}
	const row = (name, key, unit, goal) => {
		const b = median(bare.map((r) => r[key]));
		const p = median(ping.map((r) => r[key]));
		console.log(
			`${name.padEnd(28)} bare ${b.toFixed(1).padStart(6)} ${unit}   ping-server ${p.toFixed(1).padStart(6)} ${unit}   ${(p / b).toFixed(2)}x  (goal <= ${goal}x)`,
		);
	};
	console.log(
		`start-up (medians of ${rounds} interleaved rounds; SQLite, pushes off, fresh database each round)`,
	);
	row('spawn -> first HTTP answer', 'firstAnswerMs', 'ms', '2.0');
	row(`RSS ${IDLE_MS / 1000} s after it`, 'rss', 'MiB', '1.3');
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
