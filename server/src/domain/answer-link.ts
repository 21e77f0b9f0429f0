import { createHmac } from 'node:crypto';
import { constantTimeEqual, sha256Hex } from './ids';
import { Message } from './types';

/**
 * Answer links (`<public URL>/a/<answer token>`): the capability that lets any person answer a
 * message from a browser, without an account or a key (docs/api.md#answer-links).
 *
 * - The token names its message: the 12 characters of the message id after `msg_`, then 32
 *   URL-safe characters (192 bits), the HMAC-SHA256 of the message id under the server's link
 *   key cut to 24 bytes. Without the key the MAC cannot be told from random. The token itself
 *   is never stored: the store keeps its SHA-256 (`answerTokenHash`) with the message, and a
 *   presented token is checked against it (constant time) after the message is read by its id.
 *   Deriving the token (instead of drawing it at random and forgetting it) is what lets
 *   `GET /v1/messages/{id}` and the push show the link again later.
 * - Links made before tokens named their message (the MAC alone, 32 characters) still work:
 *   the store finds those by their hash (`findMessageByLegacyAnswerTokenHash`). New links need
 *   no such index, whose random entries slowed every insert of a large database.
 * - The key is `PING_LINK_SECRET`, or one generated once and kept by the store.
 * - A link stays valid while the message is open; the page then shows the answer or the expiry.
 *
 * Pure (node:crypto only), like the rest of domain/.
 */

/** A token: the message id's 12 characters, then the MAC. */
const ANSWER_TOKEN_PATTERN = /^([A-Za-z0-9]{12})[A-Za-z0-9_-]{32}$/;
/** A token of a link made before tokens named their message: the MAC alone. */
const LEGACY_ANSWER_TOKEN_PATTERN = /^[A-Za-z0-9_-]{32}$/;
/** Label of the key's use, so the same key can never yield a token for another purpose. */
const TOKEN_LABEL = 'ping/answer-link/v1';
const FORM_LABEL = 'ping/answer-form/v1';
/** How long one rendering of the answer page may be submitted (then it is shown again). */
export const FORM_TOKEN_TTL_MS = 24 * 3600 * 1000;

const hmac = (key: string, label: string, value: string) =>
	createHmac('sha256', key).update(`${label}\u0000${value}`).digest();

export type FormTokenCheck = 'ok' | 'missing' | 'invalid' | 'stale';

export class AnswerLinks {
	/**
	 * @param key the link key (at least 32 characters); every token and form token hangs on it
	 * @param baseUrl the public base URL (`PING_PUBLIC_URL`, else the listening address), read
	 *   on each use: it is known only once the server listens
	 */
	constructor(
		private readonly key: string,
		private readonly baseUrl: () => string,
	) {
		if (key.length < 32) throw new Error('the answer link key must be at least 32 characters');
	}

	/** The message's answer token (the secret part of its link). */
	tokenFor(messageId: string): string {
		return `${messageId.slice('msg_'.length)}${this.mac(messageId)}`;
	}

	/** What the store keeps for a message, and what a presented token is looked up by. */
	hashFor(messageId: string): string {
		return answerTokenHash(this.tokenFor(messageId));
	}

	/**
	 * The message's answer link, or null when it has none: stored before answer links, or made
	 * under another link key (after `PING_LINK_SECRET` changed, old links still open the page,
	 * since they are found by their hash, but this server cannot spell them out again).
	 */
	urlFor(message: Pick<Message, 'id' | 'answerTokenHash'>): string | null {
		const stored = message.answerTokenHash;
		if (!stored) return null;
		const token = this.tokenFor(message.id);
		if (constantTimeEqual(answerTokenHash(token), stored)) return `${this.baseUrl()}/a/${token}`;
		// A message sent before tokens named their message keeps the link it was sent with.
		const legacy = this.mac(message.id);
		if (constantTimeEqual(answerTokenHash(legacy), stored)) return `${this.baseUrl()}/a/${legacy}`;
		return null;
	}

	/**
	 * A form token for one rendering of the answer page: `<issued at, base 36>.<MAC>`, bound to
	 * the message and to the time it was made. No server state: a POST must bring one this key
	 * made for this message within FORM_TOKEN_TTL_MS.
	 */
	formToken(messageId: string, now: number): string {
		const issued = now.toString(36);
		return `${issued}.${this.formMac(messageId, issued)}`;
	}

	checkFormToken(messageId: string, raw: string | null, now: number): FormTokenCheck {
		if (raw === null || raw === '') return 'missing';
		const match = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{22})$/.exec(raw);
		if (!match) return 'invalid';
		const [, issued, mac] = match;
		if (!constantTimeEqual(this.formMac(messageId, issued), mac)) return 'invalid';
		const age = now - parseInt(issued, 36);
		return age < -60_000 || age > FORM_TOKEN_TTL_MS ? 'stale' : 'ok';
	}

	private mac(messageId: string): string {
		return hmac(this.key, TOKEN_LABEL, messageId).subarray(0, 24).toString('base64url');
	}

	private formMac(messageId: string, issued: string): string {
		return hmac(this.key, FORM_LABEL, `${messageId}\u0000${issued}`)
			.subarray(0, 16)
			.toString('base64url');
	}
}

export const answerTokenHash = (token: string): string => sha256Hex(token);

/**
 * What a presented token says: its hash, and the id of the message it names (null for a link
 * made before tokens named their message: that message is looked up by the hash). Null for
 * anything that is not a token, so it costs no store lookup. Either way the message found is the
 * token's only if its stored `answerTokenHash` equals `tokenHash` (`isTokenOf`).
 */
export function readAnswerToken(
	token: string,
): { tokenHash: string; messageId: string | null } | null {
	const named = ANSWER_TOKEN_PATTERN.exec(token);
	if (named) return { tokenHash: answerTokenHash(token), messageId: `msg_${named[1]}` };
	if (LEGACY_ANSWER_TOKEN_PATTERN.test(token))
		return { tokenHash: answerTokenHash(token), messageId: null };
	return null;
}

/** Whether a message is the one a token (by its hash) opens: compared in constant time. */
export function isTokenOf(message: Pick<Message, 'answerTokenHash'>, tokenHash: string): boolean {
	return !!message.answerTokenHash && constantTimeEqual(message.answerTokenHash, tokenHash);
}
