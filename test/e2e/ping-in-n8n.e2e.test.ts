import { createHmac, randomBytes } from 'node:crypto';
import { ADMIN_KEY, api, sendMessage } from '../helpers/server';
import { CredentialIds, createPingCredentials } from './harness/credentials';
import {
	answer,
	channelWebhooks,
	getMessage,
	postForgedCallback,
	StoredMessage,
	waitForCallbackDelivered,
	waitForMessageTitled,
} from './harness/ping';
import { FakeReceiver } from '../fakes/callback-receiver';
import { FakeOpenAi } from '../fakes/fake-openai';
import { e2eSuite } from './harness/suite';
import { progress } from './harness/stack';
import {
	CHROMIUM_PATH,
	chromiumAvailable,
	launchChromium,
	PHONE,
	watchErrors,
} from '../helpers/browser';
import { expectNothingFor, waitFor } from './harness/wait';
import {
	Execution,
	createCredential,
	createWorkflow,
	getExecution,
	listExecutions,
	loadWorkflow,
	nodeOutput,
	publishWorkflow,
	unpublishWorkflow,
	waitForExecutions,
} from './harness/workflows';

/**
 * The packed package inside a real n8n 2.40.7, driven the way a user's workflows run:
 * production webhook URLs, published workflows, real signed callbacks from the Ping server.
 * Scenarios run in order and share one n8n; each uses its own workflow.
 */
const { stack, scenario } = e2eSuite();

const PACKAGE = 'n8n-nodes-ping';
let credentials: CredentialIds;

async function publish(file: string, placeholders: Record<string, string> = {}): Promise<string> {
	const { n8n } = stack();
	const id = await createWorkflow(n8n, loadWorkflow(file, credentials, placeholders));
	await publishWorkflow(n8n, id);
	return id;
}

async function startByWebhook(path: string, body: Record<string, unknown>): Promise<void> {
	const res = await fetch(stack().n8n.webhookUrl(path), {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	if (res.status !== 200)
		throw new Error(`POST /webhook/${path} → ${res.status} ${await res.text()}`);
}

/** A browser scenario without Chromium: skipped loudly (true), or failed in CI, where it is installed. */
function skippedWithoutChromium(): boolean {
	if (chromiumAvailable()) return false;
	if (process.env.CI)
		throw new Error(`Chromium not found at ${CHROMIUM_PATH} (.ci/run installs it)`);
	progress(
		`*** SKIPPED: Chromium not found at ${CHROMIUM_PATH}; install chromium to run this scenario ***`,
	);
	return true;
}

function uniqueTitle(prefix: string): string {
	return `${prefix} ${randomBytes(4).toString('hex')}`;
}

/** The execution a waiting message belongs to, read from its resume URL. */
function executionIdOf(message: StoredMessage): string {
	const match = /\/webhook-waiting\/(\d+)\/[^/?]+\?signature=[0-9a-f]{64}$/.exec(
		message.callback_url ?? '',
	);
	if (!match)
		throw new Error(`callback_url is not an n8n signed resume URL: ${message.callback_url}`);
	return match[1];
}

async function waitForStatus(
	executionId: string,
	statuses: string[],
	timeoutMs = 60_000,
): Promise<Execution> {
	let last: Execution | undefined;
	return waitFor(
		`execution ${executionId} to be ${statuses.join(' or ')}`,
		async () => {
			last = await getExecution(stack().n8n, executionId);
			if (
				['error', 'crashed', 'canceled'].includes(last.status) &&
				!statuses.includes(last.status)
			) {
				throw new Error(
					`execution ${executionId} ended ${last.status}: ${last.data?.resultData.error?.message ?? ''}`,
				);
			}
			return statuses.includes(last.status) ? last : undefined;
		},
		{ timeoutMs, intervalMs: 300 },
		() => `status ${last?.status}`,
	);
}

/** A callback correctly signed with the channel secret (what Ping itself would send). */
async function postSignedCallback(url: string, body: Record<string, unknown>): Promise<number> {
	const raw = JSON.stringify(body);
	const t = Math.floor(Date.now() / 1000);
	const v1 = createHmac('sha256', stack().channel.secret).update(`${t}.${raw}`).digest('hex');
	const res = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'x-ping-signature': `t=${t},v1=${v1}` },
		body: raw,
	});
	return res.status;
}

