/**
 * Renders the inbox's app icons (server/src/web/inbox/static/icons/*.png) from icons/ping.svg,
 * with the Chromium the browser tests use (playwright-core, Debian's /usr/bin/chromium): a
 * 192 and a 512 px icon (the phone on a rounded tile) and a 512 px maskable one (full-bleed
 * background, the phone inside the central safe zone, a circle of 80 % of the width).
 *
 *   npx tsx scripts/render-inbox-icons.ts
 *
 * The PNGs are committed (a few KB), so neither the build nor the server needs a renderer.
 * Run this again after changing icons/ping.svg.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from '../test/helpers/browser';

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'server', 'src', 'web', 'inbox', 'static', 'icons');
const svg = readFileSync(join(ROOT, 'icons', 'ping.svg'), 'utf8');
const dataUrl = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;

/** One icon: `size` px square; the phone fills `scale` of it; `radius` rounds the tile (0: full bleed). */
function html(size: number, scale: number, radius: number): string {
	const phone = Math.round(size * scale);
	return (
		'<!doctype html><html><body style="margin:0;background:transparent">' +
		`<div style="width:${size}px;height:${size}px;border-radius:${radius}px;background:#e0e7ff;display:flex;align-items:center;justify-content:center">` +
		`<img src="${dataUrl}" width="${phone}" height="${phone}"></div></body></html>`
	);
}

async function main() {
	const browser = await launchChromium();
	try {
		for (const [name, size, scale, radius] of [
			['icon-192.png', 192, 0.8, 36],
			['icon-512.png', 512, 0.8, 96],
			['maskable-512.png', 512, 0.6, 0],
		] as const) {
			const page = await browser.newPage({ viewport: { width: size, height: size } });
			await page.setContent(html(size, scale, radius));
			await page.locator('img').evaluate((img: HTMLImageElement) => img.decode());
			writeFileSync(join(OUT, name), await page.screenshot({ omitBackground: true }));
			await page.close();
			process.stdout.write(`wrote ${name}\n`);
		}
	} finally {
		await browser.close();
	}
}

void main();
