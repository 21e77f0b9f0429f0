import { Channel } from '../../domain/types';
import { AppContext } from '../../http/context';
import { esc } from '../html';
import { copyField } from './layout';

/**
 * The "Connect n8n" panel: exactly the three values of n8n's "Ping API" credential, in its
 * order and with its field names, to paste one by one. The token exists in clear only in
 * the answer that made it (a new channel, a regenerated token), so it is shown then or not
 * at all; the secret only when asked for.
 */
export function connectPanel(
	ctx: AppContext,
	channel: Channel,
	shown: { token?: string; secret?: boolean },
): string {
	const token = shown.token
		? copyField('n8n-token', 'Webhook Token', shown.token) +
			'<p class="hint">Shown only now. Copy it into n8n before you leave this page; if it is lost, regenerate it.</p>'
		: '<div class="field"><span class="label">Webhook Token</span><p>Shown only when the channel is made or its token regenerated. Lost it? Regenerate it below (the old token stops working at once).</p></div>';
	const secret = shown.secret
		? copyField('n8n-secret', 'Webhook Secret', channel.webhookSecret)
		: `<div class="field"><span class="label">Webhook Secret</span><p><a href="/console/channels/${esc(channel.id)}?reveal=secret#connect">Reveal the webhook secret</a></p></div>`;
	return (
		`<section class="card" id="connect" aria-labelledby="connect-title"><h2 id="connect-title">Connect n8n</h2>` +
		'<p>In n8n, create a <strong>Ping API</strong> credential and paste these three values:</p>' +
		copyField('n8n-url', 'Server URL', ctx.publicUrl) +
		token +
		secret +
		'</section>'
	);
}
