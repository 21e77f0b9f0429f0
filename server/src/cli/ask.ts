import { APPROVE_KEY } from '../domain/approval';
import { SUBMIT_KEY } from '../domain/actions';
import { ASK_USAGE, AskOptions, UsageError, parseAskOptions } from './ask-options';
import { CallbackResult, PingClient, Refused, Unreachable } from './ping-client';
import { Progress } from './progress';

/** The exit codes scripts branch on (documented in `--help` and server/README.md). */
export const EXIT = { answered: 0, rejected: 1, expired: 2, failed: 3, interrupted: 130 } as const;

type Outcome = 'approved' | 'rejected' | 'answered' | 'expired' | 'timeout' | 'cancelled';

const LONG_POLL_SECONDS = 50;
/** Waits between attempts while the server is unreachable: quick at first, then every 5 s. */
const BACKOFF_MS = [250, 500, 1000, 2000, 5000];
/** Sends are retried only while the server is unreachable, and only this long. */
const SEND_RETRY_MS = 5_000;
const CANCEL_TIMEOUT_MS = 5_000;

export interface AskIo {
	argv: string[];
	env: NodeJS.ProcessEnv;
	stdout: NodeJS.WriteStream;
	stderr: NodeJS.WriteStream;
	/** Resolves the first time the user presses Ctrl-C. */
	onInterrupt(listener: () => void): void;
}

/**
 * `ping-server ask`: send, wait (long-polls that reconnect across network errors and restarts
 * until the timeout), print the answer, and exit with a code a script can branch on.
 */
export async function runAsk(io: AskIo): Promise<number> {
	let options: AskOptions;
	try {
		const parsed = parseAskOptions(io.argv, io.env);
		if (parsed === 'help') {
			io.stdout.write(ASK_USAGE);
			return EXIT.answered;
		}
		options = parsed;
	} catch (error) {
		if (!(error instanceof UsageError)) throw error;
		io.stderr.write(`ping-server ask: ${error.message}\n\n${ASK_USAGE}`);
		return EXIT.failed;
	}
	return new Ask(options, io).run();
}

class Ask {
	private readonly client: PingClient;
	private readonly stop = new AbortController();
	private readonly progress: Progress;
	private interrupted = false;

	constructor(
		private readonly options: AskOptions,
		private readonly io: AskIo,
	) {
		this.client = new PingClient(options.server, options.token);
		this.progress = new Progress(io.stderr);
		io.onInterrupt(() => {
			this.interrupted = true;
			this.stop.abort();
		});
	}

	async run(): Promise<number> {
		const deadline = Date.now() + this.options.timeoutMs;
		let sent: Record<string, unknown>;
		try {
			sent = await this.send();
		} catch (error) {
			if (this.interrupted) return EXIT.interrupted;
			return this.fail(`could not send the message: ${(error as Error).message}`);
		}
		const id = String(sent.id);
		const answerUrl = typeof sent.answer_url === 'string' ? sent.answer_url : null;
		this.io.stderr.write(`Sent ${id}; waiting for the answer.\n`);
		if (answerUrl) this.io.stderr.write(`Answer in a browser: ${answerUrl}\n`);
		try {
			return await this.wait(id, answerUrl, deadline);
		} finally {
			this.progress.clear();
		}
	}

	private async send(): Promise<Record<string, unknown>> {
		const { title, body, priority, actions, timeoutMs } = this.options;
		const message = {
			title,
			...(body === null ? {} : { body }),
			priority,
			actions,
			expires_in: Math.ceil(timeoutMs / 1000),
		};
		const until = Date.now() + SEND_RETRY_MS;
		for (let attempt = 0; ; attempt++) {
			try {
				return await this.client.send(message, this.stop.signal);
			} catch (error) {
				// Unreachable before anything was stored (refused connection, 503): safe to retry.
				if (!(error instanceof Unreachable) || Date.now() > until || this.interrupted) throw error;
				await this.pause(attempt);
			}
		}
	}

