import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';

/**
 * Real-browser tests: headless Chromium from Debian's `chromium` package, driven by
 * playwright-core with `executablePath` (no browser download). `.ci/run` installs the package
 * when it is missing, so in CI these tests always run. On a developer's machine without it
 * they are skipped, loudly; with CI set they fail instead of skipping.
 */
export const CHROMIUM_PATH = process.env.PING_CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the test run saves screenshots (gitignored). */
export const SCREENSHOT_DIR = join(__dirname, '..', '..', 'test-output', 'screenshots');

/** A phone: 320 CSS px is the narrowest the page must work at. */
export const PHONE: BrowserContextOptions = {
	viewport: { width: 320, height: 640 },
	deviceScaleFactor: 2,
	isMobile: true,
	hasTouch: true,
};

/** A larger phone, for the screenshots. */
export const PHONE_SCREENSHOT: BrowserContextOptions = {
	viewport: { width: 390, height: 844 },
	deviceScaleFactor: 1,
	isMobile: true,
	hasTouch: true,
};

export function chromiumAvailable(): boolean {
	return existsSync(CHROMIUM_PATH);
}

/**
 * `describe`, or, without Chromium: a loud skip locally, a failure in CI (browser tests must
 * never be skipped there).
 */
export function describeInChromium(name: string, fn: () => void): void {
	if (chromiumAvailable()) {
		describe(name, fn);
		return;
	}
	if (process.env.CI) {
		describe(name, () => {
			test('Chromium is installed', () => {
				throw new Error(
					`Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium package (.ci/run does) or set PING_CHROMIUM_PATH`,
				);
			});
		});
		return;
	}
	process.stderr.write(
		`\n*** SKIPPED "${name}": Chromium not found at ${CHROMIUM_PATH}. ` +
			'Install it (apt-get install chromium) or set PING_CHROMIUM_PATH to run the browser tests. ***\n\n',
	);
	describe.skip(name, fn);
}

export async function launchChromium(): Promise<Browser> {
	const { chromium } = await import('playwright-core');
	return chromium.launch({
		executablePath: CHROMIUM_PATH,
		// Root in CI containers: Chromium's sandbox needs user namespaces it may not have.
		args: ['--no-sandbox', '--disable-dev-shm-usage'],
	});
}

/** Everything the page reported as an error: console errors (a CSP refusal is one) and uncaught exceptions. */
export function watchErrors(context: BrowserContext): string[] {
	const errors: string[] = [];
	const watch = (page: Page) => {
		page.on('console', (message) => {
			if (message.type() !== 'error') return;
			// Chromium reports a document's own 4xx status as a console error: the answer page
			// answers 400, 403, 404, 409 and 410 on purpose, so that one line is expected.
			const ownStatus =
				/^Failed to load resource: the server responded with a status of 4\d\d /.test(
					message.text(),
				) && message.location().url === page.url();
			if (!ownStatus) errors.push(`console: ${message.text()}`);
		});
		page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
		page.on('dialog', (dialog) => {
			errors.push(`dialog: ${dialog.message()}`);
			void dialog.dismiss();
		});
	};
	context.pages().forEach(watch);
	context.on('page', watch);
	return errors;
}

export function screenshotPath(name: string): string {
	mkdirSync(SCREENSHOT_DIR, { recursive: true });
	return join(SCREENSHOT_DIR, name);
}
