// The fake APNs in a process of its own, driven over IPC by bench/apns-throughput.js.
'use strict';
const path = require('node:path');
// tsx's CommonJS loader lets this plain script require the fake's TypeScript source (transpile only).
require('tsx/cjs');
const { serveFake } = require('../fake-child');

const { FakeApns } = require(path.join(__dirname, '..', '..', 'test', 'fakes', 'fake-apns.ts'));

serveFake({
	start: (msg) => FakeApns.start(msg.options),
	counted: (fake) => fake.accepted,
	reset: (fake) => {
		fake.accepted.length = 0;
		fake.answers.length = 0;
	},
	stats: (fake) => {
		const ids = fake.accepted.map((n) => n.apnsId);
		return {
			accepted: ids.length,
			ids,
			rejected: fake.answers.filter((a) => a.status !== 200).length,
			goaways: fake.goaways,
			maxConcurrent: fake.maxConcurrentSeen,
		};
	},
});
