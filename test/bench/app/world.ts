/**
 * The app benchmark's world, outside Playwright's test runner: the built app served by
 * the real server (`startServer` on the host's 127.0.0.1), one Chromium inside a private
 * network namespace (so WebRTC stays on its loopback), device contexts whose pages and
 * signaling WebSocket Playwright carries to that server (as test/e2e/appWorld.ts does),
 * and two reference contexts on the e2e harness page for the raw data channel and OPFS
 * figures — all in the same browser. Every page gets the probe (probe.ts) first.
 */
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { startServer, type RunningServer } from '../../../src/server/index.ts';
import { chromiumPath } from '../../support/chromium.ts';
import {
  netnsUnavailable,
  PAGE_ORIGIN,
  serveDirectory,
  serveFromServer,
  WEBRTC_FLAGS,
} from '../../support/webrtcBrowser.ts';
import { bridgeToRelay } from '../../e2e/pairingRelay.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tmp = (dir: string) => fileURLToPath(new URL(`../../../.tmp/${dir}`, import.meta.url));
const WRAPPER = fileURLToPath(new URL('../../support/netns-chromium.sh', import.meta.url));
const APP = `${PAGE_ORIGIN}/index.html`;
const PROBE = `${tmp('bench-app-probe')}/probe.js`;

export interface Device {
  readonly name: string;
  readonly context: BrowserContext;
  readonly page: Page;
}

export interface AppBenchWorld {
  /** A new device running the app, at `url` (a pairing link) or the app's start page, named `name`. */
  device(name: string, url?: string): Promise<Device>;
  /** A page of the e2e harness (raw data channel, OPFS reference) in a context of its own. */
  harness(): Promise<Page>;
  close(): Promise<void>;
}

/** Says on the console when a page throws or crashes: the bench's only sight of it. */
function watch(page: Page, name: string): void {
  page.on('pageerror', (error) => console.error(`  [${name}] page error: ${error.message}`));
  page.on('crash', () => console.error(`  [${name}] the page crashed`));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Builds the app, the probe and the harness page, starts the server and the browser. */
export async function openWorld(): Promise<AppBenchWorld> {
  const why = netnsUnavailable();
  if (why) throw new Error(why);
  const dist = tmp('bench-app-dist');
  const harnessDist = tmp('bench-app-harness');
  await build({
    root,
    configFile: fileURLToPath(new URL('../../../vite.config.ts', import.meta.url)),
    logLevel: 'warn',
    // Profiled, the app keeps its function names.
    build: { outDir: dist, emptyOutDir: true, minify: process.env.BENCH_APP_PROFILE !== '1' },
  });
  await build({
    configFile: fileURLToPath(new URL('../../e2e/harness/vite.config.ts', import.meta.url)),
    build: { outDir: harnessDist, emptyOutDir: true },
  });
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: tmp('bench-app-probe'),
      emptyOutDir: true,
      minify: false,
      target: 'es2022',
      lib: {
        entry: fileURLToPath(new URL('./probe.ts', import.meta.url)),
        formats: ['iife'],
        name: 'tandemBenchProbe',
        fileName: () => 'probe.js',
      },
    },
  });

  const relay: RunningServer = await startServer({ host: '127.0.0.1', port: 0, dist });
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: WRAPPER,
      args: WEBRTC_FLAGS,
      env: { ...process.env, CHROMIUM_PATH: chromiumPath() },
    });
  } catch (error) {
    await relay.close();
    throw error;
  }

  const newContext = async () => {
    // No service worker: its precache would fetch the whole shell beside the workloads.
    const context = await browser.newContext({
      serviceWorkers: 'block',
      viewport: { width: 900, height: 900 },
      // The probe's in-place edit runs in a blob worker, which the app's CSP refuses.
      bypassCSP: true,
    });
    await context.addInitScript({ path: PROBE });
    return context;
  };

  return {
    async device(name, url = APP) {
      const context = await newContext();
      await serveFromServer(context, relay.port);
      await context.routeWebSocket(
        (u) => u.pathname === '/signal',
        (ws) => bridgeToRelay(ws, relay.port),
      );
      const page = await context.newPage();
      watch(page, name);
      await page.goto(url);
      await page.getByTestId('name-input').fill(name, { timeout: 30_000 });
      await page.getByTestId('name-save').click();
      await page.getByTestId('my-name').getByText(name, { exact: true }).waitFor({ timeout: 15_000 });
      return { name, context, page };
    },
    async harness() {
      const context = await newContext();
      await serveDirectory(context, harnessDist);
      const page = await context.newPage();
      watch(page, 'harness');
      await page.goto(`${PAGE_ORIGIN}/webrtc.html`);
      await page.waitForFunction(() => 'tandemRtc' in window && 'tandemAppBench' in window);
      return page;
    },
    async close() {
      await browser.close();
      await relay.close();
    },
  };
}

