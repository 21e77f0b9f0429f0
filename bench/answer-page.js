#!/usr/bin/env node
/**
 * The answer page (`/a/<token>`), beside a bare `node:http` server answering a page of the
 * same bytes, measured in the same run (loopback only, bounded):
 *
 * 1. GET: requests/s and p99 of the answer page vs the bare page (autocannon, interleaved
 *    rounds, best round of each).
 * 2. POST: answers/s and p50/p99 of answering from the page (one POST per message, each a
 *    real answer) vs the same POSTs to the bare server, which answers a page of the
 *    confirmation's size.
 * 3. POST → callback: time from the page's POST to the signed callback arriving at a local
 *    receiver, next to the same for `POST /v1/messages/{id}/respond`, and a bare local POST.
 *
 * Usage: npm run build --workspace server && node bench/answer-page.js [answers=1000] [concurrency=16] [--rounds 3] [--duration 3]
 */
'use strict';
const http = require('node:http');
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const {
	ADMIN_KEY,
	api,
	freePort,
	load,
	percentile,
	pool,
	row,
	startCallbackReceiver,
	startPingServer,
	waitForHttp,
} = require('./lib');

const args = process.argv.slice(2);
const flag = (name, fallback) => {
	const at = args.indexOf(`--${name}`);
	return at === -1 ? fallback : Number(args[at + 1]);
};
const positional = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const ANSWERS = Math.max(200, Number(positional[0]) || 1000);
const CONCURRENCY = Math.min(64, Math.max(1, Number(positional[1]) || 16));
const ROUNDS = flag('rounds', 3);
const DURATION = flag('duration', 3);
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** One request on the shared keep-alive agent; resolves with status and body text. */
function request(url, method, body, headers = {}) {
	return new Promise((resolve, reject) => {
		const data = body === undefined ? undefined : Buffer.from(body);
		const req = http.request(url, {
			method,
			agent,
			headers: { ...(data ? { 'content-length': data.length } : {}), ...headers },
		});
		req.on('error', reject);
		req.on('response', (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () =>
				resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }),
			);
		});
		req.end(data);
	});
}

const ms = (v) => `${v.toFixed(2)} ms`;

/** A bare node:http server in its own process: GET answers `page`, POST reads the body and answers `confirmation`. */
async function startBarePage(dir, page, confirmation) {
	const port = await freePort();
	writeFileSync(join(dir, 'page.html'), page);
	writeFileSync(join(dir, 'confirmation.html'), confirmation);
	const code = `const fs = require('node:fs');
		const page = fs.readFileSync(${JSON.stringify(join(dir, 'page.html'))});
		const done = fs.readFileSync(${JSON.stringify(join(dir, 'confirmation.html'))});
		require('node:http').createServer((req, res) => {
			req.resume();
			req.on('end', () => {
				const b = req.method === 'POST' ? done : page;
				res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': b.length });
				res.end(b);
			});
		}).listen(${port}, '127.0.0.1');`;
	const child = spawn(process.execPath, ['-e', code], { stdio: 'inherit' });
	const url = `http://127.0.0.1:${port}`;
	await waitForHttp(url);
	return {
		url,
		stop: () =>
			new Promise((resolve) => {
				child.once('exit', resolve);
				child.kill('SIGTERM');
			}),
	};
}

const ACTIONS = [
	{ type: 'text', label: 'Comment', key: 'comment', max_length: 200 },
	{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
	{ type: 'button', label: 'Decline', key: 'decline', style: 'destructive' },
];
const formTokenOf = (html) => /name="form_token" value="([^"]+)"/.exec(html)[1];
const FORM = {
	'content-type': 'application/x-www-form-urlencoded',
	'sec-fetch-site': 'same-origin',
};