/** One signed delivery with its idempotency key; the answer's status and JSON body. */
async function postSignedCallbackWithKey(
	url: string,
	body: Record<string, unknown>,
	key: string,
): Promise<{ status: number; body: unknown }> {
	const raw = JSON.stringify(body);
	const t = Math.floor(Date.now() / 1000);
	const v1 = createHmac('sha256', stack().channel.secret).update(`${t}.${raw}`).digest('hex');
	const res = await fetch(url, {
		method: 'POST',
		headers: {
			'content-type': 'application/json',
			'x-ping-signature': `t=${t},v1=${v1}`,
			'x-ping-idempotency-key': key,
		},
		body: raw,
	});
	const text = await res.text();
	let parsed: unknown = text;
	try {
		parsed = JSON.parse(text);
	} catch {
		// not JSON: compared as text
	}
	return { status: res.status, body: parsed };
}

function pingBodyFor(message: StoredMessage, triggeredBy: string): Record<string, unknown> {
	return {
		message_id: message.id,
		channel_id: message.channel_id,
		timestamp: new Date().toISOString(),
		triggered_by: triggeredBy,
		responses: {},
	};
}

scenario(
	'n8n loads the packed package: node types (and the human-review tool) and credential types are listed',
	async () => {
		const { n8n } = stack();
		const nodes =
			await n8n.get<Array<{ name: string; outputs?: unknown; subtitle?: string }>>(
				'/types/nodes.json',
			);
		expect(nodes.status).toBe(200);
		const names = nodes.body.map((node) => node.name);
		expect(names).toEqual(
			expect.arrayContaining([
				`${PACKAGE}.pingSend`,
				`${PACKAGE}.pingWaitForResponse`,
				`${PACKAGE}.pingTrigger`,
				// n8n generates a "<name>Tool" for nodes marked usableAsTool …
				`${PACKAGE}.pingSendTool`,
				// … and a "<name>HitlTool" (human review for AI agent tool calls) for nodes with a
				// sendAndWait operation and a webhook: this is how n8n 2.x offers Ping as a review step.
				`${PACKAGE}.pingWaitForResponseHitlTool`,
			]),
		);
		const hitl = nodes.body.find((node) => node.name === `${PACKAGE}.pingWaitForResponseHitlTool`)!;
		expect(hitl.outputs).toEqual([
			expect.objectContaining({ displayName: 'Human review', type: 'ai_tool' }),
		]);

		const types = await n8n.get<Array<{ name: string }>>('/types/credentials.json');
		expect(types.status).toBe(200);
		expect(types.body.map((credential) => credential.name)).toEqual(
			expect.arrayContaining(['pingApi', 'pingAccountApi']),
		);

		credentials = await createPingCredentials(n8n, stack());
	},
);

