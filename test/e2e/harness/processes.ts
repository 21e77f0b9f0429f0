import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';

/**
 * Child processes of the e2e run (n8n and its task runners). Each one runs in its own
 * process group and writes to a log file, so stopping it takes its children along, and its
 * log survives for the failure report even if the run itself is killed.
 */
export interface ManagedProcess {
	name: string;
	pid: number;
	logFile: string;
	/** Resolves with the exit code (or signal name) once the process has exited. */
	exited: Promise<number | string>;
	hasExited(): boolean;
	log(): string;
	/** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves once it has exited. */
	stop(graceMs?: number): Promise<void>;
}

const running = new Set<ManagedProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
	if (exitHookInstalled) return;
	exitHookInstalled = true;
	// Last resort: whatever happens to the run, never leave n8n behind.
	process.on('exit', () => {
		for (const child of running) killGroup(child.pid, 'SIGKILL');
	});
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.once(signal, () => {
			for (const child of running) killGroup(child.pid, 'SIGKILL');
			process.kill(process.pid, signal);
		});
	}
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pid, signal);
	} catch {
		// Already gone.
	}
}

export function startProcess(options: {
	name: string;
	command: string;
	args: string[];
	env: NodeJS.ProcessEnv;
	cwd: string;
	logFile: string;
}): ManagedProcess {
	installExitHook();
	const fd = openSync(options.logFile, 'a');
	let child: ChildProcess;
	try {
		child = spawn(options.command, options.args, {
			cwd: options.cwd,
			env: options.env,
			detached: true,
			stdio: ['ignore', fd, fd],
		});
	} finally {
		closeSync(fd);
	}
	if (child.pid === undefined)
		throw new Error(`could not start ${options.name} (${options.command})`);
	const pid = child.pid;
	let done = false;
	const exited = new Promise<number | string>((resolve) => {
		child.once('exit', (code, signal) => {
			done = true;
			running.delete(managed);
			resolve(code ?? signal ?? 'unknown');
		});
		child.once('error', (error) => {
			done = true;
			running.delete(managed);
			resolve(`spawn error: ${error.message}`);
		});
	});
	const managed: ManagedProcess = {
		name: options.name,
		pid,
		logFile: options.logFile,
		exited,
		hasExited: () => done,
		log: () => (existsSync(options.logFile) ? readFileSync(options.logFile, 'utf8') : ''),
		async stop(graceMs = 15_000) {
			if (done) return;
			killGroup(pid, 'SIGTERM');
			let timer: NodeJS.Timeout | undefined;
			const stopped = await Promise.race([
				exited.then(() => true),
				new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
			]);
			clearTimeout(timer);
			if (!stopped) {
				killGroup(pid, 'SIGKILL');
				await exited;
			}
			// Children that outlived the leader (e.g. a task runner) go with the group.
			killGroup(pid, 'SIGKILL');
		},
	};
	running.add(managed);
	return managed;
}

/** Runs a command to completion, failing with its output if it does not succeed in time. */
export function run(
	what: string,
	command: string,
	args: string[],
	options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): string {
	const result = spawnSync(command, args, {
		cwd: options.cwd,
		env: options.env ?? process.env,
		encoding: 'utf8',
		timeout: options.timeoutMs,
		killSignal: 'SIGKILL',
		maxBuffer: 64 * 1024 * 1024,
	});
	const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
	if (result.error || result.status !== 0) {
		const reason = result.error
			? (result.error as NodeJS.ErrnoException).code === 'ETIMEDOUT'
				? `did not finish within ${Math.round(options.timeoutMs / 1000)} s`
				: result.error.message
			: `exited with ${result.status ?? result.signal}`;
		throw new Error(
			`${what} failed: \`${command} ${args.join(' ')}\` ${reason}\n${tail(output, 4000)}`,
		);
	}
	return result.stdout;
}

export function tail(text: string, chars: number): string {
	return text.length > chars ? `…${text.slice(-chars)}` : text;
}
