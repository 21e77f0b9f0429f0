/**
 * The nodes may not import the server, so two pieces exist twice on purpose: action and
 * message validation, and the signature check. Every case of the shared corpora runs through
 * the server's function and the nodes' function; both must give the expected result.
 */
import * as serverSignature from '../../server/src/domain/signature';
import * as serverActions from '../../server/src/domain/actions';
import * as serverMessage from '../../server/src/domain/message';
import * as nodeActions from '../../nodes/shared/actions';
import * as nodeMessage from '../../nodes/shared/message';
import * as nodeSignature from '../../nodes/shared/signature';
import type { Outcome } from './actions-corpus';
import { actionsCases, sendCases } from './actions-corpus';
import { parseCases, signatureV1Cases, verifyCases } from './signature-corpus';

/** What a validator did with one input, in the corpus's words. */
function outcomeOf(run: () => unknown): Outcome {
	try {
		run();
		return 'accepted';
	} catch (error) {
		return { refused: (error as Error).message };
	}
}

/** The refusal's field, for the node's error (it carries it) and the message (it starts with it). */
function fieldOf(message: string): string {
	return message.split(' ')[0];
}

describe('action validation twins', () => {
	test.each(actionsCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
		expect({ server: outcomeOf(() => serverActions.parseActions(c.actions)) }).toEqual({
			server: c.expected,
		});
		expect({ nodes: outcomeOf(() => nodeActions.parseActions(c.actions)) }).toEqual({
			nodes: c.expected,
		});
		if (c.expected !== 'accepted') {
			const error = (() => {
				try {
					nodeActions.parseActions(c.actions);
				} catch (e) {
					return e as { field: string };
				}
				return undefined;
			})();
			expect(error?.field).toBe(fieldOf(c.expected.refused));
		} else {
			// What the node sends (only the given fields) means the same to the server as the original.
			const sent = JSON.parse(JSON.stringify(nodeActions.parseActions(c.actions)));
			expect(serverActions.parseActions(sent)).toEqual(serverActions.parseActions(c.actions));
		}
	});

	test('the limits have the same names and values on both sides', () => {
		const limits = [
			'MAX_ACTIONS',
			'MAX_SELECT_OPTIONS',
			'TEXT_MAX_LENGTH',
			'ACTION_LABEL_MAX',
			'KEY_MAX',
			'URL_MAX',
			'OPTION_LABEL_MAX',
			'OPTION_VALUE_MAX',
			'PLACEHOLDER_MAX',
		] as const;
		for (const name of limits)
			expect([name, nodeActions[name]]).toEqual([name, serverActions[name]]);
		for (const name of [
			'TITLE_MAX',
			'BODY_MAX',
			'CALLBACK_URL_MAX',
			'EXPIRES_IN_MAX_SECONDS',
		] as const) {
			expect([name, nodeMessage[name]]).toEqual([name, serverMessage[name]]);
		}
	});
});

describe('send request validation twins', () => {
	test.each(sendCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
		expect({ server: outcomeOf(() => serverMessage.parseSendRequest(c.body)) }).toEqual({
			server: c.expected,
		});
		expect({ nodes: outcomeOf(() => nodeMessage.parseSendRequest(c.body)) }).toEqual({
			nodes: c.expected,
		});
		if (c.expected === 'accepted') {
			const sent = JSON.parse(JSON.stringify(nodeMessage.parseSendRequest(c.body)));
			expect(serverMessage.parseSendRequest(sent)).toEqual(serverMessage.parseSendRequest(c.body));
		}
	});
});

describe('signature twins', () => {
	test.each(signatureV1Cases.map((c) => [c.name, c] as const))('signatureV1: %s', (_name, c) => {
		expect(serverSignature.signatureV1(c.secret, c.t, c.body)).toBe(c.v1);
		expect(nodeSignature.signatureV1(c.secret, c.t, c.body)).toBe(c.v1);
	});

	test.each(parseCases.map((c) => [c.name, c] as const))('parseSignatureHeader: %s', (_name, c) => {
		expect(serverSignature.parseSignatureHeader(c.header)).toEqual(c.expected);
		expect(nodeSignature.parseSignatureHeader(c.header)).toEqual(c.expected);
	});

	test.each(verifyCases.map((c) => [c.name, c] as const))('verifySignature: %s', (_name, c) => {
		const args = [c.header, c.secret, c.rawBody, c.nowMs, c.toleranceSeconds] as const;
		expect({ server: serverSignature.verifySignature(...args) }).toEqual({ server: c.expected });
		expect({ nodes: nodeSignature.verifySignature(...args) }).toEqual({ nodes: c.expected });
	});

	test('both sides name the header and the window alike', () => {
		expect(nodeSignature.SIGNATURE_HEADER).toBe(serverSignature.SIGNATURE_HEADER);
		expect(nodeSignature.SIGNATURE_TOLERANCE_SECONDS).toBe(
			serverSignature.SIGNATURE_TOLERANCE_SECONDS,
		);
	});
});
