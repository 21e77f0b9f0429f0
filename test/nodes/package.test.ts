import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The community-package rules n8n applies when installing (SPEC §9, issue 5). */
describe('the n8n community package', () => {
	it('is declared as n8n expects', () => {
		expect(pkg.name).toMatch(/^(@[^/]+\/)?n8n-nodes-/);
		expect(pkg.keywords).toContain('n8n-community-node-package');
		expect(pkg.n8n).toEqual({
			n8nNodesApiVersion: 1,
			strict: true,
			credentials: ['dist/credentials/PingApi.credentials.js', 'dist/credentials/PingAccountApi.credentials.js'],
			nodes: [
				'dist/nodes/PingSend/PingSend.node.js',
				'dist/nodes/PingWaitForResponse/PingWaitForResponse.node.js',
				'dist/nodes/PingTrigger/PingTrigger.node.js',
			],
		});
		expect(pkg.peerDependencies).toEqual({ 'n8n-workflow': '*' });
		expect(pkg.dependencies ?? {}).toEqual({});
		for (const script of ['preinstall', 'install', 'postinstall', 'prepare', 'prepublish', 'preprepare', 'postprepare']) {
			expect(pkg.scripts?.[script]).toBeUndefined();
		}
	});

	it('has a codex file and an icon for every node', () => {
		for (const node of ['PingSend', 'PingWaitForResponse', 'PingTrigger']) {
			const codex = JSON.parse(readFileSync(join(root, 'nodes', node, `${node}.node.json`), 'utf8'));
			expect(codex.node).toBe(`n8n-nodes-ping.${node.charAt(0).toLowerCase()}${node.slice(1)}`);
			expect(existsSync(join(root, 'nodes', node, 'ping.svg'))).toBe(true);
			expect(existsSync(join(root, 'nodes', node, 'ping.dark.svg'))).toBe(true);
		}
	});

	it('packs only the built nodes, credentials, icons, codex files, package.json, README and LICENSE', () => {
		// Build what n8n loads (the server workspace is not part of the package).
		execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: root, stdio: 'pipe' });
		execFileSync(join(root, 'node_modules', '.bin', 'gulp'), ['build:icons'], { cwd: root, stdio: 'pipe' });
		const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', '--workspaces=false'], {
			cwd: root,
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const files: string[] = JSON.parse(output)[0].files.map((f: { path: string }) => f.path).sort();

		const allowed = (path: string) =>
			['package.json', 'README.md', 'LICENSE'].includes(path) ||
			/^dist\/(nodes|credentials)\/.+\.(js|svg)$/.test(path) ||
			/^dist\/nodes\/[^/]+\/[^/]+\.node\.json$/.test(path);
		expect(files.filter((path) => !allowed(path))).toEqual([]);
		for (const needed of [
			'LICENSE',
			'README.md',
			'package.json',
			...pkg.n8n.nodes,
			...pkg.n8n.credentials,
			'dist/credentials/ping.svg',
			'dist/nodes/PingSend/PingSend.node.json',
			'dist/nodes/PingSend/ping.svg',
			'dist/nodes/PingTrigger/ping.svg',
			'dist/nodes/PingWaitForResponse/ping.svg',
			'dist/nodes/PingWaitForResponse/ping.dark.svg',
			'dist/credentials/ping.dark.svg',
			'dist/nodes/shared/transport.js',
		]) {
			expect(files).toContain(needed);
		}
		expect(files.some((path) => path.startsWith('server/') || path.startsWith('test/') || path.endsWith('.map') || path.endsWith('.ts'))).toBe(false);
	}, 120_000);

	it('nodes import nothing but n8n-workflow and node:crypto', () => {
		const sources = ['nodes', 'credentials'].flatMap((dir) =>
			(readdirSync(join(root, dir), { recursive: true }) as string[])
				.filter((path) => path.endsWith('.ts'))
				.map((path) => join(dir, path)),
		);
		expect(sources.length).toBeGreaterThan(10);
		for (const path of sources) {
			const text = readFileSync(join(root, path), 'utf8');
			for (const match of text.matchAll(/from '([^']+)'/g)) {
				const target = match[1];
				expect([target, path]).toEqual([
					target.startsWith('.') || target === 'n8n-workflow' || target === 'node:crypto' ? target : 'forbidden import',
					path,
				]);
				expect(target).not.toMatch(/server/);
			}
		}
	});
});
