import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { SERVER_CLI } from './server-cli';
import { ADMIN_KEY, NO_RATE_LIMITS } from './server';

const ROOT = join(__dirname, '../..');

/** A server in its own OS process (from the TypeScript sources), so a test can really kill it. */
export interface ServerProcess {
	url: string;
	pid: number;
	/** Every line the process printed so far (JSON log lines and anything else). */
	output(): string;
	/** SIGKILL: no clean-up at all, like a crashed machine. */
	kill(): Promise<void>;
	/** SIGTERM and wait for the exit. */
	stop(): Promise<void>;
}

export async function startServerProcess(
	env: Record<string, string>,
	timeoutMs = 20_000,
): Promise<ServerProcess> {
	const child: ChildProcess = spawn(process.execPath, [...SERVER_CLI], {
		cwd: ROOT,
		env: {
			PATH: process.env.PATH ?? '',
			PING_PORT: '0',
			PING_HOST: '127.0.0.1',
			PING_ADMIN_KEY: ADMIN_KEY,
			PING_LOG_LEVEL: 'info',
			...NO_RATE_LIMITS,
			...env,
		},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	child.stdout?.on('data', (c) => (output += c));
	child.stderr?.on('data', (c) => (output += c));
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

	const url = await new Promise<string>((resolve, reject) => {
		const timer = setTimeout(
			() => reject(new Error(`server process did not start in time:\n${output}`)),
			timeoutMs,
		);
		const look = () => {
			const match = /"event":"server\.started"[^\n]*"url":"([^"]+)"/.exec(output);
			if (match) {
				clearTimeout(timer);
				child.stdout?.off('data', look);
				resolve(match[1]);
			}
		};
		child.stdout?.on('data', look);
		child.once('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`server process exited (${code}) before starting:\n${output}`));
		});
	});

	const signal = async (name: NodeJS.Signals) => {
		if (child.exitCode === null && child.signalCode === null) child.kill(name);
		await exited;
	};
	return {
		url,
		pid: child.pid as number,
		output: () => output,
		kill: () => signal('SIGKILL'),
		stop: () => signal('SIGTERM'),
	};
}
