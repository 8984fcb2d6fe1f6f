/**
 * A Volume over a `FileSystemDirectoryHandle`: a folder the user picked or dropped (File
 * System Access) or a directory in the origin private file system (OPFS), which share the
 * API. What the API gives and does not give shapes it:
 *
 * - Writes: `createWritable()` writes to a swap file and replaces the file in one step on
 *   `close()`. A file that exists is written that way, the expectation checked just before
 *   `close()`; a new file is written aside as `.tandem.<random>.tmp` and moved into place
 *   (`FileSystemHandle.move`, Chromium), so no empty or half-written file ever shows at the
 *   path. Without `move` it is copied through a writable, and a new file shows empty for
 *   that long. A finished partial download is moved over the file it replaces (the move
 *   replaces its destination in one step), or copied where the browser refuses that. The
 *   window between the last check and `close()`/`move()` is the same one NodeVolume has
 *   (race 1 there).
 * - mtimes are `File.lastModified` (ms). Directories have none: they read as 0.
 * - There are no links: handles cannot name anything outside the root.
 * - Chromium's swap files (`*.crswap`) show in real folders while a write is in progress:
 *   never listed or watched, and refused as paths.
 * - `source` reads ranges of the `File` snapshot `getFile()` gave; once the file changes,
 *   Chromium fails the read (NotReadableError), which becomes `ChangedMeanwhileError`.
 * - A lost permission (NotAllowedError) or a removed root (NotFoundError on the root)
 *   becomes `VolumeUnavailableError('permission' | 'gone')`.
 *
 * Partial downloads: HandleVolume.partials.ts. Watching: HandleVolume.watch.ts. Errors and
 * path rules: HandleVolume.dom.ts.
 */
import {
  AlreadyExistsError,
  ChangedMeanwhileError,
  NotFoundError,
  VolumeUnavailableError,
  WrongKindError,
  type Expectation,
  type FileSource,
  type PartialFile,
  type Unsubscribe,
  type Volume,
  type VolumeChange,
  type VolumeEntry,
} from '../../ports/Volume.ts';
import { fold, fsCall, handleSegments, isDom, rootUnavailable, volumeError } from './HandleVolume.dom.ts';
import type { AccessHandles } from './AccessHandleWorker.ts';
import { HandlePartials } from './HandleVolume.partials.ts';
import {
  checkFound,
  children,
  copyInto,
  entry,
  entryOf,
  find,
  findWritable,
  lastSegment,
  makeDirectories,
  removeDirectories,
  writeChunks,
  type Dir,
  type Made,
} from './HandleVolume.tree.ts';
import { observeFolder } from './HandleVolume.watch.ts';
import { checkRange, MARKER, TEMP_PREFIX } from './volumePaths.ts';

/** `handles` if `root` lies in the origin private file system, which sync access handles need. */
async function opfsOnly(root: Dir, handles: AccessHandles): Promise<AccessHandles | undefined> {
  try {
    const opfs = await navigator.storage.getDirectory();
    return (await opfs.resolve(root)) === null ? undefined : handles;
  } catch {
    return undefined; // no OPFS here: writables it is
  }
}

const MARKER_TEXT = 'This folder is shared with Tandem. Deleting this file pauses syncing here.\n';

export class HandleVolume implements Volume {
  readonly #root: Dir;
  readonly #partials: HandlePartials;
  readonly #listeners = new Set<(path: string) => void>();
  /** The marker look under way, and the next one, which calls made meanwhile share. */
  #look: Promise<void> | undefined;
  #nextLook: Promise<void> | undefined;

  /**
   * Present where `FileSystemObserver` exists (Chromium 129+); see HandleVolume.watch.ts.
   * Changes made through this volume are reported by the volume itself as well.
   */
  readonly watch?: (onChange: (change: VolumeChange) => void) => Unsubscribe;

