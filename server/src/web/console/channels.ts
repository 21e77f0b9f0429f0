import { ApiError, badRequest } from '../../domain/errors';
import { JsonObject } from '../../domain/fields';
import { iso } from '../../domain/message';
import { Channel } from '../../domain/types';
import { ownChannel } from '../../http/auth';
import { makeChannel, parseChannelPatch, regenerateChannelToken } from '../../http/channels';
import { AppContext } from '../../http/context';
import { WrittenReply } from '../../http/route';
import { sendOnChannel } from '../../http/send';
import { parseSendRequest } from '../../domain/message';
import { newWebhookSecret } from '../../domain/ids';
import { esc, timeTag } from '../html';
import { connectPanel } from './connect';
import { ConsoleRequest } from './guard';
import {
	button,
	consoleLayout,
	doneNotice,
	page,
	postForm,
	problem,
	redirect,
	status,
	textField,
} from './layout';
import { recentMessages } from './messages';
import { webhooksCard } from './webhooks';
import { SignedIn } from './session';

/** Channels: the list with a form to make one, and each channel's page. */

const DONE: Record<string, string> = {
	saved: 'Saved.',
	rotated:
		'The webhook secret was rotated: paste the new one into n8n. Retries still pending are signed with it.',
	'webhook-added': 'Webhook added.',
	'webhook-removed': 'Webhook removed.',
	deleted: 'Channel deleted.',
};

/** How long the "Mute" choice mutes for. */
const MUTE_CHOICES: [string, string, number | null][] = [
	['keep', 'Keep as it is', null],
	['off', 'Not muted', 0],
	['1h', 'For 1 hour', 3600_000],
	['8h', 'For 8 hours', 8 * 3600_000],
	['24h', 'For 1 day', 24 * 3600_000],
	['7d', 'For 1 week', 7 * 24 * 3600_000],
];

function swatch(channel: Channel): string {
	// An SVG fill, not a style attribute: the policy allows no inline style.
	return channel.color
		? `<svg class="swatch" viewBox="0 0 16 16" aria-hidden="true"><rect width="16" height="16" rx="3" fill="${esc(channel.color)}"/></svg> `
		: '';
}

function mutedText(channel: Channel, now: number): string {
	return channel.mutedUntil !== null && channel.mutedUntil > now
		? `Muted until ${timeTag(channel.mutedUntil)}`
		: 'Not muted';
}

function channelName(channel: Channel): string {
	return `${channel.icon ? `${esc(channel.icon)} ` : ''}${esc(channel.name)}`;
}

/** The form's fields as the API's JSON fields, so both go through the same checks. */
function patchBody(form: URLSearchParams, now: number, creating: boolean): JsonObject {
	const body: JsonObject = { name: (form.get('name') ?? '').trim() };
	const icon = (form.get('icon') ?? '').trim();
	body.icon = icon === '' ? null : icon;
	body.color = form.get('no_color') === 'on' ? null : (form.get('color') ?? null);
	const mute = MUTE_CHOICES.find(([value]) => value === (form.get('mute') ?? 'keep'));
	if (!mute) throw badRequest('mute must be one of the choices offered');
	const ms = mute[2];
	if (ms === 0) body.muted_until = null;
	else if (ms !== null) body.muted_until = iso(now + ms);
	if (creating && body.color === null) delete body.color;
	return body;
}