/** Pairs a new device named `name` with `a` through the UI (link), until both show it connected. */
export async function pairNew(world: AppBenchWorld, a: Device, name: string): Promise<Device> {
  await a.page.getByTestId('pair-start').click();
  const input = a.page.getByTestId('invite-link');
  await input.waitFor({ timeout: 15_000 });
  const link = await input.inputValue();
  const b = await world.device(name, link);
  await connected(a.page, name);
  await connected(b.page, a.name);
  return b;
}

async function connected(page: Page, peer: string): Promise<void> {
  const row = page.locator(`[data-testid=device][data-device-name="${peer}"]`);
  await row.getByTestId('device-status').getByText('Connected', { exact: true }).waitFor({ timeout: 60_000 });
}

/** Shares `a`'s folder `label` with device `peer` through its card's checkboxes. */
export async function share(a: Device, label: string, peer: string): Promise<void> {
  const card = a.page.locator(`[data-testid=folder][data-folder-label="${label}"]`);
  await card.locator(`[data-testid=folder-share-device][data-device-name="${peer}"]`).check();
  await card.getByTestId('folder-share-save').click();
}

/** Adds the OPFS directory `dir` as a folder (the picker returns it) and waits until it is up to date. */
export async function addFolder(a: Device, dir: string, timeoutMs: number): Promise<void> {
  await a.page.evaluate((d) => window.tandemAppBench.pickNext(d), dir);
  await a.page.getByTestId('folder-add').click();
  const deadline = Date.now() + timeoutMs;
  let seen = '';
  for (let round = 0; round < timeoutMs / 500 + 1 && Date.now() < deadline; round++) {
    seen = await a.page.evaluate((label) => {
      const card = document.querySelector(`[data-testid=folder][data-folder-label="${label}"]`);
      const error = document.querySelector('[data-testid=folders-error]')?.textContent;
      if (error) throw new Error(`adding ${label} failed: ${error}`);
      return card?.querySelector('[data-testid=folder-state]')?.textContent ?? 'no card';
    }, dir);
    if (seen === 'Up to date') return;
    await sleep(500);
  }
  throw new Error(`${dir} was not up to date on ${a.name} within ${timeoutMs / 1000} s (it showed: ${seen})`);
}

export function state(page: Page, label: string) {
  return page.locator(`[data-testid=folder][data-folder-label="${label}"] [data-testid=folder-state]`);
}

/**
 * Clicks Accept on `b` for the offer of `label`, into OPFS directory `dir`. Resolves with
 * when the click landed (ms since the epoch), as the probe in the page saw it.
 */
export async function accept(b: Device, label: string, dir: string): Promise<number> {
  const offer = b.page.locator(`[data-testid=offer][data-folder-label="${label}"]`);
  await offer.waitFor({ timeout: 60_000 });
  const before = await b.page.evaluate((d) => {
    window.tandemAppBench.pickNext(d);
    return window.tandemAppBench.now();
  }, dir);
  await offer.getByTestId('offer-accept').click();
  for (let i = 0; i < 100; i++) {
    const at = await b.page.evaluate(() => window.tandemAppBench.acceptedAt());
    if (at !== undefined && at >= before) return at;
    await sleep(50);
  }
  throw new Error('the probe did not see the click on Accept');
}