  /**
   * `accessHandles`: the page's access-handle worker. Given, the partial downloads of a
   * folder in OPFS are written in place through it (HandleVolume.partialBytes.ts).
   */
  constructor(root: FileSystemDirectoryHandle, options: { accessHandles?: AccessHandles } = {}) {
    this.#root = root;
    let inOpfs: Promise<AccessHandles | undefined> | undefined;
    const { accessHandles } = options;
    this.#partials = new HandlePartials(root, {
      begin: (path) => this.#begin(path),
      checkMarker: () => this.#checkMarker(),
      commit: (path, part, expect) => this.#commitPartial(path, part, expect),
      accessHandles: () =>
        (inOpfs ??= accessHandles ? opfsOnly(root, accessHandles) : Promise.resolve(undefined)),
    });
    if (typeof FileSystemObserver === 'function') {
      this.watch = (onChange) => {
        const own = (path: string) => onChange({ path });
        this.#listeners.add(own);
        const stop = observeFolder(root, onChange);
        return () => {
          this.#listeners.delete(own);
          stop();
        };
      };
    }
  }

  get root(): FileSystemDirectoryHandle {
    return this.#root;
  }

  async hasMarker(): Promise<boolean> {
    try {
      await this.#root.getFileHandle(MARKER);
      return true;
    } catch (error) {
      if (isDom(error, 'TypeMismatchError')) return true; // a directory named .tandem
      if (!isDom(error, 'NotFoundError')) throw rootUnavailable(error);
    }
    await this.#checkRoot();
    return false;
  }

  async placeMarker(): Promise<void> {
    await this.#checkRoot();
    if (await this.hasMarker()) return;
    const handle = await fsCall(MARKER, () => this.#root.getFileHandle(MARKER, { create: true }));
    const writable = await fsCall(MARKER, () => handle.createWritable());
    await fsCall(MARKER, async () => {
      await writable.write(MARKER_TEXT);
      await writable.close();
    });
  }

  async *list(): AsyncGenerator<VolumeEntry> {
    await this.#checkMarker();
    const pending: [string, Dir][] = [['', this.#root]];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      const [dir, handle] = next;
      if (dir !== '') await this.#checkMarker();
      for (const [entry, child] of await children(dir, handle)) {
        yield entry;
        if (child) pending.push([entry.path, child]);
      }
    }
  }

  async stat(path: string): Promise<VolumeEntry | undefined> {
    await this.#begin(path);
    const found = await find(this.#root, path);
    return found.kind === 'absent' ? undefined : entry(path, found);
  }

  async source(path: string): Promise<FileSource> {
    await this.#begin(path);
    const found = await find(this.#root, path);
    if (found.kind === 'absent') throw new NotFoundError(path);
    if (found.kind === 'directory') throw new WrongKindError(path, 'directory');
    const { file } = found;
    return {
      size: file.size,
      mtime: file.lastModified,
      blob: file,
      // No marker check per read: opening checked it, and a read only hands out bytes (a
      // peer verifies them); a chunk server reading file after file would pay a round trip
      // to the browser's file system for each.
      read: async (offset, length) => {
        checkRange(offset, length);
        try {
          // A range at a time: a large file is never read whole.
          return new Uint8Array(await file.slice(offset, offset + length).arrayBuffer());
        } catch (error) {
          if (isDom(error, 'NotReadableError') || isDom(error, 'NotFoundError')) {
            throw new ChangedMeanwhileError(path, undefined, undefined, { cause: error });
          }
          throw volumeError(error, path);
        }
      },
    };
  }

  async writeAtomically(
    path: string,
    chunks: AsyncIterable<Uint8Array>,
    expect?: Expectation,
  ): Promise<VolumeEntry> {
    await this.#begin(path);
    // The parents first: the checks below then look the file up in its parent, not from
    // the root (a folder of small files pays a round trip per lookup).
    const made = await this.#makeDirectories(path);
    const tempName = `${TEMP_PREFIX}${randomHex()}.tmp`;
    let aside: FileSystemFileHandle | undefined;
    // A move renames the handle; under its own name still, the file aside is left over.
    const dropAside = async () => {
      if (aside?.name === tempName) await made.dir.removeEntry(tempName).catch(() => undefined);
    };
    try {
      const before = await findWritable(made.dir, path);
      checkFound(path, before, expect);
      if (before.kind === 'file') {
        // The writable's swap file is the "aside"; close() replaces the file in one step.
        const writable = await fsCall(path, () => before.handle.createWritable());
        try {
          await writeChunks(path, writable, chunks);
          await this.#checkMarker();
          checkFound(path, await findWritable(made.dir, path), expect);
          await fsCall(path, () => writable.close());
        } catch (error) {
          await writable.abort().catch(() => undefined);
          throw error;
        }
        this.#changed(path);
        return await entryOf(path, before.handle);
      }
      const file = await fsCall(path, () => made.dir.getFileHandle(tempName, { create: true }));
      aside = file;
      const writable = await fsCall(path, () => file.createWritable());
      try {
        await writeChunks(path, writable, chunks);
        await fsCall(path, () => writable.close());
      } catch (error) {
        await writable.abort().catch(() => undefined);
        throw error;
      }
      const written = await this.#install(path, made.dir, file, expect);
      await dropAside(); // copied into place, not moved
      return written;
    } catch (error) {
      await dropAside(); // first: a directory holding it is not empty
      await removeDirectories(made.created);
      throw error;
    }
  }

  async remove(path: string, expect?: Expectation): Promise<void> {
    await this.#begin(path);
    const found = await find(this.#root, path);
    if (found.kind === 'absent' && expect === undefined) throw new NotFoundError(path);
    checkFound(path, found, expect);
    if (found.kind === 'absent') return;
    await fsCall(path, () => found.parent.removeEntry(found.handle.name));
    this.#changed(path);
  }

  async rename(from: string, to: string): Promise<void> {
    handleSegments(from);
    await this.#begin(to);
    const source = await find(this.#root, from);
    if (source.kind === 'absent') throw new NotFoundError(from);
    if (source.kind === 'directory') throw new WrongKindError(from, 'directory');
    const target = await find(this.#root, to);
    if (target.kind === 'absent' && target.fileParent) throw new WrongKindError(target.fileParent, 'file');
    const toName = lastSegment(to);
    if (target.kind !== 'absent') {
      // On a case-insensitive folder, `to` may name `from` itself: a change of case only.
      const sameFile =
        from !== to && fold(from) === fold(to) && (await source.handle.isSameEntry(target.handle));
      if (!sameFile || !source.handle.move) throw new AlreadyExistsError(to);
      await fsCall(from, () => source.handle.move!(target.parent, toName));
      this.#changed(from);
      this.#changed(to);
      return;
    }
    const made = await this.#makeDirectories(to);
    try {
      if (source.handle.move) {
        await fsCall(from, () => source.handle.move!(made.dir, toName));
      } else {
        // No move: copy, then drop the old name (the mtime is the copy's).
        const copy = await fsCall(to, () => made.dir.getFileHandle(toName, { create: true }));
        await copyInto(to, source.file, copy);
        await fsCall(from, () => source.parent.removeEntry(source.handle.name));
      }
    } catch (error) {
      await removeDirectories(made.created);
      throw error;
    }
    this.#changed(from);
    this.#changed(to);
  }

  async mkdir(path: string): Promise<void> {
    await this.#begin(path);
    const found = await find(this.#root, path);
    if (found.kind === 'absent' && found.fileParent) throw new WrongKindError(found.fileParent, 'file');
    if (found.kind === 'file') throw new WrongKindError(path, 'file');
    if (found.kind === 'directory') return;
    const made = await this.#makeDirectories(path);
    try {
      await fsCall(path, () => made.dir.getDirectoryHandle(lastSegment(path), { create: true }));
    } catch (error) {
      await removeDirectories(made.created);
      throw error;
    }
    this.#changed(path);
  }

  /** See HandleVolume.partials.ts. */
  openPartial(path: string, key: string): Promise<PartialFile> {
    return this.#partials.open(path, key);
  }

  /** See HandleVolume.partials.ts. */
  partials(): AsyncIterable<PartialFile> {
    return this.#partials.list();
  }

  // --- Checks ----------------------------------------------------------------------------

  async #begin(path: string): Promise<void> {
    handleSegments(path);
    await this.#checkMarker();
  }

  async #checkRoot(): Promise<void> {
    try {
      await this.#root.keys().next();
    } catch (error) {
      throw rootUnavailable(error);
    }
  }

  /**
   * Refuses when the marker is gone, one look shared by the calls that wait for it: a call
   * is answered by a look that began after the call did, never by one already under way,
   * so a marker removed before a call is always seen by it. Sixteen writes at once then
   * cost about one look per round trip to the browser, not one each.
   */
  #checkMarker(): Promise<void> {
    if (this.#nextLook) return this.#nextLook;
    const running = this.#look;
    if (!running) return this.#startLook();
    const next = running
      .catch(() => undefined)
      .then(() => {
        this.#nextLook = undefined;
        return this.#startLook();
      });
    this.#nextLook = next;
    return next;
  }

  #startLook(): Promise<void> {
    const look = (async () => {
      if (!(await this.hasMarker())) {
        throw new VolumeUnavailableError('marker-missing', 'the folder marker .tandem is missing');
      }
    })().finally(() => {
      if (this.#look === look) this.#look = undefined;
    });
    this.#look = look;
    return look;
  }

  /** See `makeDirectories`; each directory made is a change. */
  #makeDirectories(path: string): Promise<Made> {
    return makeDirectories(this.#root, path, (at) => this.#changed(at));
  }

  #changed(path: string): void {
    for (const listener of this.#listeners) listener(path);
  }

  /**
   * Puts the finished file `source` at `path` (in `dir`): the marker and `expect` are
   * checked once more, then it is moved there, or copied where `move` is missing or
   * something is at `path`. `source` is left in place on failure (a partial is kept).
   */
  async #install(
    path: string,
    dir: Dir,
    source: FileSystemFileHandle,
    expect: Expectation | undefined,
  ): Promise<VolumeEntry> {
    await this.#checkMarker();
    const now = await findWritable(dir, path);
    checkFound(path, now, expect);
    const name = lastSegment(path);
    if (source.move && now.kind !== 'directory') {
      // Over an existing file too: the spec's move replaces its destination, as POSIX
      // rename does, so an edit to a large file costs no second copy (nor its space). A
      // browser that refuses leaves `source` where it was: copy it instead.
      const moved = await source.move(dir, name).then(
        () => true,
        (error: unknown) => {
          if (now.kind === 'absent') throw volumeError(error, path);
          return false;
        },
      );
      if (moved) {
        this.#changed(path);
        return entryOf(path, source);
      }
    }
    const target =
      now.kind === 'file' ? now.handle : await fsCall(path, () => dir.getFileHandle(name, { create: true }));
    try {
      const file = await fsCall(path, () => source.getFile());
      await copyInto(path, file, target, async () => {
        if (now.kind === 'file') checkFound(path, await findWritable(dir, path), expect);
      });
    } catch (error) {
      if (now.kind === 'absent') await dir.removeEntry(name).catch(() => undefined);
      throw error;
    }
    this.#changed(path);
    return entryOf(path, target);
  }

  /** `PartialFile.commit`: the partial's file `part` is installed as it is (kept on failure). */
  async #commitPartial(
    path: string,
    part: FileSystemFileHandle,
    expect: Expectation | undefined,
  ): Promise<VolumeEntry> {
    await this.#begin(path);
    // A file where a parent should be is refused here, a directory at `path` by #install.
    const made = await this.#makeDirectories(path);
    try {
      return await this.#install(path, made.dir, part, expect);
    } catch (error) {
      await removeDirectories(made.created);
      throw error;
    }
  }
}

function randomHex(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  );
}
