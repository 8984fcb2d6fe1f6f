/**
 * A folder's conflicts as the page resolves them (DESIGN.md, "Sync" step 6): every
 * `name.sync-conflict-….ext` in the folder's directory, paired with the file it was named
 * after, and the person's choice of one version.
 *
 * - Listed from the directory itself, so conflicts made while the page was closed count.
 * - Keep the original: the copy is deleted. Keep the copy: its bytes are streamed over the
 *   original (`createWritable`, which replaces the file only when the write completes),
 *   then the copy is deleted. The engine then syncs the choice like any edit and delete.
 * - Nothing is replaced or deleted unless it is still what the person was shown (size and
 *   modification time): a file changed since the listing is refused with an error that
 *   says to look again, so a version nobody saw is never discarded.
 */
import { conflictOriginal } from '../core/model/conflictName.ts';
import { validatePath } from '../core/model/paths.ts';
import { isReservedName } from '../adapters/volume/volumePaths.ts';

/** One version of a conflicting file, as listed. */
export interface ConflictVersion {
  readonly path: string;
  readonly size: number;
  /** File.lastModified: ms since the epoch. */
  readonly modified: number;
}

/** A conflict copy and the file it was named after. */
export interface Conflict {
  /** The path the copy was named after. */
  readonly original: string;
  /** That file as it is now; absent when nothing is there (deleted since, or a name cut short). */
  readonly current?: ConflictVersion;
  readonly copy: ConflictVersion;
}

/** Directory entries visited before the listing gives up (a folder far larger than sync targets). */
const MAX_ENTRIES = 1_000_000;

/**
 * Every conflict copy under `root`, each with its original, sorted by original then copy
 * path. The app's own files (the marker, temporary files, partial downloads) are skipped.
 */
export async function listConflicts(root: FileSystemDirectoryHandle): Promise<Conflict[]> {
  const copies: string[] = [];
  let seen = 0;
  const walk = async (dir: FileSystemDirectoryHandle, prefix: string): Promise<void> => {
    for await (const [name, handle] of dir.entries()) {
      if (++seen > MAX_ENTRIES) throw new Error(`the folder has over ${MAX_ENTRIES} entries`);
      // The marker, temporary files, partial downloads; Chromium's writes in progress.
      if (isReservedName(name) || name.endsWith('.crswap')) continue;
      const path = prefix + name;
      if (handle.kind === 'directory') await walk(handle as FileSystemDirectoryHandle, `${path}/`);
      else if (isResolvable(path)) copies.push(path);
    }
  };
  await walk(root, '');
  const conflicts: Conflict[] = [];
  for (const path of copies) {
    const copy = await versionAt(root, path);
    if (copy === undefined) continue; // gone meanwhile
    const original = conflictOriginal(path)!;
    const current = await versionAt(root, original);
    conflicts.push(current ? { original, current, copy } : { original, copy });
  }
  return conflicts.sort((a, b) => compare(a.original, b.original) || compare(a.copy.path, b.copy.path));
}

/** A conflict copy whose path and original are valid folder paths (the engine syncs only those). */
function isResolvable(path: string): boolean {
  const original = conflictOriginal(path);
  return original !== undefined && validatePath(path).ok && validatePath(original).ok;
}

/** Keeps the original: deletes the copy. Refused when the original is gone (nothing would be left). */
export async function keepOriginal(root: FileSystemDirectoryHandle, conflict: Conflict): Promise<void> {
  if (conflict.current === undefined)
    throw new Error(`“${conflict.original}” is gone: keep the copy instead, or delete it yourself`);
  await expectUnchanged(root, conflict.current);
  await expectUnchanged(root, conflict.copy);
  await removeFile(root, conflict.copy.path);
}

/**
 * Keeps the copy: its bytes replace the original's (the original is created when it is
 * gone), then the copy is deleted. A failure before the replace leaves both as they were;
 * after it, the original holds the copy's bytes and the copy is still there to delete.
 */
