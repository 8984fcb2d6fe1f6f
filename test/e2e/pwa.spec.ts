/**
 * The PWA end to end: the built app served by `npm start`'s server (`startServer` on
 * 127.0.0.1:0, a secure context), real Chromium. The manifest is linked, valid and
 * installable with fetchable icons of the sizes it says; the service worker controls the
 * page on the first visit and the shell (worker pool included) works offline; a second
 * build waits, the page offers a reload, and every tab swaps to the new build together —
 * or, with every old tab closed, the next visit opens the new build. Each test has its own
 * browser context (its own service worker). Every wait is bounded.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { chromium } from 'playwright-core';
import { build, type Plugin } from 'vite';
import { startServer, type RunningServer } from '../../src/server/index.ts';
import { CHROMIUM_FLAGS, chromiumPath } from '../support/chromium.ts';
import { watchErrors } from '../support/pageErrors.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const configFile = fileURLToPath(new URL('../../vite.config.ts', import.meta.url));
const dist = fileURLToPath(new URL('../../.tmp/e2e-pwa-dist', import.meta.url));

test.describe.configure({ mode: 'serial' });

let server: RunningServer | undefined;
let origin = '';
let fixtures = '';

/**
 * Builds the app into `dist` (replacing what was there, as a deploy does), marked with
 * `label` in the HTML and in the page's script, so a test can tell which build it runs.
 */
async function buildApp(label: string): Promise<void> {
  const mark: Plugin = {
    name: 'tandem-test-build-mark',
    transformIndexHtml: (html) =>
      html.replace('<title>', `<meta name="test-build" content="${label}" />\n    <title>`),
    transform(code, id) {
      if (!id.endsWith('/src/app.ts')) return undefined;
      // First in the module body: set before the app's own top-level await.
      return {
        code: `document.documentElement.dataset.testBuild = ${JSON.stringify(label)};\n${code}`,
        map: null,
      };
    },
  };
  await build({
    root,
    configFile,
    logLevel: 'warn',
    plugins: [mark],
    build: { outDir: dist, emptyOutDir: true },
  });
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  await buildApp('1');
  server = await startServer({ host: '127.0.0.1', port: 0, dist });
  origin = `http://127.0.0.1:${server.port}`;
  fixtures = await mkdtemp(join(tmpdir(), 'tandem-pwa-'));
});

test.afterAll(async () => {
  await server?.close();
  if (fixtures !== '') await rm(fixtures, { recursive: true, force: true });
});

const contexts: BrowserContext[] = [];

test.afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
});

async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext();
  contexts.push(context);
  return context;
}

/** Width and height from a PNG's IHDR chunk; throws when `bytes` is not a PNG. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  const signature = '89504e470d0a1a0a';
  if (bytes.length < 24 || bytes.subarray(0, 8).toString('hex') !== signature) throw new Error('not a PNG');
  if (bytes.subarray(12, 16).toString('latin1') !== 'IHDR') throw new Error('PNG without IHDR first');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** Resolves once a service worker controls `page` and is activated. */
async function controlled(page: Page): Promise<string> {
  await page.waitForFunction(() => navigator.serviceWorker.controller?.state === 'activated', undefined, {
    timeout: 20_000,
  });
  return page.evaluate(() => navigator.serviceWorker.controller!.scriptURL);
}

const buildOf = (page: Page) => page.evaluate(() => document.documentElement.dataset.testBuild ?? '');

interface Manifest {
  name?: string;
  short_name?: string;
  description?: string;
  start_url?: string;
  scope?: string;
  id?: string;
  display?: string;
  theme_color?: string;
  background_color?: string;
  icons?: { src: string; sizes: string; type: string; purpose?: string }[];
}

