import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The community-package rules n8n applies when installing a community node package. */
describe('the n8n community package', () => {
	it('is declared as n8n expects', () => {
		expect(pkg.name).toMatch(/^(@[^/]+\/)?n8n-nodes-/);
		expect(pkg.keywords).toContain('n8n-community-node-package');
		expect(pkg.n8n).toEqual({
			n8nNodesApiVersion: 1,
			strict: true,
			credentials: [
				'dist/credentials/PingApi.credentials.js',
				'dist/credentials/PingAccountApi.credentials.js',
			],
			nodes: [
				'dist/nodes/PingSend/PingSend.node.js',
				'dist/nodes/PingWaitForResponse/PingWaitForResponse.node.js',
				'dist/nodes/PingTrigger/PingTrigger.node.js',
			],
		});
		expect(pkg.peerDependencies).toEqual({ 'n8n-workflow': '*' });
		expect(pkg.dependencies ?? {}).toEqual({});
		for (const script of [
			'preinstall',
			'install',
			'postinstall',
			'prepare',
			'prepublish',
			'preprepare',
			'postprepare',
		]) {
			expect(pkg.scripts?.[script]).toBeUndefined();
		}
	});

	it('has a codex file for every node, and one copy of each icon in icons/', () => {
		for (const node of ['PingSend', 'PingWaitForResponse', 'PingTrigger']) {
			const codex = JSON.parse(
				readFileSync(join(root, 'nodes', node, `${node}.node.json`), 'utf8'),
			);
			expect(codex.node).toBe(`n8n-nodes-ping.${node.charAt(0).toLowerCase()}${node.slice(1)}`);
		}
		expect(readdirSync(join(root, 'icons')).sort()).toEqual(['ping.dark.svg', 'ping.svg']);
		const svgs = ['nodes', 'credentials'].flatMap((dir) =>
			(readdirSync(join(root, dir), { recursive: true }) as string[]).filter((path) =>
				path.endsWith('.svg'),
			),
		);
		expect(svgs).toEqual([]);
	});

	it('every node and credential points its icons at icons/, relative to its compiled file', () => {
		const iconOwners = [
			...pkg.n8n.nodes.map((path: string) => ({ path, up: '../../' })),
			...pkg.n8n.credentials.map((path: string) => ({ path, up: '../' })),
		];
		for (const { path, up } of iconOwners) {
			const source = readFileSync(
				join(root, path.replace(/^dist\//, '').replace(/\.js$/, '.ts')),
				'utf8',
			);
			expect([path, source.match(/\{ light: '[^']+', dark: '[^']+' \}/)?.[0]]).toEqual([
				path,
				`{ light: 'file:${up}icons/ping.svg', dark: 'file:${up}icons/ping.dark.svg' }`,
			]);
		}
	});

	it('packs only the built nodes, credentials, icons, codex files, package.json, README and LICENSE', () => {
		// Build what n8n loads (the server workspace is not part of the package).
		execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], {
			cwd: root,
			stdio: 'pipe',
		});
		execFileSync(join(root, 'node_modules', '.bin', 'gulp'), ['build:icons'], {
			cwd: root,
			stdio: 'pipe',
		});
		const output = execFileSync(
			'npm',
			['pack', '--dry-run', '--json', '--ignore-scripts', '--workspaces=false'],
			{
				cwd: root,
				encoding: 'utf8',
				stdio: ['ignore', 'pipe', 'pipe'],
			},
		);
		// n8n resolves `file:` icons relative to the compiled .js file: each one must land on dist/icons.
		for (const path of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) {
			const compiled = readFileSync(join(root, path), 'utf8');
			for (const match of compiled.matchAll(/'file:([^']+)'/g)) {
				expect([path, match[1], existsSync(join(root, dirname(path), match[1]))]).toEqual([
					path,
					match[1],
					true,
				]);
			}
		}
		const files: string[] = JSON.parse(output)[0]
			.files.map((f: { path: string }) => f.path)
			.sort();

		const allowed = (path: string) =>
			['package.json', 'README.md', 'LICENSE'].includes(path) ||
			/^dist\/(nodes|credentials)\/.+\.js$/.test(path) ||
			/^dist\/icons\/[^/]+\.svg$/.test(path) ||
			/^dist\/nodes\/[^/]+\/[^/]+\.node\.json$/.test(path);
		expect(files.filter((path) => !allowed(path))).toEqual([]);
		for (const needed of [
			'LICENSE',
			'README.md',
			'package.json',
			...pkg.n8n.nodes,
			...pkg.n8n.credentials,
			'dist/icons/ping.svg',
			'dist/icons/ping.dark.svg',
			'dist/nodes/PingSend/PingSend.node.json',
			'dist/nodes/PingWaitForResponse/PingWaitForResponse.node.json',
			'dist/nodes/PingTrigger/PingTrigger.node.json',
			'dist/nodes/shared/transport.js',
		]) {
			expect(files).toContain(needed);
		}
		expect(files.some((path) => path.endsWith('.svg') && !path.startsWith('dist/icons/'))).toBe(
			false,
		);
		expect(
			files.some(
				(path) =>
					path.startsWith('server/') ||
					path.startsWith('test/') ||
					path.endsWith('.map') ||
					path.endsWith('.ts'),
			),
		).toBe(false);
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
					target.startsWith('.') || target === 'n8n-workflow' || target === 'node:crypto'
						? target
						: 'forbidden import',
					path,
				]);
				expect(target).not.toMatch(/server/);
			}
		}
	});
});