scenario(
	'Ping Send: a webhook-started workflow puts the message on the Ping server, which pushes it to the phone (fake APNs)',
	async () => {
		const { n8n, channel, apns, device } = stack();
		await publish('send-from-webhook.json');

		const started = await fetch(n8n.webhookUrl('ping-e2e-send'), {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ title: 'Deploy v1.2 to production?', text: 'Requested by **e2e**' }),
		});
		const sent = (await started.json()) as Record<string, unknown>;
		expect(started.status).toBe(200);
		expect(sent).toMatchObject({
			ok: true,
			muted: false,
			id: expect.stringMatching(/^msg_[A-Za-z0-9]{12}$/),
		});

		const stored = await getMessage(stack(), String(sent.id));
		expect(stored).toMatchObject({
			channel_id: channel.id,
			title: 'Deploy v1.2 to production?',
			body: 'Requested by **e2e**',
			priority: 'high',
			state: 'pending',
			callback_url: null,
			actions: [
				{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
				{ type: 'button', label: 'Decline', key: 'decline', style: 'destructive' },
			],
		});

		// The push, as Apple would receive it: one notification to the registered device.
		const pushes = await waitFor(
			`the push of ${sent.id} to reach the fake APNs`,
			() => {
				const found = apns.fake
					.acceptedFor(device)
					.filter((push) => JSON.parse(push.payload).message_id === sent.id);
				return found.length > 0 ? found : undefined;
			},
			{ timeoutMs: 15_000 },
		);
		expect(pushes).toHaveLength(1);
		expect(pushes[0]).toMatchObject({ environment: 'production', pushType: 'alert', priority: 10 });
		const payload = JSON.parse(pushes[0].payload);
		expect(payload).toMatchObject({ message_id: sent.id, channel_id: channel.id });
		expect(payload.aps).toMatchObject({
			alert: { title: 'Deploy v1.2 to production?', body: 'Requested by e2e' },
			'interruption-level': 'time-sensitive',
			'thread-id': channel.id,
		});
		const delivered = await waitFor(
			'the Ping server to record the push as sent',
			async () => {
				const deliveries = (await getMessage(stack(), String(sent.id))).deliveries as Array<{
					state: string;
				}>;
				return deliveries?.length === 1 && deliveries[0].state === 'sent' ? deliveries : undefined;
			},
			{ timeoutMs: 15_000 },
		);
		expect(delivered).toEqual([
			expect.objectContaining({ state: 'sent', apns_id: pushes[0].apnsId }),
		]);
	},
);

scenario(
	'Ping Callback Trigger: registers on publish, one execution per answer with the callback body, none for a forged POST, unregisters on unpublish',
	async () => {
		const s = stack();
		const { n8n } = s;
		expect(await channelWebhooks(s)).toEqual([]);

		const workflowId = await publish('callback-trigger.json', { PING_CHANNEL_ID: s.channel.id });
		const triggerUrl = `${n8n.baseUrl}/webhook/6f1f7c52-2d0e-4a4e-9c1e-5e2e0c1a0002/ping`;
		expect(await channelWebhooks(s)).toEqual([expect.objectContaining({ url: triggerUrl })]);

		const messageId = await sendMessage(s.ping.url, s.channel.token, {
			title: 'Restart the payment worker?',
			actions: [
				{ type: 'button', label: 'Restart', key: 'restart' },
				{ type: 'toggle', label: 'Drain first', key: 'drain' },
			],
		});
		const callbackBody = await answer(s, messageId, 'restart', { drain: true });

		const [execution] = await waitForExecutions(
			n8n,
			workflowId,
			1,
			'the answer to start one execution of the trigger workflow',
		);
		expect(execution.status).toBe('success');
		expect(nodeOutput(await getExecution(n8n, execution.id), 'Ping Callback Trigger')).toEqual([
			callbackBody,
		]);

		const forged = await postForgedCallback(triggerUrl, {
			...callbackBody,
			triggered_by: 'restart',
		});
		expect(forged.status).toBe(401);
		// Neither the forged POST nor a duplicate delivery of the real answer may start anything.
		await expectNothingFor(
			'a second execution of the trigger workflow',
			async () => {
				const executions = await listExecutions(n8n, workflowId);
				return executions.length > 1 ? executions.map((e) => e.id) : undefined;
			},
			{ durationMs: 3000, intervalMs: 500 },
		);

		// One delivery POSTed twice (the server's resend of a 2xx that came too late, or a replay):
		// the second copy is acknowledged as a duplicate and starts nothing.
		const delivery = {
			...callbackBody,
			message_id: await sendMessage(s.ping.url, s.channel.token, { title: uniqueTitle('Twice') }),
		};
		const key = `dlv_${randomBytes(10).toString('hex')}`;
		const first = await postSignedCallbackWithKey(triggerUrl, delivery, key);
		const second = await postSignedCallbackWithKey(triggerUrl, delivery, key);
		// The first copy starts the workflow (n8n answers it in its own way for an onReceived webhook).
		expect(first.status).toBe(200);
		expect(second).toEqual({ status: 200, body: { ok: true, duplicate: true } });
		await waitForExecutions(
			n8n,
			workflowId,
			2,
			'the first copy of the delivery to start one execution',
		);
		await expectNothingFor(
			'the second copy of the delivery starting an execution',
			async () => {
				const executions = await listExecutions(n8n, workflowId);
				return executions.length > 2 ? executions.map((e) => e.id) : undefined;
			},
			{ durationMs: 3000, intervalMs: 500 },
		);

		await unpublishWorkflow(n8n, workflowId);
		await waitFor(
			'the channel webhook to be removed after unpublishing',
			async () => ((await channelWebhooks(s)).length === 0 ? true : undefined),
			{
				timeoutMs: 15_000,
			},
		);
	},
);

