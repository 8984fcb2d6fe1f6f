/**
 * What the e2e tests do in a page's OPFS folders, as a person's other programs would:
 * writing, renaming, reading and deleting files, large random files and their SHA-256, the
 * partial downloads on disk; and waiting until a folder holds what a test expects.
 */
import { expect } from '@playwright/test';
import type { Page } from 'playwright-core';

/** How long a change may take to reach the other device (scan delay, plan, transfer). */
export const ARRIVES_MS = 30_000;

/** The key readFiles answers with when the folder changed while it was read. */
const CHANGING = '(changing while read)';

/** Waits until OPFS directory `dir` on `page` holds exactly `files`. */
export async function expectFiles(page: Page, dir: string, files: Record<string, string>): Promise<void> {
  await expect
    .poll(() => readFiles(page, dir), { timeout: ARRIVES_MS, intervals: [250, 500, 1000] })
    .toEqual(files);
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

/**
 * Overwrites `text` at `offset` of an existing file in OPFS directory `dir`, in place
 * (`keepExistingData`): a non-persistent context's in-memory OPFS keeps the file's
 * lastModified through such a write, so only the watch can tell the app.
 */
export async function writeInPlace(page: Page, dir: string, path: string, offset: number, text: string) {
  await page.evaluate(
    async ({ dir, path, offset, text }) => {
      let parent = await (await navigator.storage.getDirectory()).getDirectoryHandle(dir);
      const parts = path.split('/');
      for (const part of parts.slice(0, -1)) parent = await parent.getDirectoryHandle(part);
      const writable = await (
        await parent.getFileHandle(parts.at(-1)!)
      ).createWritable({ keepExistingData: true });
      await writable.write({ type: 'write', position: offset, data: text });
      await writable.close();
    },
    { dir, path, offset, text },
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
 * temporary files; `{}` when the directory does not exist yet, and a one-entry value no
 * test expects when the app changed the folder during the walk.
 */
export async function readFiles(page: Page, dir: string): Promise<Record<string, string>> {
  return page.evaluate(
    async ({ dir, changing }) => {
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
      try {
        await walk(root, '');
      } catch (error) {
        // The app moved or removed an entry while it was being read (a commit's rename, a
        // delete): say so in a value no test expects, and the caller's poll looks again.
        const name = (error as Error).name;
        if (name === 'NotFoundError' || name === 'NotReadableError') return { [changing]: name };
        throw error;
      }
      return out;
    },
    { dir, changing: CHANGING },
  );
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

/** Waits until OPFS directory `dir` on `page` holds `count` files; resolves with them. */
export async function filesOnceThereAre(
  page: Page,
  dir: string,
  count: number,
): Promise<Record<string, string>> {
  let files: Record<string, string> = {};
  await expect
    .poll(
      async () => {
        files = await readFiles(page, dir);
        return CHANGING in files ? -1 : Object.keys(files).length;
      },
      {
        timeout: ARRIVES_MS,
        intervals: [250, 500, 1000],
      },
    )
    .toBe(count);
  return files;
}