	private async wait(id: string, answerUrl: string | null, deadline: number): Promise<number> {
		let failures = 0;
		for (;;) {
			if (this.interrupted) return this.cancel(id, answerUrl);
			const remaining = deadline - Date.now();
			if (remaining <= 0) {
				await this.cancelQuietly(id);
				return this.finish('timeout', id, answerUrl, null);
			}
			this.progress.show(this.options.title, remaining, failures > 0);
			const waitSeconds = Math.max(1, Math.min(LONG_POLL_SECONDS, Math.ceil(remaining / 1000)));
			try {
				const polled = await this.client.poll(id, waitSeconds, this.stop.signal);
				failures = 0;
				if (polled.status === 'pending') continue;
				if (polled.status === 'expired') return this.finish('expired', id, answerUrl, null);
				if (polled.status === 'already_read')
					return this.fail('the answer was already read by another poll of this message');
				return this.answered(id, answerUrl, polled.result as CallbackResult);
			} catch (error) {
				if (this.interrupted) return this.cancel(id, answerUrl);
				if (error instanceof Refused)
					return this.fail(`the server refused the poll: ${error.message}`);
				// The network or the server is away: keep waiting and come back.
				this.progress.show(this.options.title, deadline - Date.now(), true);
				await this.pause(failures++);
			}
		}
	}

	private answered(id: string, answerUrl: string | null, result: CallbackResult): number {
		const { kind } = this.options;
		if (kind === 'approve') {
			const approved = result.triggered_by === APPROVE_KEY;
			return this.finish(approved ? 'approved' : 'rejected', id, answerUrl, result);
		}
		return this.finish('answered', id, answerUrl, result);
	}

	/** What is printed for an answer: the decision, the button tapped, or the text typed. */
	private answerText(outcome: Outcome, result: CallbackResult | null): string | null {
		if (!result) return null;
		if (this.options.kind === 'approve') return outcome;
		if (this.options.kind === 'text' || result.triggered_by === SUBMIT_KEY)
			return String(result.responses.answer ?? '');
		return result.triggered_by;
	}

	private finish(
		outcome: Outcome,
		id: string,
		answerUrl: string | null,
		result: CallbackResult | null,
	): number {
		this.progress.clear();
		const answer = this.answerText(outcome, result);
		if (this.options.json) {
			const out = {
				status: outcome,
				message_id: id,
				answer,
				result,
				...(answerUrl ? { answer_url: answerUrl } : {}),
			};
			this.io.stdout.write(`${JSON.stringify(out)}\n`);
		} else if (answer !== null) {
			this.io.stdout.write(`${answer}\n`);
		}
		if (outcome === 'expired') this.io.stderr.write('The message expired without an answer.\n');
		if (outcome === 'timeout') this.io.stderr.write('No answer in time; the message expired.\n');
		if (outcome === 'cancelled')
			this.io.stderr.write('Cancelled: the message expired, a late answer is refused.\n');
		if (outcome === 'approved' || outcome === 'answered') return EXIT.answered;
		if (outcome === 'rejected') return EXIT.rejected;
		if (outcome === 'cancelled') return EXIT.interrupted;
		return EXIT.expired;
	}

	/** Ctrl-C: the message expires now, so nobody answers a question nobody waits for. */
	private async cancel(id: string, answerUrl: string | null): Promise<number> {
		this.progress.clear();
		try {
			const status = await this.client.cancel(id, AbortSignal.timeout(CANCEL_TIMEOUT_MS));
			if (status === 'already_resolved')
				this.io.stderr.write('Interrupted; the message was already answered or expired.\n');
		} catch (error) {
			this.io.stderr.write(
				`Interrupted; could not cancel the message: ${(error as Error).message}\n`,
			);
			return EXIT.interrupted;
		}
		return this.finish('cancelled', id, answerUrl, null);
	}

	private async cancelQuietly(id: string): Promise<void> {
		await this.client.cancel(id, AbortSignal.timeout(CANCEL_TIMEOUT_MS)).catch(() => undefined);
	}

	private fail(message: string): number {
		this.progress.clear();
		this.io.stderr.write(`ping-server ask: ${message}\n`);
		return EXIT.failed;
	}

	private pause(attempt: number): Promise<void> {
		const ms = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
		return new Promise((resolve) => {
			const timer = setTimeout(done, ms);
			this.stop.signal.addEventListener('abort', done, { once: true });
			function done() {
				clearTimeout(timer);
				resolve();
			}
		});
	}
}
