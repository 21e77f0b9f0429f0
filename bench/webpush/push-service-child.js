// The fake push service in a process of its own, driven over IPC by bench/webpush.js, so its
// decryption never competes with the sender being measured for the same event loop.
'use strict';
const path = require('node:path');
// tsx's CommonJS loader lets this plain script require the fake's TypeScript source (transpile only).
require('tsx/cjs');

const { FakePushService } = require(
	path.join(__dirname, '..', '..', 'test', 'fakes', 'push-service.ts'),
);

let fake = null;
let target = Infinity;
let reachedSent = false;

function watch() {
	// Cheap check on every accepted push: tell the parent the moment the expected count is in.
	const push = fake.received.push.bind(fake.received);
	fake.received.push = (...items) => {
		const n = push(...items);
		if (!reachedSent && n >= target) {
			reachedSent = true;
			process.send({ event: 'reached', count: n });
		}
		return n;
	};
}

process.on('message', async (msg) => {
	if (msg.cmd === 'start') {
		fake = await FakePushService.start({ vapidPublicKey: msg.vapidPublicKey });
		fake.recordPayloads = false;
		watch();
		process.send({ event: 'started', caFile: fake.caFile });
	} else if (msg.cmd === 'subscribe') {
		const subscriptions = Array.from({ length: msg.count }, () => fake.subscribe());
		process.send({ event: 'subscribed', subscriptions });
	} else if (msg.cmd === 'expect') {
		fake.reset();
		target = msg.count;
		reachedSent = false;
		process.send({ event: 'expecting' });
	} else if (msg.cmd === 'stats') {
		const bySubscription = new Map();
		for (const p of fake.received)
			bySubscription.set(p.subscriptionId, (bySubscription.get(p.subscriptionId) ?? 0) + 1);
		process.send({
			event: 'stats',
			received: fake.received.length,
			refused: fake.refused.length,
			maxPerSubscription: Math.max(0, ...bySubscription.values()),
			subscriptionsReached: bySubscription.size,
		});
	} else if (msg.cmd === 'stop') {
		await fake.close();
		process.exit(0);
	}
});
