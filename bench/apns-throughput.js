#!/usr/bin/env node
/**
 * APNs throughput: notifications per second through the whole server path
 * (POST /v1/send → durable push job → sender over @parse/node-apn → fake APNs) beside the
 * ceiling, a bare node:http2 client with the same bounded in-flight window sending the same
 * count of the same payload to the same fake, both in this run. Loopback only.
 *
 * Shape: one message fans out to every device of the account, so N notifications are
 * MESSAGES messages × DEVICES devices (20 × 1,000 = 20,000 by default), all devices on one
 * environment so both sides use one HTTP/2 connection.
 *
 * Processes: the fake APNs runs in its own process; the Ping server runs in its own process
 * (`node server/dist/main.js`, as in production) during the server phase; this process is the
 * bare client in the bare phase. Every notification is counted at the fake by apns-id: lost
 * (expected, never accepted) and duplicated (accepted more than once) must both be 0.
 *
 * Usage: npm run build --workspace server && node bench/apns-throughput.js [messages=20] [devices=1000] [window=500] [rounds=3]
 */
'use strict';
const crypto = require('node:crypto');
const http2 = require('node:http2');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { ADMIN_KEY, ROOT, api, forkFake, startPingServer } = require('./lib');
const { buildNotification, notificationId } = require(
	path.join(ROOT, 'server', 'dist', 'delivery', 'push', 'payload.js'),
);

const MESSAGES = Math.min(100, Math.max(1, Number(process.argv[2]) || 20));
const DEVICES = Math.min(5000, Math.max(1, Number(process.argv[3]) || 1000));
const WINDOW = Math.min(1000, Math.max(1, Number(process.argv[4]) || 500));
const ROUNDS = Math.min(9, Math.max(1, Number(process.argv[5]) || 3));
const TOTAL = MESSAGES * DEVICES;
const DEADLINE_MS = 120_000;
const TEAM_ID = 'BENCHTEAM1';
const KEY_ID = 'BENCHKEY01';
const TOPIC = 'com.example.ping.bench';
const TITLE = 'Deploy to production?';
const BODY =
	'Build **#1842** passed. Approve to roll out `v2.7.0` to all regions, or decline to hold.';

function startFake(publicKeyPem) {
	const fake = forkFake(path.join(__dirname, 'apns', 'fake-apns-child.js'));
	const { ask } = fake;
	return {
		start: () =>
			ask('start', 'started', {
				options: {
					teamId: TEAM_ID,
					keyId: KEY_ID,
					publicKey: publicKeyPem,
					topics: [TOPIC],
					maxConcurrentStreams: 1000,
				},
			}),
		/** Resets the record and resolves `reached` when `count` notifications were accepted. */
		expect: fake.expect,
		stats: fake.stats,
		stop: fake.stop,
	};
}

function providerToken(privateKeyPem) {
	const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
	const head = enc({ alg: 'ES256', kid: KEY_ID });
	const claims = enc({ iss: TEAM_ID, iat: Math.floor(Date.now() / 1000) });
	const sig = crypto.sign('sha256', Buffer.from(`${head}.${claims}`), {
		key: privateKeyPem,
		dsaEncoding: 'ieee-p1363',
	});
	return `${head}.${claims}.${sig.toString('base64url')}`;
}

function deviceTokens() {
	return Array.from({ length: DEVICES }, (_, i) => `b${i.toString(16).padStart(63, '0')}`);
}

