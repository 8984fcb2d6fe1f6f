/**
 * WebRtcTransport between two Chromium contexts — two devices — over a real data channel.
 * Chromium runs in a private network namespace (test/support/netns-chromium.sh) with no
 * ICE servers, so the connection uses host candidates in there and nothing leaves it; the
 * harness page is served by Playwright's routing, and this spec carries the signals
 * between the pages itself (no relay). Every wait is bounded in rounds and time.
 */
import { fileURLToPath } from 'node:url';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { LIMITS } from '../../src/core/protocol/messages.ts';
import type { SendPlan } from './harness/webrtc.ts';
import { watchErrors } from '../support/pageErrors.ts';
import {
  connectTransports as connect,
  launchNetnsChromium,
  netnsUnavailable,
  PAGE_ORIGIN,
  serveDirectory,
} from '../support/webrtcBrowser.ts';

const config = fileURLToPath(new URL('./harness/vite.config.ts', import.meta.url));
const dist = fileURLToPath(new URL('../../.tmp/e2e-harness-dist', import.meta.url));
const KiB = 1024;
const MiB = 1024 * KiB;

const noNetns = process.getuid?.() === 0 ? undefined : netnsUnavailable();
// Without root or user namespaces there is no private network to run in: skip, saying why,
// rather than let WebRTC traffic onto the host's interfaces. As root (CI) it must work.
test.skip(noNetns !== undefined, noNetns); // skipped only without a private network namespace: WebRTC must not reach the host

let browser: Browser | undefined;

test.beforeAll(async () => {
  await build({ configFile: config });
  browser = await launchNetnsChromium();
});

test.afterAll(async () => {
  await browser?.close();
});

interface Device {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly errors: string[];
}

const devices: Device[] = [];

test.afterEach(async () => {
  for (const device of devices.splice(0)) await device.context.close();
});

