/**
 * Makes any case-sensitive Volume behave like a Windows or macOS folder: two paths that
 * differ only by case name the same file, the first spelling written is the one kept (and
 * listed), and a rename that changes only the case is allowed. Lets the simulation show
 * what happens when a Linux peer sends `README.md` and `readme.md`.
 *
 * Each call resolves the given path against a listing of the wrapped volume, so it costs a
 * full listing: fine for tests, not a model for a real adapter. Folding is `toLowerCase`
 * (no Unicode case-folding tables, no NFD as on HFS+).
 *
 * A partial download is opened at the path's real spelling then. A partial lives long, so
 * its commit resolves the path again: if another spelling of it appeared meanwhile (a file
 * created on this "disk" in other case), the commit is `ChangedMeanwhileError`, as a
 * replace that would have hit that file must be.
 */
import {
  ChangedMeanwhileError,
  type Expectation,
  type FileSource,
  type PartialFile,
  type Unsubscribe,
  type Volume,
  type VolumeChange,
  type VolumeEntry,
} from '../../ports/Volume.ts';
import { pathSegments } from './volumePaths.ts';

const fold = (s: string) => s.toLowerCase();

export class CaseFoldVolume implements Volume {
  readonly #inner: Volume;
  readonly watch?: (onChange: (change: VolumeChange) => void) => Unsubscribe;
  readonly openPartial?: (path: string, key: string) => Promise<PartialFile>;
  readonly partials?: () => AsyncIterable<PartialFile>;

  constructor(inner: Volume) {
    this.#inner = inner;
    if (inner.watch) this.watch = (onChange) => inner.watch!(onChange);
    if (inner.openPartial) {
      const open = inner.openPartial.bind(inner);
      this.openPartial = async (path, key) => this.#partial(await open(await this.#resolve(path), key));
    }
    if (inner.partials) {
      const list = inner.partials.bind(inner);
      this.partials = () => this.#partials(list);
    }
  }

  hasMarker(): Promise<boolean> {
    return this.#inner.hasMarker();
  }

  placeMarker(): Promise<void> {
    return this.#inner.placeMarker();
  }

  list(): AsyncIterable<VolumeEntry> {
    return this.#inner.list();
  }

  async stat(path: string): Promise<VolumeEntry | undefined> {
    return this.#inner.stat(await this.#resolve(path));
  }

  async source(path: string): Promise<FileSource> {
    return this.#inner.source(await this.#resolve(path));
  }

  async writeAtomically(
    path: string,
    chunks: AsyncIterable<Uint8Array>,
    expect?: Expectation,
  ): Promise<VolumeEntry> {
    return this.#inner.writeAtomically(await this.#resolve(path), chunks, expect);
  }

  async remove(path: string, expect?: Expectation): Promise<void> {
    return this.#inner.remove(await this.#resolve(path), expect);
  }

  async rename(from: string, to: string): Promise<void> {
    const realFrom = await this.#resolve(from);
    if (fold(from) !== fold(to)) return this.#inner.rename(realFrom, await this.#resolve(to));
    // A change of case only: keep the parents' real spelling, take the new name as given.
    const slash = to.lastIndexOf('/');
    const parent = slash < 0 ? '' : `${await this.#resolve(to.slice(0, slash))}/`;
    const target = parent + to.slice(slash + 1);
    if (target !== realFrom) await this.#inner.rename(realFrom, target);
  }

  async mkdir(path: string): Promise<void> {
    return this.#inner.mkdir(await this.#resolve(path));
  }

  async *#partials(list: () => AsyncIterable<PartialFile>): AsyncGenerator<PartialFile> {
    for await (const partial of list()) yield this.#partial(partial);
  }

  #partial(inner: PartialFile): PartialFile {
    return {
      path: inner.path,
      key: inner.key,
      size: () => inner.size(),
      read: (offset, length) => inner.read(offset, length),
      write: (offset, bytes) => inner.write(offset, bytes),
      commit: async (expect) => {
        const now = await this.#resolve(inner.path);
        if (now !== inner.path) {
          throw new ChangedMeanwhileError(inner.path, expect, await this.#inner.stat(now));
        }
        return inner.commit(expect);
      },
      discard: () => inner.discard(),
    };
  }

  /** The path as the wrapped volume spells it: each existing prefix in its real case. */
  async #resolve(path: string): Promise<string> {
    const segments = pathSegments(path, fold);
    const real = new Map<string, string>();
    for await (const entry of this.#inner.list()) real.set(fold(entry.path), entry.path);
    let resolved = '';
    for (const [i, segment] of segments.entries()) {
      const given = segments.slice(0, i + 1).join('/');
      resolved = real.get(fold(given)) ?? (resolved ? `${resolved}/${segment}` : segment);
    }
    return resolved;
  }
}
