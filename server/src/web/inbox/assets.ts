import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiRequest, WrittenReply } from '../../http/route';
import { ASSET_HEADERS } from './headers';

/**
 * The inbox's files: its script, its service worker, the web app manifest and the icons. The
 * script and the worker are plain JavaScript in `static/` (the build copies the folder next to
 * the compiled code); the PNG icons are rendered from icons/ping.svg by
 * `scripts/render-inbox-icons.ts` and committed. Read once, on the first request for one of
 * them (not at start), and served from memory with an ETag, so a browser revalidates them
 * cheaply.
 */

const STATIC_DIR = join(__dirname, 'static');

/** The installable app (web app manifest): name, start and scope `/app/`, standalone, icons. */
const MANIFEST = {
	id: '/app/',
	name: 'Ping inbox',
	short_name: 'Ping',
	description: 'Questions from your workflows: answer them here, with notifications.',
	start_url: '/app/',
	scope: '/app/',
	display: 'standalone',
	background_color: '#e0e7ff',
	theme_color: '#1d4ed8',
	icons: [
		{ src: '/app/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
		{ src: '/app/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
		{
			src: '/app/icons/maskable-512.png',
			sizes: '512x512',
			type: 'image/png',
			purpose: 'maskable',
		},
	],
};

interface Asset {
	body: Buffer;
	contentType: string;
	etag: string;
}

function asset(body: Buffer, contentType: string): Asset {
	const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
	return { body, contentType, etag };
}

const file = (name: string) => readFileSync(join(STATIC_DIR, name));

/** The files by path, as they are served; read on the first request for any of them. */
function readAssets(): Record<string, Asset> {
	return {
		'/app/inbox.js': asset(file('inbox.js'), 'text/javascript; charset=utf-8'),
		'/app/sw.js': asset(file('sw.js'), 'text/javascript; charset=utf-8'),
		'/app/manifest.webmanifest': asset(
			Buffer.from(JSON.stringify(MANIFEST)),
			'application/manifest+json; charset=utf-8',
		),
		'/app/icons/icon-192.png': asset(file('icons/icon-192.png'), 'image/png'),
		'/app/icons/icon-512.png': asset(file('icons/icon-512.png'), 'image/png'),
		'/app/icons/maskable-512.png': asset(file('icons/maskable-512.png'), 'image/png'),
	};
}

let assets: Record<string, Asset> | null = null;

/** The paths of the route table (known without reading the files). */
export const ASSET_PATHS = [
	'/app/inbox.js',
	'/app/sw.js',
	'/app/manifest.webmanifest',
	...MANIFEST.icons.map((icon) => icon.src),
];

/** A route handler for one file (`GET`, `HEAD`): 304 when the browser's copy is current. */
export function serveAsset(path: string) {
	return (_ctx: unknown, req: ApiRequest<'none'>): WrittenReply => {
		const found = (assets ??= readAssets())[path];
		if (!found) throw new Error(`no inbox asset ${path}`);
		const headers = { ...ASSET_HEADERS, etag: found.etag };
		if (req.raw.headers['if-none-match'] === found.etag)
			return { status: 304, text: '', contentType: found.contentType, headers };
		return { status: 200, bytes: found.body, contentType: found.contentType, headers };
	};
}
