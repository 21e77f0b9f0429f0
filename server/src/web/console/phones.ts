import { createPairing } from '../../app/pairing';
import { ApiError } from '../../domain/errors';
import { PAIRING_TTL_MS } from '../../domain/pairing';
import { Channel, Device } from '../../domain/types';
import { AppContext } from '../../http/context';
import { parseChannelScope } from '../../http/pairings';
import { WrittenReply } from '../../http/route';
import { esc, relativeTime, timeTag } from '../html';
import { ConsoleRequest } from './guard';
import {
	button,
	consoleLayout,
	copyField,
	doneNotice,
	page,
	postForm,
	problem,
	redirect,
	textField,
} from './layout';

/**
 * Phones: the account's devices of both kinds (iPhones with the app, browsers paired with a
 * link), renamed and revoked here, and the pairing of a new browser by a QR code.
 */

const DONE: Record<string, string> = {
	renamed: 'Renamed.',
	revoked:
		'The device was removed: it gets no more pushes, and a paired browser’s key stopped working.',
};

function kindText(device: Device): string {
	return device.kind === 'apns'
		? `iPhone app (${esc(device.environment)})`
		: `Paired browser${device.subscription ? '' : ', notifications not turned on yet'}`;
}

function scopeText(device: Device, channels: Map<string, Channel>): string {
	if (device.kind !== 'webpush' || device.channelIds === null) return 'all channels';
	return device.channelIds.map((id) => esc(channels.get(id)?.name ?? id)).join(', ');
}

function deviceRow(
	req: ConsoleRequest,
	device: Device,
	channels: Map<string, Channel>,
	now: number,
): string {
	const label = device.name ?? device.id;
	const id = esc(device.id);
	// A time just written may be a hair ahead of the reader's clock: it reads "ago", never "in".
	const seen =
		device.lastSeenAt === null
			? 'never seen'
			: `last seen ${esc(relativeTime(Math.min(device.lastSeenAt, now - 1), now))}`;
	return (
		`<li><span class="grow"><strong>${esc(label)}</strong><span class="sub">${kindText(device)} · ${scopeText(device, channels)} · ${seen} · added ${timeTag(device.createdAt)}</span></span>` +
		postForm(
			`/console/phones/${id}`,
			req.signed,
			textField(`name-${id}`, 'name', `Name of ${label}`, device.name ?? '', ' maxlength="100"') +
				button('Rename', 'secondary', 'btn-small', ` aria-label="Rename ${esc(label)}"`),
			{ className: 'inline', label: `Rename ${label}` },
		) +
		postForm(
			`/console/phones/${id}/delete`,
			req.signed,
			button('Revoke', 'destructive', 'btn-small', ` aria-label="Revoke ${esc(label)}"`),
			{
				label: `Revoke ${label}`,
			},
		) +
		'</li>'
	);
}

function pairForm(req: ConsoleRequest, channels: Channel[]): string {
	const boxes = channels
		.map(
			(c, i) =>
				`<div class="field"><label class="toggle" for="scope-${i}"><input type="checkbox" id="scope-${i}" name="channel_ids" value="${esc(c.id)}">${esc(c.name)}</label></div>`,
		)
		.join('');
	return (
		'<section class="card" aria-labelledby="pair-title"><h2 id="pair-title">Pair a browser</h2>' +
		'<p>Any browser (a phone’s, a laptop’s) can receive the questions and answer them in the inbox. Make a pairing link, then open it on that device, or scan its QR code. The link works once, for 10 minutes.</p>' +
		postForm(
			'/console/phones/pair',
			req.signed,
			textField(
				'pair-name',
				'name',
				'Name of the device (optional)',
				'',
				' maxlength="100" placeholder="Ana’s phone"',
			) +
				(boxes
					? `<fieldset class="field"><legend class="label">Channels it sees (none ticked: all of them)</legend>${boxes}</fieldset>`
					: '') +
				`<div class="actions">${button('Make a pairing link', 'primary')}</div>`,
		) +
		'</section>'
	);
}