test('the manifest is linked, valid and installable; its icons are PNGs of the sizes it says', async ({
  browser,
}) => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${origin}/`);
  await expect(page.getByTestId('tagline')).toBeVisible({ timeout: 15_000 });

  const links = page.locator('link[rel="manifest"]');
  await expect(links).toHaveCount(1);
  const href = await links.evaluate((link: HTMLLinkElement) => link.href);
  const response = await page.request.get(href);
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toMatch(/^application\/manifest\+json/);
  const manifest = (await response.json()) as Manifest;
  expect(manifest).toMatchObject({
    name: 'Tandem',
    short_name: 'Tandem',
    start_url: '/',
    scope: '/',
    display: 'standalone',
  });
  expect(manifest.description?.length).toBeGreaterThan(10);
  // The title bar and splash match the page: theme-color meta and the CSS background.
  const themeMeta = await page.locator('meta[name="theme-color"]').getAttribute('content');
  expect(manifest.theme_color).toBe(themeMeta);
  const pageBackground = await page.evaluate(
    () => getComputedStyle(document.documentElement).backgroundColor,
  );
  expect(hexToRgb(manifest.background_color ?? '')).toBe(pageBackground);

  const icons = manifest.icons ?? [];
  const wanted = [
    { sizes: '192x192', purpose: 'any' },
    { sizes: '512x512', purpose: 'any' },
    { sizes: '512x512', purpose: 'maskable' },
  ];
  for (const want of wanted) {
    expect(icons.some((icon) => icon.sizes === want.sizes && (icon.purpose ?? 'any') === want.purpose)).toBe(
      true,
    );
  }
  for (const icon of icons) {
    const iconResponse = await page.request.get(new URL(icon.src, href).href);
    expect(iconResponse.status(), icon.src).toBe(200);
    expect(iconResponse.headers()['content-type'], icon.src).toBe(icon.type);
    if (icon.type !== 'image/png') continue;
    const { width, height } = pngSize(await iconResponse.body());
    expect(`${width}x${height}`, icon.src).toBe(icon.sizes);
  }
  const touchHref = await page
    .locator('link[rel="apple-touch-icon"]')
    .evaluate((l: HTMLLinkElement) => l.href);
  const touch = await page.request.get(touchHref);
  expect(pngSize(await touch.body())).toEqual({ width: 180, height: 180 });

  // Chromium's own verdict: the manifest parses cleanly and the app is installable.
  expect(await chromiumVerdict(href)).toEqual({ manifestErrors: [], installabilityErrors: [] });
  expect(errors).toEqual([]);
});

/**
 * What Chromium says of the app at `origin`: manifest parse errors and installability
 * errors. In a persistent profile, since Chromium never installs from an incognito one
 * (Playwright's ordinary contexts).
 */
async function chromiumVerdict(
  manifestHref: string,
): Promise<{ manifestErrors: string[]; installabilityErrors: string[] }> {
  const profile = await mkdtemp(join(tmpdir(), 'tandem-pwa-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    args: CHROMIUM_FLAGS,
    headless: true,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${origin}/`);
    await controlled(page);
    const cdp = await context.newCDPSession(page);
    const manifest = await cdp.send('Page.getAppManifest');
    expect(manifest.url).toBe(manifestHref);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    return {
      manifestErrors: manifest.errors.map((error) => error.message),
      installabilityErrors: installabilityErrors.map((error) => error.errorId),
    };
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}

/** `#rrggbb` as CSS computes it: `rgb(r, g, b)`. */
function hexToRgb(hex: string): string {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (match === null) return `not a colour: ${hex}`;
  const [r, g, b] = match.slice(1).map((part) => Number.parseInt(part, 16));
  return `rgb(${r}, ${g}, ${b})`;
}

