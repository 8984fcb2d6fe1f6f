/**
 * The page's own file work in an app-private (OPFS) folder, which a person cannot reach
 * with their file manager: import files and folders into it, list it, read one file, and
 * stream the whole folder as a zip. Functions over a `FileSystemDirectoryHandle`; after an
 * import the caller asks the folder service to rescan.
 *
 * Tandem's own entries are never listed, zipped or written: the marker `.tandem`, names
 * starting `.tandem.` (the partials directory, files written aside) and Chromium's swap
 * files (`*.crswap`), at any depth, in any case.
 */
import { makeZip } from 'client-zip';
import { fold, SWAP_SUFFIX } from '../adapters/volume/HandleVolume.dom.ts';
import { isReservedName } from '../adapters/volume/volumePaths.ts';
import { normalizePath, validatePath } from '../core/model/paths.ts';

/** A file to import and where it goes, folder-relative, `/`-separated. */
export interface ImportItem {
  readonly path: string;
  readonly file: Blob;
}

/** A file of the folder as the page lists it. */
export interface FolderFile {
  readonly path: string;
  readonly size: number;
  /** ms since the epoch. */
  readonly lastModified: number;
}

export interface SkippedItem {
  readonly path: string;
  readonly reason: string;
}

export interface ImportResult {
  /** New files written. */
  readonly added: readonly string[];
  /** Files that were there and were replaced, as the person allowed. */
  readonly replaced: readonly string[];
  /** Files that were there and were kept, as the person asked. */
  readonly kept: readonly string[];
  readonly skipped: readonly SkippedItem[];
}

/** Answers whether the files at `paths`, which exist already, may be replaced. */
export type ConfirmReplace = (paths: readonly string[]) => boolean | Promise<boolean>;

/** Whether a single name is Tandem's or the browser's, never the person's. */
export function isOwnName(name: string): boolean {
  return isReservedName(name, fold) || fold(name).endsWith(SWAP_SUFFIX);
}

/** Why `raw` cannot be imported as a path, or its NFC form. */
function checkImportPath(raw: string): { path: string } | { reason: string } {
  const path = normalizePath(raw);
  const valid = validatePath(path);
  if (!valid.ok) return { reason: valid.message };
  const own = path.split('/').find(isOwnName);
  if (own !== undefined) return { reason: `"${own}" is a name Tandem keeps for itself` };
  return { path };
}

/** Items from a file input: `webkitRelativePath` (a picked folder, its name first) or the name. */
export function itemsFromFiles(files: Iterable<File>): ImportItem[] {
  return [...files].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/** What `itemsFromEntries` reads of the File and Directory Entries API (`webkitGetAsEntry`). */
export interface DroppedEntry {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly name: string;
  readonly fullPath: string;
}

/** At most this many entries are walked in one drop, so a dropped disk cannot hang the page. */
export const MAX_DROPPED_ENTRIES = 100_000;

/**
 * The files under dropped entries, each at its path below the drop (a dropped folder
 * keeps its own name as the first segment). Directories are read batch by batch until
 * `readEntries` hands back an empty one, as the API requires.
 */
export async function itemsFromEntries(entries: Iterable<FileSystemEntry>): Promise<ImportItem[]> {
  const items: ImportItem[] = [];
  const queue = [...entries];
  for (let seen = 0; queue.length > 0; seen++) {
    if (seen >= MAX_DROPPED_ENTRIES)
      throw new Error(`more than ${MAX_DROPPED_ENTRIES} files and folders dropped`);
    const entry = queue.shift()!;
    const path = entry.fullPath.replace(/^\/+/, '') || entry.name;
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) =>
        (entry as FileSystemFileEntry).file(resolve, reject),
      );
      items.push({ path, file });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
          reader.readEntries(resolve, reject),
        );
        if (batch.length === 0) break;
        queue.push(...batch);
      }
    }
  }
  return items;
}

type Existing = 'file' | 'directory' | 'blocked' | undefined;

/** What is at `segments` under `dir`: nothing, a file, a directory, or a file in the way of a parent. */
async function existing(dir: FileSystemDirectoryHandle, segments: readonly string[]): Promise<Existing> {
  let parent = dir;
  for (const name of segments.slice(0, -1)) {
    try {
      parent = await parent.getDirectoryHandle(name);
    } catch (error) {
      if ((error as DOMException).name === 'TypeMismatchError') return 'blocked';
      if ((error as DOMException).name === 'NotFoundError') return undefined;
      throw error;
    }
  }
  const name = segments.at(-1)!;
  for (const kind of ['file', 'directory'] as const) {
    try {
      await (kind === 'file' ? parent.getFileHandle(name) : parent.getDirectoryHandle(name));
      return kind;
    } catch (error) {
      const type = (error as DOMException).name;
      if (type !== 'NotFoundError' && type !== 'TypeMismatchError') throw error;
    }
  }
  return undefined;
}

async function writeFile(
  dir: FileSystemDirectoryHandle,
  segments: readonly string[],
  file: Blob,
): Promise<void> {
  let parent = dir;
  for (const name of segments.slice(0, -1)) parent = await parent.getDirectoryHandle(name, { create: true });
  const handle = await parent.getFileHandle(segments.at(-1)!, { create: true });
  // createWritable writes to a swap file; the file changes only when the pipe closes it,
  // and an abort leaves the old content in place.
  await file.stream().pipeTo(await handle.createWritable());
}