async function main() {
	const dir = mkdtempSync(join(tmpdir(), 'ping-bench-answer-'));
	const receiver = await startCallbackReceiver();
	const receiverUrl = receiver.url;

	const server = await startPingServer({ PING_CALLBACK_ALLOW: '127.0.0.1/32' });
	let bare;
	try {
		const channel = await api(server.url, 'POST', '/v1/channels', { name: 'Deploys' }, ADMIN_KEY);
		const token = channel.webhook_token;
		const sendOne = async (i, callback) => {
			const res = await request(
				`${server.url}/v1/send/${token}`,
				'POST',
				JSON.stringify({
					title: `Deploy v2.${i} to production?`,
					body: '**3 commits** by ana: fix login, faster search. [Changelog](https://example.com/changes)',
					priority: 'high',
					expires_in: 3600,
					actions: ACTIONS,
					...(callback ? { callback_url: `${receiverUrl}/hook` } : {}),
				}),
				{ 'content-type': 'application/json' },
			);
			const body = JSON.parse(res.text);
			return { id: body.id, url: body.answer_url };
		};

		// 1. GET: the page of one pending message vs the same bytes from a bare server.
		const sample = await sendOne(0, false);
		const page = (await request(sample.url, 'GET')).text;
		const sampleForm = new URLSearchParams({
			form_token: formTokenOf(page),
			'r.comment': 'Looks good',
			triggered_by: 'approve',
		}).toString();
		// The confirmation's size, from a throwaway answer.
		const throwaway = await sendOne(1, false);
		const throwawayPage = (await request(throwaway.url, 'GET')).text;
		const confirmation = (
			await request(
				throwaway.url,
				'POST',
				new URLSearchParams({
					form_token: formTokenOf(throwawayPage),
					triggered_by: 'approve',
				}).toString(),
				FORM,
			)
		).text;
		bare = await startBarePage(dir, page, confirmation);
		console.log(
			`answer page: ${Buffer.byteLength(page)} bytes, confirmation ${Buffer.byteLength(confirmation)} bytes; ` +
				`${ROUNDS} rounds of ${DURATION} s, 32 connections; node ${process.version}`,
		);
		let bestBare = null;
		let bestPage = null;
		for (let round = 0; round < ROUNDS; round++) {
			const b = await load({ url: bare.url, duration: DURATION });
			const p = await load({ url: sample.url, duration: DURATION });
			if (!bestBare || b.rps > bestBare.rps) bestBare = b;
			if (!bestPage || p.rps > bestPage.rps) bestPage = p;
		}
		console.log('\nGET (best round)');
		console.log(row('bare node:http, same bytes', bestBare));
		console.log(row('GET /a/<token> (pending question)', bestPage, bestBare));

		// 2. POST: real answers, one message each, vs the same POSTs to the bare server.
		const messages = [];
		await pool(ANSWERS, CONCURRENCY, async (i) => {
			const sent = await sendOne(i + 2, false);
			const html = (await request(sent.url, 'GET')).text;
			messages[i] = {
				url: sent.url,
				body: new URLSearchParams({
					form_token: formTokenOf(html),
					'r.comment': 'Looks good',
					triggered_by: 'approve',
				}).toString(),
			};
		});
		const timed = async (count, fn) => {
			const latencies = [];
			const t0 = performance.now();
			await pool(count, CONCURRENCY, async (i) => {
				const s = performance.now();
				await fn(i);
				latencies.push(performance.now() - s);
			});
			const seconds = (performance.now() - t0) / 1000;
			latencies.sort((a, b) => a - b);
			return {
				rps: count / seconds,
				p50: percentile(latencies, 50),
				p99: percentile(latencies, 99),
			};
		};
		const half = Math.floor(ANSWERS / 2);
		const bareRuns = [];
		const postRuns = [];
		for (const [from, to] of [
			[0, half],
			[half, ANSWERS],
		]) {
			bareRuns.push(
				await timed(to - from, async () => {
					const res = await request(bare.url, 'POST', sampleForm, FORM);
					if (res.status !== 200) throw new Error(`bare POST → ${res.status}`);
				}),
			);
			postRuns.push(
				await timed(to - from, async (i) => {
					const m = messages[from + i];
					const res = await request(m.url, 'POST', m.body, FORM);
					if (res.status !== 200) throw new Error(`POST /a/… → ${res.status}`);
				}),
			);
		}
		const best = (runs) => runs.reduce((a, b) => (b.rps > a.rps ? b : a));
		const bp = best(bareRuns);
		const pp = best(postRuns);
		console.log(`\nPOST, ${ANSWERS} answers at concurrency ${CONCURRENCY} (best half of each)`);
		console.log(
			`${'bare node:http, same form'.padEnd(34)} ${bp.rps.toFixed(0).padStart(8)} req/s  p50 ${ms(bp.p50)}  p99 ${ms(bp.p99)}`,
		);
		console.log(
			`${'POST /a/<token> (a real answer)'.padEnd(34)} ${pp.rps.toFixed(0).padStart(8)} req/s  p50 ${ms(pp.p50)}  p99 ${ms(pp.p99)} ${(pp.rps / bp.rps).toFixed(2)}x`,
		);

		// 3. POST → callback, next to /respond → callback, alternating, and a bare POST.
		const LATENCY = Math.min(ANSWERS, 1000);
		const withCallback = [];
		await pool(LATENCY * 2, CONCURRENCY, async (i) => {
			const sent = await sendOne(100_000 + i, true);
			const html = i % 2 === 0 ? (await request(sent.url, 'GET')).text : null;
			withCallback[i] = { ...sent, form: html && formTokenOf(html) };
		});
		const viaPage = [];
		const viaRespond = [];
		const bareRoundTrip = [];
		await pool(LATENCY * 2, CONCURRENCY, async (i) => {
			const m = withCallback[i];
			const arrived = receiver.arrival(m.id);
			const t0 = performance.now();
			const res =
				i % 2 === 0
					? await request(
							m.url,
							'POST',
							new URLSearchParams({ form_token: m.form, triggered_by: 'approve' }).toString(),
							FORM,
						)
					: await request(
							`${server.url}/v1/messages/${m.id}/respond`,
							'POST',
							JSON.stringify({ triggered_by: 'approve' }),
							{ 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
						);
			if (res.status !== 200) throw new Error(`answer → ${res.status}`);
			const t1 = await arrived;
			(i % 2 === 0 ? viaPage : viaRespond).push(t1 - t0);
			const b0 = performance.now();
			await request(`${receiverUrl}/bare`, 'POST', '{"message_id":"msg_000000000000"}', {
				'content-type': 'application/json',
			});
			bareRoundTrip.push(performance.now() - b0);
		});
		for (const list of [viaPage, viaRespond, bareRoundTrip]) list.sort((a, b) => a - b);
		const line = (name, list) =>
			`${name.padEnd(40)} p50 ${ms(percentile(list, 50)).padStart(9)}   p99 ${ms(percentile(list, 99)).padStart(9)}`;
		console.log(
			`\nanswer → signed callback at a local receiver, ${LATENCY} answers each, alternating`,
		);
		console.log(line('baseline: bare local HTTP POST', bareRoundTrip));
		console.log(line('POST /a/<token> → callback', viaPage));
		console.log(line('POST /v1/messages/{id}/respond → callback', viaRespond));
		console.log(
			`ratio page / respond: p50 ${(percentile(viaPage, 50) / percentile(viaRespond, 50)).toFixed(2)}x, ` +
				`p99 ${(percentile(viaPage, 99) / percentile(viaRespond, 99)).toFixed(2)}x`,
		);
	} finally {
		await bare?.stop();
		await server.stop();
		await receiver.close();
		agent.destroy();
		rmSync(dir, { recursive: true, force: true });
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