function settingsFields(channel: Channel | null, form?: URLSearchParams): string {
	const value = (name: string, fallback: string) => form?.get(name) ?? fallback;
	const color = value('color', channel?.color ?? '#1d4ed8');
	const noColor = form ? form.get('no_color') === 'on' : channel !== null && !channel.color;
	const mute = MUTE_CHOICES.filter(([v]) => channel !== null || v !== 'keep')
		.map(
			([v, label]) =>
				`<option value="${v}"${v === value('mute', channel ? 'keep' : 'off') ? ' selected' : ''}>${label}</option>`,
		)
		.join('');
	const prefix = channel ? 'edit' : 'new';
	return (
		'<div class="grid2">' +
		textField(
			`${prefix}-name`,
			'name',
			'Name',
			value('name', channel?.name ?? ''),
			' maxlength="50" required',
		) +
		textField(
			`${prefix}-icon`,
			'icon',
			'Icon (optional)',
			value('icon', channel?.icon ?? ''),
			' maxlength="50"',
			'An emoji or a short word.',
		) +
		`<div class="field"><label for="${prefix}-color">Colour</label><input type="color" id="${prefix}-color" name="color" value="${esc(color)}"></div>` +
		`<div class="field"><label class="toggle" for="${prefix}-no-color"><input type="checkbox" id="${prefix}-no-color" name="no_color" value="on"${noColor ? ' checked' : ''}>No colour</label></div>` +
		`<div class="field"><label for="${prefix}-mute">Mute (messages are kept, no push is sent)</label><select id="${prefix}-mute" name="mute">${mute}</select></div>` +
		'</div>'
	);
}

function listPage(
	signed: SignedIn,
	channels: Channel[],
	now: number,
	{
		httpStatus = 200,
		error = '',
		form,
		notice = '',
	}: { httpStatus?: number; error?: string; form?: URLSearchParams; notice?: string } = {},
): WrittenReply {
	const rows =
		channels.length === 0
			? '<p>No channel yet. Make one below: a channel is where n8n sends its questions.</p>'
			: '<ul class="rows">' +
				channels
					.map(
						(c) =>
							`<li><span class="grow"><a href="/console/channels/${esc(c.id)}">${swatch(c)}${channelName(c)}</a>` +
							`<span class="sub"><code class="id">${esc(c.id)}</code> · ${mutedText(c, now)}</span></span></li>`,
					)
					.join('') +
				'</ul>';
	return page(
		httpStatus,
		consoleLayout(
			'Channels',
			notice +
				`<section class="card" aria-labelledby="list-title"><h1 id="list-title">Channels</h1>${rows}</section>` +
				'<section class="card" aria-labelledby="new-title"><h2 id="new-title">New channel</h2>' +
				(error ? problem(error) : '') +
				postForm(
					'/console/channels',
					signed,
					settingsFields(null, form) +
						`<div class="actions">${button('Create channel', 'primary')}</div>`,
				) +
				'</section>',
			{ signed, section: 'channels' },
		),
	);
}

/** `GET /console/channels`. */
export async function showChannels(ctx: AppContext, req: ConsoleRequest): Promise<WrittenReply> {
	const channels = await ctx.store.listChannels(req.signed.accountId);
	return listPage(req.signed, channels, ctx.clock.now(), { notice: doneNotice(req.query, DONE) });
}

/** `POST /console/channels`: made, then its page with the n8n values (the token shown this once). */
export async function createChannel(ctx: AppContext, req: ConsoleRequest): Promise<WrittenReply> {
	const now = ctx.clock.now();
	let made;
	try {
		made = await makeChannel(ctx, req.signed.accountId, patchBody(req.form, now, true));
	} catch (error) {
		if (!(error instanceof ApiError) || error.status !== 400) throw error;
		const channels = await ctx.store.listChannels(req.signed.accountId);
		return listPage(req.signed, channels, now, {
			httpStatus: 400,
			error: error.message,
			form: req.form,
		});
	}
	ctx.log.info('console.channel_created', { channel_id: made.channel.id });
	return channelPage(ctx, req, made.channel, {
		token: made.token,
		notice: `Channel “${made.channel.name}” was made. Connect n8n with the values below.`,
		httpStatus: 201,
	});
}

/**
 * How far back the channel page looks, read once: its latest messages are the first few of
 * these, and each webhook's "last deliveries" are its deliveries of these.
 */
const NEWEST_MESSAGES = 20;

