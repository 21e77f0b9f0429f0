#!/usr/bin/env node
// Send and poll on a SQLite database holding a million messages, against the same server on an
// empty database, in the same run: p99 and throughput, and the bytes each message takes on disk.
// The million rows are written straight into the file with SQL (the server's own schema,
// realistic rows: ids made by the server's own id function at each row's time, answer-token
// hashes, half of them answered), bounded in time.
// Usage: npm run build --workspace server && node bench/sqlite-growth.js [messages=1000000] [--duration 3] [--rounds 3]
'use strict';
const { createHash } = require('node:crypto');
const { mkdtempSync, rmSync, statSync, existsSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');
const Database = require('better-sqlite3');
const { ADMIN_KEY, api, load, row, startPingServer } = require('./lib');

const COUNT = Number(process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 1e6);
const arg = (name, fallback) => {
	const i = process.argv.indexOf(`--${name}`);
	return i === -1 ? fallback : Number(process.argv[i + 1]);
};
/** Filling stops here even if it has not reached COUNT (the figures then say how many). */
const FILL_DEADLINE_MS = 5 * 60_000;

/** The server's own message ids, made at the row's time (the build being measured decides their shape). */
const { newMessageId } = require('../server/dist/domain/ids');

const size = (file) => (existsSync(file) ? statSync(file).size : 0);

/** Writes `count` messages of `channelId` into the database file with plain SQL. */
function fill(file, channelId, count) {
	const db = new Database(file);
	db.pragma('journal_mode = WAL');
	db.pragma('synchronous = OFF');
	db.pragma('cache_size = -262144');
	const columns = db
		.prepare('SELECT name FROM pragma_table_info(?)')
		.all('messages')
		.map((c) => c.name);
	// Where the server keeps an answer token's hash: unindexed since tokens name their message,
	// in the indexed column before (so this bench also measures builds from before that change).
	const hashColumn = columns.includes('answer_link_hash')
		? 'answer_link_hash'
		: 'answer_token_hash';
	const insert = db.prepare(
		`INSERT INTO messages (id, channel_id, title, body, priority, callback_url, actions, created_at,
		 expires_at, muted, answer, read_at, callback_state, ${hashColumn})
		 VALUES (?, ?, ?, ?, 'high', ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
	);
	const actions = JSON.stringify([
		{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
		{ type: 'button', label: 'Reject', key: 'reject', style: 'destructive' },
	]);
	// Spread over the last 20 days (inside the default 30-day retention), oldest first.
	const start = Date.now() - 20 * 24 * 3600_000;
	const step = (20 * 24 * 3600_000) / count;
	const started = Date.now();
	const BATCH = 20_000;
	let written = 0;
	while (written < count && Date.now() - started < FILL_DEADLINE_MS) {
		const n = Math.min(BATCH, count - written);
		db.transaction(() => {
			for (let i = 0; i < n; i++) {
				const at = Math.round(start + (written + i) * step);
				const answered = (written + i) % 2 === 0;
				const id = newMessageId(at);
				insert.run(
					id,
					channelId,
					`Deploy build ${written + i}?`,
					'Deploy **v2.1.0** to production',
					answered ? 'https://n8n.example.com/webhook-waiting/123' : null,
					actions,
					at,
					at + 3600_000,
					answered
						? JSON.stringify({
								triggeredBy: 'approve',
								responses: {},
								timestamp: new Date(at + 5000).toISOString(),
								submittedAt: at + 5000,
								responder: { via: 'api' },
							})
						: null,
					answered ? at + 6000 : null,
					answered ? 'delivered' : 'none',
					createHash('sha256').update(id).digest('hex'),
				);
			}
		})();
		written += n;
	}
	db.pragma('wal_checkpoint(TRUNCATE)');
	db.close();
	return { written, seconds: (Date.now() - started) / 1000 };
}

async function main() {
	const duration = arg('duration', 3);
	const rounds = arg('rounds', 3);
	const dir = mkdtempSync(path.join(tmpdir(), 'ping-bench-growth-'));
	const emptyFile = path.join(dir, 'empty.db');
	const fullFile = path.join(dir, 'full.db');
	const servers = [];
	try {
		// The server makes both schemas (and the channel of the full one), then the rows go in.
		const setUp = async (file) => {
			const server = await startPingServer({ PING_DATABASE: file });
			const created = await api(server.url, 'POST', '/v1/channels', { name: 'bench' }, ADMIN_KEY);
			await server.stop();
			return { id: created.channel.id, webhook_token: created.webhook_token };
		};
		const emptyChannel = await setUp(emptyFile);
		const fullChannel = await setUp(fullFile);
		const filled = fill(fullFile, fullChannel.id, COUNT);
		const fullBytes = size(fullFile) + size(`${fullFile}-wal`);
		console.log(
			`filled ${filled.written.toLocaleString('en')} messages in ${filled.seconds.toFixed(0)} s: ` +
				`${(fullBytes / 1024 / 1024).toFixed(0)} MiB, ${(fullBytes / filled.written).toFixed(0)} bytes per message on disk`,
		);

		const empty = await startPingServer({ PING_DATABASE: emptyFile });
		servers.push(empty);
		const full = await startPingServer({ PING_DATABASE: fullFile });
		servers.push(full);
		const sendBody = JSON.stringify({
			title: 'Deploy v2.1.0?',
			body: 'Deploy **v2.1.0** to production',
			priority: 'high',
			actions: [
				{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
				{ type: 'button', label: 'Reject', key: 'reject', style: 'destructive' },
			],
		});
		const targets = {};
		for (const [name, server, channel] of [
			['empty', empty, emptyChannel],
			['full', full, fullChannel],
		]) {
			const message = await api(server.url, 'POST', `/v1/send/${channel.webhook_token}`, {
				title: 'Approve?',
				actions: [{ type: 'button', label: 'Yes', key: 'yes' }],
			});
			targets[`send ${name}`] = {
				url: `${server.url}/v1/send/${channel.webhook_token}`,
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: sendBody,
			};
			targets[`poll ${name}`] = {
				url: `${server.url}/v1/callback/${channel.webhook_token}/${message.id}`,
			};
		}
		const common = { duration, connections: 32 };
		for (const target of Object.values(targets)) await load({ ...common, ...target, duration: 1 });
		const best = {};
		for (let round = 0; round < rounds; round++) {
			for (const [name, target] of Object.entries(targets)) {
				const result = await load({ ...common, ...target });
				// Best round by throughput; p99 from that same round.
				if (!best[name] || result.rps > best[name].rps) best[name] = result;
			}
		}
		console.log(
			`\nSQLite with ${filled.written.toLocaleString('en')} stored messages vs an empty database ` +
				`(32 connections, best of ${rounds} interleaved ${duration} s rounds)`,
		);
		for (const kind of ['send', 'poll']) {
			const e = best[`${kind} empty`];
			const f = best[`${kind} full`];
			console.log(row(`${kind}, empty database`, e));
			console.log(row(`${kind}, ${filled.written / 1e6}M messages`, f, e));
			console.log(
				`  ${kind} p99 ${e.p99} ms -> ${f.p99} ms: ${(f.p99 / Math.max(1, e.p99)).toFixed(2)}x` +
					(kind === 'send' ? '  (goals: p99 <= 1.3x, throughput >= 0.9x)' : ''),
			);
		}
	} finally {
		for (const server of servers) await server.stop();
		rmSync(dir, { recursive: true, force: true });
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
