#!/usr/bin/env node
/**
 * Web Push throughput: pushes per second through the whole server path (POST /v1/send →
 * durable webpush.message job → web-push (VAPID JWT + aes128gcm encryption) → fake push
 * service) beside a bare loop over web-push's sendNotification with the same window of
 * requests in flight, sending the same count of the same payload to the same fake, both in
 * this run. Loopback only.
 *
 * Shape: MESSAGES messages × BROWSERS paired browsers (10 × 200 = 2,000 pushes by default).
 * The fake push service runs in its own process and checks every request like a real one
 * (VAPID signature, audience, expiry; decrypts the body), so neither side can skip work.
 * Lost (expected, never accepted) and duplicated (accepted twice) pushes must both be 0.
 *
 * Usage: npm run build --workspace server && node bench/webpush.js [messages=10] [browsers=200] [rounds=3]
 */
'use strict';
const https = require('node:https');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { ADMIN_KEY, ROOT, api, forkFake, startPingServer } = require('./lib');

const dist = (...p) => require(path.join(ROOT, 'server', 'dist', ...p));
const { SqliteStore } = dist('store', 'sqlite', 'sqlite-store.js');
const { makePairedDevice } = dist('domain', 'pairing.js');
const { ADMIN_ACCOUNT_ID } = dist('domain', 'keys.js');
const { messageNotification } = dist('delivery', 'webpush', 'payload.js');
const webpush = require(require.resolve('web-push', { paths: [path.join(ROOT, 'server')] }));

const MESSAGES = Math.min(100, Math.max(1, Number(process.argv[2]) || 10));
const BROWSERS = Math.min(2000, Math.max(1, Number(process.argv[3]) || 200));
const ROUNDS = Math.min(9, Math.max(1, Number(process.argv[4]) || 3));
/** The server's window (WebPushSender.windowSize): requests in flight per job. */
const WINDOW = 64;
const TOTAL = MESSAGES * BROWSERS;
const DEADLINE_MS = 120_000;
const SUBJECT = 'mailto:bench@example.com';
const TITLE = 'Deploy to production?';
const BODY =
	'Build **#1842** passed. Approve to roll out `v2.7.0` to all regions, or decline to hold.';

function startFake() {
	const fake = forkFake(path.join(__dirname, 'webpush', 'push-service-child.js'));
	const { ask } = fake;
	return {
		start: (vapidPublicKey) => ask('start', 'started', { vapidPublicKey }),
		subscribe: (count) => ask('subscribe', 'subscribed', { count }),
		expect: fake.expect,
		stats: fake.stats,
		stop: fake.stop,
	};
}

function deadline(promise, what) {
	let timer;
	return Promise.race([
		promise.finally(() => clearTimeout(timer)),
		new Promise((_, reject) => {
			timer = setTimeout(
				() => reject(new Error(`${what}: no result within ${DEADLINE_MS} ms`)),
				DEADLINE_MS,
			);
		}),
	]);
}

async function checkCounts(fake, phase) {
	const s = await fake.stats();
	const lost = TOTAL - s.received;
	if (lost !== 0 || s.maxPerSubscription !== MESSAGES || s.refused !== 0)
		throw new Error(
			`${phase}: ${s.received}/${TOTAL} accepted, ${s.refused} refused, max ${s.maxPerSubscription} per browser`,
		);
	return { lost, duplicated: 0 };
}

/** The whole server: sends MESSAGES messages at once, waits until the fake accepted every push. */
async function serverRound(server, channelToken, fake) {
	const { reached } = await fake.expect(TOTAL);
	const started = performance.now();
	await Promise.all(
		Array.from({ length: MESSAGES }, (_, i) =>
			api(server.url, 'POST', `/v1/send/${channelToken}`, {
				title: `${TITLE} #${i}`,
				body: BODY,
				priority: 'high',
				actions: [
					{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
					{ type: 'button', label: 'Decline', key: 'decline', style: 'destructive' },
				],
			}),
		),
	);
	await deadline(reached, 'server phase');
	const seconds = (performance.now() - started) / 1000;
	await checkCounts(fake, 'server phase');
	return TOTAL / seconds;
}

/** The baseline: web-push's sendNotification in a loop, WINDOW in flight, same payload and fake. */
async function bareRound(subscriptions, vapid, fake, caPem) {
	const agent = new https.Agent({ keepAlive: true, maxSockets: WINDOW, ca: caPem });
	const { payload } = messageNotification(
		{
			id: 'msg_benchmark000',
			channelId: 'ch_benchmark00',
			title: TITLE,
			body: BODY,
			priority: 'high',
			callbackUrl: null,
			actions: [],
			createdAt: Date.now(),
			expiresAt: null,
			muted: false,
		},
		{ answerUrl: `http://127.0.0.1/a/${'x'.repeat(32)}`, baseUrl: 'http://127.0.0.1' },
		Date.now(),
	);
	const { reached } = await fake.expect(TOTAL);
	const started = performance.now();
	let next = 0;
	const worker = async () => {
		while (next < TOTAL) {
			const s = subscriptions[next++ % subscriptions.length];
			await webpush.sendNotification(
				{ endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } },
				payload,
				{ TTL: 86400, urgency: 'high', topic: 'msg_benchmark000', vapidDetails: vapid, agent },
			);
		}
	};
	await Promise.all(Array.from({ length: WINDOW }, worker));
	await deadline(reached, 'bare phase');
	const seconds = (performance.now() - started) / 1000;
	agent.destroy();
	await checkCounts(fake, 'bare phase');
	return TOTAL / seconds;
}