test('the service worker controls the first visit; the shell and the worker pool work offline', async ({
  browser,
}) => {
  test.setTimeout(60_000);
  const context = await newContext(browser);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${origin}/`);
  const scriptUrl = await controlled(page);
  expect(scriptUrl).toBe(`${origin}/sw.js`);
  expect(await buildOf(page)).toBe('1');

  // Everything the page may load later is precached, the QR reader's wasm included.
  const assets = (await readdir(join(dist, 'assets'))).map((name) => `${origin}/assets/${name}`);
  expect(assets.some((url) => url.endsWith('.wasm'))).toBe(true);
  const uncached = await page.evaluate(async (urls) => {
    const missing: string[] = [];
    for (const url of urls) if ((await caches.match(url)) === undefined) missing.push(url);
    return missing;
  }, assets);
  expect(uncached).toEqual([]);

  expect(errors).toEqual([]);

  // The relay's path is never answered with the app: a plain GET reaches the server. (In a
  // page of its own: its 404s, the favicon's included, are no error of the app.)
  const probe = await context.newPage();
  const signal = await probe.goto(`${origin}/signal`);
  expect(signal?.fromServiceWorker()).toBe(false);
  expect(signal?.status()).toBe(404);
  await probe.close();

  await context.setOffline(true);
  const offlineLoad = await page.goto(`${origin}/`);
  expect(offlineLoad?.fromServiceWorker()).toBe(true);
  await expect(page.getByTestId('tagline')).toBeVisible({ timeout: 15_000 });
  // Really offline: what the worker does not hold fails.
  const reachable = await page.evaluate(
    (url) =>
      fetch(url).then(
        () => true,
        () => false,
      ),
    `${origin}/not-precached.txt`,
  );
  expect(reachable).toBe(false);

  // A deep link opens the shell too (navigation fallback), and the worker pool starts from the cache.
  await page.goto(`${origin}/some/deep/link?workers=2`);
  await expect(page.getByTestId('tagline')).toBeVisible({ timeout: 15_000 });
  const file = join(fixtures, 'offline.bin');
  await writeFile(
    file,
    new Uint8Array(200_000).map((_, i) => (i * 31) & 0xff),
  );
  await page.getByLabel('Choose files…').setInputFiles(file);
  await expect(page.getByTestId('batch-summary')).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  // Offline, the relay cannot be reached: those errors are expected, nothing else.
  expect(
    errors.filter((error) => !/signal|WebSocket|ERR_INTERNET_DISCONNECTED|Failed to fetch/i.test(error)),
  ).toEqual([]);
});

test('a new build waits; Reload swaps every open tab to it at once, never mixing the two', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  await buildApp('1');
  const context = await newContext(browser);
  const first = await context.newPage();
  const errors = watchErrors(first);
  await first.goto(`${origin}/`);
  await controlled(first);
  const second = await context.newPage();
  await second.goto(`${origin}/`);
  await controlled(second);
  expect([await buildOf(first), await buildOf(second)]).toEqual(['1', '1']);
  const oldAssets = await readdir(join(dist, 'assets'));
  // The entry script: its hash changes with the build (the marked src/app.ts is in it).
  const oldEntry = oldAssets.find((name) => name.startsWith('index-') && name.endsWith('.js'));
  expect(oldEntry).toBeDefined();
  await expect(first.getByTestId('update-banner')).toHaveCount(0);

  await buildApp('2');
  // The deploy replaced the files: build 1's assets are gone from the server.
  const gone = await first.request.get(`${origin}/assets/${oldEntry}`);
  expect(gone.status()).toBe(404);

  // A navigation checks for a new worker; the page itself still comes whole from build 1.
  await first.reload();
  await expect(first.getByTestId('update-banner')).toBeVisible({ timeout: 30_000 });
  expect(await buildOf(first)).toBe('1');
  expect(await first.locator('meta[name="test-build"]').getAttribute('content')).toBe('1');
  // Build 1's code is still there for build 1's pages (from its cache), though not on the server.
  const stillThere = await second.evaluate(
    (url) => fetch(url).then((r) => r.ok),
    `${origin}/assets/${oldEntry}`,
  );
  expect(stillThere).toBe(true);

  await first.getByTestId('update-reload').click();
  for (const page of [first, second]) {
    await page.waitForFunction(() => document.documentElement.dataset.testBuild === '2', undefined, {
      timeout: 30_000,
    });
    await expect(page.locator('meta[name="test-build"]')).toHaveAttribute('content', '2');
    await expect(page.getByTestId('update-banner')).toHaveCount(0);
    await expect(page.getByTestId('tagline')).toBeVisible({ timeout: 15_000 });
  }
  // Build 1's files left the cache with its worker.
  await expect
    .poll(
      () =>
        first.evaluate(
          (url) => caches.match(url).then((r) => r !== undefined),
          `${origin}/assets/${oldEntry}`,
        ),
      {
        timeout: 10_000,
      },
    )
    .toBe(false);
  expect(errors).toEqual([]);
});

test('with every tab of the old build closed, the next visit opens the new build', async ({ browser }) => {
  test.setTimeout(120_000);
  await buildApp('1');
  const context = await newContext(browser);
  let page = await context.newPage();
  await page.goto(`${origin}/`);
  await controlled(page);

  await buildApp('3');
  await page.reload();
  await expect(page.getByTestId('update-banner')).toBeVisible({ timeout: 30_000 });
  expect(await buildOf(page)).toBe('1');
  await page.close();

  // The waiting worker activates once no page uses the old one; bounded retries of a fresh visit.
  page = await context.newPage();
  await expect
    .poll(
      async () => {
        await page.goto(`${origin}/`);
        return buildOf(page);
      },
      { timeout: 30_000, intervals: [500, 1000, 2000] },
    )
    .toBe('3');
  await expect(page.getByTestId('update-banner')).toHaveCount(0);
});