interface ChannelPageOptions {
	token?: string;
	secret?: boolean;
	notice?: string;
	httpStatus?: number;
	settingsError?: string;
	settingsForm?: URLSearchParams;
	webhookError?: string;
	webhookForm?: URLSearchParams;
}

export async function channelPage(
	ctx: AppContext,
	req: ConsoleRequest,
	channel: Channel,
	options: ChannelPageOptions = {},
): Promise<WrittenReply> {
	const { signed } = req;
	const now = ctx.clock.now();
	const id = esc(channel.id);
	const base = `/console/channels/${id}`;
	const notice = options.notice ? status(options.notice) : doneNotice(req.query, DONE);
	const test =
		'<section class="card" aria-labelledby="test-title"><h2 id="test-title">Try it</h2>' +
		'<p>Send a test question to this channel: it reaches your paired phones and browsers, and you can answer it from its answer link or here.</p>' +
		postForm(`${base}/test`, signed, button('Send a test question', 'primary')) +
		'</section>';
	const settings =
		'<section class="card" aria-labelledby="settings-title"><h2 id="settings-title">Settings</h2>' +
		(options.settingsError ? problem(options.settingsError) : '') +
		postForm(
			base,
			signed,
			settingsFields(channel, options.settingsForm) +
				`<div class="actions">${button('Save', 'primary')}</div>`,
		) +
		'</section>';
	const keys =
		'<section class="card" aria-labelledby="keys-title"><h2 id="keys-title">Token and secret</h2>' +
		'<p>Regenerate the webhook token if it leaked or was lost: the old one stops working at once, so n8n needs the new one.</p>' +
		postForm(`${base}/token`, signed, button('Regenerate the token')) +
		'<p>Rotate the webhook secret to sign callbacks with a new one: n8n must get the new secret to keep verifying them.</p>' +
		postForm(`${base}/secret/rotate`, signed, button('Rotate the secret')) +
		'</section>';
	const danger =
		'<section class="card" aria-labelledby="delete-title"><h2 id="delete-title">Delete</h2>' +
		`<p><a class="btn btn-destructive" href="${base}/delete">Delete this channel…</a></p></section>`;
	const newest = await ctx.store.listMessages(channel.id, { limit: NEWEST_MESSAGES });
	const webhooks = await webhooksCard(
		ctx,
		signed,
		channel,
		newest,
		options.webhookError,
		options.webhookForm,
	);
	const html = consoleLayout(
		channel.name,
		`<p class="crumbs"><a href="/console/channels">Channels</a> › ${esc(channel.name)}</p>` +
			notice +
			`<section class="card"><h1>${swatch(channel)}${channelName(channel)}</h1>` +
			`<p class="meta"><code class="id">${id}</code> · ${mutedText(channel, now)} · made ${timeTag(channel.createdAt)}</p></section>` +
			connectPanel(ctx, channel, { token: options.token, secret: options.secret }) +
			test +
			recentMessages(channel, newest, now) +
			webhooks +
			settings +
			keys +
			danger,
		{ signed, section: 'channels' },
	);
	return page(options.httpStatus ?? 200, html);
}

/** `GET /console/channels/:id` (`?reveal=secret` shows the webhook secret; showing changes nothing). */
export async function showChannel(ctx: AppContext, req: ConsoleRequest): Promise<WrittenReply> {
	const channel = await ownChannel(ctx, req.signed.accountId, req.params.id);
	return channelPage(ctx, req, channel, { secret: req.query.get('reveal') === 'secret' });
}

/** `POST /console/channels/:id`: name, icon, colour, mute. */
export async function updateChannel(ctx: AppContext, req: ConsoleRequest): Promise<WrittenReply> {
	const channel = await ownChannel(ctx, req.signed.accountId, req.params.id);
	const now = ctx.clock.now();
	let patch;
	try {
		patch = parseChannelPatch(patchBody(req.form, now, false));
	} catch (error) {
		if (!(error instanceof ApiError) || error.status !== 400) throw error;
		return channelPage(ctx, req, channel, {
			httpStatus: 400,
			settingsError: error.message,
			settingsForm: req.form,
		});
	}
	await ctx.store.updateChannel(channel.id, patch, now);
	return redirect(`/console/channels/${channel.id}?done=saved`);
}

