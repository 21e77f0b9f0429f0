// The fake APNs in a process of its own, driven over IPC by bench/apns-throughput.js, so the
// fake never competes with the client being measured for the same event loop.
'use strict';
const path = require('node:path');
// tsx's CommonJS loader lets this plain script require the fake's TypeScript source (transpile only).
require('tsx/cjs');

const { FakeApns } = require(path.join(__dirname, '..', '..', 'test', 'fakes', 'fake-apns.ts'));

let fake = null;
let target = Infinity;
let reachedSent = false;

function watch() {
	// Cheap check on every accepted push: tell the parent the moment the expected count is in.
	const push = fake.accepted.push.bind(fake.accepted);
	fake.accepted.push = (...items) => {
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
		fake = await FakeApns.start(msg.options);
		fake.recordPayloads = false;
		watch();
		process.send({ event: 'started', port: fake.port, caFile: fake.caFile });
	} else if (msg.cmd === 'expect') {
		fake.accepted.length = 0;
		fake.answers.length = 0;
		target = msg.count;
		reachedSent = false;
		process.send({ event: 'expecting' });
	} else if (msg.cmd === 'stats') {
		const ids = fake.accepted.map((n) => n.apnsId);
		const rejected = fake.answers.filter((a) => a.status !== 200).length;
		process.send({
			event: 'stats',
			accepted: ids.length,
			ids,
			rejected,
			goaways: fake.goaways,
			maxConcurrent: fake.maxConcurrentSeen,
		});
	} else if (msg.cmd === 'stop') {
		await fake.close();
		process.exit(0);
	}
});
