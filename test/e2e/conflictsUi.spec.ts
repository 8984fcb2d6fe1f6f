/**
 * Sync made visible, end to end (issue 5, item 3): a conflict is listed on both devices'
 * cards and resolved from one of them, the choice reaching the other; a large file shows a
 * progress bar on the receiving device while it arrives, and which device it comes from.
 * Set up as foldersScenarios.spec.ts: two browser contexts are two devices running the
 * built app in a private network namespace; the folder picker returns an OPFS directory.
 * Every wait is bounded.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import type { WebSocketRoute } from 'playwright-core';
import { watchErrors } from '../support/pageErrors.ts';
import { APP, appWorld, nameDevice, SHOTS } from './appWorld.ts';
import { pickerReturns, readFiles, writeFiles } from './foldersPages.ts';
import { bridgeToRelay } from './pairingRelay.ts';

/** How long a change may take to reach the other device (scan delay, plan, transfer). */
const ARRIVES_MS = 30_000;
const CONFLICT_COPY = /^one\.sync-conflict-\d{8}-\d{6}-[A-Za-z0-9_-]+\.txt$/;
const BIG_MIB = 64;

const world = appWorld('e2e-conflicts-ui-dist');

interface Device {
  readonly context: BrowserContext;
  page: Page;
  readonly errors: string[];
  /** While false, the relay is silent for this device: nothing it sends is answered. */
  online: boolean;
  readonly silenced: WebSocketRoute[];
}

async function device(name: string, picks: string, url = APP): Promise<Device> {
  const link = { online: true, silenced: [] as WebSocketRoute[] };
  const context = await world.context({ viewport: { width: 420, height: 900 } }, (ws) => {
    if (link.online) bridgeToRelay(ws, world.relay.port);
    else link.silenced.push(ws);
  });
  const made: Device = Object.assign(link, {
    context,
    page: await context.newPage(),
    errors: [] as string[],
  });
  await pickerReturns(context, picks);
  await openPage(made, url);
  await nameDevice(made.page, name);
  return made;
}

async function openPage(device: Device, url = APP): Promise<void> {
  if (device.page.isClosed()) device.page = await device.context.newPage();
  const errors = watchErrors(device.page);
  device.page.on('close', () => device.errors.push(...errors));
  // "Keep this one" asks first: the person says yes.
  device.page.on('dialog', (dialog) => void dialog.accept());
  await device.page.goto(url);
}

async function goOnline(device: Device): Promise<void> {
  device.online = true;
  for (const ws of device.silenced.splice(0)) await ws.close({ code: 1000, reason: 'back online' });
}

async function errorsOf(device: Device): Promise<string[]> {
  await device.page.close();
  return device.errors;
}

function peerStatus(page: Page, peerName: string) {
  return page.locator(`[data-testid=device][data-device-name="${peerName}"]`).getByTestId('device-status');
}

function folderAt(page: Page, label: string) {
  return page.locator(`[data-testid=folder][data-folder-label="${label}"]`);
}

async function upToDate(page: Page): Promise<void> {
  await expect(folderAt(page, 'notes').getByTestId('folder-state')).toHaveText('Up to date', {
    timeout: 20_000,
  });
}

async function expectFiles(page: Page, dir: string, files: Record<string, string>): Promise<void> {
  await expect
    .poll(() => readFiles(page, dir), { timeout: ARRIVES_MS, intervals: [250, 500, 1000] })
    .toEqual(files);
}

/** A laptop (A) shares its folder `notes` holding `files` with a phone (B), which accepts it. */
async function pairAndShare(files: Record<string, string>): Promise<{ a: Device; b: Device }> {
  const a = await device('Laptop', 'notes');
  await a.page.getByTestId('pair-start').click();
  const link = await a.page.getByTestId('invite-link').inputValue({ timeout: 10_000 });
  const b = await device('Phone', 'b-notes', link);
  await expect(peerStatus(a.page, 'Phone')).toHaveText('Connected', { timeout: 30_000 });
  await expect(peerStatus(b.page, 'Laptop')).toHaveText('Connected', { timeout: 30_000 });

  await writeFiles(a.page, 'notes', files);
  await a.page.getByTestId('folder-add').click();
  await upToDate(a.page);
  await folderAt(a.page, 'notes')
    .locator('[data-testid=folder-share-device][data-device-name="Phone"]')
    .check();
  await folderAt(a.page, 'notes').getByTestId('folder-share-save').click();
  const offer = b.page.locator('[data-testid=offer][data-folder-label="notes"]');
  await expect(offer).toBeVisible({ timeout: 30_000 });
  await offer.getByTestId('offer-accept').click();
  await expectFiles(b.page, 'b-notes', files);
  await upToDate(b.page);
  return { a, b };
}

