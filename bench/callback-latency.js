#!/usr/bin/env node
/**
 * Callback latency: time from `POST /v1/messages/{id}/respond` to the signed callback arriving
 * at a local receiver, beside the bare round trip of one local HTTP POST to that same receiver,
 * both measured in this run with the same bounded concurrency. Loopback only.
 *
 * The server runs as its own process (`node server/dist/main.js`, as in production); this
 * process is the client (the "phone" answering) and the callback receiver.
 *
 * Usage: npm run build --workspace server && node bench/callback-latency.js [answers=2000] [concurrency=16]
 */
'use strict';
const http = require('node:http');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { spawn } = require('node:child_process');
const { percentile, pool, startCallbackReceiver } = require('./lib');

const ANSWERS = Math.max(2000, Number(process.argv[2]) || 2000);
const CONCURRENCY = Math.min(64, Math.max(1, Number(process.argv[3]) || 16));
const WARMUP = 200;
const ADMIN_KEY = 'pk_live_BenchAdminKey0123456789abcdefghi';
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function request(url, method, body, headers = {}) {
	return new Promise((resolve, reject) => {
		const data =
			body === undefined
				? undefined
				: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
		const req = http.request(url, {
			method,
			agent,
			headers: {
				...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}),
				...headers,
			},
		});
		req.on('error', reject);
		req.on('response', (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => {
				const text = Buffer.concat(chunks).toString();
				resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null });
			});
		});
		req.end(data);
	});
}

