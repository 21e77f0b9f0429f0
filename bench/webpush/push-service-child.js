// The fake push service in a process of its own, driven over IPC by bench/webpush.js, so its
// decryption never competes with the sender being measured for the same event loop.
'use strict';
const path = require('node:path');
// tsx's CommonJS loader lets this plain script require the fake's TypeScript source (transpile only).
require('tsx/cjs');
const { serveFake } = require('../fake-child');

const { FakePushService } = require(
	path.join(__dirname, '..', '..', 'test', 'fakes', 'push-service.ts'),
);

serveFake({
	start: (msg) => FakePushService.start({ vapidPublicKey: msg.vapidPublicKey }),
	counted: (fake) => fake.received,
	reset: (fake) => fake.reset(),
	stats: (fake) => {
		const bySubscription = new Map();
		for (const p of fake.received)
			bySubscription.set(p.subscriptionId, (bySubscription.get(p.subscriptionId) ?? 0) + 1);
		return {
			received: fake.received.length,
			refused: fake.refused.length,
			maxPerSubscription: Math.max(0, ...bySubscription.values()),
			subscriptionsReached: bySubscription.size,
		};
	},
	commands: {
		subscribe: (fake, msg) => ({
			event: 'subscribed',
			subscriptions: Array.from({ length: msg.count }, () => fake.subscribe()),
		}),
	},
});