scenario(
	'Ping Send with the Callback Trigger URL as callback_url (pasted URL, no registration): the answer starts the trigger workflow',
	async () => {
		const s = stack();
		const { n8n } = s;
		const workflowId = await publish('callback-trigger-manual.json');
		const triggerUrl = `${n8n.baseUrl}/webhook/6f1f7c52-2d0e-4a4e-9c1e-5e2e0c1a0007/ping`;
		// Manual registration leaves the channel's webhooks alone.
		expect(await channelWebhooks(s)).toEqual([]);

		const title = uniqueTitle('Approve the invoice');
		await startByWebhook('ping-e2e-send', {
			title,
			text: 'Invoice **#42**',
			callbackUrl: triggerUrl,
		});
		const message = await waitForMessageTitled(s, title);
		expect(message.callback_url).toBe(triggerUrl);

		const callbackBody = await answer(s, message.id, 'approve');
		await waitForCallbackDelivered(s, message.id);
		const [execution] = await waitForExecutions(
			n8n,
			workflowId,
			1,
			'the callback to start one execution of the trigger workflow',
		);
		expect(execution.status).toBe('success');
		expect(nodeOutput(await getExecution(n8n, execution.id), 'Ping Callback Trigger')).toEqual([
			callbackBody,
		]);
		await unpublishWorkflow(n8n, workflowId);
	},
);

scenario(
	'Ping Wait for Response (signed callback): waits, ignores forged callbacks, resumes with approved true / false',
	async () => {
		const s = stack();
		await publish('wait-for-approval.json');

		// Approve.
		const title = uniqueTitle('Deploy approval');
		await startByWebhook('ping-e2e-approval', { title, version: 'v1.2.3' });
		const message = await waitForMessageTitled(s, title);
		expect(message.body).toBe('Deploy **v1.2.3** to production?');
		expect(message.actions.map((action) => action.key)).toEqual(['approve', 'decline']);
		const executionId = executionIdOf(message);
		expect(
			message.callback_url!.startsWith(`${s.n8n.baseUrl}/webhook-waiting/${executionId}/`),
		).toBe(true);
		await waitForStatus(executionId, ['waiting']);

		// A callback with a forged Ping signature, to the real resume URL: refused, still waiting.
		const forged = await postForgedCallback(message.callback_url!, pingBodyFor(message, 'approve'));
		expect(forged.status).toBe(401);
		// A correctly Ping-signed callback to a resume URL whose n8n signature was tampered with:
		// n8n itself refuses it (the node requires n8n's resume-URL signature).
		const tampered = message.callback_url!.replace(
			/signature=([0-9a-f])/,
			(_, c: string) => `signature=${c === '0' ? '1' : '0'}`,
		);
		expect(
			await postSignedCallback(tampered, pingBodyFor(message, 'approve')),
		).toBeGreaterThanOrEqual(400);
		// A correctly signed answer to another message of the channel (what a channel webhook or
		// another message's receiver gets), POSTed to this execution's real resume URL: refused,
		// because this execution waits for its own message only.
		const otherId = await sendMessage(s.ping.url, s.channel.token, {
			title: uniqueTitle('Another question'),
			actions: [{ type: 'button', label: 'Approve', key: 'approve' }],
		});
		expect(
			await postSignedCallback(
				message.callback_url!,
				pingBodyFor({ ...message, id: otherId }, 'approve'),
			),
		).toBe(401);
		await expectNothingFor(
			'the execution leaving the waiting state without a real answer',
			async () => {
				const execution = await getExecution(s.n8n, executionId);
				return execution.status === 'waiting' ? undefined : execution.status;
			},
			{ durationMs: 2000, intervalMs: 500 },
		);

		await answer(s, message.id, 'approve');
		const approved = await waitForStatus(executionId, ['success']);
		const [approvedItem] = nodeOutput(approved, 'Ask for approval');
		expect(approvedItem.data).toMatchObject({
			approved: true,
			triggered_by: 'approve',
			message_id: message.id,
			channel_id: s.channel.id,
		});
		// n8n answered the resume callback with a 2xx, so Ping records it as delivered (no retries).
		await waitForCallbackDelivered(s, message.id);

		// Decline.
		const declineTitle = uniqueTitle('Deploy approval');
		await startByWebhook('ping-e2e-approval', { title: declineTitle, version: 'v1.2.4' });
		const declineMessage = await waitForMessageTitled(s, declineTitle);
		const declineExecutionId = executionIdOf(declineMessage);
		expect(declineExecutionId).not.toBe(executionId);
		await waitForStatus(declineExecutionId, ['waiting']);
		await answer(s, declineMessage.id, 'decline');
		const declined = await waitForStatus(declineExecutionId, ['success']);
		expect(nodeOutput(declined, 'Ask for approval')[0].data).toMatchObject({
			approved: false,
			triggered_by: 'decline',
		});
	},
);

