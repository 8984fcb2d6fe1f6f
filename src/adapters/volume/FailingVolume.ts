/**
 * Wraps any Volume and fails chosen operations on demand, as a flaky disk, a revoked
 * permission or a source that dies mid-download would (STYLE practice 5). Without faults it
 * passes every call through unchanged. Partial downloads get faults of their own, torn
 * writes included (what a power cut leaves of a write that had not reached the disk).
 */
import {
  VolumeUnavailableError,
  type Expectation,
  type FileSource,
  type PartialFile,
  type Unsubscribe,
  type Volume,
  type VolumeChange,
  type VolumeEntry,
} from '../../ports/Volume.ts';

/**
 * The operations a fault can target; `read` is a read on an opened `FileSource`, and
 * `partial…` the calls on a `PartialFile` (`partialSize` … `partialDiscard`).
 */
export type VolumeOperation =
  | 'hasMarker'
  | 'placeMarker'
  | 'list'
  | 'stat'
  | 'source'
  | 'read'
  | 'writeAtomically'
  | 'remove'
  | 'rename'
  | 'mkdir'
  | 'openPartial'
  | 'partials'
  | 'partialSize'
  | 'partialRead'
  | 'partialWrite'
  | 'partialCommit'
  | 'partialDiscard';

export interface VolumeFault {
  readonly operation: VolumeOperation;
  /** Only calls on this path (the first path argument); any path when absent. */
  readonly path?: string;
  /** What the call rejects with (default: an I/O `VolumeUnavailableError`). */
  readonly error?: Error;
  /** How many calls fail before the fault wears off (default 1; `Infinity` for all). */
  readonly times?: number;
  /**
   * For `writeAtomically`: pass this many chunks to the wrapped volume, then make the
   * chunk stream throw, so the wrapped volume's own cleanup is what gets tested.
   */
  readonly afterChunks?: number;
  /**
   * For `partialWrite`: write only the first half of the bytes and resolve, as a write
   * the disk had not finished when the power went reads back after the restart.
   */
  readonly torn?: boolean;
}

interface ArmedFault extends VolumeFault {
  remaining: number;
}

export class FailingVolume implements Volume {
  readonly #inner: Volume;
  #faults: ArmedFault[] = [];
  readonly watch?: (onChange: (change: VolumeChange) => void) => Unsubscribe;
  readonly openPartial?: (path: string, key: string) => Promise<PartialFile>;
  readonly partials?: () => AsyncIterable<PartialFile>;

  constructor(inner: Volume) {
    this.#inner = inner;
    if (inner.watch) this.watch = (onChange) => inner.watch!(onChange);
    if (inner.openPartial) {
      const open = inner.openPartial.bind(inner);
      this.openPartial = (path, key) =>
        this.#call('openPartial', path, async () => this.#partial(await open(path, key)));
    }
    if (inner.partials) {
      const list = inner.partials.bind(inner);
      this.partials = () => this.#partials(list);
    }
  }

  /** Arms a fault; several may be armed, the first matching one is used. */
  fail(fault: VolumeFault): void {
    this.#faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  /** Disarms every fault. */
  heal(): void {
    this.#faults = [];
  }

  hasMarker(): Promise<boolean> {
    return this.#call('hasMarker', undefined, () => this.#inner.hasMarker());
  }

  placeMarker(): Promise<void> {
    return this.#call('placeMarker', undefined, () => this.#inner.placeMarker());
  }

  async *list(): AsyncGenerator<VolumeEntry> {
    const fault = this.#take('list', undefined);
    if (fault) throw faultError(fault);
    yield* this.#inner.list();
  }

  stat(path: string): Promise<VolumeEntry | undefined> {
    return this.#call('stat', path, () => this.#inner.stat(path));
  }

  source(path: string): Promise<FileSource> {
    return this.#call('source', path, async () => {
      const source = await this.#inner.source(path);
      return {
        size: source.size,
        mtime: source.mtime,
        read: (offset, length) => this.#call('read', path, () => source.read(offset, length)),
      };
    });
  }

  writeAtomically(
    path: string,
    chunks: AsyncIterable<Uint8Array>,
    expect?: Expectation,
  ): Promise<VolumeEntry> {
    const fault = this.#take('writeAtomically', path);
    if (fault?.afterChunks !== undefined) {
      return this.#inner.writeAtomically(
        path,
        breakAfter(chunks, fault.afterChunks, faultError(fault)),
        expect,
      );
    }
    if (fault) return Promise.reject(faultError(fault));
    return this.#inner.writeAtomically(path, chunks, expect);
  }

  remove(path: string, expect?: Expectation): Promise<void> {
    return this.#call('remove', path, () => this.#inner.remove(path, expect));
  }

  rename(from: string, to: string): Promise<void> {
    return this.#call('rename', from, () => this.#inner.rename(from, to));
  }

  mkdir(path: string): Promise<void> {
    return this.#call('mkdir', path, () => this.#inner.mkdir(path));
  }

  async *#partials(list: () => AsyncIterable<PartialFile>): AsyncGenerator<PartialFile> {
    const fault = this.#take('partials', undefined);
    if (fault) throw faultError(fault);
    for await (const partial of list()) yield this.#partial(partial);
  }

  #partial(inner: PartialFile): PartialFile {
    const { path } = inner;
    return {
      path,
      key: inner.key,
      size: () => this.#call('partialSize', path, () => inner.size()),
      read: (offset, length) => this.#call('partialRead', path, () => inner.read(offset, length)),
      write: (offset, bytes) => {
        const fault = this.#take('partialWrite', path);
        if (fault?.torn) return inner.write(offset, bytes.subarray(0, bytes.length >> 1));
        if (fault) return Promise.reject(faultError(fault));
        return inner.write(offset, bytes);
      },
      commit: (expect) => this.#call('partialCommit', path, () => inner.commit(expect)),
      discard: () => this.#call('partialDiscard', path, () => inner.discard()),
    };
  }

  #call<T>(operation: VolumeOperation, path: string | undefined, run: () => Promise<T>): Promise<T> {
    const fault = this.#take(operation, path);
    return fault ? Promise.reject(faultError(fault)) : run();
  }

  #take(operation: VolumeOperation, path: string | undefined): ArmedFault | undefined {
    const fault = this.#faults.find(
      (f) => f.operation === operation && (f.path === undefined || f.path === path),
    );
    if (fault && --fault.remaining <= 0) this.#faults = this.#faults.filter((f) => f !== fault);
    return fault;
  }
}

function faultError(fault: VolumeFault): Error {
  return fault.error ?? new VolumeUnavailableError('io', `injected failure of ${fault.operation}`);
}

async function* breakAfter(
  chunks: AsyncIterable<Uint8Array>,
  count: number,
  error: Error,
): AsyncGenerator<Uint8Array> {
  let passed = 0;
  for await (const chunk of chunks) {
    if (passed++ >= count) throw error;
    yield chunk;
  }
  if (passed <= count) throw error;
}