/**
 * Imports `items` into `dir`. Paths are checked with the core's path rules (invalid names,
 * Tandem's own names and duplicates are skipped with a reason); files that exist already
 * are replaced only if `confirmReplace`, asked once with all of them, says yes. A file
 * that fails to write is skipped with the browser's reason, and the rest go on.
 */
export async function importFiles(
  dir: FileSystemDirectoryHandle,
  items: readonly ImportItem[],
  confirmReplace: ConfirmReplace,
): Promise<ImportResult> {
  const skipped: SkippedItem[] = [];
  const fresh: { path: string; file: Blob }[] = [];
  const present: { path: string; file: Blob }[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const checked = checkImportPath(item.path);
    if ('reason' in checked) {
      skipped.push({ path: item.path, reason: checked.reason });
      continue;
    }
    const { path } = checked;
    if (seen.has(path)) {
      skipped.push({ path, reason: 'the same path came twice in this import' });
      continue;
    }
    seen.add(path);
    const there = await existing(dir, path.split('/'));
    if (there === 'directory') skipped.push({ path, reason: 'a folder of that name is already there' });
    else if (there === 'blocked') skipped.push({ path, reason: 'a file stands where its folder would go' });
    else (there === 'file' ? present : fresh).push({ path, file: item.file });
  }
  const replace = present.length > 0 && (await confirmReplace(present.map((p) => p.path)));
  const isNew = new Set(fresh.map((f) => f.path));
  const added: string[] = [];
  const replaced: string[] = [];
  const kept = replace ? [] : present.map((p) => p.path);
  for (const { path, file } of replace ? [...fresh, ...present] : fresh) {
    try {
      await writeFile(dir, path.split('/'), file);
      (isNew.has(path) ? added : replaced).push(path);
    } catch (error) {
      skipped.push({ path, reason: `it could not be written: ${(error as Error).message}` });
    }
  }
  return { added, replaced, kept, skipped };
}

/** One line for people about what an import did. */
export function describeImport(result: ImportResult): string {
  const { added, replaced, kept, skipped } = result;
  const files = (n: number) => `${n} ${n === 1 ? 'file' : 'files'}`;
  const parts = [`Imported ${files(added.length + replaced.length)}`];
  if (replaced.length > 0) parts[0] += ` (${replaced.length} replaced)`;
  if (kept.length > 0) parts.push(`kept ${files(kept.length)} already there`);
  if (skipped.length > 0) {
    const shown = skipped.slice(0, 3).map((s) => `${s.path}: ${s.reason}`);
    if (skipped.length > 3) shown.push(`and ${skipped.length - 3} more`);
    parts.push(`skipped ${files(skipped.length)} (${shown.join('; ')})`);
  }
  return `${parts.join('; ')}.`;
}

/** Every file of the folder except Tandem's own, each with its handle, in path order. */
async function* walk(
  dir: FileSystemDirectoryHandle,
  prefix = '',
): AsyncGenerator<{ path: string; handle: FileSystemFileHandle }> {
  const children: [string, FileSystemDirectoryHandle | FileSystemFileHandle][] = [];
  for await (const child of dir.entries()) if (!isOwnName(child[0])) children.push(child);
  children.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name, handle] of children) {
    if (handle.kind === 'directory') yield* walk(handle, `${prefix}${name}/`);
    else yield { path: `${prefix}${name}`, handle };
  }
}

/** The folder's files (not Tandem's own), in path order; at most `limit` of them. */
export async function listFiles(dir: FileSystemDirectoryHandle, limit = Infinity): Promise<FolderFile[]> {
  const files: FolderFile[] = [];
  for await (const { path, handle } of walk(dir)) {
    if (files.length >= limit) break;
    const file = await handle.getFile();
    files.push({ path, size: file.size, lastModified: file.lastModified });
  }
  return files;
}

/** One file of the folder, as the browser hands it out (read lazily, from disk). */
export async function readFile(dir: FileSystemDirectoryHandle, path: string): Promise<File> {
  const checked = checkImportPath(path);
  if ('reason' in checked) throw new Error(`${path}: ${checked.reason}`);
  const segments = checked.path.split('/');
  let parent = dir;
  for (const name of segments.slice(0, -1)) parent = await parent.getDirectoryHandle(name);
  return (await parent.getFileHandle(segments.at(-1)!)).getFile();
}

/**
 * The folder as a zip (stored, not compressed, as client-zip writes it), streamed: each
 * file is opened only when the zip reaches it.
 */
export function zipFolder(dir: FileSystemDirectoryHandle): ReadableStream<Uint8Array> {
  async function* entries() {
    for await (const { path, handle } of walk(dir)) {
      const file = await handle.getFile();
      yield { input: file, name: path, lastModified: new Date(file.lastModified) };
    }
  }
  return makeZip(entries());
}

/** Whether `dir` lives inside the origin's private file system `opfsRoot` (an app-private folder). */
export async function isInside(
  opfsRoot: FileSystemDirectoryHandle,
  dir: FileSystemDirectoryHandle,
): Promise<boolean> {
  return (await opfsRoot.resolve(dir)) !== null;
}

/** Whether `dir` is an app-private folder: inside this origin's private file system. */
export async function isAppPrivate(dir: FileSystemDirectoryHandle): Promise<boolean> {
  return isInside(await navigator.storage.getDirectory(), dir);
}
