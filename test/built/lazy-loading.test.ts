import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startPushTestbed } from '../helpers/push';
import { ADMIN_KEY } from '../helpers/server';

const DIST = join(__dirname, '../../server/dist');

/**
 * A built server in a child process that, on each line of its standard input, prints the
 * packages it has loaded so far (from `require.cache`): what a configuration really costs at
 * start, not what the sources import.
 */
const CHILD = `
const { startServer } = require(${JSON.stringify(join(DIST, 'app/server.js'))});
const { loadConfig } = require(${JSON.stringify(join(DIST, 'config/config.js'))});
const packages = () => [...new Set(Object.keys(require.cache)
	.map((file) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(file)?.[1])
	.filter(Boolean))].sort();
startServer(loadConfig(), { announce: () => undefined }).then((server) => {
	console.log(JSON.stringify({ url: server.url }));
	require('node:readline').createInterface({ input: process.stdin })
		.on('line', () => console.log(JSON.stringify({ packages: packages() })))
		.on('close', () => server.close().then(() => process.exit(0)));
});`;

interface Probe {
	url: string;
	packages(): Promise<string[]>;
	stop(): Promise<void>;
}

async function startProbe(env: Record<string, string>): Promise<Probe> {
	const dir = mkdtempSync(join(tmpdir(), 'ping-lazy-'));
	const child: ChildProcess = spawn(process.execPath, ['-e', CHILD], {
		env: {
			PATH: process.env.PATH ?? '',
			PING_PORT: '0',
			PING_HOST: '127.0.0.1',
			PING_DATABASE: join(dir, 'ping.db'),
			PING_ADMIN_KEY: ADMIN_KEY,
			PING_LOG_LEVEL: 'error',
			...env,
		},
		stdio: ['pipe', 'pipe', 'inherit'],
	});
	const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
	const next = async () => JSON.parse((await lines.next()).value as string);
	const { url } = await next();
	return {
		url,
		async packages() {
			child.stdin!.write('\n');
			return (await next()).packages;
		},
		async stop() {
			const exited = new Promise((resolve) => child.once('exit', resolve));
			child.stdin!.end();
			await exited;
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

const REDIS_PARTS = ['bullmq', 'ioredis'];
const APNS_CLIENT = '@parse/node-apn';
const MCP_SDK = '@modelcontextprotocol/sdk';
/** Web Push (only with VAPID keys) and the QR code maker (only when a pairing is made). */
const OPTIONAL_PARTS = ['web-push', 'qrcode'];

describe('the built server loads what its configuration uses, when it uses it', () => {
	beforeAll(() => {
		if (!existsSync(join(DIST, 'app/server.js')))
			throw new Error(`${DIST} is missing: run \`npm run build\` first (npm test does)`);
	});

	test('SQLite mode with pushes off: no Redis client, no BullMQ, no APNs or Web Push client, no QR maker, no MCP SDK until /mcp is used', async () => {
		const probe = await startProbe({});
		try {
			const health = await fetch(`${probe.url}/health`);
			expect(health.status).toBe(200);
			const atStart = await probe.packages();
			expect(atStart).toContain('better-sqlite3');
			for (const name of [...REDIS_PARTS, APNS_CLIENT, MCP_SDK, 'markdown-it', ...OPTIONAL_PARTS])
				expect(atStart).not.toContain(name);

			// The first POST /mcp loads the SDK and is answered like any later one.
			const initialize = await fetch(`${probe.url}/mcp`, {
				method: 'POST',
				headers: {
					authorization: `Bearer ${ADMIN_KEY}`,
					'content-type': 'application/json',
					accept: 'application/json, text/event-stream',
				},
				body: JSON.stringify({
					jsonrpc: '2.0',
					id: 1,
					method: 'initialize',
					params: {
						protocolVersion: '2025-06-18',
						capabilities: {},
						clientInfo: { name: 'lazy-test', version: '1' },
					},
				}),
			});
			expect(initialize.status).toBe(200);
			expect(await initialize.text()).toContain('"serverInfo"');
			const afterMcp = await probe.packages();
			expect(afterMcp).toContain(MCP_SDK);
			for (const name of [...REDIS_PARTS, APNS_CLIENT]) expect(afterMcp).not.toContain(name);
		} finally {
			await probe.stop();
		}
	});

	test('with APNs configured the APNs client is loaded at start (and still nothing of Redis)', async () => {
		const testbed = await startPushTestbed();
		const probe = await startProbe(testbed.env);
		try {
			const atStart = await probe.packages();
			expect(atStart).toContain(APNS_CLIENT);
			for (const name of REDIS_PARTS) expect(atStart).not.toContain(name);
		} finally {
			await probe.stop();
			await testbed.close();
		}
	});
});
