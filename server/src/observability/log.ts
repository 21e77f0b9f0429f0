/**
 * Structured logs: one JSON line per event. Callers pass ids, never tokens, keys or secrets.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Record<string, unknown>;

export interface Logger {
	debug(event: string, fields?: LogFields): void;
	info(event: string, fields?: LogFields): void;
	warn(event: string, fields?: LogFields): void;
	error(event: string, fields?: LogFields): void;
}

export function createLogger(
	level: LogLevel,
	write: (line: string) => void = (l) => process.stdout.write(l),
): Logger {
	const emit =
		(at: Exclude<LogLevel, 'silent'>) =>
		(event: string, fields: LogFields = {}) => {
			if (ORDER[at] < ORDER[level]) return;
			write(`${JSON.stringify({ time: new Date().toISOString(), level: at, event, ...fields })}\n`);
		};
	return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = createLogger('silent');

/** An Error's message, for a log line (stack traces stay out of responses; logs get the message). */
export function errorMessage(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
