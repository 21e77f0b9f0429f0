// The built ping-server in a process of its own, started with --expose-gc and driven over IPC
// by bench/mcp-wait.js: `measure` collects garbage and reports the heap and external memory,
// so the memory held per wait is counted without the noise of a resident set.
'use strict';
const path = require('node:path');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');

const DIST = path.join(__dirname, '..', '..', 'server', 'dist');
const { startServer } = require(path.join(DIST, 'app', 'server.js'));
const { loadConfig } = require(path.join(DIST, 'config', 'config.js'));

let server = null;
let dir = null;

/** Long-polls and checks waiting for an answer right now (the in-process wake-up table). */
function waiting() {
	let count = 0;
	for (const set of server.ctx.events.waiters.values()) count += set.size;
	return count;
}

function measure() {
	for (let i = 0; i < 3; i++) global.gc();
	const { heapUsed, external, rss } = process.memoryUsage();
	return { heapUsed, external, rss, waiting: waiting() };
}

process.on('message', async (msg) => {
	if (msg.cmd === 'start') {
		dir = mkdtempSync(path.join(tmpdir(), 'ping-bench-mcp-'));
		server = await startServer(
			loadConfig({
				PING_PORT: '0',
				PING_HOST: '127.0.0.1',
				PING_DATABASE: path.join(dir, 'ping.db'),
				PING_ADMIN_KEY: msg.adminKey,
				PING_LOG_LEVEL: 'error',
				// A thousand waits from one token and one address are the point, not abuse to refuse.
				PING_RATE_PER_TOKEN: '0',
				PING_RATE_PER_KEY: '0',
				PING_RATE_PER_ADDRESS: '0',
			}),
			{ announce: () => undefined },
		);
		process.send({ event: 'started', url: server.url });
	} else if (msg.cmd === 'count') {
		process.send({ event: 'counted', waiting: waiting() });
	} else if (msg.cmd === 'measure') {
		process.send({ event: 'measured', memory: measure() });
	} else if (msg.cmd === 'stop') {
		await server?.close();
		if (dir) rmSync(dir, { recursive: true, force: true });
		process.send({ event: 'stopped' }, () => process.exit(0));
	}
});