scenario(
	'Ping Wait for Response (signed callback): an answer given right after the send resumes within a second (p95 over 20)',
	async () => {
		const s = stack();
		const latencies: number[] = [];
		const answeredAfterSend: number[] = [];
		for (let i = 0; i < 20; i++) {
			const title = uniqueTitle('Fast approval');
			await startByWebhook('ping-e2e-approval', { title, version: `v9.0.${i}` });
			// Loopback only, bounded: look for the message as fast as the server answers.
			let message: StoredMessage | undefined;
			const deadline = Date.now() + 10_000;
			while (!message && Date.now() < deadline) {
				const res = await api(s.ping.url, 'GET', `/v1/channels/${s.channel.id}/messages?limit=5`, {
					key: ADMIN_KEY,
				});
				message = (res.body.messages as StoredMessage[]).find((m) => m.title === title);
			}
			if (!message) throw new Error(`no message titled "${title}" within 10 s`);
			const answeredAt = Date.now();
			await answer(s, message.id, 'approve');
			answeredAfterSend.push(answeredAt - Date.parse(String(message.created_at)));
			const executionId = executionIdOf(message);
			await waitFor(
				`execution ${executionId} to finish after a fast answer`,
				async () =>
					(await getMessage(s, message!.id)).callback_state === 'delivered' ? true : undefined,
				{ timeoutMs: 30_000, intervalMs: 20 },
			);
			latencies.push(Date.now() - answeredAt);
			const done = await waitForStatus(executionId, ['success']);
			expect(nodeOutput(done, 'Ask for approval')[0].data).toMatchObject({
				approved: true,
				message_id: message.id,
			});
		}
		const sorted = [...latencies].sort((a, b) => a - b);
		const p95 = sorted[Math.ceil(0.95 * sorted.length) - 1];
		const sendToAnswer = [...answeredAfterSend].sort((a, b) => a - b);
		console.log(
			`fast answers: answered ${sendToAnswer[0]}–${sendToAnswer[sendToAnswer.length - 1]} ms after the send (median ${sendToAnswer[10]} ms); ` +
				`answer → resume delivered: median ${sorted[10]} ms, p95 ${p95} ms, max ${sorted[sorted.length - 1]} ms`,
		);
		expect(p95).toBeLessThan(1_000);
	},
	240_000,
);

