import { claimPairing } from '../../app/pairing';
import { sha256Hex } from '../../domain/ids';
import { charLength } from '../../domain/fields';
import { PAIRING_CODE_PATTERN } from '../../domain/pairing';
import { readFormBody } from '../../http/body';
import { AppContext } from '../../http/context';
import { deviceCookie } from '../../http/device-auth';
import { ApiRequest, WrittenReply } from '../../http/route';
import { cameFromOwnSite } from '../../http/same-origin';
import { page, seeOther } from './replies';
import { deadPairingPage, inboxProblemPage, pairPage } from './templates';

/**
 * The pair page, `/app/pair/<code>` (docs/api.md#pairing):
 *
 * - `GET` only shows what would be paired (the channels, the name, until when): a link preview
 *   or a scanner that fetches the link uses nothing up.
 * - `POST` (the page's button, from this site only) claims the pairing: the browser becomes a
 *   `webpush` device and receives its device key in the inbox's cookie, then goes to the inbox.
 *
 * An unknown, used or expired code gets the same page (404): ask for a new link.
 */

type PageRequest = ApiRequest<'none'>;

const NAME_MAX = 100;

async function shownPairing(ctx: AppContext, code: string, name: string | null, error?: string) {
	if (!PAIRING_CODE_PATTERN.test(code)) return null;
	const now = ctx.clock.now();
	const pairing = await ctx.store.findPairing(sha256Hex(code), now);
	if (!pairing) return null;
	const channelNames =
		pairing.channelIds === null
			? null
			: (await ctx.store.listChannels(pairing.accountId))
					.filter((c) => pairing.channelIds?.includes(c.id))
					.map((c) => c.name);
	return pairPage({
		code,
		name: name ?? pairing.name,
		channelNames,
		expiresAt: pairing.expiresAt,
		now,
		error,
	});
}

/** `GET /app/pair/<code>`: the page, and nothing else. */
export async function showPairPage(ctx: AppContext, req: PageRequest): Promise<WrittenReply> {
	const html = await shownPairing(ctx, req.params.code, null);
	return html ? page(200, html) : page(404, deadPairingPage());
}

/** `POST /app/pair/<code>`: pair this browser, hand it its key in the cookie, open the inbox. */
export async function submitPairPage(ctx: AppContext, req: PageRequest): Promise<WrittenReply> {
	const code = req.params.code;
	if (!cameFromOwnSite(ctx.publicUrl, req.raw)) {
		req.raw.resume();
		ctx.log.warn('pair_page.cross_site_post', {});
		return page(
			403,
			inboxProblemPage(
				'Not paired',
				'This request did not come from the pairing page itself, so nothing was paired. Open the pairing link and press the button there.',
			),
		);
	}
	const form = await readFormBody(req.raw, ctx.config.maxBodyBytes);
	const name = (form.get('name') ?? '').trim();
	if (charLength(name) > NAME_MAX) {
		const html = await shownPairing(
			ctx,
			code,
			name,
			`The name must be at most ${NAME_MAX} characters.`,
		);
		return html ? page(400, html) : page(404, deadPairingPage());
	}
	const claimed = await claimPairing(ctx, code, name === '' ? null : name);
	if (!claimed) return page(404, deadPairingPage());
	return seeOther('/app/?paired=1', { 'set-cookie': deviceCookie(ctx, claimed.key) });
}
