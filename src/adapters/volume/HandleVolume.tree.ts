/**
 * The tree walking under `HandleVolume`: finding what is at a path, listing a directory,
 * making and unmaking parents, and copying and checking files. Paths are already checked.
 */
import { WrongKindError, type Expectation, type VolumeEntry } from '../../ports/Volume.ts';
import { fold, fsCall, isDom, rootUnavailable, SWAP_SUFFIX, volumeError } from './HandleVolume.dom.ts';
import { checkExpectation, isReservedName } from './volumePaths.ts';

export type Dir = FileSystemDirectoryHandle;

/** Files whose `getFile()` runs at once while listing a directory. */
const LIST_BATCH = 32;

/** What is at a path: a file or directory with its parent, or nothing (maybe under a file). */
export type Found =
  | {
      readonly kind: 'file';
      readonly parent: Dir;
      readonly handle: FileSystemFileHandle;
      readonly file: File;
    }
  | { readonly kind: 'directory'; readonly parent: Dir; readonly handle: Dir }
  | { readonly kind: 'absent'; readonly fileParent?: string };

/** Directories `makeDirectories` made, to undo on failure: each with its parent. */
export type Made = { readonly dir: Dir; readonly created: readonly (readonly [Dir, string])[] };

/** What is at `path` (already checked), walking from the root. */
export async function find(root: Dir, path: string): Promise<Found> {
  const segments = path.split('/');
  let dir = root;
  for (let i = 0; i < segments.length - 1; i++) {
    try {
      dir = await dir.getDirectoryHandle(segments[i]!);
    } catch (error) {
      if (isDom(error, 'NotFoundError')) return { kind: 'absent' };
      if (isDom(error, 'TypeMismatchError')) {
        return { kind: 'absent', fileParent: segments.slice(0, i + 1).join('/') };
      }
      throw volumeError(error, path);
    }
  }
  return findIn(dir, path);
}

/**
 * What is at `path` in `parent`, the handle of its parent directory: one lookup instead
 * of a walk from the root, for a caller that holds the parent already. Handles name paths
 * in Chromium, so a parent moved or removed meanwhile finds nothing, as a walk would.
 */
export async function findIn(parent: Dir, path: string): Promise<Found> {
  const name = path.slice(path.lastIndexOf('/') + 1);
  try {
    const handle = await parent.getFileHandle(name);
    return { kind: 'file', parent, handle, file: await handle.getFile() };
  } catch (error) {
    if (isDom(error, 'NotFoundError')) return { kind: 'absent' };
    if (!isDom(error, 'TypeMismatchError')) throw volumeError(error, path);
  }
  try {
    return { kind: 'directory', parent, handle: await parent.getDirectoryHandle(name) };
  } catch (error) {
    if (isDom(error, 'NotFoundError')) return { kind: 'absent' };
    throw volumeError(error, path);
  }
}

/** Like `findIn`, refusing a directory at `path`. */
export async function findWritable(parent: Dir, path: string): Promise<Found> {
  const found = await findIn(parent, path);
  if (found.kind === 'directory') throw new WrongKindError(path, 'directory');
  return found;
}

export async function entryOf(path: string, handle: FileSystemFileHandle): Promise<VolumeEntry> {
  const file = await fsCall(path, () => handle.getFile());
  return { path, kind: 'file', size: file.size, mtime: file.lastModified };
}

