/**
 * The few calls `ping-server ask` makes, over fetch, with the webhook token as the credential:
 * send, long-poll, cancel. Failures are sorted into what waiting can outlast (the network, a
 * restarting server, a 5xx/503) and what it cannot (a refused token, a bad request).
 */

export class Unreachable extends Error {}
export class Refused extends Error {
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
	}
}

export interface PollBody {
	status: 'pending' | 'submitted' | 'already_read' | 'expired' | 'failed';
	result?: CallbackResult;
}

export interface CallbackResult {
	message_id: string;
	triggered_by: string;
	responses: Record<string, string | number | boolean>;
	submitted_at: string;
	[field: string]: unknown;
}

export class PingClient {
	constructor(
		private readonly server: string,
		private readonly token: string,
	) {}

	send(body: object, signal: AbortSignal): Promise<Record<string, unknown>> {
		return this.call('POST', `/v1/send/${encodeURIComponent(this.token)}`, body, signal);
	}

	poll(messageId: string, waitSeconds: number, signal: AbortSignal): Promise<PollBody> {
		return this.call(
			'GET',
			`/v1/callback/${encodeURIComponent(this.token)}/${messageId}?wait=${waitSeconds}`,
			undefined,
			// The server answers within the wait; a silent connection past it is a dead one.
			AbortSignal.any([signal, AbortSignal.timeout((waitSeconds + 15) * 1000)]),
		) as Promise<unknown> as Promise<PollBody>;
	}

	async cancel(messageId: string, signal: AbortSignal): Promise<string> {
		const body = await this.call(
			'POST',
			`/v1/callback/${encodeURIComponent(this.token)}/${messageId}/cancel`,
			undefined,
			signal,
		);
		return String(body.status);
	}

	private async call(
		method: string,
		path: string,
		body: object | undefined,
		signal: AbortSignal,
	): Promise<Record<string, unknown>> {
		let res: Response;
		try {
			res = await fetch(`${this.server}${path}`, {
				method,
				signal,
				headers: body === undefined ? {} : { 'content-type': 'application/json' },
				body: body === undefined ? undefined : JSON.stringify(body),
			});
		} catch (error) {
			if (signal.aborted && (signal.reason as Error)?.name === 'AbortError') throw error;
			throw new Unreachable(reason(error));
		}
		const text = await res.text().catch(() => '');
		let parsed: Record<string, unknown> = {};
		try {
			parsed = JSON.parse(text) as Record<string, unknown>;
		} catch {
			/* not JSON: a proxy's page, judged by its status below */
		}
		if (res.status >= 500 || res.status === 429)
			throw new Unreachable(`the server answered ${res.status}`);
		if (!res.ok)
			throw new Refused(
				res.status,
				typeof parsed.error === 'string' ? parsed.error : `HTTP ${res.status}`,
			);
		return parsed;
	}
}

function reason(error: unknown): string {
	const cause = (error as { cause?: { code?: string; message?: string } }).cause;
	return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}
