import { ApiError } from '../../domain/errors';
import { MAX_ACTIVE_KEYS } from '../../domain/keys';
import { ApiKey } from '../../domain/types';
import { AppContext } from '../../http/context';
import { addApiKey } from '../../http/keys';
import { WrittenReply } from '../../http/route';
import { esc, timeTag } from '../html';
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
	status,
	textField,
} from './layout';

/** API keys of the account: made (shown once), listed by prefix, revoked. */

const DONE: Record<string, string> = {
	revoked: 'The key was revoked; it stopped working at once.',
};

function keysPage(
	req: ConsoleRequest,
	keys: ApiKey[],
	top: string,
	httpStatus = 200,
): WrittenReply {
	const { signed } = req;
	const rows = keys
		.map((k) => {
			const mine = k.id === signed.keyId ? ' · <strong>you signed in with this key</strong>' : '';
			const label = k.name ?? k.prefix;
			return (
				`<li><span class="grow">${esc(label)}<span class="sub"><code class="id">${esc(k.prefix.replace(/…$/, ''))}…</code> · made ${timeTag(k.createdAt)} · ` +
				(k.lastUsedAt === null ? 'never used' : `last used ${timeTag(k.lastUsedAt)}`) +
				`${mine}</span></span>` +
				postForm(
					`/console/keys/${esc(k.id)}/delete`,
					signed,
					button('Revoke', 'destructive', 'btn-small', ` aria-label="Revoke ${esc(label)}"`),
				) +
				'</li>'
			);
		})
		.join('');
	const admin =
		signed.keyId === 'admin'
			? '<p>You signed in with the admin key (<code>PING_ADMIN_KEY</code> or the key printed at first start). It is not listed here and cannot be revoked from the console.</p>'
			: '';
	return page(
		httpStatus,
		consoleLayout(
			'API keys',
			top +
				'<section class="card" aria-labelledby="keys-title"><h1 id="keys-title">API keys</h1>' +
				`<p>Keys open the account API, the MCP server and this console. At most ${MAX_ACTIVE_KEYS} at a time; revoking one ends its console sessions too.</p>` +
				admin +
				(rows ? `<ul class="rows">${rows}</ul>` : '<p>No key made here yet.</p>') +
				'</section>' +
				'<section class="card" aria-labelledby="new-key-title"><h2 id="new-key-title">New API key</h2>' +
				postForm(
					'/console/keys',
					signed,
					textField(
						'key-name',
						'name',
						'Name (what it is for)',
						'',
						' maxlength="100" placeholder="CI/CD pipeline"',
					) + `<div class="actions">${button('Create key', 'primary')}</div>`,
				) +
				'</section>',
			{ signed, section: 'keys' },
		),
	);
}

/** `GET /console/keys`. */
export async function showKeys(ctx: AppContext, req: ConsoleRequest): Promise<WrittenReply> {
	const keys = await ctx.store.listApiKeys(req.signed.accountId);
	return keysPage(req, keys, doneNotice(req.query, DONE));
}

/** `POST /console/keys`: the new key is on this answer only. */
export async function createKey(ctx: AppContext, req: ConsoleRequest): Promise<WrittenReply> {
	const name = (req.form.get('name') ?? '').trim();
	const accountId = req.signed.accountId;
	try {
		if (name.length > 100) throw new ApiError(400, 'name must be at most 100 characters');
		const { key, secret } = await addApiKey(ctx, accountId, name === '' ? null : name);
		ctx.log.info('console.key_created', { key_id: key.id });
		const keys = await ctx.store.listApiKeys(accountId);
		const shown =
			'<section class="card" aria-labelledby="made-title"><h2 id="made-title">Your new key</h2>' +
			status('Copy it now: it is shown only this once.', 'warn') +
			copyField('new-key', `API key ${name || key.prefix}`, secret) +
			'</section>';
		return keysPage(req, keys, shown, 201);
	} catch (error) {
		if (!(error instanceof ApiError) || error.status >= 500) throw error;
		const keys = await ctx.store.listApiKeys(accountId);
		return keysPage(req, keys, problem(error.message), error.status);
	}
}

/** `POST /console/keys/:id/delete`: revoked at once (a session opened with it ends too). */
export async function revokeKey(ctx: AppContext, req: ConsoleRequest): Promise<WrittenReply> {
	if (!(await ctx.store.deleteApiKey(req.signed.accountId, req.params.id)))
		throw new ApiError(404, `API key ${req.params.id} not found`);
	ctx.log.info('console.key_revoked', { key_id: req.params.id });
	return redirect(
		req.params.id === req.signed.keyId ? '/console/sign-in' : '/console/keys?done=revoked',
	);
}
