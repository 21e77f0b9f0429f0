/**
 * The one-line "waiting" display of `ping-server ask`, redrawn in place once a second, only
 * when stderr is a terminal: piped or captured output never gets it.
 */
export class Progress {
	private readonly enabled: boolean;
	private timer: NodeJS.Timeout | null = null;
	private until = 0;
	private title = '';
	private reconnecting = false;

	constructor(private readonly out: NodeJS.WriteStream) {
		this.enabled = out.isTTY === true;
	}

	show(title: string, remainingMs: number, reconnecting: boolean): void {
		if (!this.enabled) return;
		this.title = title;
		this.until = Date.now() + remainingMs;
		this.reconnecting = reconnecting;
		this.draw();
		this.timer ??= setInterval(() => this.draw(), 1000);
		this.timer.unref();
	}

	clear(): void {
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
		if (this.enabled) this.out.write('\r\x1b[K');
	}

	private draw(): void {
		const left = Math.max(0, Math.ceil((this.until - Date.now()) / 1000));
		const clock = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
		const state = this.reconnecting ? 'Server unreachable, retrying' : 'Waiting for the answer';
		// The title goes last: on a narrow terminal it is what gets cut.
		const line = `${state}, ${clock} left (Ctrl-C cancels): ${this.title}`;
		this.out.write(`\r\x1b[K${line.slice(0, (this.out.columns ?? 80) - 1)}`);
	}
}
