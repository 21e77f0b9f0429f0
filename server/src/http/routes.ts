import { cancelRoute } from './cancel';
import * as channels from './channels';
import * as devices from './devices';
import * as device from './device-api';
import * as keys from './keys';
import * as messages from './messages';
import * as pairings from './pairings';
import { mcpMethodNotAllowed } from '../mcp/method-not-allowed';
import { pollRoute } from './poll';
import { Route, json, lazyHandler, route } from './route';
import { sendMessage } from './send';
import * as webhooks from './webhooks';
import { answerPageFailure, showAnswerPage, submitAnswerPage } from '../web/answer-page';
import { consoleRoute as page } from '../web/console-routes';
import { ASSET_PATHS, serveAsset } from '../web/inbox/assets';
import { answerFromInbox, inboxWithSlash, showInbox } from '../web/inbox/inbox-page';
import { showPairPage, submitPairPage } from '../web/inbox/pair-page';
import { inboxFailure } from '../web/inbox/replies';

/**
 * Every endpoint of the server, with its authentication (docs/api.md lists them for clients).
 * Order matters only for speed: routes are tried top to bottom, so the two that clients call
 * in a loop come first.
 */
export const ROUTES: Route[] = [
	// Ping's public API: the webhook token in the path is the credential.
	route('POST', '/v1/send/:token', 'token', sendMessage),
	route('GET', '/v1/callback/:token/:messageId', 'token', pollRoute),
	// Extension: withdraw an unanswered message (`ping-server ask` on Ctrl-C).
	route('POST', '/v1/callback/:token/:messageId/cancel', 'token', cancelRoute),

	// Operations: open, and free of ids, tokens and secrets.
	route('GET', '/health', 'none', () => json({ ok: true })),
	route('GET', '/metrics', 'none', (ctx) => ({
		status: 200,
		text: ctx.metrics.render(),
		contentType: 'text/plain; version=0.0.4; charset=utf-8',
	})),

	// The account API: an API key as bearer.
	route('POST', '/v1/keys', 'key', keys.createKey),
	route('GET', '/v1/keys', 'key', keys.listKeys),
	route('DELETE', '/v1/keys/:id', 'key', keys.deleteKey),

	route('POST', '/v1/channels', 'key', channels.createChannel),
	route('GET', '/v1/channels', 'key', channels.listChannels),
	route('GET', '/v1/channels/:id', 'key', channels.getChannel),
	route('PATCH', '/v1/channels/:id', 'key', channels.updateChannel),
	route('DELETE', '/v1/channels/:id', 'key', channels.deleteChannel),
	route('POST', '/v1/channels/:id/regenerate', 'key', channels.regenerateToken),
	route('GET', '/v1/channels/:id/secret', 'key', channels.getSecret),
	route('POST', '/v1/channels/:id/secret/rotate', 'key', channels.rotateSecret),
	route('GET', '/v1/channels/:id/messages', 'key', messages.listMessages),
	route('POST', '/v1/channels/:id/webhooks', 'key', webhooks.createWebhook),
	route('GET', '/v1/channels/:id/webhooks', 'key', webhooks.listWebhooks),
	route('DELETE', '/v1/channels/:id/webhooks/:webhookId', 'key', webhooks.deleteWebhook),

	route('POST', '/v1/devices/pairings', 'key', pairings.createPairingLink),
	route('POST', '/v1/devices', 'key', devices.registerDevice),
	route('GET', '/v1/devices', 'key', devices.listDevices),
	route('PATCH', '/v1/devices/:id', 'key', devices.updateDevice),
	route('DELETE', '/v1/devices/:id', 'key', devices.deleteDevice),

	route('GET', '/v1/messages/:id', 'key', messages.getMessage),
	route('POST', '/v1/messages/:id/respond', 'key', messages.respondToMessage),
	route('POST', '/v1/messages/:id/callbacks/:deliveryId/retry', 'key', messages.retryCallback),

	// Paired browsers: a device key (Bearer pd_… or the inbox's cookie), its own channels only.
	route('GET', '/v1/device', 'device', device.getOwnDevice),
	route('GET', '/v1/device/messages', 'device', device.listOwnMessages),
	route('POST', '/v1/device/messages/:id/respond', 'device', device.respondAsDevice),
	route('PUT', '/v1/device/subscription', 'device', device.putSubscription),
	route('DELETE', '/v1/device/subscription', 'device', device.deleteSubscription),

	// Answer pages (server/src/web/): a person answers from any browser. The answer token in
	// the path is the capability; the pages answer in HTML, never JSON. GET and HEAD only read.
	route('GET', '/a/:token', 'none', showAnswerPage, { failurePage: answerPageFailure }),
	route('HEAD', '/a/:token', 'none', showAnswerPage, { failurePage: answerPageFailure }),
	route('POST', '/a/:token', 'none', submitAnswerPage, {
		body: 'raw',
		failurePage: answerPageFailure,
	}),

	// The inbox (server/src/web/inbox/): an installable web app for paired browsers. Pages
	// answer in HTML; the pair code in the path is the pairing's capability; GET only reads.
	route('GET', '/app/pair/:code', 'none', showPairPage, { failurePage: inboxFailure }),
	route('POST', '/app/pair/:code', 'none', submitPairPage, {
		body: 'raw',
		failurePage: inboxFailure,
	}),
	route('GET', '/app/', 'device', showInbox, { failurePage: inboxFailure }),
	route('GET', '/app', 'none', inboxWithSlash),
	route('POST', '/app/messages/:id/answer', 'device', answerFromInbox, {
		body: 'raw',
		failurePage: inboxFailure,
	}),
	...ASSET_PATHS.flatMap((path) => [
		route('GET', path, 'none', serveAsset(path)),
		route('HEAD', path, 'none', serveAsset(path)),
	]),

	// The console (server/src/web/console/, loaded on first use): pages for operators. Each page
	// checks its session cookie itself; every POST needs the session's CSRF token.
	page('GET', '/console', 'home'),
	page('GET', '/console/sign-in', 'showSignIn'),
	page('POST', '/console/sign-in', 'signIn'),
	page('POST', '/console/sign-out', 'signOut'),
	page('GET', '/console/channels', 'showChannels'),
	page('POST', '/console/channels', 'createChannel'),
	page('GET', '/console/channels/:id', 'showChannel'),
	page('POST', '/console/channels/:id', 'updateChannel'),
	page('POST', '/console/channels/:id/token', 'regenerateToken'),
	page('POST', '/console/channels/:id/secret/rotate', 'rotateSecret'),
	page('GET', '/console/channels/:id/delete', 'confirmDelete'),
	page('POST', '/console/channels/:id/delete', 'deleteChannel'),
	page('POST', '/console/channels/:id/test', 'sendTestQuestion'),
	page('GET', '/console/channels/:id/messages', 'showHistory'),
	page('POST', '/console/channels/:id/webhooks', 'createWebhook'),
	page('POST', '/console/channels/:id/webhooks/:webhookId/delete', 'deleteWebhook'),
	page('GET', '/console/messages/:id', 'showMessage'),
	page('POST', '/console/messages/:id/answer', 'answerMessage'),
	page('POST', '/console/messages/:id/retry', 'retryDelivery'),
	page('GET', '/console/phones', 'showPhones'),
	page('POST', '/console/phones/pair', 'pairBrowser'),
	page('POST', '/console/phones/:id', 'renameDevice'),
	page('POST', '/console/phones/:id/delete', 'revokeDevice'),
	page('GET', '/console/keys', 'showKeys'),
	page('POST', '/console/keys', 'createKey'),
	page('POST', '/console/keys/:id/delete', 'revokeKey'),

	// MCP for AI agents (streamable HTTP, stateless): an API key as bearer. The SDK is loaded on
	// the first POST, not at start.
	route(
		'POST',
		'/mcp',
		'key',
		lazyHandler(async () => (await import('../mcp/route')).mcpRoute),
	),
	route('GET', '/mcp', 'key', mcpMethodNotAllowed),
	route('DELETE', '/mcp', 'key', mcpMethodNotAllowed),
];