scenario(
	'Ping Wait for Response (signed callback): a person opens the answer link in Chromium and taps Approve; the waiting execution resumes (no API key involved)',
	async () => {
		const s = stack();
		if (skippedWithoutChromium()) return;
		const title = uniqueTitle('Deploy approval (answer link)');
		await startByWebhook('ping-e2e-approval', { title, version: 'v4.0.0' });
		// The person gets the link with the push (or through any other node, from Ping Send's output).
		const push = await waitFor(
			`the push of "${title}" to carry its answer link`,
			() =>
				s.apns.fake
					.acceptedFor(s.device)
					.map((p) => JSON.parse(p.payload))
					.find((payload) => payload.aps?.alert?.title === title),
			{ timeoutMs: 15_000 },
		);
		const link = String(push.answer_url);
		expect(link).toMatch(new RegExp(`^${s.ping.url}/a/[A-Za-z0-9]{12}[A-Za-z0-9_-]{32}$`));
		// Watching only (the answer itself needs no key): which execution waits for this message.
		const message = await waitForMessageTitled(s, title);
		expect(message.answer_url).toBe(link);
		const executionId = executionIdOf(message);
		await waitForStatus(executionId, ['waiting']);

		const browser = await launchChromium();
		try {
			const context = await browser.newContext(PHONE);
			const errors = watchErrors(context);
			const page = await context.newPage();
			expect((await page.goto(link))?.status()).toBe(200);
			expect(await page.locator('h1').textContent()).toBe(title);
			expect(await page.locator('.body strong').textContent()).toBe('v4.0.0');
			// Opening the page answered nothing: the execution still waits.
			expect((await getExecution(s.n8n, executionId)).status).toBe('waiting');
			await page.getByRole('button', { name: 'Approve' }).tap();
			await page.getByRole('status').waitFor();
			expect(await page.getByRole('status').textContent()).toContain('Your answer was sent');
			expect(errors).toEqual([]);
		} finally {
			await browser.close();
		}

		const resumed = await waitForStatus(executionId, ['success']);
		expect(nodeOutput(resumed, 'Ask for approval')[0].data).toMatchObject({
			approved: true,
			triggered_by: 'approve',
			message_id: message.id,
			channel_id: s.channel.id,
		});
		const answered = await waitForCallbackDelivered(s, message.id);
		expect(answered.answer).toMatchObject({ triggered_by: 'approve', responder: { via: 'link' } });
	},
);

scenario(
	'Ping Wait for Response (signed callback): a paired browser’s inbox (PWA) taps Approve in Chromium; the waiting execution resumes with responder via device',
	async () => {
		const s = stack();
		if (skippedWithoutChromium()) return;
		// An API-key holder makes a pairing link for the channel (the QR code a phone scans).
		const pairing = await api(s.ping.url, 'POST', '/v1/devices/pairings', {
			key: ADMIN_KEY,
			body: { channel_ids: [s.channel.id], name: 'On-call phone' },
		});
		expect(pairing.status).toBe(201);

		const browser = await launchChromium();
		try {
			const context = await browser.newContext(PHONE);
			const errors = watchErrors(context);
			const page = await context.newPage();
			await page.goto(String(pairing.body.pair_url));
			await page.getByRole('button', { name: 'Pair this browser' }).click();
			await page.waitForURL(`${s.ping.url}/app/?paired=1`);

			const title = uniqueTitle('Deploy approval (inbox)');
			await startByWebhook('ping-e2e-approval', { title, version: 'v5.0.0' });
			const message = await waitForMessageTitled(s, title);
			const executionId = executionIdOf(message);
			await waitForStatus(executionId, ['waiting']);

			await page.goto(`${s.ping.url}/app/`);
			const card = page.locator(`#m-${message.id}`);
			expect(await card.locator('h2').textContent()).toBe(title);
			// Opening the inbox answered nothing: the execution still waits.
			expect((await getExecution(s.n8n, executionId)).status).toBe('waiting');
			await card.getByRole('button', { name: 'Approve' }).tap();
			await page.waitForURL(`${s.ping.url}/app/?answered=1#m-${message.id}`);
			expect(await page.locator(`#m-${message.id}`).getAttribute('data-state')).toBe('answered');
			expect(errors).toEqual([]);

			const resumed = await waitForStatus(executionId, ['success']);
			expect(nodeOutput(resumed, 'Ask for approval')[0].data).toMatchObject({
				approved: true,
				triggered_by: 'approve',
				message_id: message.id,
			});
			const answered = await waitForCallbackDelivered(s, message.id);
			expect(answered.answer).toMatchObject({
				triggered_by: 'approve',
				responder: { via: 'device', name: 'On-call phone' },
			});
		} finally {
			await browser.close();
		}
	},
);

