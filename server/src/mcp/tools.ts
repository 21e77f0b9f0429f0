import { z } from 'zod';
import {
	DEFAULT_APPROVAL_TTL_MS,
	MAX_APPROVAL_TTL_MS,
	MIN_APPROVAL_TTL_MS,
} from '../domain/approval';
import { BODY_MAX, TITLE_MAX } from '../domain/message';

/**
 * The five tools of Ping's MCP server: names, descriptions and argument schemas, the same as
 * hosted Ping's. The descriptions are what the agent reads to decide how to call them, so they
 * say what the person sees and how to phrase it. The schemas are built once and shared by
 * every request's server.
 */

/** `ping_check_approval` waits at most this long (the `?wait=` limit of the poll). */
export const MAX_CHECK_WAIT_MS = 50_000;
/**
 * Without `max_wait_ms` a check waits 25 s: under the 30 s request timeout some MCP clients
 * use, and long enough that an agent looping on it makes two calls a minute, not hundreds.
 */
export const DEFAULT_CHECK_WAIT_MS = 25_000;

const text = (name: string, max: number, min = 0) =>
	z
		.string({
			required_error: `${name} is required`,
			invalid_type_error: `${name} must be a string`,
		})
		.min(min, `${name} must not be empty`)
		.max(max, `${name} must be at most ${max} characters`);

const channel = text('channel', 100)
	.optional()
	.describe(
		"The channel's name or id (see ping_list_channels). Default: the account's oldest channel.",
	);
const title = text('title', TITLE_MAX, 1).describe(
	'The notification title, shown in bold on the lock screen: the whole point in a few words.',
);
const body = text('body', BODY_MAX)
	.optional()
	.describe('More detail under the title (Markdown: bold, italic, code, links, lists).');

const PHRASING =
	'The person reads only the title and body on a phone lock screen, possibly hours later and ' +
	'without the conversation, so say there what is being decided and what happens on each ' +
	'answer: "Deploy api v2.3 to production?" with the change and its risk in the body, not ' +
	'"Approve?".';

export const TOOLS = {
	ping_list_channels: {
		title: 'List Ping channels',
		description:
			"Lists the channels of this Ping account (id and name). A channel is where messages go; the person's phone gets every channel's pushes.",
		inputSchema: {},
		outputSchema: { channels: z.array(z.object({ id: z.string(), name: z.string() })) },
		annotations: { readOnlyHint: true, openWorldHint: false },
	},
	ping_send: {
		title: 'Send a Ping notification',
		description:
			"Sends a push notification to the person's phone, to tell them something (a build finished, a job failed). It asks nothing and returns at once with the message id; use ping_request_approval to ask for a decision. " +
			'Put what happened in the title and the detail in the body.',
		inputSchema: {
			channel,
			title,
			body,
			priority: z
				.enum(['low', 'normal', 'high'], {
					errorMap: () => ({ message: 'priority must be one of: low, normal, high' }),
				})
				.optional()
				.describe(
					'high breaks through Focus (time-sensitive); low is delivered quietly. Default normal.',
				),
		},
		outputSchema: { message_id: z.string(), answer_url: z.string().optional() },
		annotations: { readOnlyHint: false, idempotentHint: false, openWorldHint: true },
	},
	ping_request_approval: {
		title: 'Ask the person to approve or reject',
		description:
			'Asks the person, by a push to their phone with Approve and Reject buttons, to decide on something before you go on (a deploy, a migration, deleting data, spending money). Returns at once with an approval_id; then call ping_check_approval until it is no longer pending. ' +
			PHRASING +
			` The request expires after ttl_ms (default ${DEFAULT_APPROVAL_TTL_MS / 60_000} minutes); an expired request is a denial.`,
		inputSchema: {
			channel,
			title,
			body,
			ttl_ms: z
				.number({ invalid_type_error: 'ttl_ms must be a number of milliseconds' })
				.int('ttl_ms must be a whole number of milliseconds')
				.min(MIN_APPROVAL_TTL_MS, `ttl_ms must be at least ${MIN_APPROVAL_TTL_MS}`)
				.max(MAX_APPROVAL_TTL_MS, `ttl_ms must be at most ${MAX_APPROVAL_TTL_MS} (30 days)`)
				.optional()
				.describe(
					`How long the person can answer, in ms. Default ${DEFAULT_APPROVAL_TTL_MS} (one hour).`,
				),
		},
		outputSchema: {
			approval_id: z.string(),
			expires_at: z.string(),
			answer_url: z.string().optional(),
		},
		annotations: { readOnlyHint: false, idempotentHint: false, openWorldHint: true },
	},
	ping_check_approval: {
		title: 'Wait for the decision on an approval',
		description:
			'Returns the decision on an approval: {status:"approved", value}, {status:"rejected"}, {status:"expired"} or {status:"pending"}. ' +
			`It waits up to max_wait_ms (default ${DEFAULT_CHECK_WAIT_MS}, at most ${MAX_CHECK_WAIT_MS}) and returns the moment the person answers. ` +
			'Calling it again gives the same result. Go ahead only on "approved"; treat "rejected" and "expired" as no; on "pending" call it again.',
		inputSchema: {
			approval_id: text('approval_id', 100, 1).describe(
				'The approval_id from ping_request_approval.',
			),
			max_wait_ms: z
				.number({ invalid_type_error: 'max_wait_ms must be a number of milliseconds' })
				.int('max_wait_ms must be a whole number of milliseconds')
				.min(0, 'max_wait_ms must be at least 0')
				.max(MAX_CHECK_WAIT_MS, `max_wait_ms must be at most ${MAX_CHECK_WAIT_MS}`)
				.optional()
				.describe(`How long to wait for the answer, in ms (0 to ${MAX_CHECK_WAIT_MS}).`),
		},
		outputSchema: {
			status: z.enum(['approved', 'rejected', 'pending', 'expired']),
			value: z.string().optional(),
			answered_at: z.string().optional(),
			expires_at: z.string().nullable().optional(),
		},
		annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
	},
	ping_cancel_approval: {
		title: 'Withdraw an approval request',
		description:
			'Withdraws an approval you no longer need (you went another way, or the person answered elsewhere): it expires now, and a later tap on the phone is refused. Returns {status:"cancelled"}, or {status:"already_resolved"} when it was already answered or expired.',
		inputSchema: {
			approval_id: text('approval_id', 100, 1).describe(
				'The approval_id from ping_request_approval.',
			),
		},
		outputSchema: { status: z.enum(['cancelled', 'already_resolved']) },
		annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: false },
	},
} as const;

export type ToolName = keyof typeof TOOLS;
