/**
 * A folder held in memory, for tests and the simulation: paths → bytes and mtimes, mtimes
 * read from the injected Clock (so two writes at the same virtual time share an mtime, as
 * on a coarse real file system). Case-sensitive; wrap it in `CaseFoldVolume` for
 * Windows/macOS behaviour and in `FailingVolume` for faults.
 *
 * Hostile where real platforms are: an open `FileSource` rejects once its file is replaced
 * or removed (as a browser `File` does), and `watch` listeners run inside the operation
 * that made the change.
 *
 * Partial downloads live in the volume object, apart from the files: the simulation keeps
 * the object across a device "crash", so they survive it as a disk's would. Each write is
 * kept whole (use `FailingVolume`'s torn writes for what a power cut leaves).
 */
import { concatBytes } from '../../core/content/bytes.ts';
import type { Clock } from '../../ports/Clock.ts';
import {
  AlreadyExistsError,
  ChangedMeanwhileError,
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
import { ancestors, checkExpectation, checkPartialKey, checkRange, pathSegments } from './volumePaths.ts';

interface FileNode {
  readonly kind: 'file';
  readonly content: Pieces;
  readonly mtime: number;
  /** False once replaced or removed: open sources over it stop reading. */
  live: boolean;
}

interface DirectoryNode {
  readonly kind: 'directory';
  readonly mtime: number;
}

type VolumeNode = FileNode | DirectoryNode;

interface PartialNode {
  readonly key: string;
  readonly content: Pieces;
  /** False once committed, discarded or superseded: its handles stop working. */
  live: boolean;
}

/**
 * A file's bytes as the writes that made them, kept as given (the port lets a volume keep
 * them) and joined into one array only when first read. So a download costs no copy until
 * someone reads the file, and its commit is a rename, as on a disk, not a copy.
 */
class Pieces {
  #pieces: { readonly offset: number; readonly bytes: Uint8Array }[] = [];
  size = 0;

  static of(bytes: Uint8Array): Pieces {
    const pieces = new Pieces();
    pieces.write(0, bytes);
    return pieces;
  }

  write(offset: number, bytes: Uint8Array): void {
    this.#pieces.push({ offset, bytes });
    this.size = Math.max(this.size, offset + bytes.length);
  }

  /** All the bytes; later writes win where writes overlap, and gaps read as zeros. */
  bytes(): Uint8Array {
    const only = this.#pieces[0];
    if (this.#pieces.length === 1 && only!.offset === 0 && only!.bytes.length === this.size)
      return only!.bytes;
    const bytes = new Uint8Array(this.size);
    for (const piece of this.#pieces) bytes.set(piece.bytes, piece.offset);
    this.#pieces = [{ offset: 0, bytes }];
    return bytes;
  }
}

export interface MemoryVolumeOptions {
  /** Where mtimes come from. */
  readonly clock: Clock;
  /** Start with the marker in place (default false: a fresh, unshared directory). */
  readonly marker?: boolean;
}

export class MemoryVolume implements Volume {
  readonly #clock: Clock;
  readonly #nodes = new Map<string, VolumeNode>();
  /** Path → its partial download. */
  readonly #partials = new Map<string, PartialNode>();
  readonly #listeners = new Set<(change: VolumeChange) => void>();
  #marker: boolean;

  constructor(options: MemoryVolumeOptions) {
    this.#clock = options.clock;
    this.#marker = options.marker ?? false;
  }

  /** Test hook: the marker disappears, as when the folder is emptied or unmounted. */
  removeMarker(): void {
    this.#marker = false;
  }

  /**
   * Test hook: replaces a file's bytes keeping its mtime, as an in-place write does in
   * Chromium's in-memory OPFS; the watch still hears of it. Rejects if no file is there.
   */
  overwriteKeepingMtime(path: string, bytes: Uint8Array): void {
    const old = this.#nodes.get(path);
    if (old?.kind !== 'file') throw new NotFoundError(path);
    this.#replace(path, { kind: 'file', content: Pieces.of(bytes.slice()), mtime: old.mtime, live: true });
  }

  /** Test hook: every file's bytes, path → bytes, read at once (no marker check). */
  files(): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    for (const [path, node] of this.#nodes)
      if (node.kind === 'file') out.set(path, node.content.bytes().slice());
    return out;
  }

  async hasMarker(): Promise<boolean> {
    return this.#marker;
  }

  async placeMarker(): Promise<void> {
    this.#marker = true;
  }

  async *list(): AsyncGenerator<VolumeEntry> {
    this.#checkMarker();
    // Sorted order puts every directory before its children: a prefix sorts first.
    const paths = [...this.#nodes.keys()].sort();
    for (const path of paths) {
      const node = this.#nodes.get(path);
      if (node) yield entry(path, node);
      await Promise.resolve();
      this.#checkMarker();
    }
  }

  async stat(path: string): Promise<VolumeEntry | undefined> {
    this.#check(path);
    const node = this.#nodes.get(path);
    return node && entry(path, node);
  }

  async source(path: string): Promise<FileSource> {
    this.#check(path);
    const node = this.#nodes.get(path);
    if (!node) throw new NotFoundError(path);
    if (node.kind !== 'file') throw new WrongKindError(path, node.kind);
    return {
      size: node.content.size,
      mtime: node.mtime,
      read: async (offset, length) => {
        if (!node.live) throw new ChangedMeanwhileError(path, undefined, undefined);
        return node.content.bytes().slice(offset, Math.min(node.content.size, offset + length));
      },
    };
  }

  async writeAtomically(
    path: string,
    chunks: AsyncIterable<Uint8Array>,
    expect?: Expectation,
  ): Promise<VolumeEntry> {
    this.#check(path);
    this.#checkParents(path);
    this.#checkNotDirectory(path);
    // Aside: the chunks are copied into a buffer nobody else sees until the replace.
    const parts: Uint8Array[] = [];
    for await (const chunk of chunks) parts.push(chunk.slice());
    // The replace itself runs without an await, so nothing can interleave with it.
    this.#check(path);
    this.#checkParents(path);
    this.#checkNotDirectory(path);
    this.#checkExpectation(path, expect);
    this.#makeParents(path);
    const node: FileNode = {
      kind: 'file',
      content: Pieces.of(concatBytes(parts)),
      mtime: this.#clock.now(),
      live: true,
    };
    this.#replace(path, node);
    return entry(path, node);
  }

  async remove(path: string, expect?: Expectation): Promise<void> {
    this.#check(path);
    const node = this.#nodes.get(path);
    if (!node && expect === undefined) throw new NotFoundError(path);
    this.#checkExpectation(path, expect);
    if (!node) return;
    if (node.kind === 'directory' && [...this.#nodes.keys()].some((p) => p.startsWith(`${path}/`))) {
      throw new NotEmptyError(path);
    }
    this.#replace(path, undefined);
  }

  async rename(from: string, to: string): Promise<void> {
    this.#check(from);
    this.#check(to);
    const node = this.#nodes.get(from);
    if (!node) throw new NotFoundError(from);
    if (node.kind !== 'file') throw new WrongKindError(from, node.kind);
    if (this.#nodes.has(to)) throw new AlreadyExistsError(to);
    this.#checkParents(to);
    this.#makeParents(to);
    this.#nodes.delete(from);
    this.#nodes.set(to, node);
    this.#notify(from);
    this.#notify(to);
  }

  async mkdir(path: string): Promise<void> {
    this.#check(path);
    this.#checkParents(path);
    const node = this.#nodes.get(path);
    if (node?.kind === 'file') throw new WrongKindError(path, 'file');
    this.#makeParents(path);
    if (!node) {
      this.#nodes.set(path, { kind: 'directory', mtime: this.#clock.now() });
      this.#notify(path);
    }
  }

  async openPartial(path: string, key: string): Promise<PartialFile> {
    this.#check(path);
    checkPartialKey(path, key);
    let node = this.#partials.get(path);
    if (node?.key !== key) {
      if (node) node.live = false;
      node = { key, content: new Pieces(), live: true };
      this.#partials.set(path, node);
    }
    return this.#partialFile(path, node);
  }

  async *partials(): AsyncGenerator<PartialFile> {
    this.#checkMarker();
    for (const [path, node] of [...this.#partials]) {
      if (node.live) yield this.#partialFile(path, node);
      await Promise.resolve();
      this.#checkMarker();
    }
  }

  watch(onChange: (change: VolumeChange) => void): Unsubscribe {
    const listener = (change: VolumeChange) => onChange(change);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #partialFile(path: string, node: PartialNode): PartialFile {
    const alive = () => {
      this.#checkMarker();
      if (!node.live) throw new NotFoundError(path);
    };
    return {
      path,
      key: node.key,
      size: async () => {
        alive();
        return node.content.size;
      },
      read: async (offset, length) => {
        checkRange(offset, length);
        alive();
        const { size } = node.content;
        return node.content.bytes().slice(Math.min(offset, size), Math.min(size, offset + length));
      },
      write: async (offset, bytes) => {
        checkRange(offset, bytes.length);
        alive();
        node.content.write(offset, bytes);
      },
      commit: async (expect) => {
        // Like the replace in writeAtomically: no await from the checks to the swap.
        alive();
        this.#checkParents(path);
        this.#checkNotDirectory(path);
        this.#checkExpectation(path, expect);
        this.#makeParents(path);
        const file: FileNode = {
          kind: 'file',
          content: node.content,
          mtime: this.#clock.now(),
          live: true,
        };
        node.live = false;
        this.#partials.delete(path);
        this.#replace(path, file);
        return entry(path, file);
      },
      discard: async () => {
        this.#checkMarker();
        if (!node.live) return;
        node.live = false;
        this.#partials.delete(path);
      },
    };
  }

  #check(path: string): void {
    pathSegments(path);
    this.#checkMarker();
  }

  #checkMarker(): void {
    if (!this.#marker) {
      throw new VolumeUnavailableError('marker-missing', 'the folder marker .tandem is missing');
    }
  }

  #checkParents(path: string): void {
    for (const parent of ancestors(path)) {
      if (this.#nodes.get(parent)?.kind === 'file') throw new WrongKindError(parent, 'file');
    }
  }

  #checkNotDirectory(path: string): void {
    if (this.#nodes.get(path)?.kind === 'directory') throw new WrongKindError(path, 'directory');
  }

  #checkExpectation(path: string, expect: Expectation | undefined): void {
    const node = this.#nodes.get(path);
    checkExpectation(path, node && entry(path, node), expect);
  }

  #makeParents(path: string): void {
    for (const parent of ancestors(path)) {
      if (!this.#nodes.has(parent)) {
        this.#nodes.set(parent, { kind: 'directory', mtime: this.#clock.now() });
        this.#notify(parent);
      }
    }
  }

  #replace(path: string, node: VolumeNode | undefined): void {
    const old = this.#nodes.get(path);
    if (old?.kind === 'file') old.live = false;
    if (node) this.#nodes.set(path, node);
    else this.#nodes.delete(path);
    this.#notify(path);
  }

  #notify(path: string): void {
    for (const listener of this.#listeners) listener({ path });
  }
}

function entry(path: string, node: VolumeNode): VolumeEntry {
  return node.kind === 'file'
    ? { path, kind: 'file', size: node.content.size, mtime: node.mtime }
    : { path, kind: 'directory', size: 0, mtime: node.mtime };
}