/** Paired, subscribed browsers written into the server's database before it starts. */
async function seedBrowsers(databaseFile, subscriptions) {
	const store = new SqliteStore(databaseFile);
	const now = Date.now() - 1000;
	await store.ensureAccount(ADMIN_ACCOUNT_ID, now);
	for (const s of subscriptions) {
		const { device } = makePairedDevice(
			{
				codeHash: 'x',
				accountId: ADMIN_ACCOUNT_ID,
				channelIds: null,
				name: 'bench',
				createdAt: now,
				expiresAt: now,
			},
			null,
			now,
		);
		await store.insertDevice({
			...device,
			subscription: { endpoint: s.endpoint, p256dh: s.p256dh, auth: s.auth },
		});
	}
	await store.close();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
	const vapidKeys = webpush.generateVAPIDKeys();
	const vapid = {
		subject: SUBJECT,
		publicKey: vapidKeys.publicKey,
		privateKey: vapidKeys.privateKey,
	};
	const fake = startFake();
	const { caFile } = await fake.start(vapidKeys.publicKey);
	const caPem = require('node:fs').readFileSync(caFile, 'utf8');
	const { subscriptions } = await fake.subscribe(BROWSERS);
	const { mkdtempSync, rmSync } = require('node:fs');
	const dir = mkdtempSync(path.join(require('node:os').tmpdir(), 'ping-bench-webpush-'));
	const databaseFile = path.join(dir, 'ping.db');
	await seedBrowsers(databaseFile, subscriptions);
	const server = await startPingServer({
		PING_DATABASE: databaseFile,
		PING_WEBPUSH_PUBLIC_KEY: vapidKeys.publicKey,
		PING_WEBPUSH_PRIVATE_KEY: vapidKeys.privateKey,
		PING_WEBPUSH_SUBJECT: SUBJECT,
		PING_CALLBACK_ALLOW: '127.0.0.1/32',
		// The fake's self-signed certificate, trusted the standard Node way for this process only.
		NODE_EXTRA_CA_CERTS: caFile,
	});
	const channel = await api(server.url, 'POST', '/v1/channels', { name: 'bench' }, ADMIN_KEY);
	const token = channel.webhook_token;
	console.log(
		`Web Push: ${MESSAGES} messages × ${BROWSERS} browsers = ${TOTAL} pushes per round, ${ROUNDS} rounds`,
	);
	const serverRates = [];
	const bareRates = [];
	try {
		for (let r = 0; r < ROUNDS; r++) {
			bareRates.push(await bareRound(subscriptions, vapid, fake, caPem));
			serverRates.push(await serverRound(server, token, fake));
			console.log(
				`  round ${r + 1}: server ${serverRates[r].toFixed(0)}/s, bare web-push ${bareRates[r].toFixed(0)}/s, ` +
					`ratio ${(serverRates[r] / bareRates[r]).toFixed(2)}×`,
			);
		}
	} finally {
		await server.stop();
		await fake.stop();
		rmSync(dir, { recursive: true, force: true });
	}
	const ratios = serverRates.map((s, i) => s / bareRates[i]);
	console.log(
		`\nmedian: server ${median(serverRates).toFixed(0)} pushes/s, bare web-push loop ${median(bareRates).toFixed(0)} pushes/s, ` +
			`ratio ${median(ratios).toFixed(2)}× (range ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×); ` +
			'0 lost, 0 duplicated',
	);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