scenario(
	"Ping Wait for Response with Limit Wait Time: Ping's signed expiry event resumes it at the limit as a refusal, though its input says approved: true",
	async () => {
		const s = stack();
		await publish('wait-with-time-limit.json');
		const title = uniqueTitle('Deploy approval (3 s limit)');
		const started = Date.now();
		await startByWebhook('ping-e2e-approval-limited', { title, version: 'v3.0.0' });
		const message = await waitForMessageTitled(s, title);
		// The message expires with the wait, so a late tap cannot answer a finished execution.
		expect(
			Date.parse(String(message.expires_at)) - Date.parse(String(message.created_at)),
		).toBeLessThanOrEqual(4000);
		const executionId = executionIdOf(message);
		// Ping's expiry event, not n8n's once-a-minute wait tracker, ends the wait.
		const finished = await waitForStatus(executionId, ['success'], 30_000);
		expect(Date.now() - started).toBeLessThan(30_000);
		// The input carried `data.approved: true` (an earlier approval); the output must not.
		const [item] = nodeOutput(finished, 'Ask for approval');
		expect(item.data).toEqual({
			approved: false,
			timedOut: true,
			reason: 'expired',
			message_id: message.id,
			channel_id: s.channel.id,
		});
		const late = await api(s.ping.url, 'POST', `/v1/messages/${message.id}/respond`, {
			key: ADMIN_KEY,
			body: { triggered_by: 'approve', responses: {} },
		});
		expect(late.status).toBe(409);
	},
	60_000,
);

let agent: { model: FakeOpenAi; deploys: FakeReceiver } | undefined;

afterAll(async () => {
	await agent?.model.stop();
	await agent?.deploys.stop();
});

/** The fake chat model and the gated tool's receiver, and the OpenAI credential pointing at it. */
async function agentFixtures(): Promise<{ model: FakeOpenAi; deploys: FakeReceiver }> {
	if (agent) return agent;
	const model = await new FakeOpenAi().start();
	const deploys = await new FakeReceiver().start();
	agent = { model, deploys };
	credentials.openAiApi = await createCredential(stack().n8n, 'Fake OpenAI', 'openAiApi', {
		apiKey: 'sk-test-fake',
		url: model.url,
		header: false,
	});
	return agent;
}

/** The next review message the agent's tool call produced (all are titled "Approve Deploy?"). */
async function nextReviewMessage(seen: Set<string>): Promise<StoredMessage> {
	const s = stack();
	return waitFor(
		'a new review message titled "Approve Deploy?"',
		async () => {
			const res = await api(s.ping.url, 'GET', `/v1/channels/${s.channel.id}/messages?limit=20`, {
				key: ADMIN_KEY,
			});
			const found = (res.body.messages as StoredMessage[]).find(
				(m) => m.title === 'Approve Deploy?' && !seen.has(m.id),
			);
			if (found) seen.add(found.id);
			return found;
		},
		{ timeoutMs: 60_000 },
	);
}

const reviewed = new Set<string>();

