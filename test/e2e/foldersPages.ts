/**
 * The folders e2e tests' devices and what they do in their OPFS folders. A device is a
 * browser context of the `appWorld` (its OPFS and IndexedDB outlive its pages) whose relay
 * can go silent. The folder picker's test seam: `showDirectoryPicker` resolves to an OPFS
 * directory the test names, since the real picker rejects headless. In a page's OPFS:
 * writing, renaming, reading and deleting files as a person's other programs would, large
 * random files and their SHA-256, and the partial downloads on disk; and the bytes a page
 * receives over WebRTC, to tell a resumed download from a new one.
 */
import { expect } from '@playwright/test';
import type { BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { watchErrors } from '../support/pageErrors.ts';
import { APP, nameDevice, type AppWorld } from './appWorld.ts';
import { bridgeToRelay } from './pairingRelay.ts';

/** How long a change may take to reach the other device (scan delay, plan, transfer). */
export const ARRIVES_MS = 30_000;

/** One device: a browser context (its OPFS and IndexedDB outlive its pages). */
export interface Device {
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
  /** The OPFS directory its folder picker returns. */
  readonly picks: string;
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
  await pickerReturns(context, options.picks);
  await options.before?.(context);
  // The device is `link` itself, so setting `online` on it is what the handler reads.
  const made: Device = Object.assign(link, {
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

/** Waits until OPFS directory `dir` on `page` holds exactly `files`. */
export async function expectFiles(page: Page, dir: string, files: Record<string, string>): Promise<void> {
  await expect
    .poll(() => readFiles(page, dir), { timeout: ARRIVES_MS, intervals: [250, 500, 1000] })
    .toEqual(files);
}

/**
 * A laptop (A, picking OPFS `notes`) and a phone (B, picking `b-notes`), paired through A's
 * link; returns once each shows the other connected. `before` runs on B's context.
 */
export async function pairDevices(
  world: AppWorld,
  before?: (context: BrowserContext) => Promise<void>,
): Promise<{ a: Device; b: Device }> {
  const a = await openDevice(world, { name: 'Laptop', picks: 'notes' });
  await a.page.getByTestId('pair-start').click();
  const url = await a.page.getByTestId('invite-link').inputValue({ timeout: 10_000 });
  const b = await openDevice(world, { name: 'Phone', picks: 'b-notes', url, before });
  await expect(peerStatus(a.page, 'Phone')).toHaveText('Connected', { timeout: 30_000 });
  await expect(peerStatus(b.page, 'Laptop')).toHaveText('Connected', { timeout: 30_000 });
  return { a, b };
}

/**
 * A adds its folder `notes` (waiting until it is up to date) and shares it with B, which
 * accepts it: from here B fetches what A has.
 */
export async function shareNotes(a: Device, b: Device): Promise<void> {
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

/** Writes text files (folder-relative paths, `/`-separated) into OPFS directory `dir`. */
export async function writeFiles(page: Page, dir: string, files: Record<string, string>): Promise<void> {
  await page.evaluate(
    async ({ dir, files }) => {
      const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(dir, { create: true });
      for (const [path, text] of Object.entries(files)) {
        const parts = path.split('/');
        let parent = root;
        for (const part of parts.slice(0, -1))
          parent = await parent.getDirectoryHandle(part, { create: true });
        const file = await parent.getFileHandle(parts.at(-1)!, { create: true });
        const writable = await file.createWritable();
        await writable.write(text);
        await writable.close();
      }
    },
    { dir, files },
  );
}

/** Removes a file from OPFS directory `dir`. */
export async function deleteFile(page: Page, dir: string, path: string): Promise<void> {
  await page.evaluate(
    async ({ dir, path }) => {
      let parent = await (await navigator.storage.getDirectory()).getDirectoryHandle(dir);
      const parts = path.split('/');
      for (const part of parts.slice(0, -1)) parent = await parent.getDirectoryHandle(part);
      await parent.removeEntry(parts.at(-1)!);
    },
    { dir, path },
  );
}

/**
 * Every file under OPFS directory `dir` (path → text), without Tandem's own marker and
 * temporary files; `{}` when the directory does not exist yet.
 */
export async function readFiles(page: Page, dir: string): Promise<Record<string, string>> {
  return page.evaluate(async (dir) => {
    const out: Record<string, string> = {};
    let root: FileSystemDirectoryHandle;
    try {
      root = await (await navigator.storage.getDirectory()).getDirectoryHandle(dir);
    } catch {
      return out;
    }
    const walk = async (handle: FileSystemDirectoryHandle, prefix: string): Promise<void> => {
      for await (const [name, child] of handle.entries()) {
        if (name.startsWith('.tandem')) continue;
        if (child.kind === 'directory') await walk(child, `${prefix}${name}/`);
        else out[`${prefix}${name}`] = await (await child.getFile()).text();
      }
    };
    await walk(root, '');
    return out;
  }, dir);
}

/**
 * Renames `from` to `to` (same directory) in OPFS directory `dir` as a person's rename
 * does: `FileSystemFileHandle.move()` where Chromium has it, else a copy and a delete.
 * Resolves with which of the two it used.
 */
export async function renameFile(
  page: Page,
  dir: string,
  from: string,
  to: string,
): Promise<'move' | 'copy'> {
  return page.evaluate(
    async ({ dir, from, to }) => {
      let parent = await (await navigator.storage.getDirectory()).getDirectoryHandle(dir);
      const parts = from.split('/');
      for (const part of parts.slice(0, -1)) parent = await parent.getDirectoryHandle(part);
      const handle = await parent.getFileHandle(parts.at(-1)!);
      const newName = to.split('/').at(-1)!;
      // Not in the DOM typings yet; Chromium has it for OPFS.
      const movable = handle as FileSystemFileHandle & { move?: (name: string) => Promise<void> };
      if (typeof movable.move === 'function') {
        await movable.move(newName);
        return 'move';
      }
      const bytes = await (await handle.getFile()).arrayBuffer();
      const writable = await (await parent.getFileHandle(newName, { create: true })).createWritable();
      await writable.write(bytes);
      await writable.close();
      await parent.removeEntry(parts.at(-1)!);
      return 'copy';
    },
    { dir, from, to },
  );
}

/**
 * Writes `mib` MiB of random bytes to `path` at the root of OPFS directory `dir`, one MiB at
 * a time (never the whole file in memory), and resolves with its SHA-256 in hex.
 */
export async function writeRandomFile(page: Page, dir: string, path: string, mib: number): Promise<string> {
  await page.evaluate(
    async ({ dir, path, mib }) => {
      const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(dir, { create: true });
      const writable = await (await root.getFileHandle(path, { create: true })).createWritable();
      const chunk = new Uint8Array(1 << 20);
      for (let i = 0; i < mib; i++) {
        // getRandomValues fills at most 64 KiB per call.
        for (let at = 0; at < chunk.length; at += 65_536)
          crypto.getRandomValues(chunk.subarray(at, at + 65_536));
        await writable.write(chunk);
      }
      await writable.close();
    },
    { dir, path, mib },
  );
  const hash = await sha256Of(page, dir, path);
  if (hash === undefined) throw new Error(`${dir}/${path} is missing right after it was written`);
  return hash;
}

/** The SHA-256 (hex) of `path` at the root of OPFS directory `dir`; `undefined` if absent. */
export async function sha256Of(page: Page, dir: string, path: string): Promise<string | undefined> {
  return page.evaluate(
    async ({ dir, path }) => {
      try {
        const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(dir);
        const file = await (await root.getFileHandle(path)).getFile();
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
        return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
      } catch {
        return undefined;
      }
    },
    { dir, path },
  );
}

/**
 * Bytes on disk in the partial downloads of OPFS directory `dir` (the `.part` files in
 * `.tandem.partials/`, HandleVolume.partials.ts): what a reload would keep.
 */
export async function partialBytes(page: Page, dir: string): Promise<number> {
  return page.evaluate(async (dir) => {
    let partials: FileSystemDirectoryHandle;
    try {
      const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(dir);
      partials = await root.getDirectoryHandle('.tandem.partials');
    } catch {
      return 0;
    }
    let total = 0;
    for await (const [name, child] of partials.entries()) {
      if (child.kind === 'file' && name.endsWith('.part')) total += (await child.getFile()).size;
    }
    return total;
  }, dir);
}

/**
 * Counts the bytes every page of `context` receives over its WebRTC data channels (the
 * channels' message events, in `window.__tandemReceived`), whichever code opened them:
 * how much a page fetched from its peers since it loaded. Call before the page opens.
 */
export async function countReceivedBytes(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const counter = window as unknown as { __tandemReceived: number };
    counter.__tandemReceived = 0;
    const watch = (channel: RTCDataChannel): void => {
      channel.addEventListener('message', (event: MessageEvent<unknown>) => {
        const data = event.data;
        counter.__tandemReceived +=
          data instanceof ArrayBuffer
            ? data.byteLength
            : data instanceof Blob
              ? data.size
              : typeof data === 'string'
                ? data.length
                : 0;
      });
    };
    const Native = window.RTCPeerConnection;
    const create = Native.prototype.createDataChannel;
    Native.prototype.createDataChannel = function (this: RTCPeerConnection, ...args) {
      const channel = create.apply(this, args);
      watch(channel);
      return channel;
    };
    window.RTCPeerConnection = new Proxy(Native, {
      construct(target, args: ConstructorParameters<typeof RTCPeerConnection>, newTarget) {
        const pc = Reflect.construct(target, args, newTarget) as RTCPeerConnection;
        pc.addEventListener('datachannel', (event) => watch(event.channel));
        return pc;
      },
    });
  });
}

/** What `countReceivedBytes` has counted in `page` since it loaded. */
export async function receivedBytes(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __tandemReceived?: number }).__tandemReceived ?? -1);
}
