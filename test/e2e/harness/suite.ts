import { progress, startStack, Stack, stopStack } from './stack';

/**
 * Starts the stack once for a test file and stops it afterwards. Jest does not tell an
 * `afterAll` whether anything failed, so scenarios are declared with `scenario()`, which
 * records failures; n8n's log is printed only then.
 */
export function e2eSuite(): {
	stack: () => Stack;
	scenario: (name: string, fn: () => Promise<void>, timeoutMs?: number) => void;
} {
	let stack: Stack | undefined;
	let failed = false;

	beforeAll(async () => {
		try {
			stack = await startStack();
		} catch (error) {
			failed = true;
			throw error;
		}
	}, 45 * 60_000); // above the install (20 min) + rebuild (15 min) limits, which fail with a clearer message

	afterAll(async () => {
		await stopStack(stack, failed);
	}, 60_000);

	return {
		stack: () => {
			if (!stack) throw new Error('the e2e stack did not start (see the error of beforeAll)');
			return stack;
		},
		scenario: (name, fn, timeoutMs) => {
			test(
				name,
				async () => {
					progress(`scenario: ${name}`);
					try {
						await fn();
					} catch (error) {
						failed = true;
						throw error;
					}
				},
				timeoutMs,
			);
		},
	};
}