/** The ceiling: one HTTP/2 session, at most WINDOW streams in flight, nothing else. */
async function bareClient(port, caPem, jwt, tokens, count) {
	const payload = buildNotification({
		id: 'msg_bareclient01',
		channelId: 'ch_bareclient01',
		title: TITLE,
		body: BODY,
		priority: 'normal',
		callbackUrl: null,
		actions: [{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' }],
		createdAt: Date.now(),
		expiresAt: null,
		muted: false,
	}).payload;
	const session = http2.connect(`https://127.0.0.1:${port}`, { ca: caPem });
	session.on('error', () => undefined);
	await new Promise((resolve) => session.once('remoteSettings', resolve));
	const ids = [];
	let next = 0;
	let failed = 0;
	const started = performance.now();
	await new Promise((resolve) => {
		let done = 0;
		const sendOne = () => {
			const i = next++;
			const id = crypto.randomUUID();
			ids.push(id);
			const req = session.request({
				':method': 'POST',
				':path': `/3/device/${tokens[i % tokens.length]}`,
				authorization: `bearer ${jwt}`,
				'apns-topic': TOPIC,
				'apns-push-type': 'alert',
				'apns-priority': '10',
				'apns-id': id,
				'apns-collapse-id': 'msg_bareclient01',
			});
			let status = 0;
			req.on('response', (h) => (status = h[':status']));
			req.on('data', () => undefined);
			req.on('error', () => undefined);
			req.on('close', () => {
				if (status !== 200) failed++;
				done++;
				if (next < count) sendOne();
				else if (done === count) resolve();
			});
			req.end(payload);
		};
		for (let k = 0; k < Math.min(WINDOW, count); k++) sendOne();
	});
	const ms = performance.now() - started;
	session.close();
	return { ms, ids, failed };
}

/** The whole path: the server registers DEVICES devices, then MESSAGES sends fan out to all of them. */
async function serverPath(server, fake, tokens, count, messages) {
	const channel = await api(server.url, 'POST', '/v1/channels', { name: 'bench' }, ADMIN_KEY);
	const { reached } = await fake.expect(count);
	const started = performance.now();
	// All sends at once, like that many workflows firing together.
	const sends = Array.from({ length: messages }, () =>
		api(server.url, 'POST', `/v1/send/${channel.webhook_token}`, {
			title: TITLE,
			body: BODY,
			actions: [{ type: 'button', label: 'Approve', key: 'approve' }],
		}),
	);
	const ids = (await Promise.all(sends)).map((sent) => sent.id);
	const answered = performance.now() - started;
	const timeout = new Promise((_, reject) =>
		setTimeout(
			() => reject(new Error(`server path: ${count} pushes not accepted within ${DEADLINE_MS} ms`)),
			DEADLINE_MS,
		).unref(),
	);
	await Promise.race([reached, timeout]);
	return { ms: performance.now() - started, answeredMs: answered, messageIds: ids };
}

function tally(expectedIds, stats) {
	const seen = new Map();
	for (const id of stats.ids) seen.set(id, (seen.get(id) ?? 0) + 1);
	const lost = expectedIds.filter((id) => !seen.has(id)).length;
	const duplicated = [...seen.values()].reduce((n, c) => n + (c > 1 ? c - 1 : 0), 0);
	return { accepted: stats.accepted, lost, duplicated, rejected: stats.rejected };
}

async function main() {
	const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
	const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' });
	const fake = startFake(publicKey.export({ type: 'spki', format: 'pem' }));
	const { port, caFile } = await fake.start();
	const caPem = require('node:fs').readFileSync(caFile, 'utf8');
	const tokens = deviceTokens();
	let server = null;
	try {
		console.log(
			`APNs throughput: ${TOTAL} notifications = ${MESSAGES} messages × ${DEVICES} devices, in-flight window ${WINDOW}, one connection each side, ${ROUNDS} rounds`,
		);

		// Warm-ups (JIT, connections, SQLite pages), not measured.
		const jwt = providerToken(privateKeyPem);
		await fake.expect(Math.min(2000, TOTAL));
		await bareClient(port, caPem, jwt, tokens, Math.min(2000, TOTAL));
		server = await startPingServer({
			PING_APNS_KEY: privateKeyPem,
			PING_APNS_KEY_ID: KEY_ID,
			PING_APNS_TEAM_ID: TEAM_ID,
			PING_APNS_TOPIC: TOPIC,
			PING_APNS_HOST: '127.0.0.1',
			PING_APNS_PORT: String(port),
			PING_APNS_CA: caFile,
			PING_APNS_MAX_IN_FLIGHT: String(WINDOW),
			// BENCH_PROF=/path/preload.js: a preload for the server process (e.g. one that starts the inspector's profiler).
			...(process.env.BENCH_PROF ? { NODE_OPTIONS: '--require ' + process.env.BENCH_PROF } : {}),
		});
		const deviceIds = [];
		for (let i = 0; i < tokens.length; i += 50) {
			const batch = tokens
				.slice(i, i + 50)
				.map((token) =>
					api(server.url, 'POST', '/v1/devices', { token, environment: 'production' }, ADMIN_KEY),
				);
			for (const res of await Promise.all(batch)) deviceIds.push(res.device.id);
		}
		await serverPath(server, fake, tokens, DEVICES, 1);

		// Rounds alternate bare and server, so a noisy neighbour on the machine hits both alike;
		// the medians are compared.
		const bareMs = [];
		const serverMs = [];
		const totals = {
			bare: { lost: 0, duplicated: 0, rejected: 0 },
			server: { lost: 0, duplicated: 0, rejected: 0 },
		};
		const add = (into, t) => {
			into.lost += t.lost;
			into.duplicated += t.duplicated;
			into.rejected += t.rejected;
		};
		let answeredMs = 0;
		for (let round = 0; round < ROUNDS; round++) {
			const { reached: bareReached } = await fake.expect(TOTAL);
			const bare = await bareClient(port, caPem, jwt, tokens, TOTAL);
			await bareReached;
			add(totals.bare, tally(bare.ids, await fake.stats()));
			bareMs.push(bare.ms);

			const run = await serverPath(server, fake, tokens, TOTAL, MESSAGES);
			const expected = run.messageIds.flatMap((m) => deviceIds.map((d) => notificationId(m, d)));
			add(totals.server, tally(expected, await fake.stats()));
			serverMs.push(run.ms);
			answeredMs = Math.max(answeredMs, run.answeredMs);
			console.log(
				`  round ${round + 1}: bare ${(TOTAL / (bare.ms / 1000)).toFixed(0)}/s, server ${(TOTAL / (run.ms / 1000)).toFixed(0)}/s`,
			);
		}

		const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
		const bareRate = TOTAL / (median(bareMs) / 1000);
		const serverRate = TOTAL / (median(serverMs) / 1000);
		const line = (name, rate, ms, t) =>
			`${name.padEnd(26)} ${rate.toFixed(0).padStart(7)} notifications/s  (median ${(ms / 1000).toFixed(2)} s)  lost ${t.lost}  duplicated ${t.duplicated}  rejected ${t.rejected}`;
		console.log(line('bare node:http2 client', bareRate, median(bareMs), totals.bare));
		console.log(line('whole server path', serverRate, median(serverMs), totals.server));
		console.log(
			`ratio server / bare: ${(serverRate / bareRate).toFixed(2)}x (goal >= 0.70x); the ${MESSAGES} sends of a round were all answered within ${answeredMs.toFixed(0)} ms`,
		);
		const serverTally = totals.server;
		const bareTally = totals.bare;
		const ok =
			serverTally.lost === 0 &&
			serverTally.duplicated === 0 &&
			bareTally.lost === 0 &&
			bareTally.duplicated === 0;
		if (!ok) {
			console.error('lost or duplicated notifications');
			process.exitCode = 1;
		}
	} finally {
		if (server) await server.stop();
		await fake.stop();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