export async function keepCopy(root: FileSystemDirectoryHandle, conflict: Conflict): Promise<void> {
  const copyFile = await expectUnchanged(root, conflict.copy);
  if (conflict.current) await expectUnchanged(root, conflict.current);
  else if ((await versionAt(root, conflict.original)) !== undefined)
    throw changed(conflict.original, 'appeared');
  const target = await fileHandle(root, conflict.original, true);
  const writable = await target.createWritable();
  // pipeTo closes the writable when the stream ends, which commits the write, and aborts
  // it on an error, which leaves the original untouched.
  await copyFile.stream().pipeTo(writable);
  await removeFile(root, conflict.copy.path);
}

/** The file at `path` under `root`, to open or download. */
export async function readFileAt(root: FileSystemDirectoryHandle, path: string): Promise<File> {
  return (await fileHandle(root, path, false)).getFile();
}

/**
 * The MIME type a browser tab may show a file as, by its extension; undefined when it
 * should be downloaded instead. Never HTML, SVG or XML: a blob URL runs in the page's own
 * origin, so a synced file must not run script there. Text is shown as plain text.
 */
export function viewableType(path: string): string | undefined {
  const dot = path.lastIndexOf('.');
  if (dot < 0 || dot < path.lastIndexOf('/')) return undefined;
  return VIEWABLE[path.slice(dot + 1).toLowerCase()];
}

const TEXT = 'text/plain; charset=utf-8';
const VIEWABLE: Readonly<Record<string, string>> = {
  txt: TEXT,
  md: TEXT,
  csv: TEXT,
  log: TEXT,
  json: TEXT,
  yaml: TEXT,
  yml: TEXT,
  ini: TEXT,
  toml: TEXT,
  ts: TEXT,
  js: TEXT,
  css: TEXT,
  py: TEXT,
  c: TEXT,
  h: TEXT,
  rs: TEXT,
  go: TEXT,
  sh: TEXT,
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  bmp: 'image/bmp',
  pdf: 'application/pdf',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  wav: 'audio/wav',
  mp4: 'video/mp4',
  webm: 'video/webm',
};

async function versionAt(
  root: FileSystemDirectoryHandle,
  path: string,
): Promise<ConflictVersion | undefined> {
  try {
    const file = await (await fileHandle(root, path, false)).getFile();
    return { path, size: file.size, modified: file.lastModified };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The file at `version.path` if it still has the listed size and time; else a clear error. */
async function expectUnchanged(root: FileSystemDirectoryHandle, version: ConflictVersion): Promise<File> {
  let file: File;
  try {
    file = await (await fileHandle(root, version.path, false)).getFile();
  } catch (error) {
    if (isNotFound(error)) throw changed(version.path, 'was deleted');
    throw error;
  }
  if (file.size !== version.size || file.lastModified !== version.modified)
    throw changed(version.path, 'changed');
  return file;
}

function changed(path: string, what: string): Error {
  return new Error(`“${path}” ${what} since the conflict was listed; look again before choosing`);
}

async function removeFile(root: FileSystemDirectoryHandle, path: string): Promise<void> {
  const { dir, name } = await parentOf(root, path, false);
  await dir.removeEntry(name);
}

async function fileHandle(
  root: FileSystemDirectoryHandle,
  path: string,
  create: boolean,
): Promise<FileSystemFileHandle> {
  const { dir, name } = await parentOf(root, path, create);
  return dir.getFileHandle(name, { create });
}

/** The directory holding `path` (a valid folder path) and the file's name in it. */
async function parentOf(
  root: FileSystemDirectoryHandle,
  path: string,
  create: boolean,
): Promise<{ dir: FileSystemDirectoryHandle; name: string }> {
  const checked = validatePath(path);
  if (!checked.ok) throw new Error(`not a path in the folder: ${path}`);
  const parts = path.split('/');
  const name = parts.pop()!;
  let dir = root;
  for (const part of parts) dir = await dir.getDirectoryHandle(part, { create });
  return { dir, name };
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof DOMException && (error.name === 'NotFoundError' || error.name === 'TypeMismatchError')
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
