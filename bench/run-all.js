// Runs every benchmark in this folder, one after the other (`npm run bench`).
'use strict';
const { spawnSync } = require('node:child_process');
const { readdirSync } = require('node:fs');
const path = require('node:path');

const scripts = readdirSync(__dirname)
	.filter((f) => f.endsWith('.js') && !['lib.js', 'fake-child.js', 'run-all.js'].includes(f))
	.sort();
let failed = 0;
for (const script of scripts) {
	console.log(`\n=== bench/${script}`);
	const result = spawnSync(process.execPath, [path.join(__dirname, script)], { stdio: 'inherit' });
	if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