/** Starts `ping-server` as a child process and reads its URL from the start-up log line. */
function startServerProcess(env) {
	// BENCH_SERVER_FLAGS: node flags for the server child, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
	const flags = (process.env.BENCH_SERVER_FLAGS ?? '').split(/\s+/).filter(Boolean);
	const child = spawn(process.execPath, [...flags, join(__dirname, '../server/dist/main.js')], {
		env: { ...process.env, ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let errors = '';
	child.stderr.on('data', (chunk) => (errors += chunk.toString()));
	return new Promise((resolve, reject) => {
		let buffered = '';
		const onData = (chunk) => {
			buffered += chunk.toString();
			const match = /"event":"server.started".*?"url":"([^"]+)"/.exec(buffered);
			if (!match) return;
			child.stdout.off('data', onData);
			child.stdout.resume();
			resolve({
				url: match[1],
				pid: child.pid,
				close: () =>
					new Promise((done) => {
						child.once('exit', done);
						child.kill('SIGTERM');
					}),
			});
		};
		child.stdout.on('data', onData);
		child.once('exit', (code) =>
			reject(new Error(`ping-server exited with ${code} before it started: ${errors}`)),
		);
	});
}

/** CPU milliseconds (user + system) a process used so far, from /proc (Linux); null elsewhere. */
function cpuMs(pid) {
	try {
		const fields = require('node:fs')
			.readFileSync(`/proc/${pid}/stat`, 'utf8')
			.split(') ')[1]
			.split(' ');
		return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
	} catch {
		return null;
	}
}

const fmt = (ms) => `${ms.toFixed(3)} ms`;

async function main() {
	const dir = mkdtempSync(join(tmpdir(), 'ping-bench-'));
	const receiver = await startCallbackReceiver();
	const receiverUrl = receiver.url;

	const server = await startServerProcess({
		PING_PORT: '0',
		PING_HOST: '127.0.0.1',
		PING_DATABASE: join(dir, 'ping.db'),
		PING_ADMIN_KEY: ADMIN_KEY,
		PING_LOG_LEVEL: 'info',
		PING_RATE_PER_TOKEN: '0',
		PING_RATE_PER_KEY: '0',
		PING_RATE_PER_ADDRESS: '0',
		PING_CALLBACK_ALLOW: '127.0.0.1/32',
	});
	const auth = { authorization: `Bearer ${ADMIN_KEY}` };
	try {
		const channel = await request(`${server.url}/v1/channels`, 'POST', { name: 'bench' }, auth);
		const token = channel.body.webhook_token;
		const total = WARMUP + ANSWERS;
		const ids = new Array(total);
		await pool(total, CONCURRENCY, async (i) => {
			const sent = await request(`${server.url}/v1/send/${token}`, 'POST', {
				title: `Bench ${i}`,
				callback_url: `${receiverUrl}/hook`,
				actions: [{ type: 'button', label: 'OK', key: 'ok' }],
			});
			if (sent.status !== 200) throw new Error(`send failed: ${JSON.stringify(sent.body)}`);
			ids[i] = sent.body.id;
		});

		// Reference: answers to messages without a callback_url (the respond path alone).
		const PLAIN = ANSWERS / 4;
		const plainIds = new Array(PLAIN);
		await pool(PLAIN, CONCURRENCY, async (i) => {
			const sent = await request(`${server.url}/v1/send/${token}`, 'POST', {
				title: `Plain ${i}`,
				actions: [{ type: 'button', label: 'OK', key: 'ok' }],
			});
			plainIds[i] = sent.body.id;
		});
		const plain = [];

		const sample = {
			message_id: 'msg_000000000000',
			channel_id: 'ch_000000000000',
			timestamp: new Date().toISOString(),
			triggered_by: 'ok',
			responses: {},
		};
		const bare = [];
		const bareRound = async (count, keep) =>
			pool(count, CONCURRENCY, async () => {
				const t0 = performance.now();
				await request(`${receiverUrl}/bare`, 'POST', sample);
				if (keep) bare.push(performance.now() - t0);
			});

		const callback = [];
		const respondOnly = [];
		const afterReply = [];
		const answer = (keep) => async (i) => {
			const id = ids[i];
			const arrived = receiver.arrival(id);
			const t0 = performance.now();
			const res = await request(
				`${server.url}/v1/messages/${id}/respond`,
				'POST',
				{ triggered_by: 'ok' },
				auth,
			);
			const t1 = performance.now();
			if (res.status !== 200) throw new Error(`respond failed: ${JSON.stringify(res.body)}`);
			const t2 = await arrived;
			if (keep) {
				callback.push(t2 - t0);
				respondOnly.push(t1 - t0);
				afterReply.push(t2 - t1);
			}
		};

		await bareRound(WARMUP, false);
		await pool(WARMUP, CONCURRENCY, answer(false));
		// Bare round trips before and after the answers, so both see the same warm process.
		await bareRound(ANSWERS / 2, true);
		const cpuBefore = cpuMs(server.pid);
		const answersStarted = performance.now();
		await pool(ANSWERS, CONCURRENCY, (i) => answer(true)(WARMUP + i));
		const answersPerSecond = (ANSWERS * 1000) / (performance.now() - answersStarted);
		const cpuAnswers = cpuBefore === null ? null : cpuMs(server.pid) - cpuBefore;
		await bareRound(ANSWERS / 2, true);
		const cpuPlainBefore = cpuMs(server.pid);
		await pool(PLAIN, CONCURRENCY, async (i) => {
			const t0 = performance.now();
			const res = await request(
				`${server.url}/v1/messages/${plainIds[i]}/respond`,
				'POST',
				{ triggered_by: 'ok' },
				auth,
			);
			if (res.status !== 200) throw new Error(`respond failed: ${JSON.stringify(res.body)}`);
			plain.push(performance.now() - t0);
		});
		const cpuPlain = cpuPlainBefore === null ? null : cpuMs(server.pid) - cpuPlainBefore;

		for (const list of [bare, callback, respondOnly, afterReply, plain]) list.sort((a, b) => a - b);
		const row = (name, list) =>
			`${name.padEnd(40)} p50 ${fmt(percentile(list, 50)).padStart(11)}   p99 ${fmt(percentile(list, 99)).padStart(11)}`;
		const p50Ratio = percentile(callback, 50) / percentile(bare, 50);
		const p99Ratio = percentile(callback, 99) / percentile(bare, 99);
		console.log(
			`callback latency: ${ANSWERS} answers, concurrency ${CONCURRENCY}, node ${process.version}`,
		);
		console.log(row('baseline: bare local HTTP POST', bare));
		console.log(row('respond → callback arrives at receiver', callback));
		console.log(row('(respond request alone)', respondOnly));
		console.log(row('(callback arrival - respond reply)', afterReply));
		console.log(row(`(respond, no callback_url; ${PLAIN} answers)`, plain));
		if (cpuAnswers !== null && cpuPlain !== null) {
			console.log(
				`server CPU per answer: ${(cpuAnswers / ANSWERS).toFixed(3)} ms with callback, ` +
					`${(cpuPlain / PLAIN).toFixed(3)} ms without (10 ms clock ticks, so approximate)`,
			);
		}
		console.log(
			`respond throughput: ${answersPerSecond.toFixed(0)} answers/s with their callbacks (concurrency ${CONCURRENCY})`,
		);
		console.log(
			`ratio callback / bare: p50 ${p50Ratio.toFixed(2)}x, p99 ${p99Ratio.toFixed(2)}x  (goals at concurrency 1: p50 <= 4x, p99 <= 6x)`,
		);
		process.exitCode = p99Ratio < 10 ? 0 : 1;
	} finally {
		await server.close();
		await receiver.close();
		agent.destroy();
		rmSync(dir, { recursive: true, force: true });
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