/** `mib` MiB of random bytes written into OPFS directory `dir` at `path`, 1 MiB at a time. */
async function writeRandomFile(page: Page, dir: string, path: string, mib: number): Promise<void> {
  await page.evaluate(
    async ({ dir, path, mib }) => {
      const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(dir, { create: true });
      const writable = await (await root.getFileHandle(path, { create: true })).createWritable();
      const block = new Uint8Array(1 << 20);
      for (let i = 0; i < mib; i++) {
        for (let at = 0; at < block.length; at += 65_536)
          crypto.getRandomValues(block.subarray(at, at + 65_536));
        await writable.write(block);
      }
      await writable.close();
    },
    { dir, path, mib },
  );
}

/** SHA-256 (hex) and size of a file in OPFS directory `dir`, or undefined while it is not there. */
async function digestOf(page: Page, dir: string, path: string): Promise<string | undefined> {
  return page.evaluate(
    async ({ dir, path }) => {
      try {
        const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(dir);
        const file = await (await root.getFileHandle(path)).getFile();
        const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
        return `${file.size}:${[...hash].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
      } catch {
        return undefined;
      }
    },
    { dir, path },
  );
}

test('a conflict is listed on both devices, and keeping the copy on one resolves it on both', async () => {
  test.setTimeout(240_000);
  const { a, b } = await pairAndShare({ 'one.txt': 'as shared\n', 'two.txt': 'untouched\n' });

  // Apart, each device edits one.txt its own way.
  await b.page.close();
  await expect(peerStatus(a.page, 'Phone')).not.toHaveText('Connected', { timeout: 30_000 });
  await writeFiles(a.page, 'notes', { 'one.txt': 'edited on the laptop\n' });
  b.online = false;
  await openPage(b);
  await expect(folderAt(b.page, 'notes')).toBeVisible({ timeout: 20_000 });
  await writeFiles(b.page, 'b-notes', { 'one.txt': 'edited on the phone\n' });
  await b.page.waitForTimeout(2_000); // the watch, then a scan, see the edit
  await upToDate(b.page);

  await goOnline(b);
  await expect(peerStatus(b.page, 'Laptop')).toHaveText('Connected', { timeout: 60_000 });
  let atA: Record<string, string> = {};
  await expect
    .poll(async () => Object.keys((atA = await readFiles(a.page, 'notes'))).length, {
      timeout: ARRIVES_MS,
      intervals: [250, 500, 1000],
    })
    .toBe(3);
  const copy = Object.keys(atA).find((name) => CONFLICT_COPY.test(name))!;
  expect(copy).toBeDefined();
  await expectFiles(b.page, 'b-notes', atA);
  await upToDate(a.page);
  await upToDate(b.page);

  // Both cards list it: the original and the copy, each with Open and Keep this one.
  for (const page of [a.page, b.page]) {
    const conflicts = folderAt(page, 'notes').getByTestId('conflict');
    await expect(conflicts).toHaveCount(1, { timeout: 20_000 });
    await expect(conflicts).toHaveAttribute('data-original', 'one.txt');
    const versions = conflicts.getByTestId('conflict-version');
    await expect(versions).toHaveCount(2);
    await expect(versions.nth(1)).toHaveAttribute('data-path', copy);
    await expect(conflicts.getByTestId('conflict-keep')).toHaveCount(2);
    await expect(conflicts.getByTestId('conflict-open')).toHaveCount(2);
  }
  await folderAt(a.page, 'notes').screenshot({ path: `${SHOTS}/conflicts-list.png` });

  // Open shows the text copy in a new tab.
  const [tab] = await Promise.all([
    a.context.waitForEvent('page', { timeout: 10_000 }),
    folderAt(a.page, 'notes')
      .locator(`[data-testid=conflict-version][data-which=copy]`)
      .getByTestId('conflict-open')
      .click(),
  ]);
  await expect.poll(() => tab.evaluate(() => document.body.innerText), { timeout: 10_000 }).toBe(atA[copy]);
  await tab.close();

  // A keeps the copy: on both, one.txt holds the copy's content and the copy is gone.
  await folderAt(a.page, 'notes')
    .locator('[data-testid=conflict-version][data-which=copy]')
    .getByTestId('conflict-keep')
    .click();
  const resolved = { 'one.txt': atA[copy]!, 'two.txt': 'untouched\n' };
  await expectFiles(a.page, 'notes', resolved);
  await expectFiles(b.page, 'b-notes', resolved);
  for (const page of [a.page, b.page])
    await expect(folderAt(page, 'notes').getByTestId('conflict')).toHaveCount(0, { timeout: 20_000 });
  expect(await errorsOf(a)).toEqual([]);
  expect(await errorsOf(b)).toEqual([]);
});

test('a large file shows a progress bar on the receiving device while it arrives', async () => {
  test.setTimeout(240_000);
  const { a, b } = await pairAndShare({ 'small.txt': 'small\n' });
  const card = folderAt(b.page, 'notes');
  await expect(card.locator('[data-testid=device-progress-item][data-device-name="Laptop"]')).toContainText(
    'Up to date with Laptop',
  );

  // B samples its card every 50 ms (at most 6,000 times) while A writes and shares the file.
  await b.page.evaluate(() => {
    const samples: { value: number; max: number; device: string }[] = [];
    const w = window as unknown as { samples: typeof samples; stopSampling: () => void };
    w.samples = samples;
    const timer = setInterval(() => {
      const bar = document.querySelector<HTMLProgressElement>(
        '[data-testid=file-progress-item][data-path="big.bin"] progress',
      );
      const device = document.querySelector(
        '[data-testid=device-progress-item] [data-testid=device-progress-text]',
      );
      if (bar) samples.push({ value: bar.value, max: bar.max, device: device?.textContent ?? '' });
      if (samples.length >= 6_000) clearInterval(timer);
    }, 50);
    w.stopSampling = () => clearInterval(timer);
  });
  await writeRandomFile(a.page, 'notes', 'big.bin', BIG_MIB);
  const digest = await digestOf(a.page, 'notes', 'big.bin');

  // The first bar with some bytes done, for the screenshot.
  const bar = card.locator('[data-testid=file-progress-item][data-path="big.bin"] progress');
  await expect(bar).toBeVisible({ timeout: 60_000 });
  await expect(bar).toHaveAccessibleName(/^big\.bin: [\d.]+ of 64\.0 MiB$/);
  await card.screenshot({ path: `${SHOTS}/conflicts-ui-progress.png` });

  await expect
    .poll(() => digestOf(b.page, 'b-notes', 'big.bin'), { timeout: 120_000, intervals: [1000] })
    .toBe(digest);
  await upToDate(b.page);
  const samples = await b.page.evaluate(() => {
    const w = window as unknown as {
      samples: { value: number; max: number; device: string }[];
      stopSampling: () => void;
    };
    w.stopSampling();
    return w.samples;
  });
  expect(samples.length).toBeGreaterThan(0);
  expect(samples.every((s) => s.max === BIG_MIB * 1024 * 1024)).toBe(true);
  expect(new Set(samples.map((s) => s.value)).size).toBeGreaterThan(1);
  // Values only grow; the device line said the bytes come from the laptop.
  expect(samples.every((s, i) => i === 0 || s.value >= samples[i - 1]!.value)).toBe(true);
  expect(samples.some((s) => s.device.startsWith('Fetching 1 file — '))).toBe(true);
  // Done: the bar is gone, and the device line says so.
  await expect(bar).toHaveCount(0);
  await expect(card.locator('[data-testid=device-progress-item][data-device-name="Laptop"]')).toContainText(
    'Up to date with Laptop',
  );
  expect(await errorsOf(a)).toEqual([]);
  expect(await errorsOf(b)).toEqual([]);
});
