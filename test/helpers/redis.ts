import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real `redis-server` for tests: loopback only, a free port, its own temp folder, and only
 * command-line settings (no config file is read, nothing outside the temp folder is touched).
 * The append-only file lives in the temp folder so `restart()` comes back with the data, the
 * way a production Redis with persistence does after an outage.
 */
export interface TestRedis {
	url: string;
	port: number;
	dir: string;
	/** Stops the server (SIGTERM: Redis flushes its AOF and exits). Safe to call twice. */
	stop(): Promise<void>;
	/** Starts it again on the same port and folder (after `stop()`). */
	restart(): Promise<void>;
	/** SIGSTOP / SIGCONT: Redis hangs without closing connections (the slow failure mode). */
	pause(): void;
	resume(): void;
	/** Stops it for good and removes the folder. */
	destroy(): Promise<void>;
}

const REDIS_BINARY = process.env.PING_TEST_REDIS_SERVER || 'redis-server';

let available: boolean | null = null;

export function redisServerAvailable(): boolean {
	if (available === null) {
		const probe = spawnSync(REDIS_BINARY, ['--version'], { encoding: 'utf8' });
		available = probe.status === 0 && /Redis server/.test(probe.stdout);
	}
	return available;
}

/**
 * `describe` for suites that need a real Redis. Without `redis-server`, outside CI the suite is
 * skipped with a loud message; in CI (CI=true) it fails, because CI installs the package.
 */
export function describeWithRedis(name: string, body: () => void): void {
	if (redisServerAvailable()) {
		describe(name, body);
		return;
	}
	const why = `redis-server was not found (install the Debian package: apt-get install -y redis-server)`;
	if (process.env.CI === 'true') {
		describe(name, () => {
			test('needs redis-server', () => {
				throw new Error(`${why}; CI must run the Redis tests`);
			});
		});
		return;
	}
	const banner = '!'.repeat(78);
	console.warn(
		`\n${banner}\n!! SKIPPED: "${name}"\n!! ${why}.\n!! The Redis driver is NOT tested in this run.\n${banner}\n`,
	);
	describe.skip(name, body);
}

/**
 * Runs `suite` on the SQLite store, then on the Redis store of a real redis-server it starts
 * (under `describeWithRedis`'s rules). `storeEnv()` gives the server settings of the store: on
 * Redis a key prefix of each test's own, kept across restarts within the test.
 */
export function describeOnBothStores(
	title: string,
	suite: (storeEnv: () => Record<string, string>) => void,
): void {
	describe(`${title}, SQLite store`, () => suite(() => ({})));
	describeWithRedis(`${title}, Redis store`, () => {
		let redis: TestRedis;
		let tests = 0;
		let prefix = '';
		beforeAll(async () => {
			redis = await startRedis();
		}, 30_000);
		afterAll(async () => {
			await redis?.destroy();
		});
		beforeEach(() => {
			prefix = `${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${process.pid}-${++tests}`;
		});
		suite(() => ({ PING_STORE: 'redis', PING_REDIS_URL: redis.url, PING_REDIS_PREFIX: prefix }));
	});
}

async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

/** Resolves once the server answers PING on its port. */
async function waitUntilReady(
	port: number,
	child: ChildProcess,
	output: () => string,
): Promise<void> {
	const deadline = Date.now() + 10_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null)
			throw new Error(`redis-server exited (${child.exitCode}): ${output()}`);
		const pong = await new Promise<boolean>((resolve) => {
			const socket = new Socket();
			let data = '';
			socket.setTimeout(500, () => socket.destroy());
			socket.once('error', () => resolve(false));
			socket.once('close', () => resolve(/\+PONG/.test(data)));
			socket.on('data', (chunk) => {
				data += chunk.toString();
				if (/\r\n/.test(data)) socket.end();
			});
			socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
		});
		if (pong) return;
		await new Promise((r) => setTimeout(r, 25));
	}
	throw new Error(`redis-server did not answer on port ${port}: ${output()}`);
}

export async function startRedis(): Promise<TestRedis> {
	const dir = mkdtempSync(join(tmpdir(), 'ping-redis-'));
	const port = await freePort();
	let child: ChildProcess | null = null;

	const launch = async () => {
		let output = '';
		const proc = spawn(
			REDIS_BINARY,
			[
				'--port',
				String(port),
				'--bind',
				'127.0.0.1',
				'--dir',
				dir,
				'--save',
				'',
				'--appendonly',
				'yes',
				'--appendfsync',
				'everysec',
				'--daemonize',
				'no',
				'--protected-mode',
				'yes',
				'--loglevel',
				'warning',
				'--logfile',
				'',
			],
			{ stdio: ['ignore', 'pipe', 'pipe'] },
		);
		proc.stdout?.on('data', (c) => (output += c));
		proc.stderr?.on('data', (c) => (output += c));
		child = proc;
		await waitUntilReady(port, proc, () => output);
	};

	const stop = async () => {
		const proc = child;
		child = null;
		if (!proc || proc.exitCode !== null) return;
		proc.kill('SIGCONT');
		await new Promise<void>((resolve) => {
			proc.once('exit', () => resolve());
			proc.kill('SIGTERM');
		});
	};

	await launch();
	return {
		url: `redis://127.0.0.1:${port}`,
		port,
		dir,
		stop,
		pause() {
			child?.kill('SIGSTOP');
		},
		resume() {
			child?.kill('SIGCONT');
		},
		async restart() {
			await stop();
			await launch();
		},
		async destroy() {
			await stop();
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
