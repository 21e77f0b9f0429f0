import { parseArgs } from 'node:util';
import { approvalActions } from '../domain/approval';
import { ACTION_LABEL_MAX, MAX_ACTIONS } from '../domain/actions';
import { EXPIRES_IN_MAX_SECONDS } from '../domain/message';
import { Action, PRIORITIES, Priority } from '../domain/types';

/** What the person is asked: approve/reject, one of some buttons, or a text answer. */
export type AskKind = 'approve' | 'buttons' | 'text';

export interface AskOptions {
	server: string;
	token: string;
	title: string;
	body: string | null;
	priority: Priority;
	kind: AskKind;
	actions: Action[];
	/** How long to wait; the message expires at the same moment. */
	timeoutMs: number;
	json: boolean;
}

export class UsageError extends Error {}

export const ASK_USAGE = `Usage: ping-server ask --title "Deploy?" [--body …] [--priority low|normal|high]
                        [--approve | --buttons "yes,no,later" | --text] [--timeout 10m] [--json]
                        [--server URL] [--token TOKEN]

Sends a message to the channel of the webhook token, waits for the answer and prints it.
  --server   the server's URL (or PING_SERVER_URL)
  --token    the channel's webhook token (or PING_WEBHOOK_TOKEN; the variable keeps it out of ps)
  --approve  Approve and Reject buttons (the default)
  --buttons  up to 5 comma-separated buttons; prints the one tapped
  --text     a text field; prints what was typed
  --timeout  how long to wait (90s, 10m, 2h, 1d; default 10m); the message expires then
  --json     print the outcome as one JSON object
Exit codes: 0 approved or answered, 1 rejected, 2 expired or timed out, 3 usage or connection
error, 130 cancelled with Ctrl-C (the message expires, a late answer is refused).
`;

const DEFAULT_TIMEOUT = '10m';
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90`, `90s`, `10m`, `2h`, `1d` → milliseconds, between 1 s and 30 days. */
export function parseDuration(raw: string, name: string): number {
	const match = /^(\d+)(ms|s|m|h|d)?$/.exec(raw.trim());
	const ms = match ? Number(match[1]) * UNITS[match[2] ?? 's'] : NaN;
	if (!Number.isFinite(ms) || ms < 1000 || ms > EXPIRES_IN_MAX_SECONDS * 1000)
		throw new UsageError(`${name} must be a duration from 1s to 30d, like 90s, 10m or 2h`);
	return ms;
}

function buttonActions(raw: string): Action[] {
	const labels = raw.split(',').map((label) => label.trim());
	if (labels.length > MAX_ACTIONS || labels.some((label) => label === ''))
		throw new UsageError(`--buttons must be 1 to ${MAX_ACTIONS} comma-separated labels`);
	for (const label of labels)
		if ([...label].length > ACTION_LABEL_MAX)
			throw new UsageError(`--buttons: "${label}" is longer than ${ACTION_LABEL_MAX} characters`);
	if (new Set(labels).size !== labels.length)
		throw new UsageError('--buttons must not repeat a label');
	// The label is the key, so the tap reads back as what the person saw.
	return labels.map((label, i) => ({
		type: 'button',
		label,
		key: label,
		style: i === 0 ? 'primary' : 'secondary',
	}));
}

/** Flags, then the environment; anything wrong is a UsageError naming the flag. */
export function parseAskOptions(argv: string[], env: NodeJS.ProcessEnv): AskOptions | 'help' {
	let values;
	try {
		({ values } = parseArgs({
			args: argv,
			strict: true,
			allowPositionals: false,
			options: {
				server: { type: 'string' },
				token: { type: 'string' },
				title: { type: 'string' },
				body: { type: 'string' },
				priority: { type: 'string' },
				approve: { type: 'boolean' },
				buttons: { type: 'string' },
				text: { type: 'boolean' },
				timeout: { type: 'string' },
				json: { type: 'boolean' },
				help: { type: 'boolean', short: 'h' },
			},
		}));
	} catch (error) {
		throw new UsageError((error as Error).message);
	}
	if (values.help) return 'help';
	const server = (values.server ?? env.PING_SERVER_URL ?? '').replace(/\/+$/, '');
	if (!server) throw new UsageError('--server (or PING_SERVER_URL) is required');
	if (!/^https?:\/\/[^/]+/.test(server))
		throw new UsageError(`--server must be an http(s) URL, got "${server}"`);
	const token = values.token ?? env.PING_WEBHOOK_TOKEN ?? '';
	if (!token) throw new UsageError('--token (or PING_WEBHOOK_TOKEN) is required');
	const title = values.title ?? '';
	if (title.trim() === '') throw new UsageError('--title is required');
	const priority = (values.priority ?? 'normal') as Priority;
	if (!PRIORITIES.includes(priority))
		throw new UsageError(`--priority must be one of: ${PRIORITIES.join(', ')}`);
	const kinds = [
		values.approve && 'approve',
		values.buttons !== undefined && 'buttons',
		values.text && 'text',
	];
	const chosen = kinds.filter((k): k is AskKind => typeof k === 'string');
	if (chosen.length > 1) throw new UsageError('choose one of --approve, --buttons and --text');
	const kind = chosen[0] ?? 'approve';
	const actions: Action[] =
		kind === 'approve'
			? approvalActions()
			: kind === 'buttons'
				? buttonActions(values.buttons as string)
				: [{ type: 'text', label: 'Answer', key: 'answer', multiline: true, max_length: 1000 }];
	return {
		server,
		token,
		title,
		body: values.body ?? null,
		priority,
		kind,
		actions,
		timeoutMs: parseDuration(values.timeout ?? DEFAULT_TIMEOUT, '--timeout'),
		json: values.json ?? false,
	};
}