/** `POST /console/channels/:id/token`: the new token is shown on this answer only. */
export async function regenerateToken(ctx: AppContext, req: ConsoleRequest): Promise<WrittenReply> {
	const channel = await ownChannel(ctx, req.signed.accountId, req.params.id);
	const token = await regenerateChannelToken(ctx, channel);
	ctx.log.info('console.token_regenerated', { channel_id: channel.id });
	return channelPage(ctx, req, channel, {
		token,
		notice:
			'A new webhook token was made; the old one no longer works. Paste the new one into n8n.',
	});
}

/** `POST /console/channels/:id/secret/rotate`. */
export async function rotateSecret(ctx: AppContext, req: ConsoleRequest): Promise<WrittenReply> {
	const channel = await ownChannel(ctx, req.signed.accountId, req.params.id);
	await ctx.store.updateChannel(channel.id, { webhookSecret: newWebhookSecret() }, ctx.clock.now());
	ctx.log.info('console.secret_rotated', { channel_id: channel.id });
	return redirect(`/console/channels/${channel.id}?reveal=secret&done=rotated#connect`);
}

/** `GET /console/channels/:id/delete`: the confirmation, naming the channel. */
export async function confirmDelete(ctx: AppContext, req: ConsoleRequest): Promise<WrittenReply> {
	const channel = await ownChannel(ctx, req.signed.accountId, req.params.id);
	const base = `/console/channels/${esc(channel.id)}`;
	return page(
		200,
		consoleLayout(
			`Delete ${channel.name}?`,
			`<p class="crumbs"><a href="/console/channels">Channels</a> › <a href="${base}">${esc(channel.name)}</a></p>` +
				`<article class="card"><h1>Delete the channel “${esc(channel.name)}”?</h1>` +
				'<p>Its messages, answers, callback history and webhooks are deleted, and its webhook token stops working: n8n workflows that use it will fail. This cannot be undone.</p>' +
				postForm(
					`${base}/delete`,
					req.signed,
					`<div class="actions">${button(`Delete “${channel.name}”`, 'destructive')}<a class="btn btn-secondary" href="${base}">Keep it</a></div>`,
				) +
				'</article>',
			{ signed: req.signed, section: 'channels' },
		),
	);
}

/** `POST /console/channels/:id/delete`. */
export async function deleteChannel(ctx: AppContext, req: ConsoleRequest): Promise<WrittenReply> {
	const channel = await ownChannel(ctx, req.signed.accountId, req.params.id);
	await ctx.store.deleteChannel(channel.id);
	ctx.log.info('console.channel_deleted', { channel_id: channel.id });
	return redirect('/console/channels?done=deleted');
}

/** The test question: two buttons, so answering it shows the whole path. */
const TEST_QUESTION = {
	title: 'Test question from the Ping console',
	body: 'If you can read this, the channel works. **Approve** or **Decline** to see the answer arrive.',
	priority: 'normal',
	actions: [
		{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
		{ type: 'button', label: 'Decline', key: 'decline', style: 'destructive' },
	],
	expires_in: 3600,
};

/** `POST /console/channels/:id/test`: sent like any message, then its page. */
export async function sendTestQuestion(
	ctx: AppContext,
	req: ConsoleRequest,
): Promise<WrittenReply> {
	const channel = await ownChannel(ctx, req.signed.accountId, req.params.id);
	const sent = await sendOnChannel(ctx, channel, parseSendRequest({ ...TEST_QUESTION }));
	return redirect(`/console/messages/${sent.id}?done=sent`);
}
