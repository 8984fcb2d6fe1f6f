/**
 * Folder scenarios end to end (issue 5, item 5): what happens while one device is away.
 * Set up as folders.spec.ts: two browser contexts are two devices running the built app
 * in a private network namespace, the signaling WebSocket carried by Playwright to a real
 * `startServer`, and the folder picker returning an OPFS directory the test names.
 * A device is "away" when its page is closed, or when its page is open but its relay is
 * silent (the WebSocket opens and nothing answers), so it can change files that nobody
 * sees. Every wait is bounded.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import type { WebSocketRoute } from 'playwright-core';
import { watchErrors } from '../support/pageErrors.ts';
import { APP, appWorld, nameDevice, SHOTS } from './appWorld.ts';
import { deleteFile, pickerReturns, readFiles, writeFiles } from './foldersPages.ts';
import { bridgeToRelay } from './pairingRelay.ts';
/** How long a change may take to reach the other device (scan delay, plan, transfer). */
const ARRIVES_MS = 30_000;
const CONFLICT_COPY = /^one\.sync-conflict-\d{8}-\d{6}-[A-Za-z0-9_-]+\.txt$/;

const world = appWorld('e2e-scenarios-dist');

/** One device: a browser context (its OPFS and IndexedDB outlive its pages). */
interface Device {
  readonly context: BrowserContext;
  page: Page;
  readonly errors: string[];
  /** While false, the relay is silent for this device: nothing it sends is answered. */
  online: boolean;
  /** Signaling sockets opened while silent, closed by `goOnline` so the app retries. */
  readonly silenced: WebSocketRoute[];
}

