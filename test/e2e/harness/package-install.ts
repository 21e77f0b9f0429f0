import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './processes';

export const PACKAGE_NAME = 'n8n-nodes-ping';
export const REPO_ROOT = join(__dirname, '..', '..', '..');

/**
 * Builds this package and packs it the way `npm publish` would, so the test sees exactly the
 * files a user gets (the `files` list, the `n8n` section), not the working tree.
 */
export function buildAndPack(outDir: string): string {
	run('building the package', 'npm', ['run', 'build'], { cwd: REPO_ROOT, timeoutMs: 5 * 60_000 });
	mkdirSync(outDir, { recursive: true });
	const out = run('packing the package', 'npm', ['pack', '--json', '--pack-destination', outDir], {
		cwd: REPO_ROOT,
		timeoutMs: 2 * 60_000,
	});
	const [packed] = JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string }>;
	return join(outDir, packed.filename);
}

/**
 * Installs the tarball where n8n looks for community packages
 * (`$N8N_USER_FOLDER/.n8n/nodes/node_modules/<name>`, listed in that folder's package.json,
 * which is what n8n's own "Install community node" produces). Unpacked with tar rather than
 * `npm install`: the package has no runtime dependencies, and npm would pull its
 * `n8n-workflow` peer dependency in next to it instead of using n8n's own.
 */
export function installIntoN8n(tarball: string, userFolder: string): string {
	const nodesDir = join(userFolder, '.n8n', 'nodes');
	const target = join(nodesDir, 'node_modules', PACKAGE_NAME);
	mkdirSync(target, { recursive: true });
	run(
		'unpacking the package tarball',
		'tar',
		['-xzf', tarball, '-C', target, '--strip-components=1'],
		{
			cwd: nodesDir,
			timeoutMs: 60_000,
		},
	);
	const version = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')).version as string;
	writeFileSync(
		join(nodesDir, 'package.json'),
		JSON.stringify(
			{ name: 'installed-nodes', private: true, dependencies: { [PACKAGE_NAME]: version } },
			null,
			2,
		) + '\n',
	);
	return target;
}
