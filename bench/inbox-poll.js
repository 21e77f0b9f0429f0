#!/usr/bin/env node
/**
 * What an open inbox costs the server. The inbox (`/app/`) updates live by polling: every
 * 10 s while it is visible, a GET of the page with the list version it shows
 * (`If-None-Match`), answered 304 when nothing changed, the full page when something did.
 * This measures both answers (autocannon, 32 connections, loopback, bounded) for a paired
 * browser whose list spans two channels and holds a full page (50 messages), beside a bare
 * `node:http` server in the same run, and turns the 304 rate into the cost of one open inbox.
 *
 * Usage: npm run build --workspace server && node bench/inbox-poll.js [--rounds 3] [--duration 3]
 */
'use strict';
const { ADMIN_KEY, api, load, startBareServer, startPingServer } = require('./lib');

const args = process.argv.slice(2);
const flag = (name, fallback) => {
	const at = args.indexOf(`--${name}`);
	return at === -1 ? fallback : Number(args[at + 1]);
};
const ROUNDS = flag('rounds', 3);
const DURATION = flag('duration', 3);
/** The inbox script's polling period (server/src/web/inbox/static/inbox.js, POLL_MS). */
const POLL_SECONDS = 10;

const line = (name, r, base) =>
	`${name.padEnd(40)} ${r.rps.toFixed(0).padStart(7)} req/s  p99 ${String(r.p99).padStart(4)} ms` +
	(base ? `  ${(r.rps / base.rps).toFixed(2)}x` : '') +
	(r.errors ? `  (errors ${r.errors})` : '');

async function main() {
	const server = await startPingServer();
	const bare = await startBareServer();
	try {
		const channels = [];
		for (const name of ['Deploys', 'Billing'])
			channels.push(await api(server.url, 'POST', '/v1/channels', { name }, ADMIN_KEY));
		for (let i = 0; i < 60; i++)
			await api(server.url, 'POST', `/v1/send/${channels[i % 2].webhook_token}`, {
				title: `Deploy v2.${i} to production?`,
				body: '**3 commits** by ana: fix login, faster search.',
				actions: [
					{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
					{ type: 'button', label: 'Decline', key: 'decline', style: 'destructive' },
				],
			});
		const pairing = await api(server.url, 'POST', '/v1/devices/pairings', {}, ADMIN_KEY);
		const paired = await fetch(pairing.pair_url, {
			method: 'POST',
			headers: {
				'content-type': 'application/x-www-form-urlencoded',
				'sec-fetch-site': 'same-origin',
			},
			body: 'name=bench',
			redirect: 'manual',
		});
		const cookie = paired.headers.get('set-cookie').split(';')[0];
		const page = await fetch(`${server.url}/app/`, { headers: { cookie } });
		const etag = page.headers.get('etag');
		const bytes = (await page.text()).length;
		console.log(
			`inbox: 50 of 60 messages on 2 channels, ${bytes} bytes; ${ROUNDS} rounds of ${DURATION} s, 32 connections; node ${process.version}`,
		);
		let best = { bare: null, unchanged: null, changed: null };
		const keep = (name, r) => {
			if (!best[name] || r.rps > best[name].rps) best[name] = r;
		};
		for (let round = 0; round < ROUNDS; round++) {
			keep('bare', await load({ url: bare.url, duration: DURATION }));
			keep(
				'unchanged',
				await load({
					url: `${server.url}/app/`,
					duration: DURATION,
					headers: { cookie, 'if-none-match': etag },
				}),
			);
			keep(
				'changed',
				await load({ url: `${server.url}/app/`, duration: DURATION, headers: { cookie } }),
			);
		}
		console.log('\nbest round of each');
		console.log(line('bare node:http', best.bare));
		console.log(line('poll, nothing new (304)', best.unchanged, best.bare));
		console.log(line('poll, list changed (full page, 200)', best.changed, best.bare));
		const perInbox = 1 / POLL_SECONDS;
		console.log(
			`\none open inbox: ${perInbox} req/s = ${((perInbox / best.unchanged.rps) * 100).toFixed(4)} % of the server's 304 capacity; ` +
				`${Math.floor((0.1 * best.unchanged.rps) / perInbox)} open inboxes would take 10 % of it`,
		);
	} finally {
		await bare.stop();
		await server.stop();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
