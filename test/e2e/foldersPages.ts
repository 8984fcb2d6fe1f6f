/**
 * OPFS as the folders e2e test reaches it inside a page: the test seam for the folder
 * picker (`showDirectoryPicker` resolves to an OPFS directory the test names, since the
 * real picker rejects headless), and writing, reading and deleting files there as a
 * person's other programs would.
 */
import type { BrowserContext, Page } from 'playwright-core';

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
