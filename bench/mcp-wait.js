#!/usr/bin/env node
/**
 * 1,000 concurrent waits on one server: `ping_check_approval` over MCP (the SDK's own client,
 * streamable HTTP) next to `GET /v1/callback/…?wait=50` long-polls, each kind in a fresh
 * server process (bench/mcp/server-child.js). For each kind it reports the server's memory per
 * wait (heap and external memory after a forced GC with the waits held, minus the same before,
 * over the number of waits) and the latency from an answer to the
 * waiter getting its result (p50/p99), the answers given one after another as taps arrive.
 * The `?wait=` long-poll is the baseline: the ratio says what MCP costs on top of it.
 *
 * Usage: npm run build && node bench/mcp-wait.js [waits=1000]
 */
'use strict';
const http = require('node:http');
const { fork } = require('node:child_process');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const {
	StreamableHTTPClientTransport,
} = require('@modelcontextprotocol/sdk/client/streamableHttp.js');
const { ADMIN_KEY, api, percentile, pool } = require('./lib');

const WAITS = Math.min(2000, Math.max(10, Number(process.argv[2]) || 1000));
const SETTLE_MS = 1500;
const HOLD_TIMEOUT_MS = 60_000;
/** Everything this script does must finish in this time, or it stops with an error. */
const BUDGET_MS = 180_000;
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

/** The server in its own process, with a `memory()` that collects garbage first. */
async function startServerChild() {
	const child = fork(path.join(__dirname, 'mcp', 'server-child.js'), [], {
		execArgv: ['--expose-gc'],
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
	});
	const next = (event) =>
		new Promise((resolve, reject) => {
			const onMessage = (msg) => {
				if (msg.event !== event) return;
				child.off('message', onMessage);
				resolve(msg);
			};
			child.on('message', onMessage);
			child.once('exit', (code) => reject(new Error(`server child exited with ${code}`)));
		});
	const started = next('started');
	child.send({ cmd: 'start', adminKey: ADMIN_KEY });
	const { url } = await started;
	return {
		url,
		async memory() {
			const measured = next('measured');
			child.send({ cmd: 'measure' });
			const { memory } = await measured;
			return memory;
		},
		/** How many waits the server holds now (no garbage collection: cheap). */
		async waiting() {
			const counted = next('counted');
			child.send({ cmd: 'count' });
			return (await counted).waiting;
		},
		async stop() {
			const stopped = next('stopped');
			child.send({ cmd: 'stop' });
			await stopped.catch(() => undefined);
		},
	};
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function get(url) {
	return new Promise((resolve, reject) => {
		http
			.get(url, { agent }, (res) => {
				let text = '';
				res.on('data', (c) => (text += c));
				res.on('end', () => resolve(JSON.parse(text)));
			})
			.on('error', reject);
	});
}

/** Answers each message in turn and records answer sent → result received, in ms. */
async function answerAll(server, ids, resultAt) {
	const latencies = [];
	for (const id of ids) {
		const answeredAt = performance.now();
		await api(
			server.url,
			'POST',
			`/v1/messages/${id}/respond`,
			{ triggered_by: 'approve' },
			ADMIN_KEY,
		);
		const got = await resultAt.get(id);
		latencies.push(got - answeredAt);
	}
	return latencies.sort((a, b) => a - b);
}

/** Holds one waiter per id; `resultAt.get(id)` resolves with the time its result arrived. */
async function measure(kind, setUp) {
	const server = await startServerChild();
	try {
		const { ids, startWait, close } = await setUp(server);
		await sleep(SETTLE_MS);
		const before = await server.memory();
		const resultAt = new Map();
		const started = performance.now();
		for (const id of ids) resultAt.set(id, startWait(id));
		// Every wait must be held by the server before it is measured (bounded).
		let waiting = await server.waiting();
		while (waiting < ids.length && performance.now() - started < HOLD_TIMEOUT_MS) {
			await sleep(100);
			waiting = await server.waiting();
		}
		if (waiting < ids.length)
			throw new Error(`${kind}: only ${waiting} of ${ids.length} waits held`);
		const holdMs = performance.now() - started;
		await sleep(SETTLE_MS);
		const held = await server.memory();
		const bytes = (m) => m.heapUsed + m.external;
		const latencies = await answerAll(server, ids, resultAt);
		await close();
		return {
			kind,
			perWaitKb: (bytes(held) - bytes(before)) / 1024 / ids.length,
			holdMs,
			p50: percentile(latencies, 50),
			p99: percentile(latencies, 99),
		};
	} finally {
		await server.stop();
	}
}

async function longPolls(server) {
	const channel = await api(server.url, 'POST', '/v1/channels', { name: 'bench' }, ADMIN_KEY);
	const token = channel.webhook_token;
	const actions = [
		{ type: 'button', label: 'Approve', key: 'approve' },
		{ type: 'button', label: 'Reject', key: 'reject' },
	];
	const ids = [];
	await pool(WAITS, 16, async () => {
		ids.push(
			(await api(server.url, 'POST', `/v1/send/${token}`, { title: 'Deploy?', actions })).id,
		);
	});
	return {
		ids,
		startWait: (id) =>
			get(`${server.url}/v1/callback/${token}/${id}?wait=50`).then((body) => {
				if (body.status !== 'submitted') throw new Error(`long-poll ended ${body.status}`);
				return performance.now();
			}),
		close: async () => undefined,
	};
}

async function mcpChecks(server) {
	await api(server.url, 'POST', '/v1/channels', { name: 'bench' }, ADMIN_KEY);
	const client = new Client({ name: 'bench-agent', version: '1.0.0' });
	// The client's transport hangs every request on one AbortSignal: 1,000 waits are expected here.
	require('node:events').setMaxListeners(WAITS * 2 + 100);
	await client.connect(
		new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
			requestInit: { headers: { authorization: `Bearer ${ADMIN_KEY}` } },
		}),
	);
	const ids = [];
	await pool(WAITS, 16, async () => {
		const r = await client.callTool({
			name: 'ping_request_approval',
			arguments: { title: 'Deploy?' },
		});
		ids.push(r.structuredContent.approval_id);
	});
	return {
		ids,
		startWait: (approval_id) =>
			client
				.callTool(
					{ name: 'ping_check_approval', arguments: { approval_id, max_wait_ms: 50_000 } },
					undefined,
					{ timeout: 90_000 },
				)
				.then((r) => {
					if (r.structuredContent?.status !== 'approved')
						throw new Error(`check ended ${JSON.stringify(r.structuredContent ?? r.content)}`);
					return performance.now();
				}),
		close: () => client.close(),
	};
}

