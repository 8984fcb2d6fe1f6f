/**
 * The e2e tests' devices and what they do through the UI. A device is a browser context of
 * the `appWorld` (its OPFS and IndexedDB outlive its pages) whose relay can go silent. Its
 * folder picker is a test seam: `showDirectoryPicker` resolves to an OPFS directory the test
 * names, since the real picker rejects headless. Two devices are paired through the invite
 * link, share a folder and accept it, and go away and come back, as a person would do it.
 */
import { expect } from '@playwright/test';
import type { BrowserContext, Locator, Page, WebSocketRoute } from 'playwright-core';
import { watchErrors } from '../support/pageErrors.ts';
import { APP, nameDevice, type AppWorld } from './appWorld.ts';
import { expectFiles, writeFiles } from './opfsFiles.ts';
import { bridgeToRelay } from './pairingRelay.ts';

/** One device: a browser context (its OPFS and IndexedDB outlive its pages). */
export interface Device {
  /** The name it was given on the first-run screen. */
  readonly name: string;
  readonly context: BrowserContext;
  page: Page;
  readonly errors: string[];
  /** While false, the relay is silent for this device: nothing it sends is answered. */
  online: boolean;
  /** Signaling sockets opened while silent, closed by `goOnline` so the app retries. */
  readonly silenced: WebSocketRoute[];
}

export interface DeviceOptions {
  /** The device's name, given on the first-run screen. */
  readonly name: string;
  /** The OPFS directory its folder picker returns; null: it has no picker (`noPicker`). */
  readonly picks: string | null;
  /** Where its page opens: the app, or a pairing link. */
  readonly url?: string;
  readonly viewport?: { readonly width: number; readonly height: number };
  /** Runs on the context before its first page opens (init scripts). */
  readonly before?: (context: BrowserContext) => Promise<void>;
  /** Runs on the first-run screen, before the device is named. */
  readonly firstRun?: (page: Page) => Promise<void>;
}

/** A new device of `world`, named, with its page open at `url`. */
export async function openDevice(world: AppWorld, options: DeviceOptions): Promise<Device> {
  const link = { online: true, silenced: [] as WebSocketRoute[] };
  const viewport = options.viewport ?? { width: 420, height: 900 };
  const context = await world.context({ viewport }, (ws) => {
    // Not connecting to the server leaves the socket open with nobody answering.
    if (link.online) bridgeToRelay(ws, world.relay.port);
    else link.silenced.push(ws);
  });
  await (options.picks === null ? noPicker(context) : pickerReturns(context, options.picks));
  await options.before?.(context);
  // The device is `link` itself, so setting `online` on it is what the handler reads.
  const made: Device = Object.assign(link, {
    name: options.name,
    context,
    page: await context.newPage(),
    errors: [] as string[],
  });
  await openPage(made, options.url);
  await options.firstRun?.(made.page);
  await nameDevice(made.page, options.name);
  return made;
}

/** Opens the app in `device`'s page, or in a new page when its page was closed. */
export async function openPage(device: Device, url = APP): Promise<void> {
  if (device.page.isClosed()) device.page = await device.context.newPage();
  const errors = watchErrors(device.page);
  device.page.on('close', () => device.errors.push(...errors));
  await device.page.goto(url);
}

/** Ends `device`'s relay silence: the silenced sockets close and the app connects again. */
export async function goOnline(device: Device): Promise<void> {
  device.online = true;
  for (const ws of device.silenced.splice(0)) await ws.close({ code: 1000, reason: 'back online' });
}

/** Every error `device`'s pages have logged, the open page's included (it closes). */
export async function errorsOf(device: Device): Promise<string[]> {
  await device.page.close();
  return device.errors;
}

/** The link status `page` shows for the paired device named `peerName`. */
export function peerStatus(page: Page, peerName: string) {
  return page.locator(`[data-testid=device][data-device-name="${peerName}"]`).getByTestId('device-status');
}

/** The card of the folder labelled `label` on `page`. */
export function folderAt(page: Page, label: string) {
  return page.locator(`[data-testid=folder][data-folder-label="${label}"]`);
}

/** Waits until the card of folder `label` on `page` says "Up to date". */
export async function upToDate(page: Page, label = 'notes'): Promise<void> {
  await expect(folderAt(page, label).getByTestId('folder-state')).toHaveText('Up to date', {
    timeout: 20_000,
  });
}

/** What `pairDevices` changes of A's or B's `DeviceOptions`. */
export interface PairOptions {
  readonly a?: Partial<DeviceOptions>;
  readonly b?: Partial<DeviceOptions>;
}