scenario(
	'AI Agent + Ping review tool: the phone shows the tool and its input; approve runs the gated tool once, decline does not and the model is told',
	async () => {
		const s = stack();
		const { model, deploys } = await agentFixtures();
		const workflowId = await publish('agent-review.json', { DEPLOY_URL: deploys.url });

		await startByWebhook('ping-e2e-agent-review', { prompt: 'Deploy the service to production' });
		const approved = await nextReviewMessage(reviewed);
		// n8n's Message, rendered: the tool's name and its input as a JSON code block.
		expect(approved.body).toContain('The agent wants to run this tool: Deploy');
		expect(approved.body).toContain('```json');
		expect(approved.body).toContain('"environment": "production"');
		// The parameters are shown once, as the code block, not also as n8n's inline rendering.
		expect(approved.body).not.toMatch(/\[object Object\]|\[Object: |\{"environment"/);
		console.log(`review message: ${approved.title}\n${approved.body}`);
		expect(approved.callback_url).toMatch(/\/webhook-waiting\//);
		await answer(s, approved.id, 'approve');
		const [first] = await waitForExecutions(s.n8n, workflowId, 1, 'the approved agent run');
		expect((await waitForStatus(first.id, ['success'])).status).toBe('success');
		await deploys.waitFor(1);
		expect(deploys.received).toHaveLength(1);
		expect(deploys.received[0].path).toContain('environment=production');

		await startByWebhook('ping-e2e-agent-review', { prompt: 'Deploy the service to production' });
		const declined = await nextReviewMessage(reviewed);
		await answer(s, declined.id, 'decline');
		const runs = await waitForExecutions(s.n8n, workflowId, 2, 'the declined agent run');
		const second = runs.find((r) => r.id !== first.id)!;
		await waitForStatus(second.id, ['success']);
		await expectNothingFor(
			'a second deploy',
			() => (deploys.received.length > 1 ? deploys.received[1].path : undefined),
			{ durationMs: 2_000 },
		);
		expect(deploys.received).toHaveLength(1);
		expect(model.toolResults[model.toolResults.length - 1]).toMatch(/rejected the tool call/);
	},
	180_000,
);

scenario(
	'AI Agent + Ping review tool left unanswered past its limit, after an earlier approval: the tool does not run, the review resumes with approved false, timedOut true',
	async () => {
		const s = stack();
		const { model, deploys } = await agentFixtures();
		const before = deploys.received.length;
		const workflowId = await publish('agent-review-limited.json', { DEPLOY_URL: deploys.url });
		await startByWebhook('ping-e2e-agent-review-limited', { prompt: 'Deploy to production' });
		const message = await nextReviewMessage(reviewed);
		const [run] = await waitForExecutions(s.n8n, workflowId, 1, 'the unanswered agent run');
		const finished = await waitForStatus(run.id, ['success'], 60_000);
		const review = finished.data?.resultData.runData['Human review'] ?? [];
		const outputs = review.flatMap((r) =>
			Object.values(r.data ?? {}).flatMap((o) => (o as Array<Array<{ json: any }>>)[0] ?? []),
		);
		expect(outputs.map((item) => item.json.data)).toContainEqual({
			approved: false,
			timedOut: true,
			reason: 'expired',
			message_id: message.id,
			channel_id: s.channel.id,
		});
		await expectNothingFor(
			'a deploy',
			() => (deploys.received.length > before ? deploys.received[before].path : undefined),
			{ durationMs: 2_000 },
		);
		expect(deploys.received).toHaveLength(before);
		expect(model.toolResults[model.toolResults.length - 1]).toMatch(/rejected the tool call/);
	},
	120_000,
);

scenario(
	'Ping Wait for Response (polling): completes with the answer, no callback needed',
	async () => {
		const s = stack();
		const workflowId = await publish('wait-for-approval-polling.json');
		const title = uniqueTitle('Deploy approval (polling)');
		await startByWebhook('ping-e2e-approval-polling', { title, version: 'v2.0.0' });
		const message = await waitForMessageTitled(s, title);
		expect(message.callback_url).toBeNull();

		await answer(s, message.id, 'approve');
		const [execution] = await waitForExecutions(
			s.n8n,
			workflowId,
			1,
			'the polling execution to finish after the answer',
		);
		expect(execution.status).toBe('success');
		expect(
			nodeOutput(await getExecution(s.n8n, execution.id), 'Ask for approval')[0].data,
		).toMatchObject({
			approved: true,
			triggered_by: 'approve',
			message_id: message.id,
		});
	},
);