/** The listable children of `dir`, each with its handle when it is a directory. */
export async function children(dir: string, handle: Dir): Promise<[VolumeEntry, Dir | undefined][]> {
  const named: [string, FileSystemFileHandle | Dir][] = [];
  try {
    for await (const [name, child] of handle.entries()) {
      if (!isReservedName(name, fold) && !fold(name).endsWith(SWAP_SUFFIX)) named.push([name, child]);
    }
  } catch (error) {
    if (dir === '') throw rootUnavailable(error);
    // Gone since its parent was listed: its entries read as deleted, which they are.
    if (isDom(error, 'NotFoundError')) return [];
    throw volumeError(error, dir);
  }
  const listed: [VolumeEntry, Dir | undefined][] = [];
  for (let i = 0; i < named.length; i += LIST_BATCH) {
    const batch = named.slice(i, i + LIST_BATCH).map(async ([name, child]) => {
      const path = dir === '' ? name : `${dir}/${name}`;
      if (child.kind === 'directory') {
        return [{ path, kind: 'directory', size: 0, mtime: 0 }, child] as [VolumeEntry, Dir];
      }
      try {
        const file = await child.getFile();
        return [{ path, kind: 'file', size: file.size, mtime: file.lastModified }, undefined] as [
          VolumeEntry,
          undefined,
        ];
      } catch (error) {
        if (isDom(error, 'NotFoundError')) return undefined; // deleted meanwhile
        throw volumeError(error, path);
      }
    });
    for (const one of await Promise.all(batch)) if (one) listed.push(one);
  }
  return listed;
}

/** Makes the missing parents of `path`; returns the parent handle and those it made. */
export async function makeDirectories(
  root: Dir,
  path: string,
  onMade: (path: string) => void,
): Promise<Made> {
  const segments = path.split('/').slice(0, -1);
  const created: [Dir, string][] = [];
  let dir = root;
  try {
    for (let i = 0; i < segments.length; i++) {
      const name = segments[i]!;
      const at = segments.slice(0, i + 1).join('/');
      try {
        dir = await dir.getDirectoryHandle(name);
        continue;
      } catch (error) {
        if (isDom(error, 'TypeMismatchError')) throw new WrongKindError(at, 'file', { cause: error });
        if (!isDom(error, 'NotFoundError')) throw volumeError(error, at);
      }
      const parent = dir;
      dir = await fsCall(at, () => parent.getDirectoryHandle(name, { create: true }));
      created.push([parent, name]);
      onMade(at);
    }
  } catch (error) {
    await removeDirectories(created);
    throw error;
  }
  return { dir, created };
}

/** Undoes `makeDirectories` after a failure, leaving any directory that filled up meanwhile. */
export async function removeDirectories(created: Made['created']): Promise<void> {
  for (const [parent, name] of [...created].reverse()) {
    await parent.removeEntry(name).catch(() => undefined);
  }
}

export async function writeChunks(
  path: string,
  writable: FileSystemWritableFileStream,
  chunks: AsyncIterable<Uint8Array>,
): Promise<void> {
  // The chunk source's own failure passes through as it is; the writes' are mapped.
  for await (const chunk of chunks)
    await fsCall(path, () => writable.write(chunk as Uint8Array<ArrayBuffer>));
}

/** Replaces `target`'s content with `file` through a writable; `beforeClose` may refuse. */
export async function copyInto(
  path: string,
  file: Blob,
  target: FileSystemFileHandle,
  beforeClose: () => Promise<void> = async () => undefined,
): Promise<void> {
  const writable = await fsCall(path, () => target.createWritable());
  try {
    await fsCall(path, () => writable.write(file)); // a Blob: streamed by the browser
    await beforeClose();
    await fsCall(path, () => writable.close());
  } catch (error) {
    await writable.abort().catch(() => undefined);
    throw error;
  }
}

export function entry(path: string, found: Found & { kind: 'file' | 'directory' }): VolumeEntry {
  return found.kind === 'file'
    ? { path, kind: 'file', size: found.file.size, mtime: found.file.lastModified }
    : { path, kind: 'directory', size: 0, mtime: 0 };
}

/** `checkExpectation` (volumePaths.ts) of what a lookup found. */
export function checkFound(path: string, found: Found, expect: Expectation | undefined): void {
  checkExpectation(path, found.kind === 'absent' ? undefined : entry(path, found), expect);
}

export function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