async function main() {
	const budget = setTimeout(() => {
		console.error(`mcp-wait: did not finish within ${BUDGET_MS / 1000} s`);
		process.exit(1);
	}, BUDGET_MS);
	const baseline = await measure('?wait=50 long-poll (baseline)', longPolls);
	const mcp = await measure('MCP ping_check_approval', mcpChecks);
	clearTimeout(budget);
	console.log(`${WAITS} concurrent waits on one server (SQLite), answers one after another\n`);
	console.log(
		`${'kind'.padEnd(32)} ${'all held in'.padStart(12)} ${'memory/wait'.padStart(12)} ${'p50'.padStart(8)} ${'p99'.padStart(8)}`,
	);
	for (const r of [baseline, mcp]) {
		console.log(
			`${r.kind.padEnd(32)} ${`${(r.holdMs / 1000).toFixed(1)} s`.padStart(12)} ${`${r.perWaitKb.toFixed(1)} KB`.padStart(12)} ${`${r.p50.toFixed(1)} ms`.padStart(8)} ${`${r.p99.toFixed(1)} ms`.padStart(8)}`,
		);
	}
	const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(1)}×` : 'n/a');
	console.log(
		`\nMCP vs long-poll: memory per wait ${ratio(mcp.perWaitKb, baseline.perWaitKb)}, ` +
			`p50 ${ratio(mcp.p50, baseline.p50)}, p99 ${ratio(mcp.p99, baseline.p99)}`,
	);
	agent.destroy();
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
