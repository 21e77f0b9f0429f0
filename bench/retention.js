#!/usr/bin/env node
// Retention in SQLite mode (PING_RETENTION_DAYS): the database size under a steady send load
// with retention on, over several simulated days, and the p99 of a write while a purge runs
// next to the same writes without one. The store runs in this process on a manual clock, so
// days pass in seconds; the purge is the server's own RetentionSweeper.
// Usage: node bench/retention.js [perDay=60000] [days=4] [batch=100] [pauseMs=5]
'use strict';
require('tsx/cjs');
const { mkdtempSync, rmSync, statSync, existsSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { percentile } = require('./lib');
const { SqliteStore } = require('../server/src/store/sqlite/sqlite-store.ts');
const { RetentionSweeper } = require('../server/src/store/sqlite/retention.ts');
const { ManualClock } = require('../server/src/domain/time.ts');
const { newMessageId } = require('../server/src/domain/ids.ts');
const { silentLogger } = require('../server/src/observability/log.ts');

const PER_DAY = Number(process.argv[2] ?? 60_000);
const DAYS = Number(process.argv[3] ?? 4);
const BATCH = Number(process.argv[4] ?? 100);
const PAUSE_MS = Number(process.argv[5] ?? 5);
const DAY = 24 * 3600_000;
const STEPS_PER_DAY = 24; // one batch of sends, then a sweep, per simulated hour

const bytes = (file) => (existsSync(file) ? statSync(file).size : 0);
const mib = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

function message(channelId, now, i) {
	return {
		id: newMessageId(),
		channelId,
		title: `Deploy build ${i}?`,
		body: 'Deploy **v2.1.0** to production: 3 commits by ana.',
		priority: 'high',
		callbackUrl: 'https://n8n.example.com/webhook-waiting/123',
		actions: [
			{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
			{ type: 'button', label: 'Decline', key: 'decline', style: 'destructive' },
		],
		createdAt: now,
		expiresAt: now + 3600_000,
		muted: false,
		answerTokenHash: null,
	};
}

/** Writes `count` messages one after another, each waited for; their latencies in ms. */
async function timedWrites(store, clock, channelId, count) {
	const latencies = [];
	for (let i = 0; i < count; i++) {
		const started = performance.now();
		await store.insertMessage(message(channelId, clock.now(), i), []);
		latencies.push(performance.now() - started);
	}
	return latencies.sort((a, b) => a - b);
}

async function main() {
	const dir = mkdtempSync(join(tmpdir(), 'ping-bench-retention-'));
	const file = join(dir, 'ping.db');
	const clock = new ManualClock(Date.UTC(2026, 0, 1));
	const store = new SqliteStore(file);
	const sweeper = new RetentionSweeper(store, clock, silentLogger, {
		retentionMs: DAY,
		everyMs: 3600_000,
		batch: BATCH,
		pauseMs: PAUSE_MS,
	});
	try {
		await store.ensureAccount('usr_bench', clock.now());
		const channel = {
			id: 'ch_benchbench00',
			accountId: 'usr_bench',
			name: 'Bench',
			icon: null,
			color: null,
			mutedUntil: null,
			tokenHash: 'x'.repeat(64),
			webhookSecret: 'y'.repeat(64),
			createdAt: clock.now(),
			updatedAt: clock.now(),
		};
		await store.insertChannel(channel);

		console.log(
			`retention: ${PER_DAY} messages a simulated day, 1 day kept, ${DAYS} days, a sweep every simulated hour`,
		);
		const perStep = Math.round(PER_DAY / STEPS_PER_DAY);
		const sizes = [];
		for (let day = 1; day <= DAYS; day++) {
			for (let step = 0; step < STEPS_PER_DAY; step++) {
				const writes = [];
				for (let i = 0; i < perStep; i++)
					writes.push(store.insertMessage(message(channel.id, clock.now(), i), []));
				await Promise.all(writes);
				clock.advance(DAY / STEPS_PER_DAY);
				await sweeper.sweep();
			}
			// The database file itself; the WAL beside it is bounded on its own (it starts over
			// past 16 MiB), and how full it is at a given moment says nothing about growth.
			sizes.push(bytes(file));
			console.log(
				`  after day ${day}: ${mib(sizes[day - 1])} (WAL ${mib(bytes(`${file}-wal`))}), ${(sizes[day - 1] / PER_DAY).toFixed(0)} bytes per kept message`,
			);
		}
		const growth = sizes[sizes.length - 1] / sizes[1];
		console.log(`database size, last day / day 2: ${growth.toFixed(2)}x (1.00x = stopped growing)`);

		// p99 of a write with and without a purge running. The purge deletes a full day's messages.
		const samples = 2_000;
		const quiet = await timedWrites(store, clock, channel.id, samples);
		clock.advance(DAY);
		const purging = sweeper.sweep();
		const during = await timedWrites(store, clock, channel.id, samples);
		const purged = await purging;
		console.log(
			`writes while ${purged} messages were purged in batches of ${BATCH} ${PAUSE_MS} ms apart, ${samples} writes each:`,
		);
		console.log(
			`  without a purge  p50 ${percentile(quiet, 50).toFixed(3)} ms  p99 ${percentile(quiet, 99).toFixed(3)} ms`,
		);
		console.log(
			`  during a purge   p50 ${percentile(during, 50).toFixed(3)} ms  p99 ${percentile(during, 99).toFixed(3)} ms`,
		);
		console.log(
			`ratio during / without: p99 ${(percentile(during, 99) / percentile(quiet, 99)).toFixed(2)}x`,
		);
	} finally {
		await sweeper.stop();
		await store.close();
		rmSync(dir, { recursive: true, force: true });
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
