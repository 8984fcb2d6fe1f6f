/**
 * The bytes of one partial download in a HandleVolume (HandleVolume.partials.ts), kept one
 * of two ways:
 *
 * - `WritableBytes`, for any folder: the API has no in-place write outside workers, so
 *   every `createWritable` starts a swap file (a copy of the file, with `keepExistingData`)
 *   and `close()` swaps it in. One writable stays open across writes and is closed
 *   ("flushed") before a read or a commit, when idle, and once the bytes written since
 *   the last flush reach the size on disk (at least `FLUSH_MIN`): each reopen copies the
 *   file, and growing the threshold with the file keeps the copying under the file's size
 *   in total. Bytes not yet flushed are lost on a reload, which the port allows (the
 *   engine re-verifies what it resumes).
 * - `AccessHandleBytes`, for folders in OPFS: a `FileSystemSyncAccessHandle` in a worker
 *   writes in place, with no swap copy (AccessHandleWorker.ts). It locks the file, so it
 *   is closed when idle and before a commit or a removal.
 *
 * Calls on one partial run one at a time (the session's queue), so neither locks.
 */
import type { AccessHandles } from './AccessHandleWorker.ts';
import type { HandleId } from './accessHandleService.ts';

/** Bytes written before an open writable is flushed, at the least. */
const FLUSH_MIN = 8 * 1024 * 1024;
/** Bytes written through an access handle between flushes (a flush there copies nothing). */
const HANDLE_FLUSH_EVERY = 64 * 1024 * 1024;

export interface PartialBytes {
  /** One past the furthest byte written, flushed or not. */
  readonly size: number;
  write(offset: number, bytes: Uint8Array): Promise<void>;
  read(offset: number, length: number): Promise<Uint8Array>;
  /** After a while without writes: what was written is made to survive a reload. */
  idle(): Promise<void>;
  /** What was written is made durable and the file let go of, to be moved (a commit). */
  release(): Promise<void>;
  /** Lets go of the file, unflushed bytes and all (it is about to be removed). */
  abandon(): Promise<void>;
}

export class WritableBytes implements PartialBytes {
  #writable: FileSystemWritableFileStream | undefined;
  #sinceFlush = 0;

  constructor(
    private readonly file: FileSystemFileHandle,
    public size: number,
    private flushedSize = size,
  ) {}

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    const writable = (this.#writable ??= await this.file.createWritable({ keepExistingData: true }));
    try {
      // Past the end, the gap reads as zeros (WHATWG fs: "write" extends with 0x00).
      await writable.write({ type: 'write', position: offset, data: bytes as Uint8Array<ArrayBuffer> });
    } catch (error) {
      // A failed write (out of space, say) errors the stream for good: drop it and what it
      // held, so the next attempt starts from the flushed bytes instead of failing on it.
      await this.#drop(writable);
      throw error;
    }
    this.size = Math.max(this.size, offset + bytes.length);
    this.#sinceFlush += bytes.length;
    if (this.#sinceFlush >= Math.max(FLUSH_MIN, this.flushedSize)) await this.#flush();
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    await this.#flush();
    const file = await this.file.getFile();
    return new Uint8Array(await file.slice(offset, offset + length).arrayBuffer());
  }

  idle(): Promise<void> {
    return this.#flush();
  }

  release(): Promise<void> {
    return this.#flush();
  }

  async abandon(): Promise<void> {
    await this.#writable?.abort().catch(() => undefined);
    this.#writable = undefined;
  }

  async #flush(): Promise<void> {
    const writable = this.#writable;
    if (!writable) return;
    this.#writable = undefined;
    try {
      await writable.close();
    } catch (error) {
      await this.#drop(writable);
      throw error;
    }
    this.#sinceFlush = 0;
    this.flushedSize = this.size;
  }

  /** Gives up `writable` and the bytes written through it since the last flush. */
  async #drop(writable: FileSystemWritableFileStream): Promise<void> {
    if (this.#writable === writable) this.#writable = undefined;
    await writable.abort().catch(() => undefined);
    this.#sinceFlush = 0;
    this.size = this.flushedSize;
  }
}

export class AccessHandleBytes implements PartialBytes {
  #id: HandleId | undefined;
  #sinceFlush = 0;

  constructor(
    private readonly file: FileSystemFileHandle,
    public size: number,
    private readonly handles: AccessHandles,
  ) {}

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    const id = await this.#open();
    try {
      await this.handles.write(id, offset, bytes);
    } catch (error) {
      // Written in place, so nothing flushed is lost; a fresh handle serves the next try.
      await this.abandon();
      throw error;
    }
    this.size = Math.max(this.size, offset + bytes.length);
    this.#sinceFlush += bytes.length;
    if (this.#sinceFlush >= HANDLE_FLUSH_EVERY) {
      this.#sinceFlush = 0;
      await this.handles.flush(id);
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    return this.handles.read(await this.#open(), offset, length);
  }

  idle(): Promise<void> {
    return this.release();
  }

  async release(): Promise<void> {
    const id = this.#id;
    if (id === undefined) return;
    this.#id = undefined;
    this.#sinceFlush = 0;
    await this.handles.close(id);
  }

  async abandon(): Promise<void> {
    await this.release().catch(() => undefined);
  }

  async #open(): Promise<HandleId> {
    if (this.#id !== undefined) return this.#id;
    const { id, size } = await this.handles.open(this.file);
    this.#id = id;
    // The file as it is now: a partial opened elsewhere before may have grown it.
    this.size = Math.max(this.size, size);
    return id;
  }
}