async function phonesPage(
	ctx: AppContext,
	req: ConsoleRequest,
	top: string,
	httpStatus = 200,
): Promise<WrittenReply> {
	const [devices, channels] = await Promise.all([
		ctx.store.listDevices(req.signed.accountId),
		ctx.store.listChannels(req.signed.accountId),
	]);
	const byId = new Map(channels.map((c) => [c.id, c]));
	const now = ctx.clock.now();
	const rows = devices.map((d) => deviceRow(req, d, byId, now)).join('');
	return page(
		httpStatus,
		consoleLayout(
			'Phones',
			top +
				'<section class="card" aria-labelledby="phones-title"><h1 id="phones-title">Phones and browsers</h1>' +
				(rows
					? `<ul class="rows">${rows}</ul>`
					: '<p>Nothing is paired yet: questions are kept and can be answered from their answer links, but nobody is notified.</p>') +
				'</section>' +
				pairForm(req, channels),
			{ signed: req.signed, section: 'phones' },
		),
	);
}

/** `GET /console/phones`. */
export async function showPhones(ctx: AppContext, req: ConsoleRequest): Promise<WrittenReply> {
	return phonesPage(ctx, req, doneNotice(req.query, DONE));
}

/** `POST /console/phones/pair`: the pairing link as a QR code and as a URL, shown on this answer. */
export async function pairBrowser(ctx: AppContext, req: ConsoleRequest): Promise<WrittenReply> {
	const name = (req.form.get('name') ?? '').trim();
	const picked = req.form.getAll('channel_ids');
	try {
		if (name.length > 100) throw new ApiError(400, 'name must be at most 100 characters');
		const scope = await parseChannelScope(
			ctx,
			req.signed.accountId,
			picked.length > 0 ? picked : null,
		);
		const pairing = await createPairing(
			ctx,
			req.signed.accountId,
			scope,
			name === '' ? null : name,
		);
		const shown =
			'<section class="card" aria-labelledby="link-title"><h2 id="link-title">Open this on the device to pair</h2>' +
			`<div class="qr" role="img" aria-label="QR code of the pairing link">${pairing.qrSvg}</div>` +
			copyField('pair-url', 'Pairing link', pairing.pairUrl) +
			`<p class="hint">Works once, until ${timeTag(pairing.expiresAt)} (${Math.round(PAIRING_TTL_MS / 60_000)} minutes). The device appears in the list below once it is paired; reload to see it.</p>` +
			'</section>';
		return phonesPage(ctx, req, shown, 201);
	} catch (error) {
		if (!(error instanceof ApiError) || error.status >= 500) throw error;
		return phonesPage(ctx, req, problem(error.message), error.status);
	}
}

async function ownDevice(ctx: AppContext, req: ConsoleRequest): Promise<Device> {
	const device = await ctx.store.getDevice(req.params.id);
	if (!device || device.accountId !== req.signed.accountId)
		throw new ApiError(404, `device ${req.params.id} not found`);
	return device;
}

/** `POST /console/phones/:id`: a new name (empty: none). */
export async function renameDevice(ctx: AppContext, req: ConsoleRequest): Promise<WrittenReply> {
	const device = await ownDevice(ctx, req);
	const name = (req.form.get('name') ?? '').trim();
	if (name.length > 100)
		return phonesPage(ctx, req, problem('name must be at most 100 characters'), 400);
	await ctx.store.updateDevice(device.id, { name: name === '' ? null : name });
	return redirect('/console/phones?done=renamed');
}

/** `POST /console/phones/:id/delete`: no more pushes; a paired browser's key stops working. */
export async function revokeDevice(ctx: AppContext, req: ConsoleRequest): Promise<WrittenReply> {
	const device = await ownDevice(ctx, req);
	await ctx.store.deleteDevice(device.id);
	ctx.log.info('console.device_revoked', { device_id: device.id, kind: device.kind });
	return redirect('/console/phones?done=revoked');
}
