import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deviceToken, PushTestbed, registerDevice, startPushTestbed } from '../../helpers/push';
import { createChannel, startTestServer, TestChannel, TestServer } from '../../helpers/server';
import { ensureN8n, N8nInstallation } from './n8n-cache';
import { N8n, startN8n } from './n8n';
import { buildAndPack, installIntoN8n } from './package-install';
import { tail } from './processes';

/**
 * Everything one e2e run starts: a fake APNs, a Ping server that pushes to it, one phone
 * (device) registered on the account, a channel, and n8n with this package.
 */
export interface Stack {
	installation: N8nInstallation;
	workDir: string;
	apns: PushTestbed;
	/** The registered device's APNs token: every message is pushed to it. */
	device: string;
	ping: TestServer;
	channel: TestChannel;
	n8n: N8n;
}

export function progress(line: string): void {
	process.stderr.write(`[e2e ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

/**
 * Starts the stack in dependency order. If any step fails, what was already started is
 * stopped before the error propagates, with n8n's log attached.
 */
export async function startStack(): Promise<Stack> {
	const installation = ensureN8n(progress);
	const workDir = mkdtempSync(join(tmpdir(), 'ping-e2e-'));
	const started: Array<() => Promise<void>> = [];
	try {
		progress('building and packing n8n-nodes-ping');
		const tarball = buildAndPack(join(workDir, 'pack'));
		const userFolder = join(workDir, 'n8n');
		installIntoN8n(tarball, userFolder);

		progress('starting the fake APNs and the Ping server');
		const apns = await startPushTestbed();
		started.push(() => apns.close());
		const ping = await startTestServer({
			dir: join(workDir, 'ping'),
			env: {
				...apns.env,
				// n8n listens on loopback; without this the server's address guard refuses callbacks to it.
				PING_CALLBACK_ALLOW: '127.0.0.1/32,::1,localhost',
			},
		});
		started.push(() => ping.stop({ keepFiles: true }));
		const channel = await createChannel(ping.url, 'n8n e2e');
		const device = deviceToken();
		await registerDevice(ping.url, device, 'production');

		progress(`starting n8n ${installation.dir.split('/').pop()} (user folder ${userFolder})`);
		const n8n = await startN8n(installation, userFolder);
		started.push(() => n8n.stop());
		progress(`n8n is ready on ${n8n.baseUrl}, Ping server on ${ping.url}`);
		return { installation, workDir, apns, device, ping, channel, n8n };
	} catch (error) {
		await stopAll(started);
		const n8nLog = join(workDir, 'n8n', 'n8n.log');
		if (existsSync(n8nLog)) printN8nLog(n8nLog, readFileSync(n8nLog, 'utf8'));
		progress(`start-up failed; files kept in ${workDir}`);
		throw error;
	}
}

/** Stops everything; on failure prints n8n's log and keeps the work folder for a post-mortem. */
export async function stopStack(stack: Stack | undefined, failed: boolean): Promise<void> {
	if (!stack) return;
	await stopAll([
		() => stack.apns.close(),
		() => stack.ping.stop({ keepFiles: true }),
		() => stack.n8n.stop(),
	]);
	if (failed) {
		printN8nLog(stack.n8n.process.logFile, stack.n8n.process.log());
		progress(`a scenario failed; files kept in ${stack.workDir}`);
	} else {
		if (!process.env.PING_E2E_KEEP) rmSync(stack.workDir, { recursive: true, force: true });
	}
}

function printN8nLog(file: string, text: string): void {
	// Schema migrations make up most of a fresh log and say nothing about the failure.
	const log = text
		.split('\n')
		.filter((line) => !/^(Starting|Finished) migration /.test(line))
		.join('\n');
	process.stderr.write(
		`\n===== n8n log (${file}) =====\n${tail(log, 60_000)}\n===== end of n8n log =====\n`,
	);
}

async function stopAll(stops: Array<() => Promise<void>>): Promise<void> {
	for (const stop of [...stops].reverse()) {
		try {
			await stop();
		} catch (error) {
			progress(`while stopping: ${error instanceof Error ? error.message : String(error)}`);
		}
	}
}
