/**
 * The built app end to end, as the pairing and folder specs run it: Chromium in a private
 * network namespace (WebRTC stays in there, no ICE servers), which the host cannot be
 * reached from, so Playwright carries what the pages ask of it: every page request and the
 * signaling WebSocket go to `npm start`'s server (`startServer` on 127.0.0.1:0), or the
 * WebSocket to whatever a test puts in its place (a malicious or a silent relay).
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, test, type BrowserContext, type BrowserContextOptions, type Page } from '@playwright/test';
import { chromium, type Browser, type WebSocketRoute } from 'playwright-core';
import { build } from 'vite';
import { startServer, type RunningServer } from '../../src/server/index.ts';
import { chromiumPath } from '../support/chromium.ts';
import { netnsUnavailable, PAGE_ORIGIN, serveFromServer, WEBRTC_FLAGS } from '../support/webrtcBrowser.ts';
import { bridgeToRelay } from './pairingRelay.ts';

export const APP = `${PAGE_ORIGIN}/index.html`;
export const SHOTS = fileURLToPath(new URL('../../test-results', import.meta.url));

const root = fileURLToPath(new URL('../../', import.meta.url));
const WRAPPER = fileURLToPath(new URL('../support/netns-chromium.sh', import.meta.url));

export interface AppWorld {
  readonly relay: RunningServer;
  /**
   * A new device: a browser context whose pages come from the server and whose signaling
   * WebSocket goes to the relay, or to `onSignal` instead. Closed after each test.
   */
  context(options?: BrowserContextOptions, onSignal?: (ws: WebSocketRoute) => void): Promise<BrowserContext>;
}

/**
 * Registers the spec's hooks: builds the app into `.tmp/<dir>`, serves it, and launches
 * Chromium in a namespace with `flags` added (after `prepare`, which may write files they
 * name). Skips the spec, saying why, where no namespace can be made: WebRTC test traffic
 * may only use loopback or a namespace the test made, never the host's network.
 */
export function appWorld(
  dir: string,
  flags: readonly string[] = [],
  prepare?: () => Promise<void>,
): AppWorld {
  const noNetns = process.getuid?.() === 0 ? undefined : netnsUnavailable();
  // No namespace (not root, no user namespaces): skip, saying why, rather than let WebRTC
  // traffic onto the host's interfaces. As root (CI) one can always be made.
  test.skip(noNetns !== undefined, noNetns); // skipped only without a private network namespace: WebRTC must not reach the host

  let browser: Browser | undefined;
  let relay: RunningServer | undefined;
  const contexts: BrowserContext[] = [];

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    const dist = fileURLToPath(new URL(`../../.tmp/${dir}`, import.meta.url));
    await build({
      root,
      configFile: fileURLToPath(new URL('../../vite.config.ts', import.meta.url)),
      logLevel: 'warn',
      build: { outDir: dist, emptyOutDir: true },
    });
    relay = await startServer({ host: '127.0.0.1', port: 0, dist });
    await mkdir(SHOTS, { recursive: true });
    await prepare?.();
    browser = await chromium.launch({
      executablePath: WRAPPER,
      args: [...WEBRTC_FLAGS, ...flags],
      env: { ...process.env, CHROMIUM_PATH: chromiumPath() },
    });
  });

  test.afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });

  test.afterAll(async () => {
    await browser?.close();
    await relay?.close();
  });

  return {
    get relay() {
      if (!relay) throw new Error('the relay runs only inside a test');
      return relay;
    },
    async context(options, onSignal) {
      if (!browser || !relay) throw new Error('the browser runs only inside a test');
      const context = await browser.newContext(options);
      contexts.push(context);
      const port = relay.port;
      await serveFromServer(context, port);
      await context.routeWebSocket(
        (u) => u.pathname === '/signal',
        onSignal ?? ((ws) => bridgeToRelay(ws, port)),
      );
      return context;
    },
  };
}

/** Names the device on the app's first-run screen and waits until the page shows it. */
export async function nameDevice(page: Page, name: string): Promise<void> {
  await page.getByTestId('name-input').fill(name, { timeout: 15_000 });
  await page.getByTestId('name-save').click();
  await expect(page.getByTestId('my-name')).toHaveText(name, { timeout: 10_000 });
}
