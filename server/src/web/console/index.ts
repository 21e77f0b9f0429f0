import { Handler } from '../../http/route';
import * as channels from './channels';
import { signedIn } from './guard';
import * as keys from './keys';
import * as messages from './messages';
import * as phones from './phones';
import * as signIn from './sign-in';
import * as webhooks from './webhooks';

/**
 * Every console page handler, by name. This module (and what it imports) is loaded on the
 * first request to /console (`web/console-routes.ts`), so a server that nobody opens the
 * console on never pays for it at start-up.
 */
export const CONSOLE_PAGES = {
	home: signIn.consoleHome,
	showSignIn: signIn.showSignIn,
	signIn: signIn.signIn,
	signOut: signIn.signOut,

	showChannels: signedIn(channels.showChannels),
	createChannel: signedIn(channels.createChannel),
	showChannel: signedIn(channels.showChannel),
	updateChannel: signedIn(channels.updateChannel),
	regenerateToken: signedIn(channels.regenerateToken),
	rotateSecret: signedIn(channels.rotateSecret),
	confirmDelete: signedIn(channels.confirmDelete),
	deleteChannel: signedIn(channels.deleteChannel),
	sendTestQuestion: signedIn(channels.sendTestQuestion),
	createWebhook: signedIn(webhooks.createWebhook),
	deleteWebhook: signedIn(webhooks.deleteWebhook),

	showHistory: signedIn(messages.showHistory),
	showMessage: signedIn(messages.showMessage),
	answerMessage: signedIn(messages.answerFromConsole),
	retryDelivery: signedIn(messages.retryDelivery),

	showPhones: signedIn(phones.showPhones),
	pairBrowser: signedIn(phones.pairBrowser),
	renameDevice: signedIn(phones.renameDevice),
	revokeDevice: signedIn(phones.revokeDevice),

	showKeys: signedIn(keys.showKeys),
	createKey: signedIn(keys.createKey),
	revokeKey: signedIn(keys.revokeKey),
} satisfies Record<string, Handler<'none'>>;

export type ConsolePageName = keyof typeof CONSOLE_PAGES;
