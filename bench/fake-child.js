// The child side of `forkFake` (lib.js): a fake service (APNs, a push service) in a process of its
// own, driven over IPC by a bench, so it never competes with what is measured for the same event
// loop. Each fake's child script says only how to start it, which list counts what it accepted,
// how to clear that, and what its stats are.
'use strict';

/**
 * @param {object} fake
 * @param {(msg: object) => Promise<object>} fake.start the running fake, from the `start` message
 * @param {(fake: object) => unknown[]} fake.counted the list of what it accepted
 * @param {(fake: object) => void} fake.reset empties that list (in place) before a round
 * @param {(fake: object) => object} fake.stats the figures the bench reads after a round
 * @param {Record<string, (fake: object, msg: object) => object>} [fake.commands] any others:
 *   each answers with the object it returns
 */
function serveFake({ start, counted, reset, stats, commands = {} }) {
	let fake = null;
	let target = Infinity;
	let reachedSent = false;

	// Cheap check on every accepted push: tell the parent the moment the expected count is in.
	function watch(list) {
		const push = list.push.bind(list);
		list.push = (...items) => {
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
			fake = await start(msg);
			fake.recordPayloads = false;
			watch(counted(fake));
			process.send({ event: 'started', port: fake.port, caFile: fake.caFile });
		} else if (msg.cmd === 'expect') {
			reset(fake);
			target = msg.count;
			reachedSent = false;
			process.send({ event: 'expecting' });
		} else if (msg.cmd === 'stats') {
			process.send({ event: 'stats', ...stats(fake) });
		} else if (msg.cmd === 'stop') {
			await fake.close();
			process.exit(0);
		} else if (commands[msg.cmd]) {
			process.send(commands[msg.cmd](fake, msg));
		}
	});
}

module.exports = { serveFake };
