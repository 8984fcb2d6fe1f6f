/**
 * A Volume over a directory on disk through node:fs/promises (Node peers, the CLI, tests
 * against a real file system). The root may itself be a link the user chose; nothing
 * under it ever is, for Tandem:
 *
 * - Links are never followed, listed or changed. `list` skips them (and FIFOs, sockets,
 *   devices); a path that ends at one or passes through one is refused with
 *   `InvalidPathError`, so a link to `/etc` inside the folder cannot be read or written
 *   through. Each operation `lstat`s every component of its path first.
 * - Names that case-fold to the marker or to a temp file (`.TANDEM`) are reserved on every
 *   platform, because on a case-insensitive disk they are the marker.
 * - Paths go to the file system in their given case; a case-insensitive disk resolves them.
 *   `rename` to a name that is `from` in another case (same inode) is a case-only rename.
 * - A failed write leaves the files as they were: temp file and new parents removed. The
 *   directory's own mtime may show the attempt; it is never rewritten.
 * - mtimes are whole milliseconds (the wire's unit); change detection in `source` compares
 *   nanoseconds, inode and size.
 *
 * Races that remain (Node has no `openat`/`renameat2`, so a check and the call after it are
 * two syscalls). Each window is microseconds wide and needs another process acting inside
 * the folder at that instant:
 * 1. `writeAtomically`: an edit saved between the final `lstat` against `expect` and the
 *    `rename` is replaced (it is what every sync tool does; Syncthing has the same window).
 * 2. `remove` with `expect`: likewise between the `lstat` and the `unlink`.
 * 3. A directory swapped for a link between its `lstat` and the call that uses it is
 *    followed once. Only someone who can already write inside the folder can do it.
 * 4. `rename` links the new name and then unlinks the old one, so it never overwrites
 *    (`link` fails on an existing name); for a moment, and after a crash there, the file
 *    has both names, which loses nothing. Where the file system has no hard links (FAT,
 *    exFAT, some shares) it checks that the target is absent and then renames: a file
 *    created at the target in between would be replaced.
 *
 * Reading: the port's `FileSource` has no `close`, so a source keeps no descriptor open.
 * Each `read` opens the file (never following a link), reads, and `fstat`s it: if the
 * inode, size or mtime differ from when `source` was called, the read rejects with
 * `ChangedMeanwhileError` instead of returning bytes that may mix two versions. A file
 * replaced by a rename therefore rejects too, as a browser `File` does.
 *
 * Partial downloads: NodeVolume.partials.ts. Watching: NodeVolume.watch.ts. File I/O
 * (whole-file writes, fsyncs, the checked ranged read): NodeVolume.io.ts.
 */