/**
 * A laptop (A, picking OPFS `notes`) and a phone (B, picking `b-notes`), paired through A's
 * link; returns once each shows the other connected.
 */
export async function pairDevices(
  world: AppWorld,
  options: PairOptions = {},
): Promise<{ a: Device; b: Device }> {
  const a = await openDevice(world, { name: 'Laptop', picks: 'notes', ...options.a });
  await a.page.getByTestId('pair-start').click();
  const url = await a.page.getByTestId('invite-link').inputValue({ timeout: 10_000 });
  const b = await openDevice(world, { name: 'Phone', picks: 'b-notes', url, ...options.b });
  await expect(peerStatus(a.page, b.name)).toHaveText('Connected', { timeout: 30_000 });
  await expect(peerStatus(b.page, a.name)).toHaveText('Connected', { timeout: 30_000 });
  return { a, b };
}

export interface ShareOptions {
  /** The folder's label on its card: by default `notes`. */
  readonly label?: string;
  /** Runs on B's offer before B accepts it. */
  readonly onOffer?: (offer: Locator) => Promise<void>;
}

/**
 * A adds its folder (waiting until it is up to date) and shares it with B, which accepts
 * it: from here B fetches what A has.
 */
export async function shareFolder(a: Device, b: Device, options: ShareOptions = {}): Promise<void> {
  const label = options.label ?? 'notes';
  await a.page.getByTestId('folder-add').click();
  await upToDate(a.page, label);
  await folderAt(a.page, label)
    .locator(`[data-testid=folder-share-device][data-device-name="${b.name}"]`)
    .check();
  await folderAt(a.page, label).getByTestId('folder-share-save').click();
  const offer = b.page.locator(`[data-testid=offer][data-folder-label="${label}"]`);
  await expect(offer).toBeVisible({ timeout: 30_000 });
  await options.onOffer?.(offer);
  await offer.getByTestId('offer-accept').click();
}

/**
 * Pairs a laptop (A) and a phone (B), and shares A's folder `notes` holding `files`, which B
 * accepts into `b-notes`; returns once B holds the same files and says "Up to date".
 */
export async function pairAndShare(
  world: AppWorld,
  files: Record<string, string>,
  options: PairOptions = {},
): Promise<{ a: Device; b: Device }> {
  const { a, b } = await pairDevices(world, options);
  await writeFiles(a.page, 'notes', files);
  await shareFolder(a, b);
  await expectFiles(b.page, 'b-notes', files);
  await upToDate(b.page);
  return { a, b };
}

/**
 * Gives the app on `page` time to see a change it made to its own folder `notes` (the
 * folder watch, then a scan): local changes show no activity in the UI to wait for.
 */
export async function settle(page: Page): Promise<void> {
  await page.waitForTimeout(2_000);
  await upToDate(page);
}

/**
 * Each of A and B edits `one.txt` of their shared `notes` its own way while apart: B's page
 * closes and A edits; B opens again with a silent relay (so A hears nothing) and edits.
 * Returns with B still away; `goOnline(b)` brings it back.
 */
export async function editApart(a: Device, b: Device): Promise<void> {
  await b.page.close();
  await expect(peerStatus(a.page, b.name)).not.toHaveText('Connected', { timeout: 30_000 });
  await writeFiles(a.page, 'notes', { 'one.txt': 'edited on the laptop\n' });
  b.online = false;
  await openPage(b);
  await expect(folderAt(b.page, 'notes')).toBeVisible({ timeout: 20_000 });
  await writeFiles(b.page, 'b-notes', { 'one.txt': 'edited on the phone\n' });
  await settle(b.page);
}

/** Makes every page of `context` accept the dialogs it opens (a person saying yes). */
export function acceptDialogs(context: BrowserContext): Promise<void> {
  context.on('page', (page) => page.on('dialog', (dialog) => void dialog.accept()));
  return Promise.resolve();
}

/** Makes `showDirectoryPicker` in every page of `context` return OPFS directory `name`. */
export async function pickerReturns(context: BrowserContext, name: string): Promise<void> {
  await context.addInitScript((dir: string) => {
    Object.defineProperty(window, 'showDirectoryPicker', {
      configurable: true,
      value: async () => (await navigator.storage.getDirectory()).getDirectoryHandle(dir, { create: true }),
    });
  }, name);
}

/** Hides `showDirectoryPicker` in every page of `context`, as in browsers without it. */
export async function noPicker(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    Object.defineProperty(window, 'showDirectoryPicker', { configurable: true, value: undefined });
  });
}
