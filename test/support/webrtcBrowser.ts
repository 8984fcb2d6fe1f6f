/**
 * Chromium for WebRTC tests and benchmarks: launched inside a private network namespace
 * (netns-chromium.sh), so peer connections between its contexts stay in there, with the
 * pages served by Playwright's routing from a built directory (no server is reachable
 * from inside the namespace, and none is needed).
 */
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { ConnectInfo } from '../e2e/harness/webrtc.ts';
import { CHROMIUM_FLAGS, chromiumPath } from './chromium.ts';

const WRAPPER = fileURLToPath(new URL('./netns-chromium.sh', import.meta.url));

/** Plain IP host candidates (not mDNS names), which two contexts resolve without a resolver. */
export const WEBRTC_FLAGS = [...CHROMIUM_FLAGS, '--disable-features=WebRtcHideLocalIpsWithMdns'];

/** The origin the served pages load from: localhost is a secure context (WebCrypto). */
export const PAGE_ORIGIN = 'http://localhost';

/**
 * Why no private network namespace can be made here, or `undefined` when one can. As root
 * (CI) it always can; a user without user namespaces cannot.
 */
export function netnsUnavailable(): string | undefined {
  const userns = process.getuid?.() === 0 ? [] : ['-r'];
  const probe = spawnSync('unshare', [...userns, '-n', 'ip', 'link', 'set', 'lo', 'up'], {
    encoding: 'utf8',
  });
  if (probe.status === 0) return undefined;
  const why = probe.error?.message ?? probe.stderr.trim();
  return `cannot make a private network namespace for WebRTC (unshare ${[...userns, '-n'].join(' ')}: ${why}); run as root or enable user namespaces`;
}

export async function launchNetnsChromium(): Promise<Browser> {
  const why = netnsUnavailable();
  if (why) throw new Error(why);
  return chromium.launch({
    executablePath: WRAPPER,
    args: WEBRTC_FLAGS,
    env: { ...process.env, CHROMIUM_PATH: chromiumPath() },
  });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/** Serves the files under `dir` to `context` at PAGE_ORIGIN; anything else fails. */
export async function serveDirectory(context: BrowserContext, dir: string): Promise<void> {
  const root = normalize(dir + sep);
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    const path = normalize(join(root, decodeURIComponent(url.pathname)));
    if (url.origin !== PAGE_ORIGIN || !path.startsWith(root)) return route.abort('blockedbyclient');
    try {
      const body = await readFile(path);
      await route.fulfill({ body, contentType: TYPES[extname(path)] ?? 'application/octet-stream' });
    } catch {
      await route.fulfill({ status: 404, body: 'not found' });
    }
  });
}

/**
 * Serves the namespace's pages from a real server on the host's 127.0.0.1:`port` (the
 * app's own `startServer`), fetched by Playwright, which runs outside the namespace. A
 * request still in flight when its page or context closes (a service worker precaching,
 * say) is dropped quietly: nobody is left to answer.
 */
export async function serveFromServer(context: BrowserContext, port: number): Promise<void> {
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    try {
      if (url.origin !== PAGE_ORIGIN) return await route.abort('blockedbyclient');
      const response = await route.fetch({ url: `http://127.0.0.1:${port}${url.pathname}${url.search}` });
      await route.fulfill({ response });
    } catch (error) {
      if (!/disposed|closed/i.test((error as Error).message)) throw error;
    }
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts a WebRtcTransport in each harness page (`a` initiates) and carries the signals
 * between them until both are open: at most 300 rounds of 50 ms.
 */
export async function connectTransports(
  a: Page,
  b: Page,
  highWaterMark?: number,
): Promise<[ConnectInfo, ConnectInfo]> {
  await a.evaluate((hwm) => window.tandemRtc.start(true, hwm), highWaterMark);
  await b.evaluate((hwm) => window.tandemRtc.start(false, hwm), highWaterMark);
  for (let round = 0; round < 300; round++) {
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      const signals = await from.evaluate(() => window.tandemRtc.takeSignals());
      if (signals.length > 0) await to.evaluate((s) => window.tandemRtc.giveSignals(s), signals);
    }
    const [atA, atB] = [
      await a.evaluate(() => window.tandemRtc.openState()),
      await b.evaluate(() => window.tandemRtc.openState()),
    ];
    for (const state of [atA, atB]) {
      if (state.state === 'failed') throw new Error(`a peer failed to connect: ${state.error}`);
    }
    if (atA.state === 'open' && atB.state === 'open') return [atA.info, atB.info];
    await sleep(50);
  }
  throw new Error('the two pages did not connect within 300 rounds');
}

/** The same for the harness's raw RTCDataChannel (the benchmark's reference). */
export async function connectRaw(a: Page, b: Page, highWaterMark: number): Promise<void> {
  await a.evaluate((hwm) => window.tandemRtc.rawStart(true, hwm), highWaterMark);
  await b.evaluate((hwm) => window.tandemRtc.rawStart(false, hwm), highWaterMark);
  for (let round = 0; round < 300; round++) {
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      const signals = await from.evaluate(() => window.tandemRtc.rawTakeSignals());
      if (signals.length > 0) await to.evaluate((s) => window.tandemRtc.rawGiveSignals(s), signals);
    }
    const open = [
      await a.evaluate(() => window.tandemRtc.rawOpen()),
      await b.evaluate(() => window.tandemRtc.rawOpen()),
    ];
    if (open[0] && open[1]) return;
    await sleep(50);
  }
  throw new Error('the raw data channel did not open within 300 rounds');
}
