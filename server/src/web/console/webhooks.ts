import { ApiError } from '../../domain/errors';
import { CallbackAttempt, Channel, MessageRecord } from '../../domain/types';
import { ownChannel } from '../../http/auth';
import { AppContext } from '../../http/context';
import { WrittenReply } from '../../http/route';
import { addWebhook } from '../../http/webhooks';
import { esc, timeTag } from '../html';
import { channelPage } from './channels';
import { ConsoleRequest } from './guard';
import { button, postForm, problem, redirect, textField } from './layout';
import { SignedIn } from './session';

/** Channel webhooks on the channel page: each with its last deliveries, a form to add one. */

const DELIVERIES_SHOWN = 3;

interface WebhookDelivery {
	message: MessageRecord;
	last: CallbackAttempt;
}

/** The latest delivery of each of the channel's newest messages to each webhook, newest first. */
async function lastDeliveries(
	ctx: AppContext,
	newest: MessageRecord[],
): Promise<Map<string, WebhookDelivery[]>> {
	const messages = newest.filter((m) => m.answer !== null);
	const attempts = await Promise.all(messages.map((m) => ctx.store.listCallbackAttempts(m.id)));
	const byWebhook = new Map<string, WebhookDelivery[]>();
	messages.forEach((message, i) => {
		const last = new Map<string, CallbackAttempt>();
		for (const a of attempts[i])
			if (a.target === 'webhook' && a.webhookId) last.set(a.webhookId, a);
		for (const [webhookId, attempt] of last)
			byWebhook.set(webhookId, [...(byWebhook.get(webhookId) ?? []), { message, last: attempt }]);
	});
	return byWebhook;
}

export async function webhooksCard(
	ctx: AppContext,
	signed: SignedIn,
	channel: Channel,
	newest: MessageRecord[],
	error?: string,
	form?: URLSearchParams,
): Promise<string> {
	const [webhooks, deliveries] = await Promise.all([
		ctx.store.listWebhooks(channel.id),
		lastDeliveries(ctx, newest),
	]);
	const base = `/console/channels/${esc(channel.id)}/webhooks`;
	const rows = webhooks
		.map((w) => {
			const recent = (deliveries.get(w.id) ?? []).slice(0, DELIVERIES_SHOWN);
			const list =
				recent.length === 0
					? '<span class="sub">No delivery yet.</span>'
					: recent
							.map(
								({ message, last }) =>
									`<span class="sub"><a href="/console/messages/${esc(message.id)}">${esc(message.title)}</a>: ` +
									`<span class="outcome-${last.outcome}">${last.outcome}</span>` +
									(last.statusCode !== null
										? `, HTTP ${last.statusCode}`
										: last.error
											? `, ${esc(last.error)}`
											: '') +
									`, ${timeTag(last.attemptedAt)}</span>`,
							)
							.join('');
			return (
				`<li><span class="grow"><code>${esc(w.url)}</code>` +
				(w.description ? `<span class="sub">${esc(w.description)}</span>` : '') +
				`${list}</span>` +
				postForm(
					`${base}/${esc(w.id)}/delete`,
					signed,
					button('Remove', 'secondary', 'btn-small', ` aria-label="Remove ${esc(w.url)}"`),
					{
						label: `Remove webhook ${w.url}`,
					},
				) +
				'</li>'
			);
		})
		.join('');
	return (
		'<section class="card" aria-labelledby="webhooks-title"><h2 id="webhooks-title">Webhooks</h2>' +
		'<p>Each webhook gets every answer on this channel, signed like a callback. The Ping Callback Trigger node adds itself here when its workflow is published.</p>' +
		(rows ? `<ul class="rows">${rows}</ul>` : '<p>No webhook.</p>') +
		(error ? problem(error) : '') +
		postForm(
			base,
			signed,
			'<div class="grid2">' +
				textField(
					'webhook-url',
					'url',
					'URL',
					form?.get('url') ?? '',
					' inputmode="url" placeholder="https://…" required',
				) +
				textField(
					'webhook-description',
					'description',
					'Description (optional)',
					form?.get('description') ?? '',
					' maxlength="200"',
				) +
				`</div><div class="actions">${button('Add webhook')}</div>`,
			{ label: 'Add a webhook' },
		) +
		'</section>'
	);
}

/** `POST /console/channels/:id/webhooks`. */
export async function createWebhook(ctx: AppContext, req: ConsoleRequest): Promise<WrittenReply> {
	const channel = await ownChannel(ctx, req.signed.accountId, req.params.id);
	const description = (req.form.get('description') ?? '').trim();
	try {
		await addWebhook(ctx, channel, {
			url: (req.form.get('url') ?? '').trim(),
			...(description ? { description } : {}),
		});
	} catch (error) {
		if (!(error instanceof ApiError) || error.status >= 500) throw error;
		return channelPage(ctx, req, channel, {
			httpStatus: error.status,
			webhookError: error.message,
			webhookForm: req.form,
		});
	}
	return redirect(`/console/channels/${channel.id}?done=webhook-added#webhooks-title`);
}

/** `POST /console/channels/:id/webhooks/:webhookId/delete`. */
export async function deleteWebhook(ctx: AppContext, req: ConsoleRequest): Promise<WrittenReply> {
	const channel = await ownChannel(ctx, req.signed.accountId, req.params.id);
	if (!(await ctx.store.deleteWebhook(channel.id, req.params.webhookId)))
		throw new ApiError(404, `webhook ${req.params.webhookId} not found`);
	ctx.log.info('webhook.deleted', { channel_id: channel.id, webhook_id: req.params.webhookId });
	return redirect(`/console/channels/${channel.id}?done=webhook-removed#webhooks-title`);
}