/** A new device at `url`, named `name`, whose folder picker returns OPFS directory `picks`. */
async function device(name: string, picks: string, url = APP): Promise<Device> {
  const link = { online: true, silenced: [] as WebSocketRoute[] };
  const context = await world.context({ viewport: { width: 420, height: 900 } }, (ws) => {
    // Not connecting to the server leaves the socket open with nobody answering.
    if (link.online) bridgeToRelay(ws, world.relay.port);
    else link.silenced.push(ws);
  });
  // The device is `link` itself, so setting `online` on it is what the handler reads.
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

/** Opens the app in `device`'s page, or in a new page when its page was closed. */
async function openPage(device: Device, url = APP): Promise<void> {
  if (device.page.isClosed()) device.page = await device.context.newPage();
  const errors = watchErrors(device.page);
  device.page.on('close', () => device.errors.push(...errors));
  await device.page.goto(url);
}

/** Ends `device`'s relay silence: the silenced sockets close and the app connects again. */
async function goOnline(device: Device): Promise<void> {
  device.online = true;
  for (const ws of device.silenced.splice(0)) await ws.close({ code: 1000, reason: 'back online' });
}

/** Every error `device`'s pages have logged, the open page's included. */
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

/**
 * Gives the app on `page` time to see a change it made to its own folder `notes` (the
 * folder watch, then a scan): local changes show no activity in the UI to wait for.
 */
async function settle(page: Page): Promise<void> {
  await page.waitForTimeout(2_000);
  await expect(folderAt(page, 'notes').getByTestId('folder-state')).toHaveText('Up to date', {
    timeout: 20_000,
  });
}

/** Waits until OPFS directory `dir` on `page` holds exactly `files`. */
async function expectFiles(page: Page, dir: string, files: Record<string, string>): Promise<void> {
  await expect
    .poll(() => readFiles(page, dir), { timeout: ARRIVES_MS, intervals: [250, 500, 1000] })
    .toEqual(files);
}

/**
 * Pairs a laptop (A) and a phone (B), and shares A's folder `notes` holding `files`, which B
 * accepts into `b-notes`; returns once B holds the same files and both say "Up to date".
 */
async function pairAndShare(files: Record<string, string>): Promise<{ a: Device; b: Device }> {
  const a = await device('Laptop', 'notes');
  await a.page.getByTestId('pair-start').click();
  const link = await a.page.getByTestId('invite-link').inputValue({ timeout: 10_000 });
  const b = await device('Phone', 'b-notes', link);
  await expect(peerStatus(a.page, 'Phone')).toHaveText('Connected', { timeout: 30_000 });
  await expect(peerStatus(b.page, 'Laptop')).toHaveText('Connected', { timeout: 30_000 });

  await writeFiles(a.page, 'notes', files);
  await a.page.getByTestId('folder-add').click();
  await expect(folderAt(a.page, 'notes').getByTestId('folder-state')).toHaveText('Up to date', {
    timeout: 20_000,
  });
  await folderAt(a.page, 'notes')
    .locator('[data-testid=folder-share-device][data-device-name="Phone"]')
    .check();
  await folderAt(a.page, 'notes').getByTestId('folder-share-save').click();
  const offer = b.page.locator('[data-testid=offer][data-folder-label="notes"]');
  await expect(offer).toBeVisible({ timeout: 30_000 });
  await offer.getByTestId('offer-accept').click();
  await expectFiles(b.page, 'b-notes', files);
  await expect(folderAt(b.page, 'notes').getByTestId('folder-state')).toHaveText('Up to date', {
    timeout: 20_000,
  });
  return { a, b };
}

test('the same file edited on both devices while apart keeps both versions on both', async () => {
  test.setTimeout(240_000);
  const { a, b } = await pairAndShare({ 'one.txt': 'as shared\n', 'two.txt': 'untouched\n' });

  // B goes away; A edits one.txt.
  await b.page.close();
  await expect(peerStatus(a.page, 'Phone')).not.toHaveText('Connected', { timeout: 30_000 });
  await writeFiles(a.page, 'notes', { 'one.txt': 'edited on the laptop\n' });

  // B opens again with no relay to reach A, and edits one.txt its own way.
  b.online = false;
  await openPage(b);
  await expect(folderAt(b.page, 'notes')).toBeVisible({ timeout: 20_000 });
  await writeFiles(b.page, 'b-notes', { 'one.txt': 'edited on the phone\n' });
  await settle(b.page);
  expect(await peerStatus(b.page, 'Laptop').textContent()).not.toBe('Connected');
  expect(await readFiles(a.page, 'notes')).toEqual({
    'one.txt': 'edited on the laptop\n',
    'two.txt': 'untouched\n',
  });

  // B comes back: both end with one.txt holding one version and a conflict copy the other.
  await goOnline(b);
  await expect(peerStatus(b.page, 'Laptop')).toHaveText('Connected', { timeout: 60_000 });
  const settled = async (page: Page, dir: string): Promise<Record<string, string>> => {
    let files: Record<string, string> = {};
    await expect
      .poll(async () => Object.keys((files = await readFiles(page, dir))).length, {
        timeout: ARRIVES_MS,
        intervals: [250, 500, 1000],
      })
      .toBe(3);
    return files;
  };
  const atA = await settled(a.page, 'notes');
  const copies = Object.keys(atA).filter((name) => CONFLICT_COPY.test(name));
  expect(copies).toHaveLength(1);
  expect([atA['one.txt'], atA[copies[0]!]].sort()).toEqual([
    'edited on the laptop\n',
    'edited on the phone\n',
  ]);
  expect(atA['two.txt']).toBe('untouched\n');
  await expectFiles(b.page, 'b-notes', atA);
  await expect(folderAt(a.page, 'notes').getByTestId('folder-state')).toHaveText('Up to date', {
    timeout: 20_000,
  });
  await expect(folderAt(b.page, 'notes').getByTestId('folder-state')).toHaveText('Up to date', {
    timeout: 20_000,
  });
  await a.page.screenshot({ path: `${SHOTS}/scenario-conflict-laptop.png`, fullPage: true });
  await b.page.screenshot({ path: `${SHOTS}/scenario-conflict-phone.png`, fullPage: true });
  expect(await errorsOf(a)).toEqual([]);
  expect(await errorsOf(b)).toEqual([]);
});

test('a file deleted while the other page was closed stays deleted when it returns', async () => {
  test.setTimeout(240_000);
  const { a, b } = await pairAndShare({ 'keep.txt': 'stays\n', 'gone.txt': 'to be deleted\n' });

  await b.page.close();
  await expect(peerStatus(a.page, 'Phone')).not.toHaveText('Connected', { timeout: 30_000 });
  await deleteFile(a.page, 'notes', 'gone.txt');
  await settle(a.page);

  await openPage(b);
  await expect(peerStatus(b.page, 'Laptop')).toHaveText('Connected', { timeout: 60_000 });
  await expectFiles(b.page, 'b-notes', { 'keep.txt': 'stays\n' });
  await expect(folderAt(b.page, 'notes').getByTestId('folder-state')).toHaveText('Up to date', {
    timeout: 20_000,
  });
  // Had B brought the file back, it would be on A again within a few scans.
  await a.page.waitForTimeout(5_000);
  expect(await readFiles(a.page, 'notes')).toEqual({ 'keep.txt': 'stays\n' });
  expect(await readFiles(b.page, 'b-notes')).toEqual({ 'keep.txt': 'stays\n' });
  await b.page.screenshot({ path: `${SHOTS}/scenario-delete-phone.png`, fullPage: true });
  expect(await errorsOf(a)).toEqual([]);
  expect(await errorsOf(b)).toEqual([]);
});