async function device(): Promise<Device> {
  const context = await browser!.newContext();
  await serveDirectory(context, dist);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${PAGE_ORIGIN}/webrtc.html`);
  await page.waitForFunction(() => 'tandemRtc' in window, undefined, { timeout: 10_000 });
  const made = { context, page, errors };
  devices.push(made);
  return made;
}

/** Waits (≤ `ms`) until `page` has received `count` messages. */
async function receivedCount(page: Page, count: number, ms = 30_000): Promise<void> {
  await expect.poll(() => page.evaluate(() => window.tandemRtc.receivedCount()), { timeout: ms }).toBe(count);
}

const send = (page: Page, plan: SendPlan) => page.evaluate((p) => window.tandemRtc.send(p), plan);
const closedOf = (page: Page, ms = 20_000) => page.evaluate((t) => window.tandemRtc.closed(t), ms);

test('two devices connect on host candidates in the namespace, each seeing the fingerprints the other uses', async () => {
  const [a, b] = [await device(), await device()];
  const [atA, atB] = await connect(a.page, b.page);
  for (const info of [atA, atB]) {
    // Chromium offers 256 KiB messages; DESIGN.md caps frames at 64 KiB.
    expect(info.frameBytes).toBe(64 * KiB);
    expect(info.maxMessageSize).toBe(LIMITS.messageBytes);
    expect(info.sdpHasFingerprint).toBe(true);
    expect(info.localFingerprints).toEqual([expect.objectContaining({ algorithm: 'sha-256' })]);
  }
  expect(atA.localFingerprints).toEqual(atB.remoteFingerprints);
  expect(atB.localFingerprints).toEqual(atA.remoteFingerprints);
  expect(atA.localFingerprints).not.toEqual(atB.localFingerprints);
  expect([...a.errors, ...b.errors]).toEqual([]);
});

test('messages of mixed sizes up to 1 MiB arrive whole and in order, both ways, held until a listener comes', async () => {
  const [a, b] = [await device(), await device()];
  await connect(a.page, b.page);
  const edges = [0, 1, 2, 64 * KiB - 2, 64 * KiB - 1, 64 * KiB, 64 * KiB + 1, 128 * KiB - 2, MiB - 1, MiB];
  const toB = [
    ...edges,
    ...Array.from({ length: 110 }, (_, i) => (i % 15 === 14 ? MiB : (i * 7919 * 37) % 300_000)),
  ];
  const toA = Array.from({ length: 30 }, (_, i) => (i * 104_729) % 200_000);

  await a.page.evaluate(() => window.tandemRtc.listen());
  // B listens only after A has been sending for a while: what came meanwhile is held.
  const bListens = b.page.evaluate(() => window.tandemRtc.listen(300));
  const [sentToB, sentToA] = await Promise.all([
    send(a.page, { sizes: toB, seed: 1, mode: 'all' }),
    send(b.page, { sizes: toA, seed: 2, mode: 'each' }),
  ]);
  await bListens;
  expect(sentToB.outcome).toBe('sent');
  expect(sentToA.outcome).toBe('sent');

  await receivedCount(b.page, toB.length);
  await receivedCount(a.page, toA.length);
  expect((await b.page.evaluate(() => window.tandemRtc.received())).hashes).toEqual(sentToB.hashes);
  expect((await a.page.evaluate(() => window.tandemRtc.received())).hashes).toEqual(sentToA.hashes);
  // The default mark is 1 MiB; a frame may land on top of it, never more.
  expect(sentToB.maxBuffered).toBeLessThanOrEqual(MiB + 64 * KiB);
  expect([...a.errors, ...b.errors]).toEqual([]);
});

test('sends wait while the channel holds the high-water mark, and its buffer never runs away', async () => {
  const [a, b] = [await device(), await device()];
  const highWaterMark = 256 * KiB;
  await connect(a.page, b.page, highWaterMark);
  await b.page.evaluate(() => window.tandemRtc.listen());
  const sizes = Array.from({ length: 24 }, () => MiB);

  const offered = await send(a.page, { sizes, seed: 3, mode: 'all' });
  // 24 MiB offered at once: not even the first 1 MiB message fits under a 256 KiB mark.
  expect(offered.acceptedAtOnce).toBe(0);
  expect(offered.maxBuffered).toBeGreaterThan(0);
  expect(offered.maxBuffered).toBeLessThanOrEqual(highWaterMark + 64 * KiB);

  const awaited = await send(a.page, { sizes, seed: 4, mode: 'each' });
  expect(awaited.maxBuffered).toBeGreaterThan(0);
  expect(awaited.maxBuffered).toBeLessThanOrEqual(highWaterMark + 64 * KiB);

  await receivedCount(b.page, 2 * sizes.length);
  const got = await b.page.evaluate(() => window.tandemRtc.received());
  expect(got.hashes).toEqual([...offered.hashes, ...awaited.hashes]);
  expect([...a.errors, ...b.errors]).toEqual([]);
});

for (const closer of ['a', 'b'] as const) {
  test(`a close by ${closer} is local there and remote at the peer, after everything it accepted; sends then reject`, async () => {
    const pair = { a: await device(), b: await device() };
    await connect(pair.a.page, pair.b.page);
    const [closing, other] = closer === 'a' ? [pair.a, pair.b] : [pair.b, pair.a];
    await other.page.evaluate(() => window.tandemRtc.listen());
    const sizes = Array.from({ length: 20 }, (_, i) => 100 * KiB + i * 13 * KiB);

    // Close right after the last send is accepted, with bytes still buffered.
    const sent = await closing.page.evaluate(
      async (plan) => {
        const report = await window.tandemRtc.send(plan);
        window.tandemRtc.close('done for today');
        return report;
      },
      { sizes, seed: 5, mode: 'each' } satisfies SendPlan,
    );
    expect(sent.outcome).toBe('sent');

    expect(await closedOf(closing.page)).toEqual({ by: 'local', message: 'done for today' });
    expect(await closedOf(other.page)).toEqual({ by: 'remote', message: 'done for today' });
    const got = await other.page.evaluate(() => window.tandemRtc.received());
    expect(got.hashes).toEqual(sent.hashes);
    expect(await closing.page.evaluate(() => window.tandemRtc.sendAfterClose())).toBe(
      'TransportClosedError:local',
    );
    expect(await other.page.evaluate(() => window.tandemRtc.sendAfterClose())).toBe(
      'TransportClosedError:remote',
    );
    expect([...pair.a.errors, ...pair.b.errors]).toEqual([]);
  });
}

test("the peer's page closing is heard as lost, with a reason, and sends then reject", async () => {
  const [a, b] = [await device(), await device()];
  await connect(a.page, b.page);
  await b.page.close();
  const reason = await closedOf(a.page, 45_000);
  expect(reason).toEqual({ by: 'lost', message: expect.stringMatching(/\S/) });
  expect(await a.page.evaluate(() => window.tandemRtc.sendAfterClose())).toBe('TransportClosedError:lost');
  expect(a.errors).toEqual([]);
});

test('a peer that breaks the framing is closed with a reason that says so', async () => {
  const [a, b] = [await device(), await device()];
  await connect(a.page, b.page);
  await a.page.evaluate(() => window.tandemRtc.listen());
  await b.page.evaluate(() => window.tandemRtc.sendRawFrame([7, 1, 2]));
  const message = expect.stringMatching(/^malformed frames from the peer: .*unknown kind 7/);
  expect(await closedOf(a.page)).toEqual({ by: 'local', message });
  expect(await closedOf(b.page)).toEqual({ by: 'remote', message });
  expect(await a.page.evaluate(() => window.tandemRtc.receivedCount())).toBe(0);
  expect([...a.errors, ...b.errors]).toEqual([]);
});