import { randomBytes } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import {
  link,
  lstat,
  mkdir,
  opendir,
  readdir,
  rename,
  rmdir,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  AlreadyExistsError,
  InvalidPathError,
  NotEmptyError,
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
import {
  checkPlatformSegments,
  errnoCode,
  fsCall,
  hardLinksUnsupported,
  rootUnavailable,
  volumeError,
} from './NodeVolume.errors.ts';
import { fileChunks, readVersion, syncDirectory, syncFile, writeTempFile } from './NodeVolume.io.ts';
import { NodePartials } from './NodeVolume.partials.ts';
import { watchFolder } from './NodeVolume.watch.ts';
import {
  ancestors,
  checkExpectation,
  isReservedName,
  MARKER,
  pathSegments,
  TEMP_PREFIX,
} from './volumePaths.ts';

const fold = (s: string) => s.toLowerCase();

/** Entries `lstat`ed at once while listing a directory. */
const LIST_BATCH = 32;

const MARKER_TEXT = 'This folder is shared with Tandem. Deleting this file pauses syncing here.\n';

/** What is at a path: a file or directory with its stats, or nothing (maybe under a file). */
type Found =
  | { readonly kind: 'file' | 'directory'; readonly stats: BigIntStats }
  | { readonly kind: 'absent'; readonly fileParent?: string };

export class NodeVolume implements Volume {
  readonly #root: string;
  readonly #partials: NodePartials;

  /** `root` is the shared directory; it must exist (the volume never creates it). */
  constructor(root: string) {
    this.#root = resolve(root);
    this.#partials = new NodePartials(this.#root, {
      begin: (path) => this.#begin(path),
      checkMarker: () => this.#checkMarker(),
      commit: (path, file, expect) => this.#commitPartial(path, file, expect),
    });
  }

  get root(): string {
    return this.#root;
  }

  async hasMarker(): Promise<boolean> {
    let stats;
    try {
      stats = await lstat(join(this.#root, MARKER));
    } catch (error) {
      const code = errnoCode(error);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw rootUnavailable(error, this.#root);
      await this.#checkRoot();
      return false;
    }
    return stats.isFile() || stats.isDirectory();
  }

  async placeMarker(): Promise<void> {
    await this.#checkRoot();
    try {
      await writeFile(join(this.#root, MARKER), MARKER_TEXT, { flag: 'wx' });
    } catch (error) {
      if (errnoCode(error) === 'EEXIST' && (await this.hasMarker())) return;
      throw volumeError(error, MARKER);
    }
  }

  async *list(): AsyncGenerator<VolumeEntry> {
    await this.#checkMarker();
    const pending = [''];
    for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
      if (dir !== '') await this.#checkMarker();
      for (const entry of await this.#children(dir)) {
        yield entry;
        if (entry.kind === 'directory') pending.push(entry.path);
      }
    }
  }

  async stat(path: string): Promise<VolumeEntry | undefined> {
    await this.#begin(path);
    const found = await this.#find(path);
    return found.kind === 'absent' ? undefined : entry(path, found);
  }

  async source(path: string): Promise<FileSource> {
    await this.#begin(path);
    const found = await this.#find(path);
    if (found.kind === 'absent') throw new NotFoundError(path);
    if (found.kind === 'directory') throw new WrongKindError(path, 'directory');
    const opened = found.stats;
    return {
      size: Number(opened.size),
      mtime: milliseconds(opened),
      read: async (offset, length) => {
        await this.#checkMarker();
        return readVersion(this.#abs(path), path, opened, offset, length);
      },
    };
  }

  async writeAtomically(
    path: string,
    chunks: AsyncIterable<Uint8Array>,
    expect?: Expectation,
  ): Promise<VolumeEntry> {
    const temp = join(dirname(this.#abs(path)), `${TEMP_PREFIX}${randomBytes(8).toString('hex')}.tmp`);
    return this.#install(
      path,
      expect,
      temp,
      (mode) => writeTempFile(path, temp, chunks, mode),
      () => unlink(temp).catch(() => undefined),
    );
  }

  /** `PartialFile.commit`: the partial's `file` is installed as it is (kept on failure). */
  #commitPartial(path: string, file: string, expect: Expectation | undefined): Promise<VolumeEntry> {
    return this.#install(
      path,
      expect,
      file,
      (mode) => syncFile(path, file, mode),
      async () => undefined,
    );
  }

  /**
   * Puts a finished file at `path`: `fill` completes `file` (given the replaced file's
   * mode, so an executable stays executable) and fsyncs it; then the marker and `expect`
   * are checked once more and `file` is renamed over the target (race 1, header). On any
   * failure the target is untouched, new parents go and `discard` runs.
   */
  async #install(
    path: string,
    expect: Expectation | undefined,
    file: string,
    fill: (mode: number | undefined) => Promise<BigIntStats>,
    discard: () => Promise<void>,
  ): Promise<VolumeEntry> {
    await this.#begin(path);
    const before = await this.#findWritable(path);
    const created = await this.#makeDirectories(ancestors(path));
    const target = this.#abs(path);
    let written: BigIntStats;
    try {
      written = await fill(before.kind === 'file' ? Number(before.stats.mode) & 0o7777 : undefined);
      await this.#checkMarker();
      checkFound(path, await this.#findWritable(path), expect);
      try {
        await rename(file, target);
      } catch (error) {
        if (errnoCode(error) !== 'EXDEV') throw volumeError(error, path);
        // `file` is on another file system (a partial kept apart): copy it, then drop it.
        const copied = await this.writeAtomically(path, fileChunks(path, file), expect);
        await unlink(file).catch(() => undefined);
        return copied;
      }
    } catch (error) {
      await discard();
      await this.#removeDirectories(created);
      throw error;
    }
    await syncDirectory(dirname(target));
    return entry(path, { kind: 'file', stats: written });
  }

  async remove(path: string, expect?: Expectation): Promise<void> {
    await this.#begin(path);
    const found = await this.#find(path);
    if (found.kind === 'absent' && expect === undefined) throw new NotFoundError(path);
    checkFound(path, found, expect);
    if (found.kind === 'absent') return;
    const target = this.#abs(path);
    if (found.kind === 'file') return fsCall(path, () => unlink(target));
    try {
      await rmdir(target);
    } catch (error) {
      // Linux says ENOTEMPTY, some systems EEXIST, for the same thing.
      if (errnoCode(error) === 'EEXIST') throw new NotEmptyError(path, { cause: error });
      throw volumeError(error, path);
    }
  }

  async rename(from: string, to: string): Promise<void> {
    this.#check(from);
    await this.#begin(to);
    const source = await this.#find(from);
    if (source.kind === 'absent') throw new NotFoundError(from);
    if (source.kind === 'directory') throw new WrongKindError(from, 'directory');
    const target = await this.#find(to);
    if (target.kind === 'absent' && target.fileParent) throw new WrongKindError(target.fileParent, 'file');
    if (target.kind !== 'absent') {
      if (!(await this.#sameFileOtherCase(from, to, source.stats, target.stats))) {
        throw new AlreadyExistsError(to);
      }
      // A change of case on a case-insensitive disk: `to` names `from` itself.
      return fsCall(from, () => rename(this.#abs(from), this.#abs(to)));
    }
    const created = await this.#makeDirectories(ancestors(to));
    try {
      await this.#moveWithoutReplacing(from, to);
    } catch (error) {
      await this.#removeDirectories(created);
      throw error;
    }
  }

  async mkdir(path: string): Promise<void> {
    await this.#begin(path);
    const found = await this.#find(path);
    if (found.kind === 'absent' && found.fileParent) throw new WrongKindError(found.fileParent, 'file');
    if (found.kind === 'file') throw new WrongKindError(path, 'file');
    if (found.kind === 'absent') await this.#makeDirectories([...ancestors(path), path]);
  }

  /** See NodeVolume.partials.ts. */
  openPartial(path: string, key: string): Promise<PartialFile> {
    return this.#partials.open(path, key);
  }

  /** See NodeVolume.partials.ts. */
  partials(): AsyncIterable<PartialFile> {
    return this.#partials.list();
  }

  /** See NodeVolume.watch.ts. */
  watch(onChange: (change: VolumeChange) => void): Unsubscribe {
    return watchFolder(this.#root, onChange);
  }

  // --- Paths and checks ------------------------------------------------------------------

  #check(path: string): void {
    checkPlatformSegments(path, pathSegments(path, fold));
  }

  async #begin(path: string): Promise<void> {
    this.#check(path);
    await this.#checkMarker();
  }

  #abs(path: string): string {
    return join(this.#root, ...path.split('/'));
  }

  async #checkRoot(): Promise<void> {
    let stats;
    try {
      stats = await stat(this.#root);
    } catch (error) {
      throw rootUnavailable(error, this.#root);
    }
    if (!stats.isDirectory()) {
      throw new VolumeUnavailableError('gone', `the folder ${this.#root} is no longer a directory`);
    }
  }

  async #checkMarker(): Promise<void> {
    if (!(await this.hasMarker())) {
      throw new VolumeUnavailableError('marker-missing', 'the folder marker .tandem is missing');
    }
  }

  /** `lstat` of a folder path (`''` is the root), or `undefined` when nothing is there. */
  async #lstat(path: string): Promise<BigIntStats | undefined> {
    try {
      return await lstat(path === '' ? this.#root : this.#abs(path), { bigint: true });
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw volumeError(error, path);
    }
  }

  /** What is at `path`, having checked each parent is a real directory, not a link. */
  async #find(path: string): Promise<Found> {
    for (const parent of ancestors(path)) {
      const stats = await this.#lstat(parent);
      if (!stats) return { kind: 'absent' };
      if (stats.isFile()) return { kind: 'absent', fileParent: parent };
      if (!stats.isDirectory()) throw notFollowed(path, parent);
    }
    const stats = await this.#lstat(path);
    if (!stats) return { kind: 'absent' };
    if (stats.isFile()) return { kind: 'file', stats };
    if (stats.isDirectory()) return { kind: 'directory', stats };
    throw notFollowed(path, path);
  }

  /** Like `#find`, refusing a directory at `path` or a file at a parent. */
  async #findWritable(path: string): Promise<Found> {
    const found = await this.#find(path);
    if (found.kind === 'absent' && found.fileParent) throw new WrongKindError(found.fileParent, 'file');
    if (found.kind === 'directory') throw new WrongKindError(path, 'directory');
    return found;
  }

  // --- Operations ------------------------------------------------------------------------

  /** The listable children of `dir`: no links, specials, marker or temp files. */
  async #children(dir: string): Promise<VolumeEntry[]> {
    const at = dir === '' ? this.#root : this.#abs(dir);
    const names: string[] = [];
    try {
      // Narrows race 3: a directory swapped for a link since its parent was listed.
      if (dir !== '' && !(await lstat(at)).isDirectory()) return [];
      const handle = await opendir(at, { bufferSize: 64 });
      for await (const dirent of handle) {
        if (!isReservedName(dirent.name, fold)) names.push(dirent.name);
      }
    } catch (error) {
      const code = errnoCode(error);
      if (dir === '') throw rootUnavailable(error, this.#root);
      // Gone since its parent was listed: its entries read as deleted, which they are.
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw volumeError(error, dir);
    }
    const entries: VolumeEntry[] = [];
    for (let i = 0; i < names.length; i += LIST_BATCH) {
      const batch = names.slice(i, i + LIST_BATCH).map(async (name) => {
        const path = dir === '' ? name : `${dir}/${name}`;
        const stats = await this.#lstat(path);
        if (stats?.isFile()) return entry(path, { kind: 'file', stats });
        if (stats?.isDirectory()) return entry(path, { kind: 'directory', stats });
        return undefined;
      });
      for (const listed of await Promise.all(batch)) if (listed) entries.push(listed);
    }
    return entries;
  }

  /** Makes each missing directory of `dirs` (outermost first); returns those it made. */
  async #makeDirectories(dirs: readonly string[]): Promise<string[]> {
    const created: string[] = [];
    try {
      for (const dir of dirs) {
        try {
          await mkdir(this.#abs(dir));
          created.push(dir);
        } catch (error) {
          if (errnoCode(error) !== 'EEXIST') throw volumeError(error, dir);
          const stats = await this.#lstat(dir);
          if (stats?.isDirectory()) continue;
          if (stats?.isFile()) throw new WrongKindError(dir, 'file', { cause: error });
          throw notFollowed(dir, dir);
        }
      }
    } catch (error) {
      await this.#removeDirectories(created);
      throw error;
    }
    return created;
  }

  /** Undoes `#makeDirectories` after a failure, leaving any directory that filled up meanwhile. */
  async #removeDirectories(created: readonly string[]): Promise<void> {
    for (const dir of [...created].reverse()) await rmdir(this.#abs(dir)).catch(() => undefined);
  }

  /** Race 4 (header): `link` + `unlink` never overwrites; check-then-rename where no links. */
  async #moveWithoutReplacing(from: string, to: string): Promise<void> {
    const source = this.#abs(from);
    const target = this.#abs(to);
    try {
      await link(source, target);
    } catch (error) {
      if (!hardLinksUnsupported(error)) throw volumeError(error, errnoCode(error) === 'EEXIST' ? to : from);
      if (await this.#lstat(to)) throw new AlreadyExistsError(to);
      return fsCall(from, () => rename(source, target));
    }
    try {
      await unlink(source);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return; // someone removed the old name already
      await unlink(target).catch(() => undefined); // both names are one file: nothing lost
      throw volumeError(error, from);
    }
  }

  /** Whether `to` is `from` spelled in another case on a case-insensitive disk. */
  async #sameFileOtherCase(from: string, to: string, a: BigIntStats, b: BigIntStats): Promise<boolean> {
    if (from === to || fold(from) !== fold(to) || a.dev !== b.dev || a.ino !== b.ino) return false;
    // Two hard links `a` and `A` on a case-sensitive disk are the same file too; there
    // the directory holds the exact new name, and renaming would silently do nothing.
    const names = await fsCall(to, () => readdir(dirname(this.#abs(to))));
    return !names.includes(basename(this.#abs(to)));
  }
}

function entry(path: string, found: Found & { kind: 'file' | 'directory' }): VolumeEntry {
  const mtime = milliseconds(found.stats);
  return found.kind === 'file'
    ? { path, kind: 'file', size: Number(found.stats.size), mtime }
    : { path, kind: 'directory', size: 0, mtime };
}

function milliseconds(stats: BigIntStats): number {
  return Number(stats.mtimeNs / 1_000_000n);
}

/** `checkExpectation` (volumePaths.ts) of what a lookup found. */
function checkFound(path: string, found: Found, expect: Expectation | undefined): void {
  checkExpectation(path, found.kind === 'absent' ? undefined : entry(path, found), expect);
}

function notFollowed(path: string, at: string): InvalidPathError {
  return new InvalidPathError(
    path,
    `"${at}" is a symbolic link or special file; Tandem never follows or changes those`,
  );
}
